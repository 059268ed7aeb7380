"""``vi2en translate``, ``vi2en summarize`` and ``vi2en segment``: one article at a time."""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from typing import Any

from .common import (
    EXIT_OK,
    UsageError,
    add_model_options,
    add_summarizer_options,
    add_summary_options,
    check_output,
    config_from_args,
    load_glossary,
    read_input,
    show_progress,
    write_output,
)


def register(sub: Any, common: argparse.ArgumentParser) -> None:
    """Add ``translate``, ``summarize`` and ``segment``."""
    p = sub.add_parser("translate", parents=[common], help="translate a Vietnamese article")
    p.add_argument("file", nargs="?",
                   help="input file (.txt, .md, .docx, .html: a saved page's article is read), "
                        "or - for stdin (default)")
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
    add_summarizer_options(p)
    add_summary_options(p)
    p.set_defaults(handler=cmd_summarize)

    p = sub.add_parser("segment", parents=[common],
                       help="one sentence per line, blank line between paragraphs")
    p.add_argument("file", nargs="?", help="input file, or - for stdin (default)")
    p.add_argument("-o", "--output", help="write to this file instead of stdout")
    p.set_defaults(handler=cmd_segment)


def _article(args: argparse.Namespace) -> str:
    """The input (a saved page or Word file read as the page reads it), after the output was
    checked; an empty one is refused."""
    check_output(args.output, args.file)
    source = read_input(args.file, documents=True)
    if not source.strip():
        raise UsageError("the input is empty")
    return source


def cmd_translate(args: argparse.Namespace) -> int:
    from ..exports import grouped_flags
    from ..pipeline import Pipeline

    source = _article(args)
    glossary = load_glossary(args.glossary)
    pipeline = Pipeline.from_config(config_from_args(args), show_progress=show_progress(args))
    result = pipeline.run(source, summarize=args.summary, glossary=glossary)
    if args.json:
        write_output(result.to_json(), args.output)
    else:
        text = result.translation
        if result.summary is not None:
            text += "\n\nSummary:\n" + result.summary
        write_output(text, args.output)
    flagged = [(n, s) for n, s in enumerate(result.sentences, start=1) if s.flags]
    if flagged:
        print(f"vi2en: {len(flagged)} of {len(result.sentences)} sentences flagged for review"
              + (" (details in the JSON)" if args.json else ":"), file=sys.stderr)
        if not args.json:
            # Each flag under its sentence's number, with the part of the source it points at.
            for n, sentence in flagged:
                for line in grouped_flags([f.to_dict() for f in sentence.flags],
                                          sentence.source):
                    print(f"  sentence {n}: {line}", file=sys.stderr)
    if result.summary_flags:
        print(f"vi2en: the summary has {len(result.summary_flags)} claim(s) the translation "
              "does not support", file=sys.stderr)
    return EXIT_OK


def cmd_summarize(args: argparse.Namespace) -> int:
    from ..pipeline import Pipeline

    source = _article(args)
    # Only the summarizer is used (and loaded): the translation model stays the catalog's.
    config = replace(config_from_args(args), model=None)
    pipeline = Pipeline.from_config(config, show_progress=show_progress(args))
    summary = pipeline.summarize(source)
    if summary.note:
        print(f"vi2en: note: {summary.note}", file=sys.stderr)
    write_output(summary.text, args.output)
    if summary.flags:
        print(f"vi2en: the summary has {len(summary.flags)} claim(s) the text does not "
              "support", file=sys.stderr)
    return EXIT_OK


def cmd_segment(args: argparse.Namespace) -> int:
    from .. import text as vtext

    check_output(args.output, args.file)
    paragraphs = vtext.segment(read_input(args.file, documents=True))
    write_output("\n\n".join("\n".join(p) for p in paragraphs), args.output)
    return EXIT_OK
