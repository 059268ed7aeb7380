"""The batch job: input records through windows of translation into the output file.

The job is resumable and never writes a record twice: records already in the output are
skipped, and each window's records are flushed as soon as it finishes. A window's checks
finish while the next window translates, so a kill loses at most two windows of work.
"""

from __future__ import annotations

import logging
import os
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from tqdm.auto import tqdm

from ..extract import ExtractionError
from .documents import TranslatedFiles
from .errors import BatchUsageError
from .inputs import DuplicateIds, InputReader, InputRecord, expand_inputs, validate
from .output import (
    OutputFile,
    check_outputs,
    out_dir_name,
    out_dir_text,
    write_text_atomically,
)
from .records import BatchOptions, PendingWindow, Record, WindowResult, start_window

logger = logging.getLogger(__name__)

if TYPE_CHECKING:  # the pipeline and translator load models; a job receives them ready-made
    from ..pipeline import Pipeline
    from ..results import Signature
    from ..translator import ProgressCallback, SentenceCache

    class CountingCache(SentenceCache, Protocol):
        """A :class:`SentenceCache` that counts, as :class:`SQLiteSentenceCache` does; the
        job reports the counts of its own run."""

        hits: int
        misses: int
        write_errors: int
        by_signature: dict[str, list[int]]  # [hits, lookups] per translator signature


@dataclass
class BatchStats:
    """What a run did; ``exit_code`` follows the CLI's convention."""

    total: int = 0
    skipped: int = 0  # already in the output from an earlier run
    skipped_failed: int = 0  # ... of which were error records
    done: int = 0
    failed: int = 0
    sentences: int | None = 0  # None: not known (Ray records do not carry it back)
    cache_hits: int = 0
    cache_lookups: int = 0
    cache_write_errors: int = 0
    repaired_bytes: int = 0
    elapsed_s: float = 0.0
    errors: list[str] = field(default_factory=list)  # first few, for the user

    @property
    def exit_code(self) -> int:
        return 1 if self.failed or self.skipped_failed else 0

    def count(self, records: list[Record]) -> None:
        """Tally finished records, keeping the first few errors for the user."""
        for record in records:
            if record["error"] is None:
                self.done += 1
            else:
                self.failed += 1
                if len(self.errors) < 5:
                    self.errors.append(f"{record['id']}: {record['error']}")

    @property
    def sentences_per_s(self) -> float:
        return self.sentences / self.elapsed_s if self.sentences and self.elapsed_s > 0 else 0.0

    def summary_line(self) -> str:
        parts = [f"{self.done} documents done", f"{self.failed} failed"]
        if self.skipped:
            parts.append(f"{self.skipped} already in the output"
                         + (f" ({self.skipped_failed} of them errors)"
                            if self.skipped_failed else ""))
        if self.sentences is not None:
            parts.append(f"{self.sentences} sentences")
        if self.cache_lookups:
            parts.append(f"cache hits {self.cache_hits}/{self.cache_lookups} "
                         f"({100 * self.cache_hits / self.cache_lookups:.0f}%)")
        if self.cache_write_errors:
            parts.append(f"{self.cache_write_errors} cache write(s) failed")
        if self.sentences is not None:
            parts.append(f"{self.sentences_per_s:.1f} sentences/s")
        parts.append(f"elapsed {self.elapsed_s:.1f}s")
        return ", ".join(parts)

    def to_dict(self) -> dict[str, Any]:
        return {"total": self.total, "skipped": self.skipped,
                "skipped_failed": self.skipped_failed, "done": self.done,
                "failed": self.failed, "sentences": self.sentences,
                "cache_hits": self.cache_hits, "cache_lookups": self.cache_lookups,
                "elapsed_s": round(self.elapsed_s, 3),
                "sentences_per_s": round(self.sentences_per_s, 2)}


