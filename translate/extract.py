"""Article text out of the files users have: .txt, .md, .docx and saved news pages (.html)."""

from __future__ import annotations

import logging
from pathlib import Path

logger = logging.getLogger(__name__)

TEXT_SUFFIXES = (".txt", ".md", ".text", ".markdown")
DOCUMENT_SUFFIXES = TEXT_SUFFIXES + (".docx", ".html", ".htm")


class ExtractionError(Exception):
    """A document whose text cannot be read: wrong encoding, binary, empty page, bad .docx."""


def decode_text(data: bytes, name: str = "input") -> str:
    """UTF-8 text (a BOM is allowed); binary data and other encodings are refused clearly."""
    if b"\x00" in data[:8192]:
        raise ExtractionError(f"{name} looks like a binary file, not text")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ExtractionError(f"{name} is not UTF-8 text (invalid byte at position "
                              f"{exc.start}); save it as UTF-8") from None


def html_to_text(html: str | bytes, url: str | None = None) -> str:
    """The article in a news page, paragraphs separated by blank lines (trafilatura)."""
    try:
        import trafilatura
    except ImportError as exc:  # an optional extra; say which one
        raise ExtractionError("reading HTML needs trafilatura: pip install trafilatura") from exc
    text = trafilatura.extract(html, url=url, include_comments=False, include_tables=False,
                               favor_precision=True)
    if not text or not text.strip():
        raise ExtractionError("no article text found in the page")
    # trafilatura puts one paragraph per line; blank lines make paragraphs explicit.
    return "\n\n".join(line.strip() for line in text.splitlines() if line.strip())


def docx_to_text(path: Path) -> str:
    """Paragraph text of a Word document."""
    try:
        import docx
    except ImportError as exc:
        raise ExtractionError("reading .docx needs python-docx: pip install python-docx") from exc
    try:
        document = docx.Document(str(path))
    except Exception as exc:  # python-docx raises several types for a damaged or fake .docx
        raise ExtractionError(f"{path.name} is not a readable .docx file ({exc})") from None
    return "\n\n".join(p.text.strip() for p in document.paragraphs if p.text.strip())


def read_document(path: str | Path) -> str:
    """Text of one document, chosen by its suffix."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in DOCUMENT_SUFFIXES:
        raise ExtractionError(f"{path.name}: unsupported file type '{suffix or 'none'}'; "
                              f"supported: {', '.join(DOCUMENT_SUFFIXES)}")
    if suffix == ".docx":
        return docx_to_text(path)
    data = path.read_bytes()
    if suffix in (".html", ".htm"):
        return html_to_text(data)
    return decode_text(data, path.name)
