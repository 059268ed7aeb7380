"""Article text out of the files users have: .txt, .md, .docx and saved news pages (.html).

Files come from strangers (page uploads, batch inputs), so every read is bounded: the file's size,
the HTML handed to the parser, and for a .docx (a zip archive) the number of members and each
member's inflated size, declared and actual, before python-docx sees any of it.
"""

from __future__ import annotations

import io
import logging
import struct
import zipfile
import zlib
from pathlib import Path
from typing import Any

from .errors import InputError
from .optional import import_failure

logger = logging.getLogger(__name__)

TEXT_SUFFIXES = (".txt", ".md", ".text", ".markdown")
DOCUMENT_SUFFIXES = TEXT_SUFFIXES + (".docx", ".html", ".htm")

MB = 1024 * 1024
# A document file on disk, of any type: a news article with photos is a few MB.
MAX_DOCUMENT_BYTES = 50 * MB
# HTML handed to the parser. A saved news page is well under 5 MB (the URL fetch stops there too);
# trafilatura took 41 s and 230 MB for 7 MB of paragraphs.
MAX_HTML_BYTES = 5 * MB
# All XML parts of a .docx together, inflated. A 300-page book is a few MB of WordprocessingML;
# python-docx took 76 s and 510 MB to read 45 MB of it, so a larger one is refused, not read.
MAX_DOCX_XML_BYTES = 10 * MB
# All members of a .docx together, inflated (photos included: python-docx loads every part).
MAX_DOCX_TOTAL_BYTES = 100 * MB
MAX_DOCX_MEMBERS = 10_000
_INFLATE_CHUNK = 1 * MB


class ExtractionError(InputError):
    """A document whose text cannot be read: wrong encoding, binary, empty page, bad .docx."""


class TooLongError(ExtractionError):
    """A document with more text than the caller reads (``max_chars``): refused, not cut, and
    refused as soon as reading passes the limit."""

    def __init__(self, name: str, max_chars: int, what: str = "characters of text") -> None:
        super().__init__(f"{name} has more than {max_chars:,} {what}; documents are read up to "
                         f"{max_chars:,} characters here (split it)")


def _size(n: int) -> str:
    return f"{n / MB:,.1f} MB"


# ------------------------------------------------------------------------------------------
# Text files: the one place that says what text input is (UTF-8, an optional BOM, no NUL)
# ------------------------------------------------------------------------------------------

# Editors on Windows start UTF-8 files with a BOM; it is dropped, not read as a character.
_UTF8_WITH_BOM = "utf-8-sig"
# How far into a file a NUL is looked for: text never holds one, binary files nearly always do
# in their first few KB (headers, padding).
BINARY_SNIFF_BYTES = 8192


class NotUTF8Error(ExtractionError):
    """Bytes that are not UTF-8; ``line`` (from 1) and ``position`` (a byte offset) say where
    the first bad byte is."""

    def __init__(self, name: str, data: bytes, position: int) -> None:
        line = data.count(b"\n", 0, position) + 1
        where = f"on line {line}, position {position}" if line > 1 else f"at position {position}"
        super().__init__(f"{name} is not UTF-8 text (invalid byte {where}); save it as UTF-8",
                         line=line, position=position)


def looks_binary(data: bytes) -> bool:
    """Whether ``data`` is a binary file rather than text: a NUL near its start."""
    return b"\x00" in data[:BINARY_SNIFF_BYTES]


def decode_text(data: bytes, name: str = "input", *, bom: bool = True) -> str:
    """UTF-8 text (a leading BOM is dropped unless ``bom`` is false); binary data and other
    encodings are refused clearly (:class:`ExtractionError`, :class:`NotUTF8Error`)."""
    if looks_binary(data):
        raise ExtractionError(f"{name} looks like a binary file, not text")
    try:
        return data.decode(_UTF8_WITH_BOM if bom else "utf-8")
    except UnicodeDecodeError as exc:
        raise NotUTF8Error(name, data, exc.start) from None


def decode_loosely(data: bytes) -> str:
    """As :func:`decode_text`, but an undecodable byte is kept as a lone surrogate
    (``surrogateescape``) and a NUL is allowed: for a reader of many records (CSV) that
    reports the bad one and reads on."""
    return data.decode(_UTF8_WITH_BOM, errors="surrogateescape")