class _Window:
    """Input records gathered until they are worth translating together."""

    def __init__(self, options: BatchOptions) -> None:
        self.options = options
        self.records: list[InputRecord] = []
        self.docs = self.chars = 0

    def add(self, record: InputRecord) -> bool:
        """Add ``record``; whether the window is now full."""
        self.records.append(record)
        if record.error is None:
            self.docs += 1
            self.chars += len(record.text or "")
        return (self.docs >= self.options.window_docs
                or self.chars >= self.options.window_chars
                or len(self.records) >= 4 * self.options.window_docs)

    def take(self) -> list[InputRecord]:
        records, self.records, self.docs, self.chars = self.records, [], 0, 0
        return records


class _Progress:
    """Two progress bars on stderr (documents, sentences), and the cache's hit rate."""

    def __init__(self, total: int | None, cache: CountingCache | None, show: bool,
                 signature: Callable[[], str | None] = lambda: None) -> None:
        self.cache = cache
        self.signature = signature
        self.start = ({k: list(v) for k, v in cache.by_signature.items()}
                      if cache is not None else {})
        self.docs = tqdm(total=total, unit="doc", desc="documents", disable=not show,
                         file=sys.stderr, dynamic_ncols=True)
        # Moves as each batch of sentences is translated, not only as a window is written.
        self.sentences = tqdm(unit="sent", desc="sentences translated", disable=not show,
                              file=sys.stderr, position=1, dynamic_ncols=True)
        self._window_done = 0

    def __enter__(self) -> _Progress:
        return self

    def __exit__(self, *exc: object) -> None:
        self.sentences.close()
        self.docs.close()

    def skipped(self) -> None:
        self.docs.update(1)

    def translating(self) -> ProgressCallback:
        """The callback of a window's translation: its sentences, batch by batch."""
        self._window_done = 0

        def report(done: int, total: int) -> None:
            self.sentences.update(done - self._window_done)
            self._window_done = done

        return report

    def window_done(self, docs: int, sentences: int) -> None:
        self.docs.update(docs)
        hits, lookups = self.cache_counts()
        if lookups:
            self.sentences.set_postfix_str(f"cache {100 * hits / lookups:.0f}%")

    def cache_counts(self) -> tuple[int, int]:
        """Cache hits and lookups since this run began, of the translator's own settings:
        a sentence retried with safer decoding is looked up again, and counting that would
        show more lookups than sentences."""
        signature = self.signature()
        if self.cache is None or signature is None:
            return 0, 0
        hits, lookups = self.cache.by_signature.get(signature, (0, 0))
        hits0, lookups0 = self.start.get(signature, (0, 0))
        return hits - hits0, lookups - lookups0


