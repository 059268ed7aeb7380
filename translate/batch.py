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
     "error": null, "model": "envit5", "elapsed_s": 0.42}

``flags[].sentence`` is the 0-based index of the sentence in the document (paragraphs read in
order); ``null`` marks a flag on the summary. ``paragraphs`` (per-sentence detail, as in
``vi2en translate --json``) is added on request.
"""

from __future__ import annotations

import csv
import fcntl
import fnmatch
import glob
import io
import json
import logging
import os
import re
import sys
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePath
from typing import IO, Any

from tqdm.auto import tqdm

from .catalog import ModelError
from .extract import DOCUMENT_SUFFIXES, ExtractionError, read_document
from .outputs import OutputError, check_output_dir, check_output_file

logger = logging.getLogger(__name__)

JSONL_SUFFIXES = (".jsonl", ".ndjson")
CSV_SUFFIXES = (".csv",)
INPUT_FORMATS = ("jsonl", "csv")

DEFAULT_MAX_CHARS = 200_000
# A window is the unit of cross-document batching and of loss on a kill: big enough to fill
# length-sorted batches, small enough that output appears every few seconds.
DEFAULT_WINDOW_DOCS = 32
DEFAULT_WINDOW_CHARS = 40_000

# Python's csv module refuses fields over 128 KiB; a huge document must reach the size check
# and become an error record instead of stopping the run.
csv.field_size_limit(2**31 - 1)


class BatchUsageError(ValueError):
    """The job cannot start: missing input, unreadable output, bad column (exit code 2)."""


class OutputLockedError(BatchUsageError):
    """Another run holds the output's lock."""


class NotOurOutputError(BatchUsageError):
    """The output exists and is not a vi2en batch output: it is left untouched."""


# ------------------------------------------------------------------------------------------
# Input
# ------------------------------------------------------------------------------------------


@dataclass
class InputRecord:
    """One document to translate, or the reason it cannot be."""

    id: str
    text: str | None = None
    error: str | None = None
    where: str = ""  # for messages: "in.jsonl line 5", "docs/a.txt"
    name: str | None = None  # file name stem for --out-dir (documents: relative path)


@dataclass(frozen=True)
class Source:
    """One input: a structured file (many records) or one document."""

    path: Path | None  # None: standard input
    kind: str  # "jsonl", "csv" or "document"
    label: str  # as the user named it, for ids and messages
    name: str | None = None  # documents: relative name for --out-dir
    root: Path | None = None  # the input folder it was found in
    pattern: str | None = None  # the glob pattern that found it


def _kind_of(path: Path, fmt: str | None, explicit: bool) -> str | None:
    suffix = path.suffix.lower()
    if suffix in JSONL_SUFFIXES:
        return "jsonl"
    if suffix in CSV_SUFFIXES:
        return "csv"
    if explicit and fmt:
        return fmt  # the user says what a file with another suffix holds
    if suffix in DOCUMENT_SUFFIXES or explicit:
        # An explicitly named file of another type becomes an error record naming the types.
        return "document"
    return None


def _document_name(path: Path, root: Path | None) -> str:
    relative = path.relative_to(root) if root is not None else Path(path.name)
    return str(relative.with_suffix(""))


def expand_inputs(inputs: Sequence[str], fmt: str | None = None) -> list[Source]:
    """Files, directories (recursively) and glob patterns, in a stable order."""
    if fmt is not None and fmt not in INPUT_FORMATS:
        raise BatchUsageError(f"--format must be one of {', '.join(INPUT_FORMATS)}")
    if not inputs:
        raise BatchUsageError("no input given")
    sources: list[Source] = []
    for item in inputs:
        if item == "-":
            if sys.stdin is None:  # started with standard input closed (`<&-`)
                raise BatchUsageError("standard input is closed; give the input files")
            sources.append(Source(None, fmt or "jsonl", "stdin"))
            continue
        path = Path(item)
        if path.is_dir():
            sources.extend(_directory_sources(path))
        elif path.is_file():
            kind = _kind_of(path, fmt, explicit=True)
            sources.append(Source(path, kind or "document", item,
                                  _document_name(path, None)))
        elif glob.has_magic(item):
            matches = sorted(glob.glob(item, recursive=True))
            if not matches:
                raise BatchUsageError(f"no files match {item}")
            for match in matches:
                found = Path(match)
                if found.is_dir():
                    sources.extend(_directory_sources(found))
                elif (kind := _kind_of(found, fmt, explicit=False)) is not None:
                    sources.append(Source(found, kind, match, _document_name(found, None),
                                          pattern=item))
        else:
            raise BatchUsageError(f"no such file or directory: {item}")
    if not sources:
        raise BatchUsageError("the inputs hold no .jsonl, .csv or document files "
                              f"({', '.join(DOCUMENT_SUFFIXES)})")
    return sources


