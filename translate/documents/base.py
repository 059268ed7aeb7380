"""What every document format shares: text units, putting a translation back into a unit's
pieces, and the registry of formats by suffix (a decorator, as CTranslate2's converters).

A document is read into **units**, the stretches of text that are translated whole: a
paragraph, a table cell, a slide's text box paragraph, a subtitle cue. A unit is made of
**pieces**, the places its text sits in the file (a Word paragraph's runs, the text between a
Markdown paragraph's markup, the lines of a cue). Translating piece by piece would cut
sentences at every change of formatting; a unit is translated whole and its English is spread
back over the pieces (:func:`distribute`), so every piece keeps its place and formatting and
nothing but text changes.
"""

from __future__ import annotations

import re
from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, ClassVar

from ..extract import ExtractionError

_LETTER_RE = re.compile(r"[^\W\d_]")


@dataclass
class Unit:
    """A stretch of text translated whole; ``apply`` puts new text into its pieces."""

    pieces: list[str]
    apply: Callable[[list[str]], None]

    @property
    def text(self) -> str:
        """The unit's text as it is translated: pieces joined, whitespace collapsed."""
        return " ".join("".join(self.pieces).split())

    @property
    def translatable(self) -> bool:
        return bool(_LETTER_RE.search(self.text))


class Document(ABC):
    """A document read into units; :meth:`save` writes it with the units' current text."""

    # The suffix of the translated file (a .pdf comes back as a .docx).
    output_suffix: ClassVar[str]

    def __init__(self, name: str, max_chars: int | None = None) -> None:
        self.name = name
        self.units: list[Unit] = []
        self.max_chars = max_chars
        self._chars = 0

    def add(self, unit: Unit) -> None:
        """Keep a unit; past ``max_chars`` of text the reading stops with one line, so a
        file of a million tiny paragraphs costs what the limit allows, not its whole size."""
        self.units.append(unit)
        if self.max_chars is not None:
            self._chars += len(unit.text) + 2
            if self._chars > self.max_chars:
                raise ExtractionError(f"{self.name} holds more than {self.max_chars:,} "
                                      "characters of text, the limit here; send a shorter "
                                      "document or split it")

    @property
    def text(self) -> str:
        """Every unit with letters, one paragraph each: what the page and batch read."""
        return "\n\n".join(u.text for u in self.units if u.translatable)

    @abstractmethod
    def save(self, sink: BinaryIO) -> None:
        """Write the document, each unit with the text last applied to it."""


DocumentFactory = Callable[..., Document]
_FORMATS: dict[str, DocumentFactory] = {}


def register_format(*suffixes: str) -> Callable[[type[Document]], type[Document]]:
    """Class decorator: ``cls(data, name, max_chars=None)`` reads files with these
    suffixes."""

    def decorate(cls: type[Document]) -> type[Document]:
        for suffix in suffixes:
            _FORMATS[suffix] = cls
        return cls

    return decorate


def formats() -> tuple[str, ...]:
    """The suffixes a document can be translated in (and written back)."""
    return tuple(_FORMATS)


def open_document(data: bytes, name: str, max_chars: int | None = None) -> Document:
    """The document in ``data``, read by the format of ``name``'s suffix; one holding more
    than ``max_chars`` characters of text is refused as soon as it is seen to."""
    suffix = Path(name).suffix.lower()
    factory = _FORMATS.get(suffix)
    if factory is None:
        raise ExtractionError(f"{name}: unsupported file type '{suffix or 'none'}'; "
                              f"supported: {', '.join(_FORMATS)}")
    return factory(data, name, max_chars=max_chars)


def translated_name(name: str, output_suffix: str | None = None) -> str:
    """``report.docx`` -> ``report.en.docx`` (a .pdf -> ``report.en.docx``)."""
    path = Path(name)
    return f"{path.stem}.en{output_suffix or path.suffix}"


def translate_units(document: Document,
                    translate: Callable[[list[str]], list[str]]) -> None:
    """Every unit with letters translated (one call, so the caller can batch them) and put
    back; units without letters (numbers, dates, bullets) are left as they are."""
    units = [u for u in document.units if u.translatable]
    answers = translate([u.text for u in units]) if units else []
    if len(answers) != len(units):
        raise ValueError(f"{len(units)} texts sent, {len(answers)} translations back")
    for unit, answer in zip(units, answers, strict=True):
        unit.apply(distribute(unit.pieces, answer))


def distribute(pieces: Sequence[str], translation: str) -> list[str]:
    """``translation`` spread over ``pieces`` in proportion to their source text.

    Why proportion, not all in the first piece: a unit whose pieces differ in formatting
    (a bold lead-in, an italic name, a link) keeps each formatting over about the same share
    of the text, and a piece is never left holding Vietnamese. English words stay whole: a
    word goes to the piece where its middle falls. A piece's leading and trailing whitespace
    is kept; whitespace-only pieces (between runs) are left as they are.
    """
    weights = [len(p.strip()) for p in pieces]
    total = sum(weights)
    words = translation.split()
    if total == 0:
        return list(pieces)
    # Where each piece's share ends, as a fraction of the unit.
    ends: list[float] = []
    running = 0
    for weight in weights:
        running += weight
        ends.append(running / total)
    joined = " ".join(words)
    length = len(joined) or 1
    assigned: list[list[str]] = [[] for _ in pieces]
    position = 0
    last = max(i for i, w in enumerate(weights) if w)
    for word in words:
        middle = (position + len(word) / 2) / length
        position += len(word) + 1
        target = next((i for i, end in enumerate(ends) if weights[i] and middle < end), last)
        assigned[target].append(word)
    out: list[str] = []
    for piece, weight, chosen in zip(pieces, weights, assigned, strict=True):
        if not weight:
            out.append(piece)
            continue
        body = " ".join(chosen)
        if not body:
            out.append("")
            continue
        lead = piece[:len(piece) - len(piece.lstrip())]
        trail = piece[len(piece.rstrip()):]
        out.append(lead + body + trail)
    return _spaced(out)


def _spaced(pieces: list[str]) -> list[str]:
    """A space between words that went to different pieces: each piece's words are whole
    words now, though its source may have split one (``H`` + ``à Nội`` in two runs)."""
    out: list[str] = []
    previous = ""  # the text so far ends with this character
    for piece in pieces:
        if piece and previous and not previous.isspace() and not piece[0].isspace():
            piece = " " + piece
        if piece:
            previous = piece[-1]
        out.append(piece)
    return out