class BatchJob:
    """Translate every input record into ``output``, resuming what an earlier run began."""

    def __init__(self, pipeline: Pipeline, output: str | os.PathLike[str], *,
                 options: BatchOptions | None = None, out_dir: str | os.PathLike[str] | None = None,
                 overwrite: bool = False, cache: CountingCache | None = None,
                 show_progress: bool = False,
                 translated_files: str | os.PathLike[str] | None = None,
                 force: bool = False) -> None:
        self.pipeline = pipeline
        self.force = force
        self.output = Path(output)
        self.options = options or BatchOptions()
        self.out_dir = Path(out_dir) if out_dir is not None else None
        self.overwrite = overwrite
        self.cache = cache
        self.show_progress = show_progress
        self._input_paths: set[Path] = set()
        self._names: dict[str, str] = {}  # record id -> its --out-dir file name
        self.translated_files = (TranslatedFiles(translated_files)
                                 if translated_files is not None else None)
        # record id -> a document to write back translated, and its file name
        self._documents: dict[str, tuple[Path, str]] = {}

    def run(self, reader: InputReader) -> BatchStats:
        check_outputs(reader.sources, self.output, self.out_dir)
        if self.translated_files is not None:
            self.translated_files.check(reader.sources)
            reader.whole_documents = True
        self._input_paths = {s.path.resolve() for s in reader.sources if s.path is not None}
        self._names = {}
        reader.check()
        stats = BatchStats()
        started = time.perf_counter()
        total = reader.count() if self.show_progress else None
        with OutputFile(self.output, overwrite=self.overwrite) as out, \
                _Progress(total, self.cache, self.show_progress, self._signature) as progress:
            stats.repaired_bytes = out.repaired_bytes
            check_resume(out, self.pipeline, self.options, force=self.force)
            self._translate_all(reader, out, stats, progress)
        stats.elapsed_s = time.perf_counter() - started
        stats.cache_hits, stats.cache_lookups = progress.cache_counts()
        if self.cache is not None:
            stats.cache_write_errors = self.cache.write_errors
        return stats

    def _signature(self) -> str | None:
        """The translator's signature once its model is loaded (the cache's key)."""
        translator = self.pipeline.translator
        return translator.signature() if translator.loaded else None

    def _translate_all(self, reader: InputReader, out: OutputFile, stats: BatchStats,
                       progress: _Progress) -> None:
        used_names: set[str] = set()
        unique = DuplicateIds()
        window = _Window(self.options)
        # One window in flight: its checks run (in the check workers) while the next window
        # translates; it is written as soon as that one is translated.
        in_flight: PendingWindow | None = None
        for record in reader:
            stats.total += 1
            record = unique(record)
            self._names[record.id] = self._name(record, used_names)
            if record.document is not None and self.translated_files is not None:
                self._documents[record.id] = (
                    record.document,
                    self.translated_files.name_for(record.name or record.id, record.document))
            if record.id in out.done:
                stats.skipped += 1
                stats.skipped_failed += out.done[record.id]
                progress.skipped()
                continue
            if window.add(validate(record, self.options.max_chars)):
                in_flight = self._advance(window.take(), in_flight, out, stats, progress)
        in_flight = self._advance(window.take(), in_flight, out, stats, progress)
        if in_flight is not None:
            self._write(in_flight.finish(), out, stats, progress)

    def _advance(self, records: list[InputRecord], in_flight: PendingWindow | None,
                 out: OutputFile, stats: BatchStats, progress: _Progress) -> PendingWindow | None:
        """Translate a window, then write the one before it; the new one is now in flight."""
        if not records:
            return in_flight
        started = start_window(self.pipeline, records, self.options, progress.translating())
        if in_flight is not None:
            self._write(in_flight.finish(), out, stats, progress)
        return started

    def _write(self, result: WindowResult, out: OutputFile, stats: BatchStats,
               progress: _Progress) -> None:
        """A finished window's records (and --out-dir texts), written at once."""
        if self.out_dir is not None:
            for record in result.records:
                text = out_dir_text(record)
                if text is not None:
                    write_text_atomically(self.out_dir / f"{self._names[record['id']]}.en.txt",
                                          text)
        if self.translated_files is not None:
            self._write_documents(result)
        out.write(result.records)
        stats.count(result.records)
        assert stats.sentences is not None  # known in a local run
        stats.sentences += result.sentences
        progress.window_done(len(result.records), result.sentences)

    def _write_documents(self, result: WindowResult) -> None:
        """Translated documents first, records after: a record marks its file written."""
        assert self.translated_files is not None
        for record in result.records:
            document = self._documents.pop(record["id"], None)
            if document is None or record["error"] is not None or record["translation"] is None:
                continue
            path, name = document
            try:
                self.translated_files.write(name, path, record["translation"], self.pipeline)
                record["translated_file"] = name
            except (ExtractionError, OSError, BatchUsageError) as exc:
                logger.warning("%s: translated file not written", path, exc_info=True)
                record["error"] = f"translated file not written: {exc}"

    def _name(self, record: InputRecord, used: set[str]) -> str:
        return out_dir_name(record, used, self._is_input)

    def _is_input(self, name: str) -> bool:
        """Whether NAME.en.txt in --out-dir is one of the inputs (never written over)."""
        return self.out_dir is not None \
            and (self.out_dir / f"{name}.en.txt").resolve() in self._input_paths


