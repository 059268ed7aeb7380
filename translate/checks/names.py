"""The name check: proper names of the Vietnamese that the English lost or spelt two ways.

Names are found by rules (measured against underthesea's ``Np`` tag, see the README): known
terms from ``data/names.toml`` first, longest first (places, institutions, titles, the
calendar), then runs of capitalised syllables. A name is rendered when the English holds one
of its known renderings, or its syllables with the diacritics stripped (whole, joined as in
"Danang", or, for people, the first or last syllable alone: "Mr. Chinh", "Mr. Kim").
A single capitalised word that opens the sentence (or a quotation) is an ordinary word
("Theo", "Hôm"), not a name, unless the table knows it.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_left
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

from ..results import Flag
from .kinds import FlagKind
from .words import load

# Syllables and words, with dotted or hyphenated forms kept whole: TP.HCM, PGS.TS, Sang-sik.
_TOKEN_RE = re.compile(r"[^\W\d_]+(?:[.\-’'][^\W\d_]+)*")
_EN_TOKEN_RE = re.compile(r"[^\W_]+(?:[.\-’'][^\W_]+)*\.?")
# What may stand between two syllables of one name: a space (not a comma or a dash).
_JOINER_RE = re.compile(r"^ +$")
# Renderings are at most this many words ("Ministry of Labour, Invalids and Social Affairs"
# is 6 after folding; the longest table entry is 12).
_LONGEST_RENDERING = 12
_OPENERS = "\"“‘'(:–—-/.!?…"
_ROMAN_RE = re.compile(r"^[IVXLCDM]+$")
# Scale words of an amount: what follows them is a currency or a unit ("105 triệu AUD").
_AMOUNT_WORDS = (" triệu", " tỷ", " tỉ", " nghìn", " ngàn", " trăm")
# Words before a person's name: "ông Hùng", "chị Lan", "cụ Tư".
_PERSON_CUES = frozenset("ông bà anh chị em cô chú bác cụ cậu mợ dì thím cháu con "
                         "ngài".split())
# A Vietnamese syllable, diacritics stripped: initial consonant(s), vowels, final consonant.
_VI_SYLLABLE_RE = re.compile(
    r"^(?:ngh|ng|nh|ch|gh|gi|kh|ph|qu|th|tr|[bcdghklmnprstvx])?[aeiouy]{1,3}(?:ch|ng|nh|[cmnpt])?$")


@dataclass(frozen=True)
class Name:
    """A name (or known term) of the Vietnamese: its text, where it is, what renders it."""

    text: str
    start: int
    end: int
    renderings: tuple[str, ...]  # known English renderings; () for a name read by rule
    consistent: bool  # one rendering per document expected (names, not titles or months)


@dataclass(frozen=True)
class _Table:
    terms: dict[tuple[str, ...], tuple[tuple[str, ...], bool]]
    lowercase_first: frozenset[tuple[str, ...]]  # "tiếng Anh", "sông Hồng": led by a common word
    longest: int
    ordinary: frozenset[str]  # Vietnamese words with no diacritic ("theo", "sang")


@cache
def _table() -> _Table:
    data = load("names")
    terms: dict[tuple[str, ...], tuple[tuple[str, ...], bool]] = {}
    lowercase_first = set()
    for section, consistent in (("names", True), ("terms", False)):
        for key, renderings in data[section].items():
            words = tuple(w.lower() for w in _TOKEN_RE.findall(key))
            if key[:1].islower():
                lowercase_first.add(words)
            # "Bộ trưởng Bộ Tài chính" reads "the Minister of Finance" in English.
            ministers = [r.replace("Ministry", "Minister").replace("ministry", "minister")
                         for r in renderings if "inistry" in r]
            terms[words] = (tuple(renderings) + tuple(ministers), consistent)
    return _Table(terms, frozenset(lowercase_first), max(len(k) for k in terms),
                  frozenset(data["ordinary"]["words"]))


def fold(text: str) -> str:
    """Lower case, diacritics stripped (đ -> d), hyphens and dots read as spaces."""
    text = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    text = "".join(c for c in text if not unicodedata.combining(c)).lower()
    return re.sub(r"\s+", " ", re.sub(r"[-‐.’']", " ", text)).strip()


def _sentence_start(source: str, start: int) -> bool:
    """True when ``start`` opens the sentence, a quotation or a clause after a colon."""
    before = source[:start].rstrip()
    return not before or before[-1] in _OPENERS


def find_names(source_vi: str) -> list[Name]:
    """The names and known terms of a Vietnamese sentence, in order."""
    table = _table()
    tokens = list(_TOKEN_RE.finditer(source_vi))
    lowered = [t.group().lower().replace("ð", "đ") for t in tokens]
    names: list[Name] = []
    i = 0
    after_head = False  # the previous words were "Sở", "Ủy ban"...: an organisation's title
    while i < len(tokens):
        found = _known_at(tokens, lowered, i, table, source_vi)
        if found is not None:
            size, renderings, consistent = found
            first, last = tokens[i], tokens[i + size - 1]
            if renderings and not (size == 1 and _sentence_start(source_vi, first.start())):
                names.append(Name(source_vi[first.start():last.end()], first.start(),
                                  last.end(), renderings, consistent))
            after_head = not renderings
            i += size
            continue
        if not tokens[i].group()[0].isupper() or _beside_digits(source_vi, tokens[i]):
            after_head = False
            i += 1
            continue
        j = i + 1  # a run of capitalised syllables, one space apart
        while (j < len(tokens) and tokens[j].group()[0].isupper()
               and _JOINER_RE.match(source_vi[tokens[j - 1].end():tokens[j].start()])
               and (_known_at(tokens, lowered, j, table, source_vi) or (1,))[0] == 1):
            j += 1
        # "Sở Tài nguyên", "Đại hội đồng", "Di sản": the capitalised first syllable of a
        # common word in an organisation's or a title's name, not a name; "ông Hùng cho
        # biết", "Tom đi học" are names.
        before_lower = (j < len(tokens) and not tokens[j].group()[0].isupper()
                        and bool(_JOINER_RE.match(source_vi[tokens[j - 1].end():
                                                            tokens[j].start()])))
        in_title = j - i == 1 and (after_head or before_lower) and not (
            lowered[i - 1] in _PERSON_CUES if i else False)
        after_head = False
        if j - i == 1 and (in_title or _sentence_start(source_vi, tokens[i].start())):
            # "Theo", "Hôm", "Khoa học": ordinary; "Tom", "Mary", "Vingroup": names
            in_title = not _name_like(tokens[i].group(), table)
        if not in_title:
            names.append(Name(source_vi[tokens[i].start():tokens[j - 1].end()],
                              tokens[i].start(), tokens[j - 1].end(), (), True))
        i = j
    return names


def vietnamese_syllable(word: str) -> bool:
    """Whether ``word`` (diacritics stripped) has the shape of one Vietnamese syllable."""
    return bool(_VI_SYLLABLE_RE.match(fold(word)))


def _name_like(word: str, table: _Table) -> bool:
    """A capitalised word that opens a sentence is a name when it is no Vietnamese word:
    written without diacritics, and not a syllable or not one of the ordinary words."""
    folded = fold(word)
    if folded != word.lower():
        return False  # diacritics: a Vietnamese word ("Hôm", "Được")
    return not _VI_SYLLABLE_RE.match(folded) or folded not in table.ordinary


def _beside_digits(source: str, token: re.Match[str]) -> bool:
    """COP28, 6,1 độ C, 105 triệu AUD, quý III: units, codes and numerals, not names."""
    after = source[token.end():token.end() + 1]
    before = source[max(0, token.start() - 8):token.start()].rstrip()
    return (after.isdigit() or before[-1:].isdigit() or bool(_ROMAN_RE.match(token.group()))
            or before.lower().endswith(_AMOUNT_WORDS))


def _known_at(tokens: Sequence[re.Match[str]], lowered: Sequence[str], i: int, table: _Table,
              source: str) -> tuple[int, tuple[str, ...], bool] | None:
    """The longest known term starting at token ``i`` (one space between its words), written
    with a capital as in the table ("thủ tướng" in running text is a common noun; "học Viện"
    is not "Học viện")."""
    for size in range(min(table.longest, len(tokens) - i), 0, -1):
        key = tuple(lowered[i:i + size])
        if key not in table.terms:
            continue
        if any(not _JOINER_RE.match(source[tokens[k].end():tokens[k + 1].start()])
               for k in range(i, i + size - 1)):
            continue
        if key in table.lowercase_first:
            if not any(t.group()[0].isupper() for t in tokens[i:i + size]):
                continue
        elif not tokens[i].group()[0].isupper():
            continue
        renderings, consistent = table.terms[key]
        return size, renderings, consistent
    return None


@dataclass(frozen=True)
class _English:
    """The English, read once: folded word sequences (up to 8 words, plurals and possessives
    also without their "s"), folded words, folded capitalised words. Lookups are set and
    bisect operations, so a long text costs linear time, not quadratic."""

    grams: frozenset[tuple[str, ...]]
    capitals: frozenset[str]
    sorted_capitals: tuple[str, ...]
    text: str

    @classmethod
    def of(cls, text: str) -> _English:
        words = [m.group().rstrip(".") for m in _EN_TOKEN_RE.finditer(text)]
        parts = _parts(text)
        grams: set[tuple[str, ...]] = set()
        for i in range(len(parts)):
            for size in range(1, min(_LONGEST_RENDERING, len(parts) - i) + 1):
                gram = tuple(parts[i:i + size])
                grams.add(gram)
                last = gram[-1]
                for end in ("es", "s"):  # "Sundays", "Poles"
                    if last.endswith(end) and len(last) > len(end) + 1:
                        grams.add((*gram[:-1], last[: -len(end)]))
            if parts[i] == "s" and i:  # "Vietnam's" folds to "vietnam s"
                grams.add((parts[i - 1],))
        capitals = frozenset(p for w in words if w[:1].isupper() for p in fold(w).split())
        return cls(frozenset(grams), capitals, tuple(sorted(capitals)), text)

    def has(self, phrase: str) -> bool:
        """``phrase`` stands in the English, maybe plural or possessive ("Sundays")."""
        parts = tuple(_parts(phrase))
        return bool(parts) and parts in self.grams

    def has_word(self, word: str) -> bool:
        return (word,) in self.grams

    def has_capital(self, syllable: str) -> bool:
        """A capitalised English word is ``syllable``, or made from it ("Azerbaijani")."""
        if syllable in self.capitals:
            return True
        if len(syllable) < 4:
            return False
        at = bisect_left(self.sorted_capitals, syllable)
        while at < len(self.sorted_capitals) and self.sorted_capitals[at].startswith(syllable):
            if len(self.sorted_capitals[at]) - len(syllable) <= 4:
                return True
            at += 1
        return False


def _parts(text: str) -> list[str]:
    """The folded words of an English text, punctuation left out."""
    return [p for m in _EN_TOKEN_RE.finditer(text) for p in fold(m.group().rstrip(".")).split()]


def rendering(name: Name, english: _English) -> str | None:
    """How the English renders ``name`` (the text found), or None when it does not."""
    key = fold(name.text)
    for candidate in (*name.renderings, name.text):
        if english.has(candidate):
            return candidate if candidate != name.text else key
    syllables = key.split()
    if len(syllables) > 1 and english.has_word(key.replace(" ", "")):  # "Danang", "Hanoi"
        return key.replace(" ", "")
    if name.renderings:
        return None
    if name.text.isupper() and len(name.text) > 1:  # an acronym, or its words spelt out
        return name.text if _spelt_out(name.text, english.text) else None
    # "Mr. Chinh", "Mr. Kim": the given name (last) or a family name (first) alone.
    for syllable in {syllables[0], syllables[-1]}:
        if english.has_capital(syllable):
            return key if len(syllables) == 1 else ""  # "": found in part
    return None


def _spelt_out(acronym: str, english: str) -> bool:
    """FDI -> "foreign direct investment": the initials of consecutive English words."""
    letters = acronym.replace(".", "").lower()
    initials = "".join(w[0].lower() for w in re.findall(r"[^\W\d_]+", english)
                       if w.lower() not in ("of", "and", "the", "for"))
    return letters in initials


def check_names(source_vi: str, translation_en: str) -> list[Flag]:
    """Flag each name of the source with no counterpart in the English."""
    names = find_names(source_vi)
    if not names:
        return []
    english = _English.of(translation_en)
    flags = []
    for name in names:
        if rendering(name, english) is None:
            hint = f" (expected e.g. '{name.renderings[0]}')" if name.renderings else ""
            flags.append(Flag(FlagKind.NAME, f"'{name.text}' is not in the translation{hint}",
                              span=(name.start, name.end)))
    return flags


def check_name_consistency(sources: Sequence[str],
                           translations: Sequence[str]) -> list[list[Flag]]:
    """Across one document: a name written one way in an earlier sentence and another way
    here ("Hanoi" then "Ha Noi") is flagged on the later sentence."""
    first_seen: dict[str, tuple[str, int]] = {}
    flags: list[list[Flag]] = [[] for _ in sources]
    for n, (source, translation) in enumerate(zip(sources, translations, strict=True)):
        english = _English.of(translation)
        words = list(_EN_TOKEN_RE.finditer(translation))
        folded = [fold(w.group()).replace(" ", "") for w in words]
        for name in find_names(source):
            if not name.consistent:
                continue
            found = rendering(name, english)
            if not found:
                continue
            key = fold(name.text)
            form = _exact_form(found, translation, words, folded)
            if key not in first_seen:
                first_seen[key] = (form, n)
                continue
            earlier, at = first_seen[key]
            if _two_ways(name, earlier, form):
                flags[n].append(Flag(FlagKind.NAME,
                                     f"'{name.text}' is '{form}' here but '{earlier}' in "
                                     f"sentence {at + 1}", span=(name.start, name.end)))
    return flags


def _exact_form(found: str, translation: str, words: Sequence[re.Match[str]],
                folded: Sequence[str]) -> str:
    """The English text as written (case and diacritics kept) for a folded rendering;
    ``words`` and ``folded``: the translation's tokens, folded, read once per sentence."""
    target = fold(found).replace(" ", "")
    first = target[:1]
    for i in range(len(words)):
        if not folded[i] or folded[i][:1] != first or not target.startswith(folded[i]):
            continue  # cheap test first: most words cannot start the rendering
        joined = ""
        for j in range(i, min(len(words), i + 8)):
            joined += folded[j]
            if joined == target:
                return translation[words[i].start():words[j].end()].rstrip(".")
            if not target.startswith(joined):
                break
    return found


