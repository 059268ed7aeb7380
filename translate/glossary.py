"""Glossary: Vietnamese terms that must come out as one exact English rendering.

Format (UTF-8, tab separated, one term a line)::

    # comments and blank lines are ignored
    Bộ Tài chính<TAB>Ministry of Finance
    Vành đai 3<TAB>Ring Road No. 3
    phở<TAB>                      (empty rendering: keep the term as it is in the source)

Method: the terms are found in each normalized Vietnamese sentence (longest first, whole
words), each occurrence is replaced by a placeholder (``ZX1``, ``ZX2`` ... : an acronym-like
token that translation models copy through, as they copy names and codes), the sentence is
translated, and every placeholder in the English is replaced by the exact rendering.
A placeholder the model lost or repeated is reported by :meth:`Masked.problems`; the
pipeline retries such a sentence once with other decoding, and :meth:`Masked.restore` then
adds any rendering still missing in brackets and flags the sentence (kind ``glossary``):
a term is never dropped silently.

Case: a term matches an occurrence when the occurrence has capitals at least where the term
has them (the text may capitalize more, never less).  So a lower-case term ("ngân sách")
also matches "Ngân sách" at a sentence start, "Ngân Sách" in a title and "NGÂN SÁCH" in a
headline, while a name ("Vàng", a surname) never matches the lower-case word ("vàng", gold).
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from . import text as vtext
from .checks.kinds import FlagKind
from .errors import InputError
from .extract import ExtractionError, NotUTF8Error, decode_text
from .results import Flag

logger = logging.getLogger(__name__)

__all__ = ["Glossary", "Masked", "Slot", "Term"]

_PREFIX = "ZX"
# Tolerant on the way back: models may lower-case the token or put a space or hyphen in it.
_PLACEHOLDER_RE = re.compile(r"(?<![^\W\d_])Z[\s-]?X[\s-]?(\d{1,4})(?!\d)", re.I)
_WORD_RE = re.compile(r"\w+")
_WORD_CHAR_RE = re.compile(r"\w")


class GlossaryError(InputError):
    """A glossary that cannot be used. ``line``: the glossary's line (1-based; None for the
    whole file); ``problem``: what is wrong with it, in a few words ("has no tab"), for a
    title; ``reason``: the message's own words after the line number."""

    def __init__(self, line: int | None, problem: str, reason: str, *,
                 where: str = "glossary", position: int | None = None,
                 message: str | None = None) -> None:
        self.problem = problem
        self.reason = reason
        place = f"{where} line {line}" if line is not None else where
        super().__init__(message or (f"{place}: {reason}" if place else reason), line=line,
                         position=position)


@dataclass(frozen=True)
class Term:
    """One glossary entry; ``rendering`` is empty when the term is kept as is."""

    source: str
    rendering: str
    line: int = 0


@dataclass(frozen=True)
class Slot:
    """One occurrence of a term in a sentence and what replaces its placeholder."""

    number: int
    surface: str  # the occurrence as written in the sentence
    rendering: str  # the exact English to put back
    span: tuple[int, int] | None = None  # where the occurrence is in the sentence

    @property
    def placeholder(self) -> str:
        return f"{_PREFIX}{self.number}"