def _read_as_input(path: Path, source: Source) -> bool:
    """Whether a file at ``path`` would be read by the next run with the same inputs."""
    if source.root is not None:
        root = source.root.resolve()
        if not path.resolve().is_relative_to(root):
            return False
        relative = path.resolve().relative_to(root)
        return not any(part.startswith(".") for part in relative.parts) \
            and _kind_of(path, None, explicit=False) is not None
    if source.pattern is not None:
        pattern = os.path.abspath(source.pattern)
        absolute = os.path.abspath(path)
        # PurePath.match compares segment by segment; `**` spans folders, which fnmatch's `*`
        # approximates (erring towards refusing).
        matched = fnmatch.fnmatch(absolute, pattern) if "**" in pattern \
            else PurePath(absolute).match(pattern)
        return matched and _kind_of(path, None, explicit=False) is not None
    return False


def check_outputs(sources: Sequence[Source], output: str | os.PathLike[str],
                  out_dir: str | os.PathLike[str] | None = None) -> None:
    """Refuse outputs that are inputs, or that a rerun would read as inputs; check out_dir.

    Writing the output over an input would destroy the article before it is read.
    """
    target = Path(output)
    resolved = target.resolve()
    for source in sources:
        if source.path is None:
            continue
        if source.path.resolve() == resolved or (
                target.exists() and source.path.exists() and source.path.samefile(target)):
            raise BatchUsageError(f"the output {output} is also an input ({source.label}); "
                                  "write the output to another file")
    for source in sources:
        if _read_as_input(target, source):
            where = source.root if source.root is not None else source.pattern
            raise BatchUsageError(f"the output {output} is among the inputs ({where}): a "
                                  "rerun would read it as an input; write it elsewhere")
    if out_dir is None:
        return
    probe = Path(out_dir) / "document.en.txt"
    for source in sources:
        if _read_as_input(probe, source):
            where = source.root if source.root is not None else source.pattern
            raise BatchUsageError(f"--out-dir {out_dir} is among the inputs ({where}): a "
                                  "rerun would read its .en.txt files as inputs; choose "
                                  "another folder")
    try:
        check_output_dir(out_dir)
    except OutputError as exc:
        raise BatchUsageError(str(exc)) from None


def _directory_sources(root: Path) -> list[Source]:
    found: list[Source] = []
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        if any(part.startswith(".") for part in path.relative_to(root).parts):
            continue  # editor backups, .git and the like are not articles
        kind = _kind_of(path, None, explicit=False)
        if kind is None:
            logger.debug("skipping %s: not an input type", path)
            continue
        found.append(Source(path, kind, str(path), _document_name(path, root), root=root))
    if not found:
        raise BatchUsageError(f"{root} holds no .jsonl, .csv or document files "
                              f"({', '.join(DOCUMENT_SUFFIXES)})")
    return found


