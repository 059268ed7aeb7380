"""The ``vi2en`` command line. Front end only: every decision lives in the library.

Each command lives in a module of this package with a ``register(sub, common)`` function;
:data:`COMMANDS` lists them in the order ``vi2en --help`` shows. The modules share helpers
through :mod:`translate.cli.common` only and never import this module back. Building the
parser is light (no torch, no transformers): each command imports what it needs when it runs.

Exit codes: 0 done; 1 failed (an internal error: one line, the detail with --verbose);
2 the user's own mistake (see :data:`EXIT_CODES`); 3 a model is not available locally;
130 interrupted.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys

from .. import __version__
from ..config import check_settings
from ..convert import USER_NOTICE  # light: ctranslate2 loads on use
from ..errors import InputError, ModelError, ModelUnavailable, OutputError, Vi2enError, one_line
from . import batch, evaluate, models, serve
from . import translate as translate_commands
from .common import EXIT_FAILURE, EXIT_MODEL, EXIT_USAGE, CommandParser, UsageError

__all__ = ["main", "build_parser", "exit_code", "UsageError", "USAGE_ERRORS", "EXIT_CODES"]

logger = logging.getLogger("translate")

# Subcommand modules, in the order of `vi2en --help`.
COMMANDS = (translate_commands, models, evaluate, batch, serve)

# The library's errors (translate.errors) as exit codes, the first class that matches: a
# model that cannot be had here is 3; the user's input or settings (InputError: UsageError,
# glossary, file, option), an output that cannot be written and a model argument that names
# no usable model are the user's to fix, 2; any other Vi2enError (a missing optional package)
# fails, 1. Anything else, a plain ValueError included, is a bug: exit 1, "internal error".
EXIT_CODES: tuple[tuple[type[Exception], int], ...] = (
    (ModelUnavailable, EXIT_MODEL),
    (InputError, EXIT_USAGE), (OutputError, EXIT_USAGE), (ModelError, EXIT_USAGE),
    (Vi2enError, EXIT_FAILURE),
)
USAGE_ERRORS: tuple[type[Exception], ...] = tuple(
    cls for cls, code in EXIT_CODES if code == EXIT_USAGE)


def exit_code(exc: BaseException) -> int:
    """The exit code of a failure: :data:`EXIT_CODES`, else 1 (an internal error)."""
    return next((code for cls, code in EXIT_CODES if isinstance(exc, cls)), EXIT_FAILURE)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="vi2en", description="Vietnamese news in, English out: translate and summarize.")
    parser.add_argument("--version", action="version", version=f"vi2en {__version__}")
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("-v", "--verbose", action="store_true", help="log details to stderr")
    common.add_argument("-q", "--quiet", action="store_true", help="no progress bars")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True,
                                parser_class=CommandParser)
    for command in COMMANDS:
        command.register(sub, common)
    return parser


class _UserFormatter(logging.Formatter):
    """Notices read as the CLI's own lines; problems keep their level and source."""

    def format(self, record: logging.LogRecord) -> str:
        if record.levelno < logging.WARNING:
            return f"vi2en: {record.getMessage()}"
        return super().format(record)


def _problem_or_notice(record: logging.LogRecord) -> bool:
    return record.levelno >= logging.WARNING or bool(getattr(record, USER_NOTICE, False))


def _configure_logging(verbose: bool) -> None:
    handler = logging.StreamHandler(sys.stderr)
    if verbose:
        handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    else:
        # Without --verbose only problems reach the screen, and the library's few notices
        # for the user (a first-use model conversion), which are INFO: information.
        handler.setFormatter(_UserFormatter("%(levelname)s %(name)s: %(message)s"))
        handler.addFilter(_problem_or_notice)
    logging.basicConfig(level=logging.DEBUG if verbose else logging.WARNING, handlers=[handler])
    logging.getLogger("translate").setLevel(logging.DEBUG if verbose else logging.INFO)
    if not verbose:
        # Third-party chatter (load reports, generation hints) is not for the user's screen.
        for noisy in ("transformers", "huggingface_hub", "httpx", "urllib3", "filelock"):
            logging.getLogger(noisy).setLevel(logging.ERROR)
        # transformers and huggingface_hub read these when they are imported, which is
        # later (or never: `vi2en segment` loads neither); importing them here would cost
        # most of a light command's time.
        os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
        os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
        if "transformers" in sys.modules:  # main() called again in a process that has it
            from transformers.utils import logging as hf_logging

            hf_logging.disable_progress_bar()


def _fail(message: str) -> None:
    print(f"vi2en: error: {message}", file=sys.stderr)


def _command_parser(parser: argparse.ArgumentParser, name: str) -> argparse.ArgumentParser:
    """The parser of one command (``serve``)."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return action.choices[name]
    raise KeyError(name)


def main(argv: list[str] | None = None, *, command_prog: str | None = None) -> int:
    """The ``vi2en`` command. ``command_prog``: the name a launcher of one command goes by
    (``python ui.py`` runs ``serve``), shown in its help and errors."""
    if argv is None and hasattr(signal, "SIGPIPE"):
        # As the program (not called from Python with arguments), behave like a Unix filter:
        # `vi2en segment x | head` ends quietly. A process that embeds main() keeps its own.
        signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    for stream in (sys.stdout, sys.stderr):
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(encoding="utf-8")
    parser = build_parser()
    if command_prog and argv:
        command = _command_parser(parser, argv[0])
        command.prog = command_prog
        args = command.parse_args(argv[1:])
    else:
        args = parser.parse_args(argv)
    _configure_logging(args.verbose)
    try:
        check_settings()  # a bad VI2EN_* variable: one line, exit 2, before any work
        return args.handler(args)
    except Vi2enError as exc:  # refused or impossible as asked: its own line says why
        logger.debug("%s", type(exc).__name__, exc_info=True)
        _fail(one_line(exc))
        return exit_code(exc)
    except KeyboardInterrupt:
        print("vi2en: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # a bug: one line, the detail only with --verbose
        logger.debug("internal error", exc_info=True)
        _fail(f"internal error: {one_line(f'{type(exc).__name__}: {exc}')}")
        if not args.verbose:
            print("vi2en: run again with --verbose for details", file=sys.stderr)
        return EXIT_FAILURE
