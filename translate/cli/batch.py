"""``vi2en batch``: the command-line front end of :mod:`translate.batch`."""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import InputError
from .common import (
    UsageError,
    add_model_options,
    add_summary_options,
    config_from_args,
    load_glossary,
    show_progress,
)

logger = logging.getLogger(__name__)

if TYPE_CHECKING:  # pragma: no cover
    from ..batch import BatchOptions, BatchStats, PipelineSettings


def register(sub: Any, common: Any) -> None:
    """Add ``vi2en batch`` to the CLI; its options are added when it is used."""
    sub.add_parser("batch", parents=[common], populate=_add_options,
                   help="translate many articles (JSONL, CSV, files, folders) resumably",
                   description="Translate many Vietnamese articles into one JSONL file. "
                               "Run the same command again to resume.")


def _add_options(p: Any) -> None:
    """The options of ``vi2en batch``: its defaults come from the batch library, imported
    only for this command (it holds the output lock and the progress bar)."""
    from ..batch import DEFAULT_WINDOW_DOCS, INPUT_FORMATS
    from ..config import MAX_DOCUMENT_CHARS

    p.add_argument("inputs", nargs="+", metavar="INPUT",
                   help="JSONL or CSV files, documents (.txt .md .docx .html .pptx .odt .srt "
                        ".pdf), directories or globs (- reads JSONL from stdin)")
    p.add_argument("-o", "--output", help="output JSONL (default: OUT_DIR/batch.jsonl)")
    p.add_argument("--out-dir", help="also write NAME.en.txt for each document here")
    p.add_argument("--translated-files", nargs="?", const="", default=None, metavar="DIR",
                   help="also write each document input translated in its own format "
                        "(NAME.en.docx, .pptx, .odt, .html, .md, .txt, .srt; a .pdf as "
                        ".docx) into DIR (default: beside the output JSONL); files there "
                        "that vi2en did not write are never replaced")
    p.add_argument("--summary", action="store_true", help="add an English summary per record")
    p.add_argument("--detail", action="store_true",
                   help="add per-sentence 'paragraphs' as in `vi2en translate --json`")
    p.add_argument("--text-field", default="text", help="JSONL key / CSV column with the text")
    p.add_argument("--id-field", default="id", help="JSONL key / CSV column with the id")
    p.add_argument("--format", choices=list(INPUT_FORMATS), default=None,
                   help="what a named file with another suffix (or stdin) holds")
    p.add_argument("--overwrite", action="store_true", help="start over instead of resuming")
    p.add_argument("--force", action="store_true",
                   help="resume an output made with other settings (another model, beams, "
                        "summary, glossary, checks): the documents already done are kept as "
                        "they are, with their own signature, and the rest are written with "
                        "this run's; without it such a resume is refused")
    p.add_argument("--glossary", metavar="FILE",
                   help="TSV of 'Vietnamese term<TAB>English rendering' to apply exactly")
    p.add_argument("--no-checks", action="store_true",
                   help="skip the quality checks and their retries (faster; no flags)")
    p.add_argument("--check-workers", type=int, default=None, metavar="N",
                   help="processes that run the quality checks while the next window "
                        "translates; 0: in this process (default: up to 8 on a GPU, one "
                        "core left free; 0 on a CPU, whose cores all translate)")
    p.add_argument("--cache", default=None,
                   help="sentence cache file (default: $VI2EN_CACHE or "
                        "~/.cache/vi2en/translations.sqlite)")
    p.add_argument("--no-cache", action="store_true", help="do not use the sentence cache")
    p.add_argument("--max-chars", type=int, default=MAX_DOCUMENT_CHARS,
                   help=f"refuse longer documents with an error record "
                        f"(default: {MAX_DOCUMENT_CHARS:,})")
    p.add_argument("--window", type=int, default=DEFAULT_WINDOW_DOCS,
                   help="documents batched together and flushed at once "
                        f"(default: {DEFAULT_WINDOW_DOCS})")
    ray = p.add_argument_group(
        "scale-out (--engine ray, needs the 'scale' extra; the same options as a local run, "
        "except --translated-files and --check-workers, which are refused)")
    ray.add_argument("--ray-address", default=None,
                     help="join this Ray cluster (default: start a local one)")
    ray.add_argument("--actor-engine", default="auto",
                     help="inference engine inside each Ray actor (default: auto)")
    ray.add_argument("--concurrency", type=int, default=1, help="translator actors")
    ray.add_argument("--num-gpus", type=float, default=0.0, help="GPUs per actor")
    ray.add_argument("--num-cpus", type=float, default=1.0, help="CPUs per actor")
    add_model_options(p)
    add_summary_options(p)
    for action in p._actions:  # argparse has no public way to extend a shared option
        if action.dest == "engine" and action.choices is not None:
            action.choices = [*action.choices, "ray"]
            action.help = (action.help or "") + "; ray: run on Ray Data (see --actor-engine)"
    p.set_defaults(handler=cmd_batch)


