"""What every ``vi2en`` command shares: model options, input, output, exit codes, progress.

The one place front-end modules borrow from each other. Light on import: ``vi2en segment``
loads this and the text layer, nothing heavy.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..config import DEVICES, SUMMARY_LENGTHS, ModelConfig, SettingError
from ..errors import InputError
from ..extract import DOCUMENT_SUFFIXES
from ..outputs import check_output_file

if TYPE_CHECKING:  # pragma: no cover
    from ..glossary import Glossary

EXIT_OK, EXIT_FAILURE, EXIT_USAGE, EXIT_MODEL = 0, 1, 2, 3


class UsageError(InputError):
    """Bad arguments found after parsing (exit code 2)."""


class CommandParser(argparse.ArgumentParser):
    """An argument parser whose options may be added on first use (``populate``).

    A command whose options need a heavy module (``vi2en batch`` reads its defaults from the
    batch library) adds them only when that command is parsed or its help is shown, so
    every other command starts without importing it.
    """

    def __init__(self, *args: Any,
                 populate: Callable[[argparse.ArgumentParser], None] | None = None,
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._populate = populate

    def _populated(self) -> None:
        if self._populate is not None:
            populate, self._populate = self._populate, None
            populate(self)

    def parse_known_args(self, args: Sequence[str] | None = None,
                         namespace: argparse.Namespace | None = None) -> Any:
        self._populated()
        return super().parse_known_args(args, namespace)

    def format_help(self) -> str:
        self._populated()
        return super().format_help()

    def format_usage(self) -> str:
        self._populated()
        return super().format_usage()


def read_input(source: str | None, *, documents: bool = False) -> str:
    """Text of FILE, or of standard input for ``-``/nothing; UTF-8 whatever the locale.

    ``documents``: a FILE of a document type the page reads (.docx, .html, ...) is read as
    the page and ``vi2en batch`` read it (its article text, through the one reader,
    :func:`translate.extract.read_document`); any other FILE is UTF-8 text.
    """
    if source in (None, "-"):
        if sys.stdin is None:  # started with standard input closed (`<&-`)
            raise UsageError("standard input is closed; give the input FILE")
        try:
            data = sys.stdin.buffer.read()
        except OSError as exc:
            raise UsageError(f"cannot read standard input: {exc.strerror or exc}") from None
        label = "standard input"
    else:
        path = Path(source)
        if path.is_dir():
            raise UsageError(f"{source} is a directory; give a text file "
                             "(`vi2en batch` reads folders)")
        if not path.is_file():
            raise UsageError(f"no such file: {source}")
        if documents and path.suffix.lower() in DOCUMENT_SUFFIXES:
            from ..extract import ExtractionError, read_document

            try:
                return read_document(path)
            except ExtractionError as exc:
                raise UsageError(str(exc)) from None
            except OSError as exc:
                raise UsageError(f"cannot read {source}: {exc.strerror or exc}") from None
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise UsageError(f"cannot read {source}: {exc.strerror or exc}") from None
        label = source
    from ..extract import ExtractionError, decode_text

    try:
        return decode_text(data, label)
    except ExtractionError as exc:  # binary, or not UTF-8
        raise UsageError(str(exc)) from None


def check_output(target: str | None, source: str | None = None) -> None:
    """Fail before any work when the -o file cannot be written or is the input itself."""
    if not target or target == "-":
        return
    if source not in (None, "-") and Path(source).is_file() and Path(target).exists() \
            and Path(source).samefile(target):
        raise UsageError(f"the output {target} is the input file; write to another file")
    check_output_file(target)


def write_output(text: str, target: str | None) -> None:
    """``text`` to the -o file, or to standard output; always one final newline."""
    if target and target != "-":
        try:
            Path(target).write_text(text if text.endswith("\n") else text + "\n",
                                    encoding="utf-8")
        except OSError as exc:
            raise UsageError(f"cannot write {target}: {exc.strerror or exc}") from None
    else:
        sys.stdout.write(text if text.endswith("\n") else text + "\n")
        sys.stdout.flush()


def show_progress(args: argparse.Namespace) -> bool:
    """Progress bars only for a person at a terminal, and not with --quiet."""
    return not args.quiet and sys.stderr.isatty()


# -- model options ---------------------------------------------------------------------------
# Defaults are None: the environment ($VI2EN_*) and the built-in defaults are applied in one
# place, ModelConfig.from_env, so an option's help names the variable but never reads it.

class EngineChoices:
    """``--engine``'s choices, from the engine registry when argparse first looks at them
    (a value given, or the help shown): building the parser imports no engine module, so a
    light command (``vi2en segment``) stays light. The option needs a metavar: without one,
    argparse lists the choices as soon as the option is added."""

    def _names(self) -> tuple[str, ...]:
        from ..engines import engine_names

        return ("auto", *engine_names())

    def __iter__(self) -> Iterator[str]:
        return iter(self._names())

    def __contains__(self, name: object) -> bool:
        return name in self._names()

    def __len__(self) -> int:
        return len(self._names())


def add_model_options(parser: argparse.ArgumentParser, *, summarizer: bool = True) -> None:
    """Options shared by every command that loads models."""
    parser.add_argument("--model", default=None,
                        help="translation model: preset, Hub id or directory "
                             "(default: $VI2EN_MODEL or the catalog default)")
    if summarizer:
        parser.add_argument("--summarizer", default=None,
                            help="summarization model (default: $VI2EN_SUMMARIZER or the "
                                 "catalog default)")
    parser.add_argument("--device", default=None, choices=list(DEVICES),
                        help="where to run (default: auto)")
    parser.add_argument("--engine", default=None, choices=EngineChoices(), metavar="ENGINE",
                        help="inference engine: %(choices)s; auto: CTranslate2 when installed "
                             "(converts the model on first use), else transformers "
                             "(default: auto)")
    parser.add_argument("--beams", type=int, default=None, help="beam size (default: preset's)")


def add_summarizer_options(parser: argparse.ArgumentParser) -> None:
    """The model options of a command that only summarizes (``vi2en summarize``)."""
    parser.add_argument("--summarizer", default=None,
                        help="summarization model: preset, Hub id or directory "
                             "(default: $VI2EN_SUMMARIZER or the catalog default)")
    parser.add_argument("--device", default=None, choices=list(DEVICES),
                        help="where to run (default: auto)")
    parser.add_argument("--engine", default=None, choices=EngineChoices(), metavar="ENGINE",
                        help="inference engine: %(choices)s (default: auto)")


def add_summary_options(parser: argparse.ArgumentParser) -> None:
    """How long a summary should be."""
    parser.add_argument("--summary-length", default=None, choices=list(SUMMARY_LENGTHS),
                        help="how long a summary to write (default: medium)")
    parser.add_argument("--max-words", type=int, default=None,
                        help="cap the summary at about this many words")


def config_from_args(args: argparse.Namespace, *, here: bool = True,
                     **overrides: object) -> ModelConfig:
    """The one ModelConfig of a command: its options over ``$VI2EN_*`` over the defaults.

    ``overrides`` replace options (``None`` ignored); options a command lacks stay unset.
    ``here``: the models run in this process, so a GPU asked for must be visible here (not
    so for a Ray cluster's actors).
    """
    options = {"model": getattr(args, "model", None),
               "summarizer": getattr(args, "summarizer", None),
               "device": getattr(args, "device", None),
               "engine": getattr(args, "engine", None),
               "beams": getattr(args, "beams", None),
               "summary_length": getattr(args, "summary_length", None),
               "max_words": getattr(args, "max_words", None)}
    options.update({k: v for k, v in overrides.items() if v is not None})
    from ..engines import check_engine

    try:
        config = ModelConfig.from_env(**options)
        check_engine(config.engine)  # $VI2EN_ENGINE against the registry, before any load
    except SettingError as exc:  # a bad --beams or $VI2EN_ENGINE: the user's to fix
        raise UsageError(str(exc)) from None
    if here and config.device.startswith("cuda"):
        # Before anything loads: a missing GPU is one line, not a warning about engines and
        # then a failure minutes into loading.
        from ..devices import DeviceUnavailableError
        from ..engines import check_device

        try:
            check_device(config.device, config.engine)
        except DeviceUnavailableError as exc:
            raise UsageError(f"{exc}; use --device cpu or auto") from None
    return config


def load_glossary(path: str | None) -> Glossary | None:
    """The --glossary FILE, or None; a bad line is a usage error naming the line."""
    if not path:
        return None
    from ..glossary import Glossary

    if Path(path).is_dir():
        raise UsageError(f"the glossary {path} is a directory; give a TSV file")
    if not Path(path).is_file():
        raise UsageError(f"no such glossary file: {path}")
    return Glossary.load(path)  # a bad line: a GlossaryError (an InputError), exit 2
