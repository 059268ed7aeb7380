"""Documents that are text (.txt, .md, .srt, .html): kept as a list of parts, fixed ones
(markup, line endings, cue numbers) and pieces of units, joined again on saving. The bytes
outside the pieces come back exactly as they were, the UTF-8 BOM included."""

from __future__ import annotations

import codecs
from collections.abc import Iterable
from typing import BinaryIO

from ..extract import MAX_DOCUMENT_BYTES, ExtractionError, decode_text
from .base import Document, Unit


class TextDocument(Document):
    """Parts in order; a unit's pieces are some of them."""

    def __init__(self, data: bytes, name: str, max_chars: int | None = None, *,
                 limit: int = MAX_DOCUMENT_BYTES) -> None:
        super().__init__(name, max_chars)
        if len(data) > limit:
            raise ExtractionError(f"{name} is over {limit / 2**20:,.1f} MB; files up to that "
                                  "are read")
        self.bom = data.startswith(codecs.BOM_UTF8)
        self.source = decode_text(data, name)
        self.parts: list[str] = []

    def fixed(self, text: str) -> None:
        """Text copied as it is (markup, line endings, numbers)."""
        if text:
            self.parts.append(text)

    def unit(self, parts: Iterable[tuple[str, bool]]) -> None:
        """A unit from ``(text, is_piece)`` parts in order; fixed parts stay in between.
        Without any letter in its pieces it is fixed as a whole."""
        indices: list[int] = []
        for text, is_piece in parts:
            if not text:
                continue
            if is_piece:
                indices.append(len(self.parts))
            self.parts.append(text)
        if not indices:
            return
        parts_list = self.parts

        def apply(texts: list[str]) -> None:
            for index, text in zip(indices, texts, strict=True):
                parts_list[index] = text

        unit = Unit([self.parts[i] for i in indices], apply)
        if unit.translatable:  # else its parts stay as they are
            self.add(unit)

    def save(self, sink: BinaryIO) -> None:
        if self.bom:
            sink.write(codecs.BOM_UTF8)
        sink.write("".join(self.parts).encode("utf-8"))
