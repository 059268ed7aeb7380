"""The vi2en web page: ``python ui.py [--host H] [--port P] [--share] [--auth USER:PASS]``.

The same as ``vi2en serve``, through the same parser: the options live in
:mod:`translate.cli.serve`, the page in :mod:`translate.web`.
"""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> int:
    from translate.cli import main as cli_main

    argv = sys.argv[1:] if argv is None else argv
    # One code path with `vi2en serve`: its parser (help and errors under this script's name),
    # logging setup and one-line errors.
    return cli_main(["serve", *argv], command_prog="python ui.py")


if __name__ == "__main__":
    sys.exit(main())
