"""Batch translation: many documents from JSONL, CSV or files into one JSONL file.

The job is resumable and never writes a record twice: the output file is the only state.
Records already in it are skipped on the next run, a partial last line left by a killed run is
repaired, and a lock (``OUT.lock``) keeps two runs off the same output. Sentences of a window
of documents go through one :meth:`Pipeline.translate_many` call (cross-document,
length-sorted batches, identical sentences translated once); each window's records are
flushed as soon as it finishes, so a kill loses at most one window of work.

Output record, one per input record, errors included::

    {"id": "...", "translation": "... or null", "summary": "... (with summaries)",
     "flags": [{"sentence": 0, "kind": "number", "detail": "..."}],
     "error": null, "model": "envit5",
     "signature": "model:…@…|engine:ctranslate2|precision:int8|beams:4|glossary:none|…",
     "elapsed_s": 0.42}

``flags[].sentence`` is the 0-based index of the sentence in the document (paragraphs read in
order); ``null`` marks a flag on the summary. ``paragraphs`` (per-sentence detail, as in
``vi2en translate --json``) is added on request. ``signature`` (records translated without an
error) says how the record was made; a resume compares it with the run's settings
(:func:`check_resume`).

Modules: :mod:`.assembly` (the pipeline, cache and checks of a job, built once for the
local job and Ray's actors), :mod:`.inputs` (which files, readers, validation),
:mod:`.records` (a window's translation and its records), :mod:`.output` (the output file:
lock, resume, repair; outputs checked against inputs), :mod:`.job` (the job and its stats),
:mod:`.ray` (the same job on Ray Data; imported on use, as it needs the ``scale`` extra).
"""

from __future__ import annotations

from .assembly import BatchPipeline, PipelineSettings
from .errors import BatchUsageError, NotOurOutputError, OutputLockedError, OutputWriteError
from .inputs import (
    CSV_SUFFIXES,
    INPUT_FORMATS,
    JSONL_SUFFIXES,
    InputReader,
    InputRecord,
    Source,
    expand_inputs,
    input_kind,
    parse_jsonl_line,
    record_from_mapping,
    validate,
)
from .job import BatchJob, BatchStats, check_job, check_resume, run_batch
from .output import (
    RECORD_START,
    OutputFile,
    check_outputs,
    safe_name,
    write_text_atomically,
)
from .records import (
    DEFAULT_WINDOW_CHARS,
    DEFAULT_WINDOW_DOCS,
    BatchOptions,
    PendingWindow,
    WindowResult,
    make_record,
    result_flags,
    start_window,
    translate_window,
)

__all__ = [
    "CSV_SUFFIXES",
    "DEFAULT_WINDOW_CHARS",
    "DEFAULT_WINDOW_DOCS",
    "INPUT_FORMATS",
    "JSONL_SUFFIXES",
    "RECORD_START",
    "BatchJob",
    "BatchOptions",
    "BatchPipeline",
    "BatchStats",
    "BatchUsageError",
    "InputReader",
    "InputRecord",
    "NotOurOutputError",
    "OutputFile",
    "OutputLockedError",
    "OutputWriteError",
    "PendingWindow",
    "PipelineSettings",
    "Source",
    "WindowResult",
    "check_job",
    "check_resume",
    "check_outputs",
    "expand_inputs",
    "input_kind",
    "make_record",
    "parse_jsonl_line",
    "record_from_mapping",
    "result_flags",
    "run_batch",
    "safe_name",
    "start_window",
    "translate_window",
    "validate",
    "write_text_atomically",
]
