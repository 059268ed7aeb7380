"""Quantities in Vietnamese text: digits with Vietnamese conventions, number words, dates.

:func:`extract_vi_quantities` tries the ordered rules of :data:`RULES` at each token; the
first that recognises something there says what it found and where to go on.  Conventions
read: 28,5 = 28.5; 1.500.000 = 1,500,000; nghìn/ngàn, triệu, tỷ/tỉ; %, đồng/VND/USD;
dates (ngày 4/11, 4.11.2025, tháng 6, tháng Sáu); times (17h30, 5 giờ rưỡi, 7.55 giờ);
ordinals and weekdays (thứ 2 = second or Monday); Roman numerals (quý III).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .tokens import (
    GROUPS3_RE,
    Found,
    Key,
    Quantity,
    Rule,
    Scan,
    Tok,
    apply_rules,
    breaks,
    date_parts,
    joined,
    parse_digits_vi,
    quantity,
)
from .words import load

_W = load("vi")
UNITS: dict[str, int] = _W["units"]
SCALES: dict[str, float] = _W["scales"]
_COMPOUND_ONLY = set(_W["compound_only"])
_SCALE_ABBR: dict[str, float] = _W["scale_abbreviations"]
_MONTH_WORDS: dict[str, int] = _W["month_words"]
_YEAR_NEXT = set(_W["year_next"])
_YEAR_PREV = set(_W["year_prev"])
_BA_PREV = set(_W["ba_prev"])
_CLASSIFIERS = set(_W["classifiers"])
_CURRENCY = set(_W["currency"])
_ROMAN_PREV = set(_W["roman_prev"])
_UNIT_EXPONENT = set(_W["unit_exponent"])
_SCALE_NOT_BEFORE = set(_W["scale_not_before"])
# A day.month written with a dot ("4.11") is a date only after one of these.
_DATE_PREV = {"ngày", "hôm", "từ", "đến", "tới", "đêm", "sáng", "chiều", "tối", "trưa"}
# "5.30 chiều" = 5.30pm, "lúc 7 tối" = 7pm: a time without "giờ" before a part of the day.
_DAYPARTS = {"sáng", "trưa", "chiều", "tối", "đêm", "khuya"}
# a/b with a small denominator outside a date ("1/3 dân số") is a fraction: "a third".
_FRACTION_DENOMINATORS = {2, 3, 4, 5, 10}
_ROMAN_RE = re.compile(r"(?=[IVXLC])C{0,3}(?:XC|XL|L?X{0,3})(?:IX|IV|V?I{0,3})")



def _roman(s: str) -> int:
    vals = {"I": 1, "V": 5, "X": 10, "L": 50, "C": 100}
    total = 0
    for a, b in zip(s, s[1:] + " ", strict=False):
        v = vals[a]
        total += -v if b != " " and vals.get(b, 0) > v else v
    return total


# --------------------------------------------------------------------------------------
# Number words: "hai mươi mốt", "một trăm linh năm", "ba nghìn tỷ", "hai triệu rưỡi"
# --------------------------------------------------------------------------------------


@dataclass
class _WordNumber:
    """The value read so far from a run of number words, one word at a time."""

    total: float = 0.0
    hundreds: int = 0
    tens: int = 0
    ones: int = 0
    last_scale: float = 0.0
    last: str = ""  # "", unit, mười, mươi, trăm, linh, scale
    group_has: bool = False

    @property
    def value(self) -> float:
        return self.total + self.hundreds * 100 + self.tens * 10 + self.ones

    def take(self, toks: list[Tok], i: int, j: int) -> str:
        """Read ``toks[j]``: "go" on, "stop" before it, or take it as the "last" word."""
        w = toks[j].low
        if w in UNITS:
            return self._unit(toks, i, j, w)
        if w == "mười" and self.last not in ("unit", "mười", "mươi"):
            self.tens, self.ones, self.last, self.group_has = 1, 0, "mười", True
        elif w in ("mươi", "chục") and self.last == "unit":
            self.tens, self.ones, self.last = self.ones, 0, "mươi"
        elif w == "trăm" and self.last == "unit":
            self.hundreds, self.ones, self.last = self.ones, 0, "trăm"
        elif w in ("linh", "lẻ") and self.last == "trăm":
            self.last = "linh"
        elif w in SCALES:
            return self._scale(toks, j, w)
        elif w == "rưỡi" and self.last in ("scale", "trăm"):
            if self.last == "scale":
                self.total += self.last_scale / 2  # "hai triệu rưỡi" = 2.5 million
            else:
                self.tens = 5  # "hai trăm rưỡi" = 250
            return "last"
        else:
            return "stop"
        return "go"

    def _unit(self, toks: list[Tok], i: int, j: int, w: str) -> str:
        if w in _COMPOUND_ONLY and self.last not in ("mươi", "mười", "linh", "trăm"):
            return "stop"
        if self.last == "unit":
            return "stop"  # "hai ba người" = two or three people: separate numbers
        if w == "năm" and j > i and self.last == "scale":
            return "stop"  # "một triệu năm" = a million years
        if w == "năm" and not self.last and j + 1 < len(toks) and toks[j + 1].low in _YEAR_NEXT:
            return "stop"
        self.ones, self.last, self.group_has = UNITS[w], "unit", True
        return "go"

    def _scale(self, toks: list[Tok], j: int, w: str) -> str:
        if not (self.group_has or self.hundreds or self.last == "scale"):
            return "stop"
        if j + 1 < len(toks) and toks[j + 1].low in _SCALE_NOT_BEFORE:
            return "stop"
        scale = SCALES[w]
        group = self.hundreds * 100 + self.tens * 10 + self.ones
        if self.last == "scale" and group == 0:
            self.total *= scale  # "nghìn tỷ" = 1e12
        else:
            self.total += (group or 1) * scale
        self.hundreds = self.tens = self.ones = 0
        self.last_scale, self.last, self.group_has = scale, "scale", False
        return "go"


def word_value(toks: list[Tok], i: int) -> tuple[list[float], int, bool] | None:
    """Parse a Vietnamese number-word sequence at ``toks[i]``.

    Returns ``(values, next_index, has_scale)`` or None; ``values`` has a second reading
    when a final ``năm`` may be the noun "year" ("hai mươi năm" = 25, or twenty years).
    """
    number = _WordNumber()
    j = i
    while j < len(toks):
        t = toks[j]
        if t.kind != "word" or (j > i and breaks(t)):
            break
        step = number.take(toks, i, j)
        if step == "stop":
            break
        j += 1
        if step == "last":
            break
    if j == i:
        return None
    values = [number.value]
    if j - 1 > i and toks[j - 1].low == "năm" and number.last == "unit" and number.ones == 5:
        values.append(number.value - 5)
    return values, j, bool(number.last_scale)


def _scale_after(toks: list[Tok], j: int) -> tuple[float, int]:
    """Multiplier from scale words following a number (``triệu``, ``nghìn tỷ``)."""
    mult = 1.0
    while j < len(toks) and toks[j].kind == "word" and not breaks(toks[j]):
        w = toks[j].low
        if j + 1 < len(toks) and toks[j + 1].low in _SCALE_NOT_BEFORE:
            break
        if w in SCALES:
            mult *= SCALES[w]
        elif w in _SCALE_ABBR and (joined(toks[j]) or (w == "tr" and mult == 1.0)):
            mult *= _SCALE_ABBR[w]
        else:
            break
        j += 1
    return mult, j


# --------------------------------------------------------------------------------------
# Rules, in the order they are tried at each token
# --------------------------------------------------------------------------------------


def _clock(s: Scan, i: int) -> Found | None:
    """17h30, 7g, 05:00, 17:30 (and "17h rưỡi")."""
    t = s.toks[i]
    if t.kind not in ("clock", "hm"):
        return None
    m = re.match(r"(\d{1,2})\D*(\d{0,2})", t.text)
    h, mi = int(m.group(1)), int(m.group(2) or 0)
    j = i + 1
    if s.low_at(j) == "rưỡi":
        mi, j = 30, j + 1
    return [quantity([h] if mi == 0 else [], "time", s.span(i, j), True, t.start,
                     [("time", h % 12, mi)])], j


def _slash_date(s: Scan, i: int) -> Found | None:
    """4/11, 4/11/2025, tháng 11/2025 (month/year): one quantity per part."""
    t = s.toks[i]
    if t.kind != "slash":
        return None
    parts = t.text.split("/")
    # "24/7", "24/24": around the clock, unless a date is announced ("ngày 24/7" = 24 July).
    if parts in (["24", "7"], ["24", "24"]) and s.prev_low(i) not in _DATE_PREV:
        return [quantity([], "always", t.text, True, t.start, [("always",)])], i + 1
    if (len(parts) == 2 and s.prev_low(i) not in _DATE_PREV and s.prev_low(i) != "tháng"
            and int(parts[1]) in _FRACTION_DENOMINATORS and 0 < int(parts[0]) < int(parts[1])):
        a, b = int(parts[0]), int(parts[1])
        # Read as the fraction or its denominator ("the final third"); a numerator of 1 is
        # English's "a"/"the", a larger one is its own number ("three-quarters").
        found = [quantity([a / b, b], "number", t.text, True, t.start)]
        if a > 1:
            found.insert(0, quantity([a], "number", parts[0], True, t.start))
        return found, i + 1
    month_pos = 0 if s.prev_low(i) == "tháng" else 1
    found = []
    for k, part in enumerate(parts):
        v = int(part)
        extra = [("month", v)] if k == month_pos and 1 <= v <= 12 else []
        found.append(quantity([v], "date", part, True, t.start, extra))
    return found, i + 1


def _dotted_date(s: Scan, i: int) -> list[Quantity] | None:
    """4.11.2025, or 4.11 after a word that announces a date."""
    text = s.toks[i].text
    parts = date_parts(text, ".") if "." in text and not GROUPS3_RE.match(text) else None
    if not parts or not (len(parts) == 3 or s.prev_low(i) in _DATE_PREV):
        return None
    return [quantity([v], "date", str(v), True, s.toks[i].start, [("month", v)] if k == 1 else [])
            for k, v in enumerate(parts)]


def _digits(s: Scan, i: int) -> Found | None:
    """A digit number with its scale words, read in context (month, year, time, money ...)."""
    t = s.toks[i]
    if t.kind != "num":
        return None
    dotted = _dotted_date(s, i)
    if dotted is not None:
        return dotted, i + 1
    if joined(t) and s.prev_low(i) in _UNIT_EXPONENT and t.text in ("2", "3"):
        return [], i + 1  # m2, km3: a unit exponent, not a count
    vals = parse_digits_vi(t.text)
    if not vals:
        return [], i + 1
    mult, j = _scale_after(s.toks, i + 1)
    extra: list[Key] = []
    # "ngày 4-11" / "4.11": a number after "day-" may be the month.
    if (i >= 1 and s.toks[i - 1].kind == "num" and t.gap.strip() in ("-", "–", ".")
            and len(vals) == 1 and 1 <= vals[0] <= 12 and vals[0] == int(vals[0])):
        extra.append(("month", int(vals[0])))
    vals = [v * mult for v in vals]
    return _digits_in_context(s, i, j, vals, extra)


def _digits_in_context(s: Scan, i: int, j: int, vals: list[float], extra: list[Key]) -> Found:
    """The kind of a digit number from the words around it."""
    p, nl, whole = s.prev_low(i), s.low_at(j), vals[0] == int(vals[0])
    kind = "number"
    if p == "tháng" and len(vals) == 1 and 1 <= vals[0] <= 12 and whole:
        kind = "month"
        extra.append(("month", int(vals[0])))
    elif p == "thứ" and whole:
        kind = "ordinal"
        if 2 <= vals[0] <= 7:
            extra.append(("wd", int(vals[0]) - 1))
    elif p == "năm":
        kind = "year"
    elif nl in ("giờ", "g", "tiếng") and vals[0] <= 24 and (
        whole or (nl == "giờ" and _clock_hour(s.toks[i].text) is not None)
    ):
        timed = _hour_and_minutes(s, i, j, nl, int(vals[0]))
        if timed is not None:
            return timed
        extra.append(("time", int(vals[0]) % 12, 0))
        kind = "time"
    elif nl in _DAYPARTS and (p == "lúc" or "." in s.toks[i].text) \
            and _clock_hour(s.toks[i].text) is not None:
        h, mi = _clock_hour(s.toks[i].text)  # type: ignore[misc]
        return [quantity([h] if mi == 0 else [], "time", s.span(i, j + 1), True,
                         s.toks[i].start, [("time", h % 12, mi)])], j + 1
    elif nl in _CURRENCY or p in ("$", "usd", "vnd"):
        kind = "currency"
    elif nl == "%" or (nl == "phần" and s.low_at(j + 1) == "trăm"):
        kind = "percent"
    if nl == "thập" and s.low_at(j + 1) == "kỷ":
        vals = vals + [v * 10 for v in vals]  # "2 thập kỷ" = two decades = 20 years
    return [quantity(vals, kind, s.span(i, j), True, s.toks[i].start, extra)], j


def _clock_hour(text: str) -> tuple[int, int] | None:
    """Hour and minutes of a number before "giờ": "7" or "7.55" (a news style for 7:55)."""
    m = re.fullmatch(r"(\d{1,2})(?:\.(\d{2}))?", text)
    if not m or int(m.group(1)) > 24 or int(m.group(2) or 0) >= 60:
        return None
    return int(m.group(1)), int(m.group(2) or 0)


def _hour_and_minutes(s: Scan, i: int, j: int, unit: str, hour: int) -> Found | None:
    """"5 giờ rưỡi", "5 giờ 30 (phút)", "7.55 giờ": a time with minutes (None: whole hour)."""
    h, mi = _clock_hour(s.toks[i].text) or (hour, 0)
    k = j + 1
    if not mi and s.low_at(k) == "rưỡi":
        mi, k = 30, k + 1
    elif (not mi and unit == "giờ" and k < s.n and s.toks[k].kind == "num"
          and s.toks[k].text.isdigit() and not breaks(s.toks[k]) and int(s.toks[k].text) < 60):
        mi, k = int(s.toks[k].text), k + 1
        if k < s.n and s.toks[k].low == "phút":
            k += 1
    if not mi:
        return None
    return [quantity([], "time", s.span(i, k), True, s.toks[i].start, [("time", h % 12, mi)])], k


def _roman_numeral(s: Scan, i: int) -> Found | None:
    """Quý III, khóa XV (a lone I/V/X only after a word that takes a Roman numeral)."""
    t = s.toks[i]
    if not (t.kind == "word" and _ROMAN_RE.fullmatch(t.text)
            and (len(t.text) > 1 or s.prev_low(i) in _ROMAN_PREV)):
        return None
    return [quantity([_roman(t.text)], "ordinal", t.text, False, t.start)], i + 1


def _named(s: Scan, i: int) -> Found | None:
    """Words with one meaning: "gấp đôi" (2), "Chủ nhật", "thứ nhất"/"đầu tiên" (1), "nửa"."""
    t = s.toks[i]
    if t.kind != "word":
        return None
    w, p = t.low, s.prev_low(i)
    if w == "đôi" and p == "gấp":
        return [quantity([2], "number", t.text, False, t.start)], i + 1
    if w == "chủ" and i + 1 < s.n and s.toks[i + 1].low == "nhật":
        return [quantity([], "weekday", s.span(i, i + 2), False, t.start, [("wd", 7)])], i + 2
    if (w == "nhất" and p == "thứ") or (w == "tiên" and p == "đầu"):
        return [quantity([1], "ordinal", s.span(i - 1, i + 1), False, t.start)], i + 1
    if w == "nửa":
        return [quantity([0.5], "number", t.text, False, t.start)], i + 1
    return None


def _month_in_words(s: Scan, i: int) -> Found | None:
    """Tháng giêng, tháng Sáu, tháng mười một (November)."""
    if s.toks[i].low != "tháng" or i + 1 >= s.n:
        return None
    nxt = s.toks[i + 1]
    if nxt.kind != "word" or breaks(nxt):
        return None
    nw, month, j = nxt.low, 0, i + 2
    if nw in _MONTH_WORDS:
        month = _MONTH_WORDS[nw]
    elif nw == "mười":
        month = 10
        if s.low_at(j) in ("một", "hai"):
            month, j = 10 + UNITS[s.toks[j].low], j + 1
    elif nw == "tư":
        month = 4
    elif nw in UNITS and 1 <= UNITS[nw] <= 9 and nw not in ("mốt", "lăm", "nhăm", "không"):
        month = UNITS[nw]
    if not month:
        return None
    return [quantity([month], "month", s.span(i, j), True, s.toks[i].start,
                     [("month", month)])], j


def _not_a_number_word(s: Scan, i: int) -> bool:
    """"năm" as "year", "ba" as "father", "không" as "not"."""
    toks, w, p = s.toks, s.toks[i].low, s.prev_low(i)
    if w == "năm" and (
        (i >= 1 and toks[i - 1].kind == "num" and not breaks(toks[i]))  # "30 năm": years
        or p in _YEAR_PREV
        or s.low_at(i + 1) in _YEAR_NEXT
        or (i + 1 < s.n and toks[i + 1].kind == "num" and not breaks(toks[i + 1]))
    ):
        return True
    if w == "ba" and p in _BA_PREV and s.low_at(i + 1) not in _CLASSIFIERS:
        return True
    return w == "không"


def _number_words(s: Scan, i: int) -> Found | None:
    """Hai mươi mốt, ba triệu, thứ Hai (Monday), năm giờ (five o'clock)."""
    t = s.toks[i]
    if t.kind != "word" or not (t.low in UNITS or t.low == "mười"):
        return None
    if _not_a_number_word(s, i):
        return [], i + 1
    parsed = word_value(s.toks, i)
    if parsed is None:
        return [], i + 1
    values, j, _ = parsed
    p, nl = s.prev_low(i), s.low_at(j)
    kind, extra, minutes = "number", [], 0
    if p == "thứ":
        kind = "ordinal"
        if 2 <= values[0] <= 7:
            extra.append(("wd", int(values[0]) - 1))
    elif nl in ("giờ", "tiếng") and values[0] <= 24:
        minutes = 30 if j + 1 < s.n and s.toks[j + 1].low == "rưỡi" else 0
        extra.append(("time", int(values[0]) % 12, minutes))
        kind = "time"
    # "Thứ Hai" written capitalized is unambiguously a weekday.
    strong = bool(p == "thứ" and t.text[:1].isupper() and extra)
    if nl == "thập" and s.low_at(j + 1) == "kỷ":
        values = values + [v * 10 for v in values]
    return [quantity([] if minutes else values, kind, s.span(i, j), strong, t.start, extra)], \
        max(j, i + 1)


RULES: tuple[Rule, ...] = (
    _clock,
    _slash_date,
    _digits,
    _roman_numeral,
    _named,
    _month_in_words,
    _number_words,
)


def extract_vi_quantities(text: str) -> list[Quantity]:
    """Quantities in a Vietnamese text, with their candidate normalized values."""
    return apply_rules(text, RULES)
