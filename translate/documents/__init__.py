"""Documents translated in their own format: read into text units, written back with each
unit's text replaced by its translation (floor layer: no model here, the caller passes a
``translate(list[str]) -> list[str]``).

One module per format, registered by suffix (:func:`register_format`): :mod:`.docx`,
:mod:`.pptx`, :mod:`.odt` (zip-based, :mod:`.zipped`), :mod:`.html`, :mod:`.markdown`,
:mod:`.plain`, :mod:`.srt` (text, :mod:`.text_files`) and :mod:`.pdf` (read; written as .docx).

    document = open_document(data, "report.docx")
    translate_units(document, translate)      # one call with every unit's text
    document.save(sink)                        # report.en.docx: translated_name(...)
"""

from __future__ import annotations

from pathlib import Path

from ..extract import DOCUMENT_SUFFIXES as TEXT_READER_SUFFIXES
from ..extract import ExtractionError, read_bounded, read_document
from . import docx, html, markdown, odt, pdf, plain, pptx, srt  # noqa: F401  (registers them)
from .base import (
    Document,
    Unit,
    distribute,
    formats,
    open_document,
    register_format,
    translate_units,
    translated_name,
)
from .zipped import ZipDocument

# Every suffix the page, batch and API accept: extract.py's readers and these formats.
DOCUMENT_SUFFIXES = tuple(dict.fromkeys((*TEXT_READER_SUFFIXES, *formats())))


def read_text(path: str | Path, *, max_chars: int | None = None) -> str:
    """The text of a document, for the page's source box and batch records: extract.py's
    reading where it has one (the article of a saved page, a .docx's body), else every unit
    of the document, one paragraph each. ``max_chars``: a document with more text is refused
    as soon as that is known (a server's character limit); None reads any length."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix in TEXT_READER_SUFFIXES or suffix not in formats():
        return read_document(path, max_chars=max_chars)
    document = open_document(read_bounded(path), path.name, max_chars=max_chars)
    text = document.text
    if not text.strip():
        raise ExtractionError(f"{path.name} holds no text to translate")
    return text


__all__ = [
    "DOCUMENT_SUFFIXES",
    "Document",
    "Unit",
    "ZipDocument",
    "distribute",
    "formats",
    "open_document",
    "read_text",
    "register_format",
    "translate_units",
    "translated_name",
]