@dataclass(frozen=True)
class Masked:
    """A sentence with its glossary terms replaced by placeholders."""

    source: str
    text: str
    slots: tuple[Slot, ...] = ()

    def _counts(self, output: str) -> tuple[dict[int, int], list[str]]:
        counts = {s.number: 0 for s in self.slots}
        # Codes the source itself has (a "ZX81" in the text) are text, not placeholders.
        own = {int(m.group(1)) for m in _PLACEHOLDER_RE.finditer(self.source)}
        spurious: list[str] = []
        for m in _PLACEHOLDER_RE.finditer(output):
            n = int(m.group(1))
            if n in counts:
                counts[n] += 1
            elif n not in own:
                spurious.append(m.group())
        return counts, spurious

    def problems(self, output: str) -> int:
        """Placeholders lost, repeated or invented in a model output (0 = all intact)."""
        if not self.slots:
            return 0
        counts, spurious = self._counts(output)
        return sum(abs(c - 1) for c in counts.values()) + len(spurious)

    def restore(self, output: str) -> tuple[str, list[Flag]]:
        """The output with each placeholder replaced by its rendering, and what went wrong."""
        if not self.slots or not output.strip():
            return output, []
        counts, spurious = self._counts(output)
        by_number = {s.number: s for s in self.slots}
        flags: list[Flag] = []

        own = {int(m.group(1)) for m in _PLACEHOLDER_RE.finditer(self.source)}

        def put_back(m: re.Match[str]) -> str:
            n = int(m.group(1))
            if n in by_number:
                return by_number[n].rendering
            # A code the source has is text; one it never had was invented by the model.
            return m.group() if n in own else ""

        english = _PLACEHOLDER_RE.sub(put_back, output)
        if spurious:
            # Close the gap the removed code left ("rose ZX7." -> "rose.").
            english = re.sub(r"\s+(?=[.,;:!?])|(?<=\s)\s+", "", english).strip()
            flags.append(Flag(FlagKind.GLOSSARY, "the model produced a glossary placeholder the "
                              f"sentence did not have ({', '.join(spurious)}); "
                              "removed"))
        missing = [s for s in self.slots if counts[s.number] == 0]
        for slot in self.slots:
            if counts[slot.number] > 1:
                flags.append(Flag(FlagKind.GLOSSARY, f"glossary term '{slot.surface}' appears "
                                  f"{counts[slot.number]} times in the translation "
                                  f"as '{slot.rendering}' (once in the source)",
                                  slot.span))
        if missing:
            english = _append(english, [s.rendering for s in missing])
            for slot in missing:
                flags.append(Flag(FlagKind.GLOSSARY,
                                  f"the model lost glossary term '{slot.surface}'; "
                                  f"its rendering '{slot.rendering}' was added in "
                                  "brackets: check where it belongs", slot.span))
        return english, flags


def _append(english: str, renderings: list[str]) -> str:
    """Renderings in brackets before the sentence's final punctuation."""
    added = " ".join(f"[{r}]" for r in renderings)
    m = re.search(r"[.!?…:;\"”’)]*\s*$", english)
    cut = m.start() if m else len(english)
    head, tail = english[:cut].rstrip(), english[cut:].strip()
    return f"{head} {added}{tail}".strip()


def _case_ok(term: str, occurrence: str) -> bool:
    """The occurrence has capitals at least where the term has them."""
    return all(not t.isupper() or o.isupper() for t, o in zip(term, occurrence, strict=False))