def html_to_text(html: str | bytes, url: str | None = None) -> str:
    """The article in a news page, paragraphs separated by blank lines (trafilatura)."""
    size = len(html.encode("utf-8", "surrogatepass") if isinstance(html, str) else html)
    if size > MAX_HTML_BYTES:
        raise ExtractionError(f"the page is {_size(size)} of HTML; pages up to "
                              f"{_size(MAX_HTML_BYTES)} are read")
    try:
        import trafilatura
    except ImportError as exc:
        raise ExtractionError(import_failure(exc, "trafilatura", "reading HTML",
                                             "pip install trafilatura")) from exc
    text = trafilatura.extract(html, url=url, include_comments=False, include_tables=False,
                               favor_precision=True)
    if not text or not text.strip():
        raise ExtractionError("no article text found in the page")
    # trafilatura puts one paragraph per line; blank lines make paragraphs explicit.
    return "\n\n".join(line.strip() for line in text.splitlines() if line.strip())


def check_docx_archive(data: bytes, name: str = "input.docx") -> None:
    """Refuse a .docx (or another zip-based document: .pptx, .odt, named by ``name``'s
    suffix) whose members would inflate past the limits (a zip bomb), or a broken zip.

    Declared sizes are checked first (cheap); then each member is inflated in chunks and counted,
    stopping at its limit, so a member that lies about its size is caught without holding it.
    """
    # Each central directory entry starts with this signature: an upper bound on the members,
    # counted before zipfile builds one object per entry.
    if data.count(b"PK\x01\x02") > MAX_DOCX_MEMBERS:
        raise ExtractionError(f"{name} has more than {MAX_DOCX_MEMBERS:,} parts; "
                              f"it is not a {_kind(name)} file this reader accepts")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
            xml = [m for m in members if _is_xml(m.filename)]
            _check_total(name, "XML parts", sum(m.file_size for m in xml), MAX_DOCX_XML_BYTES)
            _check_total(name, "parts", sum(m.file_size for m in members),
                         MAX_DOCX_TOTAL_BYTES)
            inflated = {"XML parts": 0, "parts": 0}
            for member in members:
                # What a member really inflates to may differ from what it declares, and
                # python-docx parses a part by its declared content type, whatever its name:
                # content that looks like XML counts as XML.
                xml, size = _inflate_counted(archive, member, inflated, name)
                inflated["XML parts" if xml else "parts"] += size
    except ExtractionError:
        raise
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, RuntimeError,
            ValueError, EOFError, OSError, zlib.error, struct.error) as exc:
        # zipfile's ways to say "damaged" (bad CRC, header, deflate data), "encrypted",
        # "unknown compression method".
        detail = " ".join(str(exc).split()) or type(exc).__name__
        raise ExtractionError(f"{name} is not a readable {_kind(name)} file ({detail})") from None


def _kind(name: str) -> str:
    """What a zip-based document is called in messages: its suffix (.docx by default)."""
    return Path(name).suffix.lower() or ".docx"


def _is_xml(filename: str) -> bool:
    return filename.lower().endswith((".xml", ".rels"))


def _check_total(name: str, what: str, size: int, limit: int) -> None:
    if size > limit:
        raise ExtractionError(f"{name}: its {what} inflate to {_size(size)}; a {_kind(name)} "
                              f"file is read only up to {_size(limit)} of {what} (a zip bomb?)")


def _looks_like_xml(head: bytes) -> bool:
    """Whether inflated content starts as XML does (in UTF-8 or UTF-16, with or without BOM)."""
    return head[:64].lstrip(b"\xef\xbb\xbf\xff\xfe\x00 \t\r\n").startswith(b"<")


def _inflate_counted(archive: zipfile.ZipFile, member: zipfile.ZipInfo,
                     inflated: dict[str, int], name: str) -> tuple[bool, int]:
    """Whether ``member`` is XML and the bytes it really inflates to, read in chunks and
    refused as soon as they pass what the limits leave."""
    with archive.open(member) as stream:
        chunk = stream.read(_INFLATE_CHUNK)
        xml = _is_xml(member.filename) or _looks_like_xml(chunk)
        if xml:
            what, limit, used = "XML parts", MAX_DOCX_XML_BYTES, inflated["XML parts"]
        else:
            what, limit, used = "parts", MAX_DOCX_TOTAL_BYTES, sum(inflated.values())
        size = 0
        while chunk:
            size += len(chunk)
            if used + size > limit:
                raise ExtractionError(f"{name}: its {what} inflate past {_size(limit)}; a "
                                      f"{_kind(name)} file is read only up to that "
                                      "(a zip bomb?)")
            chunk = stream.read(_INFLATE_CHUNK)
    return xml, size


