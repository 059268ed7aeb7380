"""The vi2en web page: ``python ui.py [--host H] [--port P] [--share] [--auth USER:PASS]``.

The same as ``vi2en serve``: the options live in :mod:`translate.cli.serve`, the page in
:mod:`translate.web`.
"""

from __future__ import annotations

import argparse
import sys


def main(argv: list[str] | None = None) -> int:
    from translate.cli import main as cli_main
    from translate.cli.serve import add_serve_options

    parser = argparse.ArgumentParser(
        prog="python ui.py",
        description="Serve the vi2en web page (Vietnamese news in, English out) and its API.")
    parser.add_argument("-v", "--verbose", action="store_true", help="log details to stderr")
    add_serve_options(parser)
    argv = sys.argv[1:] if argv is None else argv
    parser.parse_args(argv)  # --help and bad options answered under this script's name
    # One code path with `vi2en serve`: logging setup and one-line errors come from the CLI.
    return cli_main(["serve", *argv])


if __name__ == "__main__":
    sys.exit(main())