class Glossary:
    """Vietnamese term -> exact English rendering, applied around translation."""

    def __init__(self, terms: Iterable[Term] = ()) -> None:
        self.terms: tuple[Term, ...] = tuple(terms)
        # Candidates indexed by the term's first word, lower-cased, so a sentence is scanned
        # once whatever the glossary's size.
        self._by_first: dict[str, list[Term]] = {}
        self._scan: list[Term] = []  # terms that do not start with a word character
        for term in self.terms:
            first = _WORD_RE.match(term.source)
            if first:
                self._by_first.setdefault(first.group().lower(), []).append(term)
            else:
                self._scan.append(term)

    def __len__(self) -> int:
        return len(self.terms)

    def __repr__(self) -> str:
        return f"Glossary({len(self.terms)} terms)"

    def signature(self) -> str:
        """Short hash (sha256) of the normalized entries, for a result's signature: the
        same terms and renderings give the same hash in any order, with any comments."""
        data = "\n".join(sorted(f"{t.source}\t{t.rendering}" for t in self.terms))
        return hashlib.sha256(data.encode("utf-8")).hexdigest()[:12]

    @classmethod
    def from_tsv(cls, text: str) -> Glossary:
        """Parse TSV text: ``Vietnamese term<TAB>English rendering`` per line.

        Raises :class:`GlossaryError` (its ``line``, ``problem``) for a line without a tab,
        with more than two columns, with an empty term, or repeating a term with another
        rendering.
        """
        terms: dict[str, Term] = {}
        for number, raw in enumerate(text.removeprefix("\ufeff").split("\n"), start=1):
            line = raw.rstrip("\r")
            if not line.strip() or line.lstrip().startswith("#"):
                continue
            parts = line.split("\t")
            if len(parts) == 1:
                raise GlossaryError(number, "has no tab", "no tab; expected "
                                    "'Vietnamese term<TAB>English rendering'")
            if len(parts) > 2:
                raise GlossaryError(number, f"has {len(parts)} columns",
                                    f"{len(parts)} columns; expected "
                                    "'Vietnamese term<TAB>English rendering'",
                                    position=len(parts[0]) + len(parts[1]) + 1)
            source = vtext.normalize(parts[0]).strip()
            rendering = parts[1].strip()
            if not source:
                raise GlossaryError(number, "has no Vietnamese term", "empty Vietnamese term")
            if "\n" in source:
                raise GlossaryError(number, "has a term that spans lines",
                                    "the term spans lines")
            previous = terms.get(source)
            if previous is not None and previous.rendering != rendering:
                raise GlossaryError(number, "repeats a term", f"'{source}' is already on line "
                                    f"{previous.line} with another rendering")
            terms.setdefault(source, Term(source, rendering, number))
        return cls(terms.values())

    @classmethod
    def load(cls, path: str | Path) -> Glossary:
        """Read a UTF-8 TSV glossary file (see :meth:`from_tsv`)."""
        try:
            text = decode_text(Path(path).read_bytes(), f"glossary {path}")
        except NotUTF8Error as exc:
            raise GlossaryError(exc.line, "is not UTF-8", "is not UTF-8", position=exc.position,
                                message=f"glossary {path}: line {exc.line} is not UTF-8"
                                ) from None
        except ExtractionError as exc:  # a binary file
            raise GlossaryError(None, "is not text", str(exc), message=str(exc)) from None
        try:
            return cls.from_tsv(text)
        except GlossaryError as exc:
            raise GlossaryError(exc.line, exc.problem, exc.reason, where=f"{path}: glossary",
                                position=exc.position) from None

    def find(self, sentence: str) -> list[tuple[int, int, Term]]:
        """Non-overlapping term occurrences (start, end, term): longest first, then leftmost."""
        candidates: list[tuple[int, int, Term]] = []
        folded = sentence.lower()
        if len(folded) != len(sentence):  # exotic case mappings change lengths; compare as is
            folded = sentence
        for m in _WORD_RE.finditer(sentence):
            for term in self._by_first.get(m.group().lower(), ()):
                self._add(candidates, sentence, folded, m.start(), term)
        for term in self._scan:
            start = folded.find(term.source.lower())
            while start >= 0:
                self._add(candidates, sentence, folded, start, term)
                start = folded.find(term.source.lower(), start + 1)
        candidates.sort(key=lambda c: (-(c[1] - c[0]), c[0]))
        chosen: list[tuple[int, int, Term]] = []
        for start, end, term in candidates:
            if all(end <= s or start >= e for s, e, _ in chosen):
                chosen.append((start, end, term))
        return sorted(chosen, key=lambda c: c[0])

    @staticmethod
    def _add(out: list[tuple[int, int, Term]], sentence: str, folded: str, start: int,
             term: Term) -> None:
        end = start + len(term.source)
        if folded[start:end] != term.source.lower():
            return
        if end < len(sentence) and _WORD_CHAR_RE.match(sentence[end]) \
                and _WORD_CHAR_RE.match(term.source[-1]):
            return  # not a whole word: "Nam" inside "Namibia"
        if start > 0 and _WORD_CHAR_RE.match(sentence[start - 1]) \
                and _WORD_CHAR_RE.match(term.source[0]):
            return
        if not _case_ok(term.source, sentence[start:end]):
            return
        out.append((start, end, term))

    def mask(self, sentence: str) -> Masked:
        """The sentence with every term occurrence replaced by a numbered placeholder."""
        found = self.find(sentence) if self.terms else []
        if not found:
            return Masked(sentence, sentence)
        first = 1
        if _PLACEHOLDER_RE.search(sentence):
            # The text has ZX-codes of its own: number ours past them so none is taken.
            first = max(int(m.group(1)) for m in _PLACEHOLDER_RE.finditer(sentence)) + 1
        pieces: list[str] = []
        slots: list[Slot] = []
        last = 0
        for k, (start, end, term) in enumerate(found):
            surface = sentence[start:end]
            slot = Slot(first + k, surface, term.rendering or surface, (start, end))
            slots.append(slot)
            pieces.append(sentence[last:start])
            pieces.append(slot.placeholder)
            last = end
        pieces.append(sentence[last:])
        return Masked(sentence, "".join(pieces), tuple(slots))