def docx_to_text(source: str | Path | bytes, name: str | None = None, *,
                 max_chars: int | None = None) -> str:
    """Paragraph text of a Word document (a path, or the file's bytes), archive limits checked.

    With ``max_chars``, reading stops as soon as the text passes it (:class:`TooLongError`).
    """
    if isinstance(source, bytes):
        data, name = source, name or "input.docx"
    else:
        data, name = _read_bounded(Path(source)), name or Path(source).name
    check_docx_archive(data, name)
    try:
        import docx
    except ImportError as exc:
        raise ExtractionError(import_failure(exc, "docx", "reading .docx",
                                             "pip install python-docx")) from exc
    try:
        document = docx.Document(io.BytesIO(data))
    except Exception as exc:  # python-docx raises several types for a damaged or fake .docx
        detail = " ".join(str(exc).split()) or type(exc).__name__
        raise ExtractionError(f"{name} is not a readable .docx file ({detail})") from None
    return _docx_paragraphs(document, name, max_chars)


# A paragraph's text as python-docx 1.x reads it (CT_P.text, CT_R.text, CT_Hyperlink.text):
# runs and hyperlinks' runs, and in them text, tabs and breaks, in document order. Compiled once:
# python-docx compiles its XPath on every call, ~30 µs a paragraph.
_PARAGRAPH_PIECES = ("./w:r/*[{0}] | ./w:hyperlink/w:r/*[{0}]".format(" or ".join(
    f"self::w:{tag}" for tag in ("br", "cr", "noBreakHyphen", "ptab", "t", "tab"))))


def _docx_paragraphs(document: Any, name: str, max_chars: int | None) -> str:
    """The body's paragraphs, read one at a time and stopped as soon as the text passes
    ``max_chars``: 10 MB of XML holds 1.5 million tiny paragraphs, 30-40 CPU-s for python-docx
    to read whole. Paragraphs without text are bounded too (a document within the limit has
    fewer non-empty paragraphs than characters, and nobody writes more empty ones)."""
    from docx.oxml.ns import nsmap, qn
    from lxml import etree

    # Elements keep python-docx's classes, whose str() is the text each stands for.
    pieces = etree.XPath(_PARAGRAPH_PIECES, namespaces={"w": nsmap["w"]})
    parts: list[str] = []
    size = 0
    for seen, paragraph in enumerate(document.element.body.iterchildren(qn("w:p")), 1):
        text = "".join(str(piece) for piece in pieces(paragraph)).strip()
        if text:
            size += len(text) + (2 if parts else 0)  # the blank line between paragraphs
            parts.append(text)
        if max_chars is not None and size > max_chars:
            raise TooLongError(name, max_chars)
        if max_chars is not None and seen > max_chars:
            raise TooLongError(name, max_chars, "paragraphs")
    return "\n\n".join(parts)


def _read_bounded(path: Path, max_chars: int | None = None) -> bytes:
    """The file's bytes, refused (not cut) past :data:`MAX_DOCUMENT_BYTES`; for a text file of
    at most ``max_chars`` characters, past the 4 bytes a character UTF-8 may take (and a BOM),
    so an over-long text is refused without reading or decoding all of it."""
    most = MAX_DOCUMENT_BYTES if max_chars is None else min(MAX_DOCUMENT_BYTES, 4 * max_chars + 3)
    with open(path, "rb") as fh:
        data = fh.read(most + 1)
    if len(data) > most and most < MAX_DOCUMENT_BYTES:
        raise TooLongError(path.name, max_chars or 0)
    if len(data) > MAX_DOCUMENT_BYTES:
        raise ExtractionError(f"{path.name} is over {_size(MAX_DOCUMENT_BYTES)}; documents up "
                              f"to {_size(MAX_DOCUMENT_BYTES)} are read")
    return data


# For readers of other formats (translate.documents): the same bound on a file's size.
read_bounded = _read_bounded


def read_document(path: str | Path, *, max_chars: int | None = None) -> str:
    """Text of one document, chosen by its suffix.

    ``max_chars``: a document with more text is refused (:class:`TooLongError`), and reading
    stops as soon as that is known (a server's character limit); None reads any length.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in DOCUMENT_SUFFIXES:
        raise ExtractionError(f"{path.name}: unsupported file type '{suffix or 'none'}'; "
                              f"supported: {', '.join(DOCUMENT_SUFFIXES)}")
    if suffix == ".docx":
        return docx_to_text(_read_bounded(path), path.name, max_chars=max_chars)
    if suffix in (".html", ".htm"):
        try:
            text = html_to_text(_read_bounded(path))
        except ExtractionError as exc:
            raise ExtractionError(f"{path.name}: {exc}") from None
        return _within(text, path.name, max_chars)
    return _within(decode_text(_read_bounded(path, max_chars), path.name), path.name, max_chars)


def _within(text: str, name: str, max_chars: int | None) -> str:
    if max_chars is not None and len(text) > max_chars:
        raise TooLongError(name, max_chars)
    return text