def record_from_mapping(obj: Any, fallback_id: str, where: str, *, text_field: str = "text",
                        id_field: str = "id") -> InputRecord:
    """An input record from a parsed JSON value or CSV row; problems become an error."""
    if not isinstance(obj, dict):
        return InputRecord(fallback_id, error=f"{where}: a JSON {_json_type(obj)}, "
                                              "not an object", where=where)
    raw_id = obj.get(id_field)
    if raw_id is None or raw_id == "":
        record_id = fallback_id
    elif isinstance(raw_id, (str, int)) and not isinstance(raw_id, bool) and _encodable(raw_id):
        record_id = str(raw_id)
    else:
        return InputRecord(fallback_id, error=f"{where}: the '{id_field}' field is not a "
                                              "string or an integer", where=where)
    if text_field not in obj:
        return InputRecord(record_id, error=f"{where}: no '{text_field}' field", where=where)
    text = obj[text_field]
    if not isinstance(text, str):
        return InputRecord(record_id, error=f"{where}: the '{text_field}' field is a JSON "
                                            f"{_json_type(text)}, not a string", where=where)
    if not _encodable(text):
        return InputRecord(record_id, error=f"{where}: the text is not valid Unicode "
                                            "(unpaired surrogate)", where=where)
    return InputRecord(record_id, text=text, where=where)


def _encodable(value: Any) -> bool:
    try:
        str(value).encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, list):
        return "array"
    return {dict: "object", str: "string"}.get(type(value), type(value).__name__)


def parse_jsonl_line(raw: bytes, lineno: int, prefix: str = "", *, text_field: str = "text",
                     id_field: str = "id", label: str = "input") -> InputRecord | None:
    """The record on one JSONL line (``None`` for a blank line, which holds no record)."""
    fallback_id = f"{prefix}line-{lineno}"
    where = f"{label} line {lineno}"
    try:
        line = raw.decode("utf-8-sig" if lineno == 1 else "utf-8")
    except UnicodeDecodeError as exc:
        return InputRecord(fallback_id, error=f"{where} is not UTF-8 text (invalid byte at "
                                              f"position {exc.start})", where=where)
    if not line.strip():
        return None
    try:
        obj = json.loads(line)
    except json.JSONDecodeError as exc:
        # json's messages end in "at" when a position follows ("Unterminated string
        # starting at"); the column is added once, here.
        return InputRecord(fallback_id, error=f"{where} is not valid JSON "
                                              f"({exc.msg.removesuffix(' at')} at column "
                                              f"{exc.colno})", where=where)
    return record_from_mapping(obj, fallback_id, where, text_field=text_field,
                               id_field=id_field)