def _two_ways(name: Name, earlier: str, form: str) -> bool:
    """Whether two renderings of one name are two ways of writing it: "Hanoi" and "Ha Noi",
    "Xi Jinping" and "Tap Can Binh", "Pham Minh Chinh" and "Pham Minh Chính". Not: the same
    word ("Vietnam"/"Vietnamese"), nor two accepted names of an institution ("Ministry of
    Health"/"Health Ministry", a style choice rather than a spelling)."""
    a, b = earlier.lower(), form.lower()
    if a.startswith(b) or b.startswith(a):
        return False
    if not name.renderings:
        return True
    squashed_a, squashed_b = fold(a).replace(" ", ""), fold(b).replace(" ", "")
    if squashed_a == squashed_b:
        return True
    literal = fold(name.text).replace(" ", "")
    return (squashed_a == literal) != (squashed_b == literal)


def known_renderings(source_vi: str) -> set[str]:
    """Every rendering of every known term in the source, nested ones too ("Liên hợp quốc"
    inside the FAO's name): what the English may name without inventing anything."""
    table = _table()
    lowered = [w.lower().replace("ð", "đ") for w in _TOKEN_RE.findall(source_vi)]
    found: set[str] = set()
    for i in range(len(lowered)):
        for size in range(1, min(table.longest, len(lowered) - i) + 1):
            term = table.terms.get(tuple(lowered[i:i + size]))
            if term is not None:
                found.update(term[0])
    return found
