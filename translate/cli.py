"""The ``vi2en`` command line. Front end only: every decision lives in the library."""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
from collections.abc import Callable
from pathlib import Path

from . import __version__
from . import text as vtext
from .catalog import ModelError, ModelUnavailableError
from .convert import USER_NOTICE  # light: ctranslate2 loads on use
from .outputs import check_output_file

logger = logging.getLogger("translate")

EXIT_OK, EXIT_FAILURE, EXIT_USAGE, EXIT_MODEL = 0, 1, 2, 3


class UsageError(Exception):
    """Bad arguments found after parsing (exit code 2)."""


def read_input(source: str | None) -> str:
    """Text of FILE, or of standard input for ``-``/nothing; UTF-8 whatever the locale."""
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
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise UsageError(f"cannot read {source}: {exc.strerror or exc}") from None
        label = source
    from .extract import ExtractionError, decode_text

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
    if target and target != "-":
        try:
            Path(target).write_text(text if text.endswith("\n") else text + "\n",
                                    encoding="utf-8")
        except OSError as exc:
            raise UsageError(f"cannot write {target}: {exc.strerror or exc}") from None
    else:
        sys.stdout.write(text if text.endswith("\n") else text + "\n")
        sys.stdout.flush()


def _show_progress(args: argparse.Namespace) -> bool:
    return not args.quiet and sys.stderr.isatty()


def add_model_options(parser: argparse.ArgumentParser, *, summarizer: bool = True) -> None:
    """Options shared by every command that loads models."""
    parser.add_argument("--model", default=os.environ.get("VI2EN_MODEL"),
                        help="translation model: preset, Hub id or directory "
                             "(default: $VI2EN_MODEL or the catalog default)")
    if summarizer:
        parser.add_argument("--summarizer", default=os.environ.get("VI2EN_SUMMARIZER"),
                            help="summarization model (default: $VI2EN_SUMMARIZER or the "
                                 "catalog default)")
    parser.add_argument("--device", default=os.environ.get("VI2EN_DEVICE", "auto"),
                        choices=["auto", "cpu", "cuda"], help="where to run (default: auto)")
    parser.add_argument("--engine", default=os.environ.get("VI2EN_ENGINE", "auto"),
                        choices=["auto", "transformers", "ctranslate2"],
                        help="inference engine; auto: CTranslate2 when installed (converts the "
                             "model on first use), else transformers (default: auto)")
    parser.add_argument("--beams", type=int, default=None, help="beam size (default: preset's)")


def add_summary_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--summary-length", default="medium", choices=["short", "medium", "long"])
    parser.add_argument("--max-words", type=int, default=None,
                        help="cap the summary at about this many words")


def _pipeline(args: argparse.Namespace):
    from .pipeline import Pipeline

    return Pipeline(args.model, getattr(args, "summarizer", None), device=args.device,
                    engine=args.engine, num_beams=args.beams,
                    summary_length=getattr(args, "summary_length", "medium"),
                    max_words=getattr(args, "max_words", None),
                    show_progress=_show_progress(args))


def load_glossary(path: str | None):
    """The --glossary FILE, or None; a bad line is a usage error naming the line."""
    if not path:
        return None
    from .glossary import Glossary

    if Path(path).is_dir():
        raise UsageError(f"the glossary {path} is a directory; give a TSV file")
    if not Path(path).is_file():
        raise UsageError(f"no such glossary file: {path}")
    try:
        return Glossary.load(path)
    except ValueError as exc:
        raise UsageError(str(exc)) from None


def cmd_translate(args: argparse.Namespace) -> int:
    check_output(args.output, args.file)
    source = read_input(args.file)
    if not source.strip():
        raise UsageError("the input is empty")
    glossary = load_glossary(args.glossary)
    pipeline = _pipeline(args)
    result = pipeline.run(source, summarize=args.summary, glossary=glossary)
    if args.json:
        write_output(result.to_json(), args.output)
    else:
        text = result.translation
        if result.summary is not None:
            text += "\n\nSummary:\n" + result.summary
        write_output(text, args.output)
    flagged = sum(1 for s in result.sentences if s.flags)
    if flagged:
        print(f"vi2en: {flagged} of {len(result.sentences)} sentences flagged for review "
              "(see --json for details)", file=sys.stderr)
    if result.summary_flags:
        print(f"vi2en: the summary has {len(result.summary_flags)} claim(s) the translation "
              "does not support", file=sys.stderr)
    return EXIT_OK


def cmd_summarize(args: argparse.Namespace) -> int:
    from .summarizer import Summarizer

    check_output(args.output, args.file)
    source = read_input(args.file)
    if not source.strip():
        raise UsageError("the input is empty")
    summarizer = Summarizer(args.summarizer, device=args.device, engine=args.engine,
                            length=args.summary_length, max_words=args.max_words,
                            show_progress=_show_progress(args))
    summary = summarizer.summarize(source)
    if summary.note:
        print(f"vi2en: note: {summary.note}", file=sys.stderr)
    write_output(summary.text, args.output)
    return EXIT_OK


def cmd_segment(args: argparse.Namespace) -> int:
    check_output(args.output, args.file)
    paragraphs = vtext.segment(read_input(args.file))
    write_output("\n\n".join("\n".join(p) for p in paragraphs), args.output)
    return EXIT_OK


