"""``vi2en qa`` and ``vi2en eval``: the command-line front ends of :mod:`translate.evaluate`."""

from __future__ import annotations

import argparse
import gc
import json
import logging
import sys

from ..errors import one_line
from .common import (
    EXIT_FAILURE,
    EXIT_OK,
    UsageError,
    add_model_options,
    config_from_args,
    read_input,
    show_progress,
    write_output,
)

logger = logging.getLogger(__name__)


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser) -> None:
    """Add ``vi2en qa`` and ``vi2en eval``."""
    p = sub.add_parser("qa", parents=[common],
                       help="check an existing translation line by line (numbers, names, "
                            "omission, addition, untranslated words, repetition)")
    p.add_argument("--source", required=True, help="Vietnamese, one segment a line")
    p.add_argument("--translation", required=True, help="English, line-aligned with --source")
    p.add_argument("--json", action="store_true",
                   help="print a JSON array of {line, flags} for flagged lines")
    p.set_defaults(handler=cmd_qa)

    p = sub.add_parser("eval", parents=[common],
                       help="score translation models (BLEU, chrF++, speed) on a test set")
    p.add_argument("--source", required=True, help="Vietnamese, one segment a line")
    p.add_argument("--reference", required=True, help="English references, line-aligned")
    p.add_argument("--limit", type=int, default=None, help="use only the first N lines")
    p.add_argument("--models", default=None,
                   help="comma-separated models to compare in one table")
    p.add_argument("--json", action="store_true", help="print the results as JSON")
    add_model_options(p, summarizer=False)
    p.set_defaults(handler=cmd_eval)


def _read_aligned(args: argparse.Namespace, first: str, second: str) -> tuple[list[str],
                                                                            list[str]]:
    from ..evaluate import split_lines

    a = split_lines(read_input(getattr(args, first)))
    b = split_lines(read_input(getattr(args, second)))
    if len(a) != len(b):
        raise UsageError(f"--{first} has {len(a)} lines and --{second} {len(b)}; "
                         "the files must be line-aligned")
    return a, b


def cmd_qa(args: argparse.Namespace) -> int:
    from ..evaluate import checked_source, qa_lines
    from ..exports import flag_line

    sources, translations = _read_aligned(args, "source", "translation")
    flags = qa_lines(sources, translations)
    # Each flagged line with its source as checked: a flag's span is an offset into it.
    flagged = [(n, checked_source(sources[n - 1]), f)
               for n, f in enumerate(flags, start=1) if f]
    if args.json:
        write_output(json.dumps([{"line": n, "source": source,
                                  "flags": [x.to_dict() for x in f]}
                                 for n, source, f in flagged], ensure_ascii=False, indent=2),
                     None)
    else:
        if flagged:
            write_output("\n".join(f"line {n}: {flag_line(x.to_dict(), source)}"
                                   for n, source, f in flagged for x in f), None)
        print(f"vi2en: {len(flagged)} of {len(sources)} lines flagged", file=sys.stderr)
    return EXIT_FAILURE if flagged else EXIT_OK


def cmd_eval(args: argparse.Namespace) -> int:
    from ..catalog import resolve_spec
    from ..evaluate import (
        EvalResult,
        check_sacrebleu,
        evaluate,
        table_header,
        table_notes,
        table_row,
    )

    if args.models and args.model:
        raise UsageError("give --model or --models, not both")
    if args.limit is not None and args.limit < 1:
        raise UsageError("--limit must be at least 1")
    base = config_from_args(args)
    models = [m.strip() for m in args.models.split(",") if m.strip()] if args.models \
        else [base.model]
    # Every name is checked (and named for the table) before the first model translates.
    names = [resolve_spec(m, "translation").name for m in models]
    sources, references = _read_aligned(args, "source", "reference")
    if args.limit is not None:
        sources, references = sources[: args.limit], references[: args.limit]
    if not sources:
        raise UsageError("the source file is empty")
    check_sacrebleu()  # missing: a MissingDependency, one line and exit 1 (cli.main)
    results: list[EvalResult] = []
    failures: list[Exception] = []
    for model in models:
        config = base.with_options(model=model)
        try:
            result, _ = evaluate(config, sources, references,
                                 show_progress=show_progress(args))
        except Exception as exc:  # one model failing keeps the others' scores
            logger.debug("eval of %s failed", model, exc_info=True)
            failures.append(exc)
            continue
        finally:
            gc.collect()  # the model goes with its translator: one in memory at a time
        if not args.json:  # each row as its model finishes: hours of scoring are never lost
            if not results:
                write_output(table_header(names), None)
            write_output(table_row(result, names), None)
        results.append(result)
    if args.json:
        write_output(json.dumps([r.to_dict() for r in results], ensure_ascii=False, indent=2),
                     None)
    elif results:
        write_output(table_notes(results), None)
    if failures:
        for earlier in failures[:-1]:
            print(f"vi2en: error: {one_line(earlier)}", file=sys.stderr)
        raise failures[-1]  # the last line, with its exit code
    return EXIT_OK
