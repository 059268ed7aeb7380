"""A window of documents translated together, and the output record of each.

Sentences of all documents in a window go through one :meth:`Pipeline.start_many` call
(cross-document, length-sorted batches, identical sentences translated once), whose checks
finish while the job translates the next window. A failure is kept to the document that
caused it: every input record gets exactly one output record.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..catalog import ModelError
from ..config import MAX_DOCUMENT_CHARS
from ..errors import Vi2enError, one_line
from .inputs import InputRecord

if TYPE_CHECKING:  # the pipeline loads models; a job receives one ready-made
    from ..pipeline import PendingTranslation, Pipeline, PipelineResult
    from ..translator import ProgressCallback

logger = logging.getLogger(__name__)

# A window is the unit of cross-document batching and of loss on a kill: big enough to fill
# length-sorted batches, small enough that output appears every few seconds.
DEFAULT_WINDOW_DOCS = 32
DEFAULT_WINDOW_CHARS = 40_000

Record = dict[str, Any]  # one output record, as written to the JSONL file
# What translating one document came to: its result and share of the time, or an error.
Outcome = tuple["PipelineResult", float] | str


@dataclass
class BatchOptions:
    """What each record gets and how documents are grouped."""

    summary: bool = False
    detail: bool = False
    max_chars: int = MAX_DOCUMENT_CHARS
    window_docs: int = DEFAULT_WINDOW_DOCS
    window_chars: int = DEFAULT_WINDOW_CHARS


def record_error(what: str, exc: BaseException) -> str:
    """A record's ``error`` field for a failure of one document: the library's refusal in its
    own line, or a bug named by its class ("internal error"), as the CLI names it."""
    if isinstance(exc, Vi2enError):
        return f"{what} failed: {one_line(exc)}"
    return f"{what} failed: internal error: {one_line(f'{type(exc).__name__}: {exc}')}"


def result_flags(result: PipelineResult) -> list[dict[str, Any]]:
    """Flags of a :class:`PipelineResult`, each with its sentence index (``None``: summary)
    and, where a flag has one, its ``span`` in that sentence's source."""
    flags: list[dict[str, Any]] = [{"sentence": i, **f.to_dict()}
                                   for i, sentence in enumerate(result.sentences)
                                   for f in sentence.flags]
    flags += [{"sentence": None, **f.to_dict()} for f in result.summary_flags]
    return flags


def make_record(record_id: str, options: BatchOptions, *, model: str | None,
                translation: str | None = None, summary: str | None = None,
                flags: list[dict[str, Any]] | None = None, error: str | None = None,
                elapsed_s: float = 0.0,
                paragraphs: list[dict[str, Any]] | None = None,
                signature: str | None = None) -> Record:
    """An output record with every field present, in a fixed order. ``signature``: how a
    translated record was made (None on an error record, which a resume does not compare)."""
    record: Record = {"id": record_id, "translation": translation}
    if options.summary:
        record["summary"] = summary
    record.update({"flags": flags or [], "error": error, "model": model,
                   "signature": signature if error is None else None,
                   "elapsed_s": round(elapsed_s, 4)})
    if options.detail:
        record["paragraphs"] = paragraphs
    return record


@dataclass
class WindowResult:
    """Output records of a window, in input order, and what they cost."""

    records: list[Record]
    sentences: int = 0


def translate_window(pipeline: Pipeline, records: Sequence[InputRecord],
                     options: BatchOptions) -> WindowResult:
    """Translate a window of documents together; every input record gets an output record."""
    return start_window(pipeline, records, options).finish()


def start_window(pipeline: Pipeline, records: Sequence[InputRecord], options: BatchOptions,
                 progress: ProgressCallback | None = None) -> PendingWindow:
    """Translate a window; its checks go on (in the check workers) until
    :meth:`PendingWindow.finish`, so the caller can translate the next window meanwhile.
    ``progress`` counts the window's distinct sentences as each batch is translated."""
    return PendingWindow(pipeline, records, options, progress)