class InputReader:
    """Reads every source into :class:`InputRecord` s, in order."""

    def __init__(self, sources: Sequence[Source], *, text_field: str = "text",
                 id_field: str = "id") -> None:
        self.sources = list(sources)
        self.text_field = text_field
        self.id_field = id_field
        self._stdin: bytes | None = None
        structured = [s for s in self.sources if s.kind != "document"]
        # `line-N` alone is unambiguous only when there is one structured input.
        self._prefix = {s: ("" if len(structured) == 1 else f"{s.label}:") for s in structured}

    def _bytes(self, source: Source) -> bytes:
        if source.path is None:
            if self._stdin is None:
                # Read once: the pre-count and the reading pass both need it.
                self._stdin = sys.stdin.buffer.read()
            return self._stdin
        return source.path.read_bytes()

    def check(self) -> None:
        """Fail early, before any work, on inputs that cannot be read at all."""
        for source in self.sources:
            if source.kind == "csv":
                self._csv_header(source)

    def count(self) -> int:
        """Number of records (for the progress bar), without extracting documents."""
        total = 0
        for source in self.sources:
            if source.kind == "document":
                total += 1
            elif source.kind == "jsonl":
                data = self._bytes(source)
                if b"\x00" in data[:8192]:
                    total += 1
                else:
                    total += sum(1 for line in data.split(b"\n") if line.strip())
            else:
                total += sum(1 for _ in self._csv_rows(source))
        return total

    def __iter__(self) -> Iterator[InputRecord]:
        for source in self.sources:
            if source.kind == "document":
                yield self._document(source)
            elif source.kind == "jsonl":
                yield from self._jsonl(source)
            else:
                yield from self._csv(source)

    def _document(self, source: Source) -> InputRecord:
        assert source.path is not None
        try:
            text = read_document(source.path)
        except ExtractionError as exc:
            return InputRecord(source.label, error=str(exc), where=source.label,
                               name=source.name)
        except OSError as exc:
            return InputRecord(source.label, error=f"cannot read {source.label}: "
                                                   f"{exc.strerror or exc}",
                               where=source.label, name=source.name)
        return InputRecord(source.label, text=text, where=source.label, name=source.name)

    def _jsonl(self, source: Source) -> Iterator[InputRecord]:
        data = self._bytes(source)
        if b"\x00" in data[:8192]:
            yield InputRecord(source.label, error=f"{source.label} looks like a binary file, "
                                                  "not JSONL", where=source.label)
            return
        for lineno, raw in enumerate(data.split(b"\n"), start=1):
            record = parse_jsonl_line(raw.rstrip(b"\r"), lineno, self._prefix[source],
                                      text_field=self.text_field, id_field=self.id_field,
                                      label=source.label)
            if record is not None:
                yield record

    def _csv_stream(self, source: Source) -> IO[str]:
        # surrogateescape keeps undecodable bytes visible so one bad row becomes one error
        # record instead of stopping the whole file.
        return io.TextIOWrapper(io.BytesIO(self._bytes(source)), encoding="utf-8-sig",
                                errors="surrogateescape", newline="")

    def _csv_header(self, source: Source) -> list[str]:
        try:
            header = next(csv.reader(self._csv_stream(source)), None)
        except csv.Error as exc:
            raise BatchUsageError(f"{source.label} is not a readable CSV file ({exc})") from None
        if not header:
            raise BatchUsageError(f"{source.label} is empty: a CSV input needs a header row")
        if self.text_field not in header:
            raise BatchUsageError(f"{source.label} has no '{self.text_field}' column "
                                  f"(columns: {', '.join(header)}); use --text-field")
        return header

    def _csv_rows(self, source: Source) -> Iterator[tuple[int, dict[str, Any]]]:
        self._csv_header(source)
        reader = csv.DictReader(self._csv_stream(source))
        start = 2  # the first data row follows the header line
        try:
            for row in reader:
                yield start, row
                start = reader.line_num + 1
        except csv.Error as exc:
            raise BatchUsageError(f"{source.label} line {reader.line_num}: not valid CSV "
                                  f"({exc})") from None

    def _csv(self, source: Source) -> Iterator[InputRecord]:
        prefix = self._prefix[source]
        for lineno, row in self._csv_rows(source):
            where = f"{source.label} line {lineno}"
            values = [v for v in row.values() if isinstance(v, str)]
            if any(not _encodable(v) for v in values):
                yield InputRecord(f"{prefix}line-{lineno}", where=where,
                                  error=f"{where} is not UTF-8 text")
                continue
            yield record_from_mapping(row, f"{prefix}line-{lineno}", where,
                                      text_field=self.text_field, id_field=self.id_field)


def validate(record: InputRecord, max_chars: int = DEFAULT_MAX_CHARS) -> InputRecord:
    """Turn texts that must not be translated (empty, too big) into error records."""
    if record.error is not None or record.text is None:
        return record
    where = f"{record.where}: " if record.where else ""
    if not record.text.strip():
        record.error = f"{where}empty text"
    elif len(record.text) > max_chars:
        # Refused, not truncated: a partial translation would pass for a whole one.
        record.error = (f"{where}document has {len(record.text):,} characters, over the limit "
                        f"of {max_chars:,} (--max-chars); it was not translated")
    return record


# ------------------------------------------------------------------------------------------
# Translation of a window of documents
# ------------------------------------------------------------------------------------------


@dataclass
class BatchOptions:
    """What each record gets and how documents are grouped."""

    summary: bool = False
    detail: bool = False
    max_chars: int = DEFAULT_MAX_CHARS
    window_docs: int = DEFAULT_WINDOW_DOCS
    window_chars: int = DEFAULT_WINDOW_CHARS


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0]}" if text else type(exc).__name__