def cmd_models_list(args: argparse.Namespace) -> int:
    from .catalog import local_path, presets

    rows = [("NAME", "TASK", "PARAMS", "LICENSE", "LOCAL", "HUB ID")]
    for name, spec in presets().items():
        license_text = spec.license or "?"
        if spec.restricted:
            license_text += " (restricted)"
        rows.append((name + (" *" if spec.default else ""), spec.task, spec.params or "?",
                     license_text, "yes" if local_path(spec) else "no", spec.hub_id or ""))
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in rows]
    lines.append("* default.  Restricted licenses: "
                 + "; ".join(f"{n}: {s.restricted}" for n, s in presets().items() if s.restricted))
    write_output("\n".join(lines), None)
    return EXIT_OK


def cmd_models_download(args: argparse.Namespace) -> int:
    from .catalog import fetch, models_dir, resolve_spec

    spec = None
    for task in ("translation", "summarization"):
        try:
            spec = resolve_spec(args.name, task)
            break
        except ModelError:
            continue
    if spec is None or spec.hub_id is None:
        raise UsageError(f"'{args.name}' is not a preset or Hub id; see `vi2en models list`")
    if spec.restricted:
        print(f"vi2en: note: {spec.name} is licensed {spec.restricted}", file=sys.stderr)
    target = models_dir() / spec.name.replace("/", "--")
    path = fetch(spec, target)
    write_output(str(path), None)
    return EXIT_OK


Handler = Callable[[argparse.Namespace], int]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="vi2en", description="Vietnamese news in, English out: translate and summarize.")
    parser.add_argument("--version", action="version", version=f"vi2en {__version__}")
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("-v", "--verbose", action="store_true", help="log details to stderr")
    common.add_argument("-q", "--quiet", action="store_true", help="no progress bars")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)

    p = sub.add_parser("translate", parents=[common], help="translate a Vietnamese article")
    p.add_argument("file", nargs="?", help="input file, or - for stdin (default)")
    p.add_argument("--summary", action="store_true", help="add an English summary")
    p.add_argument("--json", action="store_true", help="print the whole result as JSON")
    p.add_argument("-o", "--output", help="write to this file instead of stdout")
    p.add_argument("--glossary", metavar="FILE",
                   help="TSV of 'Vietnamese term<TAB>English rendering' to apply exactly")
    add_model_options(p)
    add_summary_options(p)
    p.set_defaults(handler=cmd_translate)

    p = sub.add_parser("summarize", parents=[common], help="summarize English text")
    p.add_argument("file", nargs="?", help="input file, or - for stdin (default)")
    p.add_argument("-o", "--output", help="write to this file instead of stdout")
    p.add_argument("--summarizer", default=os.environ.get("VI2EN_SUMMARIZER"))
    p.add_argument("--device", default=os.environ.get("VI2EN_DEVICE", "auto"),
                   choices=["auto", "cpu", "cuda"])
    p.add_argument("--engine", default=os.environ.get("VI2EN_ENGINE", "auto"),
                   choices=["auto", "transformers", "ctranslate2"])
    add_summary_options(p)
    p.set_defaults(handler=cmd_summarize)

    p = sub.add_parser("segment", parents=[common],
                       help="one sentence per line, blank line between paragraphs")
    p.add_argument("file", nargs="?", help="input file, or - for stdin (default)")
    p.add_argument("-o", "--output", help="write to this file instead of stdout")
    p.set_defaults(handler=cmd_segment)

    models = sub.add_parser("models", parents=[common], help="list or download models")
    models_sub = models.add_subparsers(dest="models_command", metavar="ACTION", required=True)
    p = models_sub.add_parser("list", parents=[common], help="presets, licenses, local copies")
    p.set_defaults(handler=cmd_models_list)
    p = models_sub.add_parser("download", parents=[common], help="download a model into models/")
    p.add_argument("name", help="preset name or Hub id")
    p.set_defaults(handler=cmd_models_download)
    for register in _extensions():
        register(sub, common, models_sub)
    return parser


def _extensions() -> list[Callable[..., None]]:
    """Subcommands that live beside their feature (batch, qa, eval, serve, convert)."""
    registrars: list[Callable[..., None]] = []
    from .convert import register as register_convert  # light: ctranslate2 loads on use
    registrars.append(register_convert)
    from .evaluate_cli import register as register_qa_eval  # light: sacrebleu/torch load on use
    registrars.append(register_qa_eval)
    from .batch_cli import register as register_batch  # light: models load on use
    registrars.append(register_batch)
    from .webapp import register as register_serve  # gradio loads only when serving
    registrars.append(register_serve)
    return registrars


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
        os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
        os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()


def main(argv: list[str] | None = None) -> int:
    if argv is None and hasattr(signal, "SIGPIPE"):
        # As the program (not called from Python with arguments), behave like a Unix filter:
        # `vi2en segment x | head` ends quietly. A process that embeds main() keeps its own.
        signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    for stream in (sys.stdout, sys.stderr):
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(encoding="utf-8")
    parser = build_parser()
    args = parser.parse_args(argv)
    _configure_logging(args.verbose)
    try:
        return args.handler(args)
    except UsageError as exc:
        print(f"vi2en: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except ModelUnavailableError as exc:
        logger.debug("model unavailable", exc_info=True)
        print(f"vi2en: error: {exc}", file=sys.stderr)
        return EXIT_MODEL
    except (ModelError, ValueError) as exc:
        logger.debug("bad model or option", exc_info=True)
        print(f"vi2en: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("vi2en: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # the CLI's promise: one line, detail only with --verbose
        logger.debug("failed", exc_info=True)
        print(f"vi2en: error: {type(exc).__name__}: {exc}".splitlines()[0], file=sys.stderr)
        if not args.verbose:
            print("vi2en: run again with --verbose for details", file=sys.stderr)
        return EXIT_FAILURE


if __name__ == "__main__":
    sys.exit(main())
