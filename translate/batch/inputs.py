"""Batch inputs: which files a job reads, and the records in them.

Inputs are named as files, folders (read recursively) and glob patterns, and hold JSONL, CSV or
one document each (.txt, .md, .docx, .html, .pptx, .odt, .srt, .pdf). Every input record becomes an
:class:`InputRecord`: its text, or the reason it cannot be translated (bad JSON, not UTF-8, no
text field, empty, too long), so that every record gets an output record.
"""

from __future__ import annotations

import csv
import glob
import io
import json
import logging
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from ..config import MAX_DOCUMENT_CHARS
from ..documents import DOCUMENT_SUFFIXES, formats, open_document, read_text
from ..extract import (
    ExtractionError,
    decode_loosely,
    decode_text,
    looks_binary,
    read_bounded,
)
from .errors import BatchUsageError

logger = logging.getLogger(__name__)

JSONL_SUFFIXES = (".jsonl", ".ndjson")
CSV_SUFFIXES = (".csv",)
INPUT_FORMATS = ("jsonl", "csv")

# Python's csv module refuses fields over 128 KiB; a huge document must reach the size check
# and become an error record instead of stopping the run.
csv.field_size_limit(2**31 - 1)


@dataclass
class InputRecord:
    """One document to translate, or the reason it cannot be."""

    id: str
    text: str | None = None
    error: str | None = None
    where: str = ""  # for messages: "in.jsonl line 5", "docs/a.txt"
    name: str | None = None  # file name stem for --out-dir (documents: relative path)
    document: Path | None = None  # a document to write back translated (--translated-files)


@dataclass(frozen=True)
class Source:
    """One input: a structured file (many records) or one document."""

    path: Path | None  # None: standard input
    kind: str  # "jsonl", "csv" or "document"
    label: str  # as the user named it, for ids and messages
    name: str | None = None  # documents: relative name for --out-dir
    root: Path | None = None  # the input folder it was found in
    pattern: str | None = None  # the glob pattern that found it


# ------------------------------------------------------------------------------------------
# Which files
# ------------------------------------------------------------------------------------------


def input_kind(path: Path, fmt: str | None = None, *, explicit: bool = False) -> str | None:
    """What ``path`` is read as ("jsonl", "csv", "document"), or ``None``: not an input.

    ``explicit``: the user named the file itself (not a folder or pattern that found it).
    """
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
            kind = input_kind(path, fmt, explicit=True)
            sources.append(Source(path, kind or "document", item,
                                  _document_name(path, None)))
        elif glob.has_magic(item):
            sources.extend(_glob_sources(item, fmt))
        else:
            raise BatchUsageError(f"no such file or directory: {item}")
    if not sources:
        raise BatchUsageError("the inputs hold no .jsonl, .csv or document files "
                              f"({', '.join(DOCUMENT_SUFFIXES)})")
    return sources


def _glob_sources(pattern: str, fmt: str | None) -> list[Source]:
    matches = sorted(glob.glob(pattern, recursive=True))
    if not matches:
        raise BatchUsageError(f"no files match {pattern}")
    sources: list[Source] = []
    for match in matches:
        found = Path(match)
        if found.is_dir():
            sources.extend(_directory_sources(found))
        elif (kind := input_kind(found, fmt)) is not None:
            sources.append(Source(found, kind, match, _document_name(found, None),
                                  pattern=pattern))
    return sources


def _directory_sources(root: Path) -> list[Source]:
    found: list[Source] = []
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        if any(part.startswith(".") for part in path.relative_to(root).parts):
            continue  # editor backups, .git and the like are not articles
        kind = input_kind(path)
        if kind is None:
            logger.debug("skipping %s: not an input type", path)
            continue
        found.append(Source(path, kind, str(path), _document_name(path, root), root=root))
    if not found:
        raise BatchUsageError(f"{root} holds no .jsonl, .csv or document files "
                              f"({', '.join(DOCUMENT_SUFFIXES)})")
    return found


# ------------------------------------------------------------------------------------------
# Records
# ------------------------------------------------------------------------------------------


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


def _encodable(value: object) -> bool:
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
    if isinstance(value, dict):
        return "object"
    return "string" if isinstance(value, str) else type(value).__name__


def parse_jsonl_line(raw: bytes, lineno: int, prefix: str = "", *, text_field: str = "text",
                     id_field: str = "id", label: str = "input") -> InputRecord | None:
    """The record on one JSONL line (``None`` for a blank line, which holds no record)."""
    fallback_id = f"{prefix}line-{lineno}"
    where = f"{label} line {lineno}"
    try:
        # A BOM is allowed where a file starts; further down it would be a character.
        line = decode_text(raw, where, bom=lineno == 1)
    except ExtractionError as exc:
        return InputRecord(fallback_id, error=str(exc), where=where)
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


class DuplicateIds:
    """The duplicate-id rule of every batch job (local and Ray): in input order, the second
    record with an id becomes ``ID#2`` (the third ``ID#3``...), an error record saying where
    it is, never translated. Resume keys on ids, so they must be unique and stable."""

    def __init__(self) -> None:
        self.seen: dict[str, int] = {}

    def __call__(self, record: InputRecord) -> InputRecord:
        """``record`` itself for a first id; the numbered error record for a repeat."""
        count = self.seen.get(record.id, 0) + 1
        self.seen[record.id] = count
        if count == 1:
            return record
        new_id = f"{record.id}#{count}"
        self.seen[new_id] = self.seen.get(new_id, 0) + 1
        where = f" ({record.where})" if record.where else ""
        return InputRecord(new_id, error=f"duplicate id '{record.id}'{where}; ids must be "
                                         "unique", where=record.where, name=record.name)


def validate(record: InputRecord, max_chars: int = MAX_DOCUMENT_CHARS) -> InputRecord:
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
# Readers
# ------------------------------------------------------------------------------------------


class InputReader:
    """Reads every source into :class:`InputRecord` s, in order."""

    def __init__(self, sources: Sequence[Source], *, text_field: str = "text",
                 id_field: str = "id", whole_documents: bool = False) -> None:
        self.sources = list(sources)
        # Documents read as all their text units (to be written back in their format)
        # rather than as extract.py's reading (a saved page's article, a .docx's body).
        self.whole_documents = whole_documents
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
                if looks_binary(data):
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
        whole = self.whole_documents and source.path.suffix.lower() in formats()
        try:
            if whole:
                text = open_document(read_bounded(source.path), source.path.name).text
            else:
                text = read_text(source.path)
        except ExtractionError as exc:
            return InputRecord(source.label, error=str(exc), where=source.label,
                               name=source.name)
        except OSError as exc:
            return InputRecord(source.label, error=f"cannot read {source.label}: "
                                                   f"{exc.strerror or exc}",
                               where=source.label, name=source.name)
        return InputRecord(source.label, text=text, where=source.label, name=source.name,
                           document=source.path if whole else None)

    def _jsonl(self, source: Source) -> Iterator[InputRecord]:
        data = self._bytes(source)
        if looks_binary(data):
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
        # Decoded loosely: one row with bad bytes becomes one error record (below) instead of
        # stopping the whole file. No binary sniff: a CSV field may hold a NUL.
        return io.StringIO(decode_loosely(self._bytes(source)), newline="")

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
