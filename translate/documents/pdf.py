"""PDF in, Word out: the PDF's text layer (pypdf, BSD-3-Clause) read page by page into
paragraphs, and the translation written as a .docx that starts with a note saying the layout
was not kept. A PDF without a text layer (a scan) is refused: it needs OCR first.

pypdf reads only what is asked for and bounds its own decompression; the file size, the
number of pages and the text read are bounded here too, so a hostile PDF costs at most that.
"""

from __future__ import annotations

import io
import logging
import re
from typing import Any, BinaryIO

from ..extract import MAX_DOCUMENT_BYTES, ExtractionError
from ..optional import import_failure
from .base import Document, Unit, register_format

logger = logging.getLogger(__name__)

MAX_PDF_PAGES = 2_000
# Text read from all pages together: a 300-page book is about a million characters.
MAX_PDF_TEXT_CHARS = 5_000_000
# A line ending in one of these ends its paragraph (pypdf gives lines, not paragraphs).
_PARAGRAPH_END_RE = re.compile(r"[.!?:…»\"”)]\s*$")
NOTE = ("Translated from {name} by vi2en. The PDF's layout (columns, fonts, pictures, page "
        "design) is not kept: this document holds its text, page by page.")


def paragraphs(page_text: str) -> list[str]:
    """A page's lines joined into paragraphs: a blank line or a line ending a sentence ends
    one; a line that does not is continued by the next (the PDF wrapped it)."""
    found: list[str] = []
    current: list[str] = []
    for line in page_text.splitlines():
        line = " ".join(line.split())
        if not line:
            if current:
                found.append(" ".join(current))
                current = []
            continue
        current.append(line)
        if _PARAGRAPH_END_RE.search(line):
            found.append(" ".join(current))
            current = []
    if current:
        found.append(" ".join(current))
    return found


@register_format(".pdf")
class PdfDocument(Document):
    output_suffix = ".docx"

    def __init__(self, data: bytes, name: str, max_chars: int | None = None) -> None:
        super().__init__(name, max_chars)
        if len(data) > MAX_DOCUMENT_BYTES:
            raise ExtractionError(f"{name} is over {MAX_DOCUMENT_BYTES // 2**20} MB; "
                                  "documents up to that are read")
        texts = self._page_texts(data)
        self.pages: list[list[str]] = [[] for _ in texts]
        for number, text in enumerate(texts):
            page = self.pages[number]
            for paragraph in paragraphs(text):
                page.append(paragraph)
                self.add(Unit([paragraph], self._setter(number, len(page) - 1)))
        if not any(u.translatable for u in self.units):
            raise ExtractionError(f"{name} has no text layer (a scanned PDF?); run it through "
                                  "OCR first")

    def _page_texts(self, data: bytes) -> list[str]:
        try:
            from pypdf import PdfReader
            from pypdf.errors import PyPdfError
        except ImportError as exc:
            raise ExtractionError(import_failure(exc, "pypdf", "reading .pdf",
                                                 "pip install pypdf")) from None
        texts: list[str] = []
        try:
            reader = PdfReader(io.BytesIO(data))
            if reader.is_encrypted and not reader.decrypt(""):
                raise ExtractionError(f"{self.name} is encrypted; send it unlocked")
            if len(reader.pages) > MAX_PDF_PAGES:
                raise ExtractionError(f"{self.name} has {len(reader.pages):,} pages; PDFs up "
                                      f"to {MAX_PDF_PAGES:,} pages are read")
            total = 0
            # Reading stops soon after the text limit: more pages cannot be translated.
            limit = MAX_PDF_TEXT_CHARS if self.max_chars is None \
                else min(MAX_PDF_TEXT_CHARS, 2 * self.max_chars + 10_000)
            for page in reader.pages:
                text = page.extract_text() or ""
                total += len(text)
                if total > limit:
                    raise ExtractionError(f"{self.name} holds over {limit:,} characters of "
                                          "text; it is not read")
                texts.append(text)
        except ExtractionError:
            raise
        except (PyPdfError, ValueError, KeyError, TypeError, AttributeError, IndexError,
                RecursionError, OSError, NotImplementedError) as exc:
            # pypdf's ways to say "damaged": its own errors and the ones of a broken object
            # graph; one line for the user, the detail in the log.
            logger.info("pypdf could not read %s", self.name, exc_info=True)
            detail = " ".join(str(exc).split())[:200] or type(exc).__name__
            raise ExtractionError(f"{self.name} is not a readable PDF ({detail})") from None
        return texts

    def _setter(self, page: int, index: int) -> Any:
        def apply(texts: list[str]) -> None:
            self.pages[page][index] = texts[0]

        return apply

    def save(self, sink: BinaryIO) -> None:
        import docx
        from docx.enum.text import WD_BREAK

        document = docx.Document()
        note = document.add_paragraph().add_run(NOTE.format(name=self.name))
        note.italic = True
        for number, page in enumerate(self.pages):
            if number:
                document.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
            for paragraph in page:
                document.add_paragraph(paragraph)
        document.save(sink)