def check_resume(out: OutputFile, pipeline: Pipeline, options: BatchOptions, *,
                 force: bool = False) -> None:
    """Refuse to resume an output whose records were made with other settings than this run's
    (another model, beams, summary, glossary, checks...): one line naming what differs. With
    ``force`` the run goes on (those records stay as they are, with their own signature).
    Records without a signature (errors, or written before vi2en kept them) are not compared;
    nor is vi2en's version. Loads the translation model when there is something to compare
    (its engine and precision are part of the signature)."""
    if out.signatures:
        compare_signatures(out, pipeline.signature(summary=options.summary), force=force)


def compare_signatures(out: OutputFile, mine: Signature, *, force: bool = False) -> None:
    """:func:`check_resume` once this run's signature (``mine``) is known."""
    from ..results import Signature

    differing: dict[str, None] = {}
    records = 0
    for line, count in out.signatures.items():
        try:
            theirs = Signature.parse(line)
        except ValueError:
            theirs = Signature()  # not ours to read: every setting counts as different
        keys = mine.differences(theirs, ignore=("version",))
        if keys:
            differing.update(dict.fromkeys(keys))
            records += count
        elif theirs.to_dict().get("version") != mine.to_dict().get("version"):
            logger.info("%s: %d record(s) were written by vi2en %s", out.path, count,
                        theirs.to_dict().get("version"))
    if not differing:
        return
    if "summarizer" in differing:  # a summary added or taken off, or another model: its
        for key in ("summary_engine", "summary_precision"):  # engine goes with it
            differing.pop(key, None)
    what = ", ".join(_SETTING_NAMES.get(k, k) for k in differing)
    if force:
        logger.warning("%s: %d record(s) were made with other settings (%s); kept as they "
                       "are (--force)", out.path, records, what)
        return
    raise BatchUsageError(f"{out.path} has {records} record(s) made with other settings "
                          f"({what}) than this run's; rerun with the same options, start over "
                          "with --overwrite, or add --force to keep them and translate the "
                          "rest with these settings")


# How a signature's keys read in the message of a refused resume.
_SETTING_NAMES = {"model": "translation model", "summarizer": "summary (model)",
                  "summary_engine": "summary engine", "summary_precision": "summary precision",
                  "length": "summary length", "beams": "beams", "glossary": "glossary",
                  "checks": "checks", "engine": "engine", "precision": "precision"}


def check_job(inputs: Sequence[str], output: str | os.PathLike[str], *, fmt: str | None = None,
              out_dir: str | os.PathLike[str] | None = None,
              translated_files: str | os.PathLike[str] | None = None) -> None:
    """Everything about inputs and outputs that can fail, checked before models load."""
    sources = expand_inputs(inputs, fmt)
    check_outputs(sources, output, out_dir)
    if translated_files is not None:
        TranslatedFiles(translated_files).check(sources)
    OutputFile(output).check()


def run_batch(inputs: Sequence[str], output: str | os.PathLike[str], pipeline: Pipeline, *,
              options: BatchOptions | None = None, fmt: str | None = None,
              text_field: str = "text", id_field: str = "id",
              out_dir: str | os.PathLike[str] | None = None, overwrite: bool = False,
              cache: CountingCache | None = None, show_progress: bool = False,
              translated_files: str | os.PathLike[str] | None = None,
              force: bool = False) -> BatchStats:
    """Library entry point: the whole job from input names to stats. ``translated_files``:
    a folder where each document input is written again, translated, in its format;
    ``force``: resume an output made with other settings (see :func:`check_resume`)."""
    reader = InputReader(expand_inputs(inputs, fmt), text_field=text_field, id_field=id_field)
    job = BatchJob(pipeline, output, options=options, out_dir=out_dir, overwrite=overwrite,
                   cache=cache, show_progress=show_progress,
                   translated_files=translated_files, force=force)
    return job.run(reader)