class PendingWindow:
    """A window translated, its checks under way."""

    def __init__(self, pipeline: Pipeline, records: Sequence[InputRecord],
                 options: BatchOptions, progress: ProgressCallback | None = None) -> None:
        self.pipeline = pipeline
        self.records = list(records)
        self.options = options
        self.good = [r for r in records if r.error is None]
        self.outcomes: dict[int, Outcome] = {}
        self.pending: PendingTranslation | None = None
        self.spent = 0.0  # seconds of work on this window, waits for others excluded
        if self.good:
            pipeline.translator.load()  # outside the per-record error handling
            if options.summary:
                pipeline.summarizer.load()
            started = time.perf_counter()
            try:
                self.pending = pipeline.start_many([r.text or "" for r in self.good],
                                                   progress=progress)
            except ModelError:
                raise
            except Exception as exc:
                _translate_one_by_one(pipeline, self.good, self.outcomes, exc)
            self.spent = time.perf_counter() - started

    def finish(self) -> WindowResult:
        """Checks in, summaries added: the window's records, in input order."""
        if self.pending is not None:
            started = time.perf_counter()
            try:
                results = self.pending.result()
            except ModelError:
                raise
            except Exception as exc:
                _translate_one_by_one(self.pipeline, self.good, self.outcomes, exc)
            else:
                elapsed = self.spent + time.perf_counter() - started
                total_chars = sum(len(r.text or "") for r in self.good) or 1
                for record, result in zip(self.good, results, strict=True):
                    # The window's time, shared by length: its documents ran together.
                    self.outcomes[id(record)] = (
                        result, elapsed * len(record.text or "") / total_chars)
            self.pending = None
        options = self.options
        model = self.pipeline.translator.info().name
        window = WindowResult(records=[])
        for record in self.records:
            outcome = record.error if record.error is not None else self.outcomes[id(record)]
            if isinstance(outcome, str):
                window.records.append(make_record(record.id, options, model=model,
                                                  error=outcome))
            else:
                window.records.append(_finish(self.pipeline, record, outcome, options, model,
                                              window))
        return window


def _finish(pipeline: Pipeline, record: InputRecord, outcome: tuple[PipelineResult, float],
            options: BatchOptions, model: str, window: WindowResult) -> Record:
    """The record of one translated document, its summary added."""
    result, elapsed = outcome
    error = None
    if not result.sentences:
        error = "no sentences found in the text"
    elif options.summary:
        started = time.perf_counter()
        try:
            pipeline.add_summary(result)
        except ModelError:
            raise
        except Exception as exc:  # one article's summary must not stop the run
            logger.warning("summary of %s failed", record.id, exc_info=True)
            error = record_error("summary", exc)
        elapsed += time.perf_counter() - started
    window.sentences += len(result.sentences)
    translation = result.translation if result.sentences else None
    return make_record(
        record.id, options, model=model, translation=translation,
        summary=result.summary, flags=result_flags(result), error=error, elapsed_s=elapsed,
        paragraphs=[p.to_dict() for p in result.paragraphs] if options.detail else None,
        signature=str(result.signature))


def _translate_one_by_one(pipeline: Pipeline, good: Sequence[InputRecord],
                          outcomes: dict[int, Outcome], exc: Exception) -> None:
    """A window failed: find the document that breaks it; the others still get translated."""
    if len(good) == 1:
        logger.warning("translating %s failed", good[0].id, exc_info=exc)
        outcomes[id(good[0])] = record_error("translation", exc)
        return
    logger.warning("a window of %d documents failed (%s); translating them one by one",
                   len(good), one_line(exc))
    for record in good:
        started = time.perf_counter()
        try:
            result = pipeline.translate_many([record.text or ""])[0]
        except ModelError:
            raise
        except Exception as error:
            logger.warning("translating %s failed", record.id, exc_info=True)
            outcomes[id(record)] = record_error("translation", error)
        else:
            outcomes[id(record)] = (result, time.perf_counter() - started)