def result_flags(result: Any) -> list[dict[str, Any]]:
    """Flags of a :class:`PipelineResult`, each with its sentence index (``None``: summary)."""
    flags = [{"sentence": i, "kind": f.kind, "detail": f.detail}
             for i, sentence in enumerate(result.sentences) for f in sentence.flags]
    flags += [{"sentence": None, "kind": f.kind, "detail": f.detail}
              for f in result.summary_flags]
    return flags


def make_record(record_id: str, options: BatchOptions, *, model: str | None,
                translation: str | None = None, summary: str | None = None,
                flags: list[dict[str, Any]] | None = None, error: str | None = None,
                elapsed_s: float = 0.0,
                paragraphs: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """An output record with every field present, in a fixed order."""
    record: dict[str, Any] = {"id": record_id, "translation": translation}
    if options.summary:
        record["summary"] = summary
    record.update({"flags": flags or [], "error": error, "model": model,
                   "elapsed_s": round(elapsed_s, 4)})
    if options.detail:
        record["paragraphs"] = paragraphs
    return record


@dataclass
class WindowResult:
    """Output records of a window, in input order, and what they cost."""

    records: list[dict[str, Any]]
    sentences: int = 0
    texts: dict[str, str] = field(default_factory=dict)  # id -> text for --out-dir


def translate_window(pipeline: Any, records: Sequence[InputRecord],
                     options: BatchOptions) -> WindowResult:
    """Translate a window of documents together; every input record gets an output record."""
    good = [r for r in records if r.error is None]
    outcomes: dict[int, tuple[Any, float] | str] = {}
    if good:
        pipeline.translator.engine  # noqa: B018  load outside the per-record error handling
        if options.summary:
            pipeline.summarizer.engine  # noqa: B018
        _translate_into(pipeline, good, outcomes)
    model = pipeline.translator.info().name
    window = WindowResult(records=[])
    for record in records:
        if record.error is not None:
            window.records.append(make_record(record.id, options, model=model,
                                              error=record.error))
            continue
        outcome = outcomes[id(record)]
        if isinstance(outcome, str):
            window.records.append(make_record(record.id, options, model=model, error=outcome))
            continue
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
                error = f"summary failed: {_one_line(exc)}"
            elapsed += time.perf_counter() - started
        window.sentences += len(result.sentences)
        translation = result.translation if result.sentences else None
        if translation is not None:
            window.texts[record.id] = translation + (
                f"\n\nSummary:\n{result.summary}" if options.summary and result.summary else "")
        window.records.append(make_record(
            record.id, options, model=model, translation=translation,
            summary=result.summary, flags=result_flags(result), error=error, elapsed_s=elapsed,
            paragraphs=[p.to_dict() for p in result.paragraphs] if options.detail else None))
    return window


def _translate_into(pipeline: Any, good: Sequence[InputRecord],
                    outcomes: dict[int, tuple[Any, float] | str]) -> None:
    started = time.perf_counter()
    try:
        results = pipeline.translate_many([r.text for r in good])
    except ModelError:
        raise
    except Exception as exc:
        if len(good) == 1:
            logger.warning("translating %s failed", good[0].id, exc_info=True)
            outcomes[id(good[0])] = f"translation failed: {_one_line(exc)}"
            return
        # Find the document that breaks the window; the others still get translated.
        logger.warning("a window of %d documents failed (%s); translating them one by one",
                       len(good), _one_line(exc))
        for record in good:
            _translate_into(pipeline, [record], outcomes)
        return
    elapsed = time.perf_counter() - started
    total_chars = sum(len(r.text or "") for r in good) or 1
    for record, result in zip(good, results, strict=True):
        # The window's time, shared by length: sentences of all its documents ran together.
        outcomes[id(record)] = (result, elapsed * len(record.text or "") / total_chars)


# ------------------------------------------------------------------------------------------
# Output: lock, resume, append
# ------------------------------------------------------------------------------------------


# Every record this module writes starts with these bytes (json.dumps of a dict whose first
# key is "id"): a file that does not is not ours, and is never truncated or rewritten.
RECORD_START = b'{"id": '


def _is_record(obj: Any) -> bool:
    return isinstance(obj, dict) and isinstance(obj.get("id"), str) and "error" in obj


def _could_be_record_start(data: bytes) -> bool:
    """Whether ``data`` (a line cut short by a kill) is how one of our records begins."""
    return data.startswith(RECORD_START) or RECORD_START.startswith(data)


class OutputFile:
    """The JSONL output: locked while open, read back for resume, appended line by line.

    An existing file is used only if it is a vi2en batch output: its first line must be one of
    our records, else it is refused (:class:`NotOurOutputError`) untouched, with or without
    ``overwrite``. Only a partial last line that begins like a record is cut off.
    """

    def __init__(self, path: str | os.PathLike[str], *, overwrite: bool = False) -> None:
        self.path = Path(path)
        self.lock_path = Path(str(self.path) + ".lock")
        self.overwrite = overwrite
        self.done: dict[str, bool] = {}  # id -> the record is an error
        self.repaired_bytes = 0
        self._lock_fh: IO[str] | None = None
        self._fh: IO[str] | None = None

    def __enter__(self) -> OutputFile:
        self.open()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def open(self) -> None:
        self._check_kind()
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._lock_fh = open(self.lock_path, "a", encoding="utf-8")  # noqa: SIM115
        except OSError as exc:
            raise BatchUsageError(f"cannot write next to {self.path}: "
                                  f"{exc.strerror or exc}") from None
        try:
            fcntl.flock(self._lock_fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            self._lock_fh.close()
            self._lock_fh = None
            raise OutputLockedError(f"another vi2en batch run is writing {self.path} (lock "
                                    f"{self.lock_path} is held); wait for it to finish or "
                                    "choose another output") from None
        try:
            self._check_ours()  # again under the lock: another run may have just written it
            if self.overwrite and self.path.exists():
                os.truncate(self.path, 0)
            elif self.path.exists():
                self._load()
            self._fh = open(self.path, "a", encoding="utf-8", newline="\n")  # noqa: SIM115
        except OSError as exc:
            self.close()
            raise BatchUsageError(f"cannot write {self.path}: {exc.strerror or exc}") from None
        except BatchUsageError:
            self.close()
            raise

    def check(self) -> None:
        """Fail now, changing nothing, if :meth:`open` would refuse or fail to create."""
        self._check_kind()
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            check_output_file(self.path)
            check_output_file(self.lock_path)
        except OSError as exc:
            raise BatchUsageError(f"cannot write {self.path}: {exc.strerror or exc}") from None
        except OutputError as exc:
            raise BatchUsageError(str(exc)) from None

    def _check_kind(self) -> None:
        if self.path.is_dir():
            raise BatchUsageError(f"the output {self.path} is a directory; give a .jsonl file")
        if self.path.exists() and not self.path.is_file():
            raise BatchUsageError(f"the output {self.path} is not a regular file")
        self._check_ours()

    def _check_ours(self) -> None:
        """Refuse an existing, non-empty file whose first line is not one of our records."""
        try:
            with open(self.path, "rb") as fh:
                start = fh.read(len(RECORD_START))
                if not start:
                    return  # empty: nothing to lose
                fh.seek(0)
                first = fh.readline() if start == RECORD_START else b""
        except (FileNotFoundError, NotADirectoryError):
            return  # nothing there yet; creating it is checked next
        except OSError as exc:
            raise BatchUsageError(f"cannot read {self.path}: {exc.strerror or exc}") from None
        if first.endswith(b"\n"):
            try:
                ours = _is_record(json.loads(first))
            except ValueError:
                ours = False
        else:
            # The only line, cut short by a kill while it was written.
            ours = _could_be_record_start(first or start)
        if not ours:
            raise NotOurOutputError(
                f"{self.path} exists and is not a vi2en batch output (its first line is not "
                "a batch record); refusing to change it: choose another output file")

    def _load(self) -> None:
        """Ids already written; a partial last line (a killed run) is cut off."""
        good_end = 0
        with open(self.path, "rb") as fh:
            for lineno, line in enumerate(fh, start=1):
                complete = line.endswith(b"\n")
                try:
                    record = json.loads(line)
                    record_id = record["id"]
                except (ValueError, TypeError, KeyError):
                    if not complete and _could_be_record_start(line):
                        break  # the partial last line of a killed run: repaired below
                    raise BatchUsageError(
                        f"{self.path} line {lineno} is not a vi2en batch record; fix or "
                        "remove it, or start over with --overwrite") from None
                self.done[str(record_id)] = record.get("error") is not None
                good_end += len(line)
                if not complete:
                    # Whole record, only its newline lost: keep it and end the line.
                    with open(self.path, "ab") as out:
                        out.write(b"\n")
                    good_end += 1
                    break  # it was the last line; do not read the newline just added
        size = self.path.stat().st_size
        if size > good_end:
            self.repaired_bytes = size - good_end
            logger.warning("%s ended in a partial line (%d bytes) from an interrupted run; "
                           "removed it, that record will be redone", self.path,
                           self.repaired_bytes)
            os.truncate(self.path, good_end)

    def write(self, records: Iterable[dict[str, Any]]) -> None:
        assert self._fh is not None, "open() first"
        for record in records:
            # One write per line: a kill can cut only the last line, which _load repairs.
            self._fh.write(json.dumps(record, ensure_ascii=False) + "\n")
            self.done[record["id"]] = record.get("error") is not None
        self._fh.flush()
        os.fsync(self._fh.fileno())

    def close(self) -> None:
        if self._fh is not None:
            self._fh.close()
            self._fh = None
        if self._lock_fh is not None:
            # The lock file stays: removing it would let a waiting run and a new one both
            # believe they hold the lock.
            fcntl.flock(self._lock_fh.fileno(), fcntl.LOCK_UN)
            self._lock_fh.close()
            self._lock_fh = None


_UNSAFE_NAME_RE = re.compile(r"[^\w.\-]+")


def safe_name(name: str) -> str:
    """A relative file name from an id or path: no '..', no odd characters."""
    parts = [_UNSAFE_NAME_RE.sub("_", p).strip("._") for p in re.split(r"[\\/]+", name)]
    parts = [p for p in parts if p]
    return "/".join(parts) or "document"


def write_text_atomically(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text if text.endswith("\n") else text + "\n", encoding="utf-8")
    os.replace(tmp, path)


# ------------------------------------------------------------------------------------------
# The job
# ------------------------------------------------------------------------------------------


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

    def count(self, records: list[dict[str, Any]]) -> None:
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


class BatchJob:
    """Translate every input record into ``output``, resuming what an earlier run began."""

    def __init__(self, pipeline: Any, output: str | os.PathLike[str], *,
                 options: BatchOptions | None = None, out_dir: str | os.PathLike[str] | None = None,
                 overwrite: bool = False, cache: Any = None, show_progress: bool = False) -> None:
        self.pipeline = pipeline
        self.output = Path(output)
        self.options = options or BatchOptions()
        self.out_dir = Path(out_dir) if out_dir is not None else None
        self.overwrite = overwrite
        self.cache = cache
        self.show_progress = show_progress
        self._input_paths: set[Path] = set()

    def run(self, reader: InputReader) -> BatchStats:
        check_outputs(reader.sources, self.output, self.out_dir)
        self._input_paths = {s.path.resolve() for s in reader.sources if s.path is not None}
        reader.check()
        stats = BatchStats()
        started = time.perf_counter()
        hits0 = getattr(self.cache, "hits", 0)
        lookups0 = hits0 + getattr(self.cache, "misses", 0)
        total = reader.count() if self.show_progress else None
        with OutputFile(self.output, overwrite=self.overwrite) as out, \
                tqdm(total=total, unit="doc", desc="documents", disable=not self.show_progress,
                     file=sys.stderr, dynamic_ncols=True) as docs_bar, \
                tqdm(unit="sent", desc="sentences", disable=not self.show_progress,
                     file=sys.stderr, position=1, dynamic_ncols=True) as sent_bar:
            stats.repaired_bytes = out.repaired_bytes
            names: dict[str, str] = {}
            used_names: set[str] = set()
            seen: dict[str, int] = {}
            window: list[InputRecord] = []
            window_docs = window_chars = 0

            def flush() -> None:
                nonlocal window, window_docs, window_chars
                if not window:
                    return
                result = translate_window(self.pipeline, window, self.options)
                if self.out_dir is not None:
                    for record_id, text in result.texts.items():
                        write_text_atomically(self.out_dir / f"{names[record_id]}.en.txt",
                                              text)
                out.write(result.records)
                stats.count(result.records)
                stats.sentences += result.sentences
                docs_bar.update(len(result.records))
                sent_bar.update(result.sentences)
                if self.cache is not None:
                    lookups = self.cache.hits + self.cache.misses - lookups0
                    if lookups:
                        sent_bar.set_postfix_str(
                            f"cache {100 * (self.cache.hits - hits0) / lookups:.0f}%")
                window, window_docs, window_chars = [], 0, 0

            for record in reader:
                stats.total += 1
                record = self._unique(record, seen)
                names[record.id] = self._name(record, used_names)
                if record.id in out.done:
                    stats.skipped += 1
                    stats.skipped_failed += out.done[record.id]
                    docs_bar.update(1)
                    continue
                validate(record, self.options.max_chars)
                window.append(record)
                if record.error is None:
                    window_docs += 1
                    window_chars += len(record.text or "")
                if (window_docs >= self.options.window_docs
                        or window_chars >= self.options.window_chars
                        or len(window) >= 4 * self.options.window_docs):
                    flush()
            flush()
        stats.elapsed_s = time.perf_counter() - started
        if self.cache is not None:
            stats.cache_hits = self.cache.hits - hits0
            stats.cache_lookups = self.cache.hits + self.cache.misses - lookups0
            stats.cache_write_errors = getattr(self.cache, "write_errors", 0)
        return stats

    @staticmethod
    def _unique(record: InputRecord, seen: dict[str, int]) -> InputRecord:
        """A repeated id gets a numbered id and an error: resume keys on ids."""
        count = seen.get(record.id, 0) + 1
        seen[record.id] = count
        if count == 1:
            return record
        new_id = f"{record.id}#{count}"
        seen[new_id] = seen.get(new_id, 0) + 1
        where = f" ({record.where})" if record.where else ""
        return InputRecord(new_id, error=f"duplicate id '{record.id}'{where}; ids must be "
                                         "unique", where=record.where, name=record.name)

    def _name(self, record: InputRecord, used: set[str]) -> str:
        base = safe_name(record.name or record.id)
        name, k = base, 1
        while name in used or self._is_input(name):
            k += 1
            name = f"{base}-{k}"
        used.add(name)
        return name

    def _is_input(self, name: str) -> bool:
        """Whether NAME.en.txt in --out-dir is one of the inputs (never written over)."""
        return self.out_dir is not None \
            and (self.out_dir / f"{name}.en.txt").resolve() in self._input_paths


def check_job(inputs: Sequence[str], output: str | os.PathLike[str], *, fmt: str | None = None,
              out_dir: str | os.PathLike[str] | None = None) -> None:
    """Everything about inputs and outputs that can fail, checked before models load."""
    check_outputs(expand_inputs(inputs, fmt), output, out_dir)
    OutputFile(output).check()


def run_batch(inputs: Sequence[str], output: str | os.PathLike[str], pipeline: Any, *,
              options: BatchOptions | None = None, fmt: str | None = None,
              text_field: str = "text", id_field: str = "id",
              out_dir: str | os.PathLike[str] | None = None, overwrite: bool = False,
              cache: Any = None, show_progress: bool = False) -> BatchStats:
    """Library entry point: the whole job from input names to stats."""
    reader = InputReader(expand_inputs(inputs, fmt), text_field=text_field, id_field=id_field)
    job = BatchJob(pipeline, output, options=options, out_dir=out_dir, overwrite=overwrite,
                   cache=cache, show_progress=show_progress)
    return job.run(reader)


# ------------------------------------------------------------------------------------------
# Command line
# ------------------------------------------------------------------------------------------
