"""What both languages share: the tokenizer, digit parsing, and the :class:`Quantity` value.

Quantities are compared as *sets of candidate keys*: an ambiguous surface form such as the
Vietnamese ``1,000`` (decimal comma -> 1.0, or an English-style thousands comma -> 1000) or
``thứ 2`` (second, or Monday) carries every reading, and two quantities match when their key
sets intersect.  Quantities read from digits are *strong* (a missing one is flagged); number
words are *weak* (``ba`` is also "father", ``năm`` also "year", ``one`` also a pronoun).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from .words import load

Key = tuple  # ("n", value) | ("month", m) | ("time", h12, min) | ("wd", 1..7) | ("always",)

MONTH_NAMES: list[str] = load("en")["month_names"]
WEEKDAY_NAMES: list[str] = load("en")["weekday_names"]


@dataclass(frozen=True)
class Quantity:
    """A quantity found in text.

    ``values`` are the normalized candidate readings (floats for plain numbers; months,
    weekdays and clock times are in ``keys``).  ``strong`` is True for digit forms.
    """

    values: tuple[float, ...]
    kind: str  # number | percent | currency | date | month | weekday | time | ordinal | year
    text: str
    strong: bool = True
    keys: frozenset = field(default_factory=frozenset, compare=False)
    start: int = 0

    def describe(self) -> str:
        """Surface text plus its normalized reading, e.g. ``28,5 (28.5)``."""
        norm = _describe_keys(self.keys)
        return f"{self.text} ({norm})" if norm and norm != self.text else self.text


def _fmt(v: float) -> str:
    if v == int(v) and abs(v) < 1e15:
        return f"{int(v):,}"
    return f"{v:,.6g}" if abs(v) >= 1 else f"{v:.6g}"


def _describe_key(k: Key) -> str:
    if k[0] == "n":
        return _fmt(k[1])
    if k[0] == "month":
        return MONTH_NAMES[k[1] - 1]
    if k[0] == "wd":
        return WEEKDAY_NAMES[k[1] - 1]
    if k[0] == "time":
        return f"{k[1] or 12}:{k[2]:02d}/{k[1] + 12}:{k[2]:02d}"
    if k[0] == "always":
        return "around the clock"
    return ""


def _describe_keys(keys: Iterable[Key]) -> str:
    parts = [_describe_key(k) for k in sorted(keys, key=lambda k: (k[0] != "n", str(k)))]
    return " or ".join(dict.fromkeys(p for p in parts if p))


def number_key(v: float) -> Key:
    # Round to 9 significant digits so 0.1 + 0.2 style float noise does not break set matching.
    return ("n", float(f"{abs(v):.9g}"))


def quantity(
    values: Iterable[float],
    kind: str,
    text: str,
    strong: bool,
    start: int,
    extra: Iterable[Key] = (),
) -> Quantity:
    """A :class:`Quantity` whose keys are its values plus ``extra`` (months, times ...)."""
    vals = tuple(dict.fromkeys(float(f"{abs(v):.9g}") for v in values))
    keys = frozenset([number_key(v) for v in vals] + list(extra))
    return Quantity(values=vals, kind=kind, text=text, strong=strong, keys=keys, start=start)


# --------------------------------------------------------------------------------------
# Tokenizer shared by both languages
# --------------------------------------------------------------------------------------

_TOKEN_RE = re.compile(
    r"""
    (?P<clock>\d{1,2}[:.]\d{2}\s*(?:[ap]\.?\s?m\b\.?))     # 5.30pm, 5:30 p.m.
    |(?P<clock2>\d{1,2}:\d{2}(?::\d{2})?)                 # 05:00, 17:30
    |(?P<hm>\d{1,2}[hg]\d{0,2})(?![^\W\d_])               # Vietnamese 17h30, 7h, 7g
    |(?P<slash>\d{1,4}(?:/\d{1,4})+)                      # 4/11, 4/11/2025, 1/3
    |(?P<num>\d+(?:[.,]\d+)*)
    |(?P<word>[^\W\d_]+(?:['’][^\W\d_]+)?)
    |(?P<sym>[%$€£¥₫])
    """,
    re.X,
)


@dataclass
class Tok:
    kind: str  # clock | hm | slash | num | word | sym
    text: str
    start: int
    end: int
    gap: str  # text between the previous token and this one

    @property
    def low(self) -> str:
        return self.text.lower()


def tokenize(text: str) -> list[Tok]:
    toks: list[Tok] = []
    prev_end = 0
    for m in _TOKEN_RE.finditer(text):
        kind = m.lastgroup or "word"
        if kind == "clock2":
            kind = "clock"
        toks.append(Tok(kind, m.group(), m.start(), m.end(), text[prev_end : m.start()]))
        prev_end = m.end()
    return toks


def joined(t: Tok) -> bool:
    """True when the token is glued to the previous one (no space), e.g. ``11th``, ``$5``."""
    return t.gap == ""


def breaks(t: Tok) -> bool:
    """True when punctuation separates this token from the previous one."""
    return bool(t.gap.strip()) and t.gap.strip() not in {"-", "–"}


@dataclass
class Scan:
    """A text, its tokens and the neighbour look-ups the extraction rules use."""

    text: str
    toks: list[Tok]

    @classmethod
    def of(cls, text: str) -> Scan:
        return cls(text, tokenize(text))

    @property
    def n(self) -> int:
        return len(self.toks)

    def prev_low(self, i: int) -> str:
        """The previous word (lower case) unless punctuation separates it."""
        return self.toks[i - 1].low if i >= 1 and not breaks(self.toks[i]) else ""

    def low_at(self, j: int) -> str:
        """The token at ``j`` (lower case) if it is there and not after punctuation."""
        return self.toks[j].low if j < self.n and not breaks(self.toks[j]) else ""

    def span(self, i: int, j: int) -> str:
        """Source text from token ``i`` to token ``j - 1``."""
        return self.text[self.toks[i].start : self.toks[j - 1].end]


Found = tuple[list["Quantity"], int]  # what a rule found, and the token to go on from
Rule = Callable[[Scan, int], "Found | None"]


def apply_rules(text: str, rules: Sequence[Rule]) -> list[Quantity]:
    """Quantities of ``text``: at each token the first rule that matches (rules are ordered,
    most specific first) gives its quantities and the token after them; no match, next token."""
    scan = Scan.of(text)
    found: list[Quantity] = []
    i = 0
    while i < scan.n:
        for rule in rules:
            hit = rule(scan, i)
            if hit is not None:
                quantities, i = hit
                found.extend(quantities)
                break
        else:
            i += 1
    return found


# --------------------------------------------------------------------------------------
# Digit parsing
# --------------------------------------------------------------------------------------

GROUPS3_RE = re.compile(r"^\d{1,3}(?:([.,])\d{3})(?:\1\d{3})*$")


def parse_digits_vi(s: str) -> list[float]:
    """Candidate values of a Vietnamese digit string (decimal comma, thousands dot)."""
    if re.fullmatch(r"\d+", s):
        return [float(s)]
    m = GROUPS3_RE.match(s)
    if m:
        sep = m.group(1)
        thousands = float(s.replace(sep, ""))
        if s.count(sep) > 1:
            return [thousands]
        # "1.500" is 1500 in Vietnamese; "1,500" is 1,5 by the rules but English-style
        # writers mean 1500: keep both readings.
        return [thousands, float(s.replace(sep, "."))]
    if s.count(",") == 1 and "." not in s:
        return [float(s.replace(",", "."))]
    if s.count(".") == 1 and "," not in s:
        return [float(s)]  # dot decimal written English-style
    # Mixed, e.g. 1.234,5 (Vietnamese) or 1,234.5 (English).
    if re.fullmatch(r"\d{1,3}(?:\.\d{3})+,\d+", s):
        return [float(s.replace(".", "").replace(",", "."))]
    if re.fullmatch(r"\d{1,3}(?:,\d{3})+\.\d+", s):
        return [float(s.replace(",", ""))]
    digits = re.sub(r"[^\d]", "", s)
    return [float(digits)] if digits else []


def parse_digits_en(s: str) -> list[float]:
    """Candidate values of an English digit string (thousands comma, decimal point)."""
    if re.fullmatch(r"\d+", s):
        return [float(s)]
    if re.fullmatch(r"\d{1,3}(?:,\d{3})+(?:\.\d+)?", s):
        return [float(s.replace(",", ""))]
    if re.fullmatch(r"\d+\.\d+", s):
        vals = [float(s)]
        if re.fullmatch(r"\d{1,3}\.\d{3}", s):
            vals.append(float(s.replace(".", "")))  # Vietnamese formatting leaked through
        return vals
    if re.fullmatch(r"\d{1,3}(?:\.\d{3})+", s):
        return [float(s.replace(".", ""))]
    if re.fullmatch(r"\d+,\d+", s):
        return [float(s.replace(",", "."))]
    if re.fullmatch(r"\d{1,3}(?:\.\d{3})+,\d+", s):
        return [float(s.replace(".", "").replace(",", "."))]
    digits = re.sub(r"[^\d]", "", s)
    return [float(digits)] if digits else []


def date_parts(s: str, sep: str) -> list[int] | None:
    """Day, month (and year) of ``4.11`` / ``4.11.2025``; None when it cannot be a date."""
    parts = s.split(sep)
    if not 2 <= len(parts) <= 3 or not all(p.isdigit() for p in parts):
        return None
    d, m = int(parts[0]), int(parts[1])
    if not (1 <= d <= 31 and 1 <= m <= 12 and len(parts[1]) <= 2 and len(parts[0]) <= 2):
        return None
    if len(parts) == 3 and len(parts[2]) not in (2, 4):
        return None
    return [int(p) for p in parts]