def cmd_batch(args: Any) -> int:
    from ..batch import BatchOptions, OutputWriteError, PipelineSettings

    if not args.output and not args.out_dir:
        raise UsageError("give the output file with -o OUT.jsonl (or --out-dir DIR)")
    output = args.output or str(Path(args.out_dir) / "batch.jsonl")
    if args.max_chars <= 0 or args.window <= 0:
        raise UsageError("--max-chars and --window must be positive")
    if args.check_workers is not None:
        from ..check_pool import check_worker_count

        try:
            check_worker_count(args.check_workers)
        except InputError as exc:
            raise UsageError(f"--check-workers: {exc}") from None
    on_ray = args.engine == "ray"
    if args.translated_files is not None and on_ray:
        raise UsageError("--translated-files does not apply with --engine ray: Ray reads JSONL "
                         "or Parquet records, which have no file format to write back; run "
                         "without --engine ray for document inputs")
    if on_ray and args.check_workers:
        raise UsageError("--check-workers is not used with --engine ray: each actor runs its "
                         "checks in its own process (scale with --concurrency and --num-cpus)")
    if args.translated_files == "":  # given without a folder: beside the JSONL
        args.translated_files = str(Path(output).parent)
    options = BatchOptions(summary=args.summary, detail=args.detail, max_chars=args.max_chars,
                           window_docs=args.window)
    # With Ray the models run inside actors, with the engine of --actor-engine.
    config = config_from_args(args, here=not on_ray,
                              engine=args.actor_engine if on_ray else None)
    # One recipe for the local job and every Ray actor (translate.batch.assembly). In a Ray
    # actor the checks run in the actor's own process: Ray scales by actors, each given its
    # --num-cpus, and check workers in every actor would take cores Ray has not granted.
    settings = PipelineSettings(
        models=config, cache=None if args.no_cache else (args.cache or ""),
        check_quality=not args.no_checks, glossary=load_glossary(args.glossary),
        check_workers=(0 if on_ray else "auto") if args.check_workers is None
        else args.check_workers)
    try:
        if on_ray:
            if not args.verbose:
                _quiet_ray(args.ray_address)
            from ..batch.ray import RayConfig, run_ray

            ray_config = RayConfig(pipeline=settings, concurrency=args.concurrency,
                                   num_gpus=args.num_gpus, num_cpus=args.num_cpus,
                                   address=args.ray_address)
            stats = run_ray(args.inputs, output, ray_config, options=options, fmt=args.format,
                            text_field=args.text_field, id_field=args.id_field,
                            overwrite=args.overwrite, force=args.force, out_dir=args.out_dir)
        else:
            stats = _run_local(args, settings, output, options, show_progress(args))
    except OutputWriteError as exc:  # a full disk mid-run: one line naming the file
        logger.debug("cannot write the output", exc_info=True)
        print(f"vi2en: error: {exc}", file=sys.stderr)
        return 1
    for line in stats.errors:
        print(f"vi2en: failed: {line}", file=sys.stderr)
    if stats.failed > len(stats.errors):
        print(f"vi2en: ... and {stats.failed - len(stats.errors)} more failed records "
              "(see their 'error' field)", file=sys.stderr)
    print(f"vi2en batch: {stats.summary_line()}", file=sys.stderr)
    return stats.exit_code


def _quiet_ray(address: str | None) -> None:
    """Start Ray without its chatter: Ray Data logs every scheduling step at INFO, Ray its
    start-up at INFO and WARNING, and its C++ core worker an "E ... core_worker.cc" line on
    runs that succeed. The summary line is enough (--verbose shows them all); failures still
    reach the user as exceptions."""
    import importlib.util
    import os
    import tempfile

    if importlib.util.find_spec("ray") is None:
        return  # run_ray says which extra to install
    # Ray's C++ side reads this as ray.init starts it: only fatal errors reach stderr...
    os.environ.setdefault("RAY_BACKEND_LOG_LEVEL", "fatal")
    import ray
    import ray.data  # noqa: F401  configures its loggers on import; adjust them afterwards

    for name in ("ray", "ray.data"):
        logging.getLogger(name).setLevel(logging.ERROR)
    if ray.is_initialized():
        return
    # ...after one INFO line saying so, written straight to file descriptor 2: caught here,
    # and anything else Ray writes while starting is passed on.
    sys.stderr.flush()
    saved = os.dup(2)
    with tempfile.TemporaryFile() as caught:
        os.dup2(caught.fileno(), 2)
        try:
            ray.init(address=address, ignore_reinit_error=True, log_to_driver=False,
                     logging_level=logging.ERROR)
        finally:
            os.dup2(saved, 2)
            os.close(saved)
            caught.seek(0)
            for line in caught.read().decode("utf-8", "replace").splitlines(keepends=True):
                if "Set ray log level from environment variable" not in line:
                    sys.stderr.write(line)


def _run_local(args: Any, settings: PipelineSettings, output: str, options: BatchOptions,
               progress: bool) -> BatchStats:
    from ..batch import BatchPipeline, check_job, run_batch

    # Inputs and outputs first: a bad path fails in a second, not after the models load.
    check_job(args.inputs, output, fmt=args.format, out_dir=args.out_dir,
              translated_files=args.translated_files)
    with BatchPipeline(settings) as built:
        return run_batch(args.inputs, output, built.pipeline, options=options, fmt=args.format,
                         text_field=args.text_field, id_field=args.id_field,
                         out_dir=args.out_dir, overwrite=args.overwrite, force=args.force,
                         cache=built.cache, show_progress=progress,
                         translated_files=args.translated_files)
