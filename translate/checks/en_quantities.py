"""Quantities in English text: digits, scale words ($5bn, 658 million), number words, dates.

:func:`extract_en_quantities` tries the ordered rules of :data:`RULES` at each token; the
first that recognises something there says what it found and where to go on.
"""

from __future__ import annotations

import re

from .tokens import (
    MONTH_NAMES,
    WEEKDAY_NAMES,
    Found,
    Key,
    Quantity,
    Rule,
    Scan,
    Tok,
    apply_rules,
    breaks,
    joined,
    parse_digits_en,
    quantity,
)
from .words import load

_W = load("en")
UNITS: dict[str, int] = _W["units"]
TENS: dict[str, int] = _W["tens"]
ORDINALS: dict[str, int] = _W["ordinals"]
SCALES: dict[str, float] = _W["scales"]
_GLUED_ONLY = set(_W["glued_only"])
_FRACTIONS: dict[str, int] = _W["fractions"]
_MULTIPLES: dict[str, int] = _W["multiples"]
MONTHS: dict[str, int] = {name.lower(): k + 1 for k, name in enumerate(MONTH_NAMES)}
MONTHS.update(_W["month_abbreviations"])
WEEKDAYS: dict[str, int] = {name.lower(): k + 1 for k, name in enumerate(WEEKDAY_NAMES)}
_CURRENCY_PREV = set(_W["currency_prev"])
_MONTH_CONTEXT = set(_W["month_context"])
_A_SCALE = ("hundred", "thousand", "million", "billion", "dozen")  # "a hundred", "a dozen"
# "at 7.55": a dotted hour.minutes is a clock time after these.
_TIME_PREV = {"at", "by", "until", "till", "from", "before", "after", "around", "about"}



def _base(t: Tok) -> str:
    """The word without a possessive: "Thursday's" -> "thursday"."""
    return re.sub(r"['’]s$", "", t.low)


def word_value(toks: list[Tok], i: int) -> tuple[float, int] | None:
    """Parse an English number-word sequence at ``toks[i]`` ("three hundred and five")."""
    total = cur = 0.0
    j, last = i, ""
    while j < len(toks):
        t = toks[j]
        if t.kind != "word" or (j > i and breaks(t)):
            break
        w = t.low
        if w in UNITS and last != "unit":
            cur, last = cur + UNITS[w], "unit"
        elif w in TENS and last not in ("unit", "tens"):
            cur, last = cur + TENS[w], "tens"
        elif w in ("a", "an") and j == i and j + 1 < len(toks) and toks[j + 1].low in _A_SCALE:
            cur, last = 1, "unit"
        elif w == "dozen" and j > i:
            cur, last = (cur or 1) * 12, "scale"
        elif w == "hundred" and j > i:
            cur, last = (cur or 1) * 100, "hundred"
        elif w in ("thousand", "million", "billion", "trillion", "quadrillion") and j > i:
            total, cur, last = total + (cur or 1) * SCALES[w], 0, "scale"
        elif (w == "and" and last in ("hundred", "scale") and j + 1 < len(toks)
              and (toks[j + 1].low in UNITS or toks[j + 1].low in TENS)):
            last = "and"
        else:
            break
        j += 1
    if j == i or last == "and":
        return None
    return total + cur, j


# --------------------------------------------------------------------------------------
# Rules, in the order they are tried at each token
# --------------------------------------------------------------------------------------


def _time(h: int, mi: int = 0) -> Key:
    return ("time", h % 12, mi)


def _clock(s: Scan, i: int) -> Found | None:
    """5:30 p.m., 5.30pm, 17:30, 05:00:00; "5h30" (rare in English) as hours."""
    t = s.toks[i]
    if t.kind == "hm":
        m = re.match(r"(\d{1,2})\D(\d{0,2})", t.text)
        h, mi = int(m.group(1)), int(m.group(2) or 0)
        return [quantity([h] if not mi else [], "time", t.text, True, t.start,
                         [_time(h, mi)])], i + 1
    if t.kind != "clock":
        return None
    m = re.match(r"(\d{1,2})[:.](\d{2})", t.text)
    h, mi = int(m.group(1)), int(m.group(2))
    j = i + 1
    if t.text.count(":") < 2 and j < s.n and s.toks[j].low in ("a", "p") and \
            j + 1 < s.n and s.toks[j + 1].low == "m":
        j += 2
    elif s.low_at(j) in ("am", "pm"):
        j += 1
    return [quantity([h] if mi == 0 else [], "time", s.span(i, j), True, t.start,
                     [_time(h, mi)])], j


def _slash(s: Scan, i: int) -> Found | None:
    """4/11, 11/4/2025, 1/3; "24/7" (around the clock)."""
    t = s.toks[i]
    if t.kind != "slash":
        return None
    parts = t.text.split("/")
    if parts == ["24", "7"] and s.prev_low(i) not in ("on", "since", "from", "until", "by"):
        return [quantity([], "always", t.text, True, t.start, [("always",)])], i + 1
    return [quantity([int(p)], "date", p, True, t.start,
                     [("month", int(p))] if 1 <= int(p) <= 12 else []) for p in parts], i + 1


def _glued_suffix(s: Scan, i: int, vals: list[float]) -> tuple[list[float], str, list[Key], int]:
    """11th, 1990s, 5bn, $5m, 50k, 20cents, 5pm, 5a.m. (a word glued to the digits)."""
    j, kind, extra = i + 1, "number", []
    if not (j < s.n and s.toks[j].kind == "word" and joined(s.toks[j])):
        return vals, kind, extra, j
    suf = s.toks[j].low
    if suf in ("st", "nd", "rd", "th"):
        kind, j = "ordinal", j + 1
    elif suf == "s":
        j += 1
    elif suf in SCALES and suf != "hundred" and (
        suf not in _GLUED_ONLY or s.prev_low(i) in _CURRENCY_PREV
    ):
        vals, j = [v * SCALES[suf] for v in vals], j + 1
    elif suf in ("cents", "cent"):
        vals, j = vals + [v / 100 for v in vals], j + 1
    elif suf in ("am", "pm") and vals[0] <= 12:
        extra.append(_time(int(vals[0])))
        kind, j = "time", j + 1
    elif suf in ("a", "p") and j + 1 < s.n and s.toks[j + 1].low == "m":
        extra.append(_time(int(vals[0])))
        kind, j = "time", j + 2
    return vals, kind, extra, j


def _digits(s: Scan, i: int) -> Found | None:
    """A digit number with its suffix and scale words, read in context."""
    t = s.toks[i]
    if t.kind != "num":
        return None
    vals, kind, extra, j = _glued_suffix(s, i, parse_digits_en(t.text))
    # Spaced scale words: "658 million", "1.5 billion", "2 thousand".
    while (j < s.n and s.toks[j].kind == "word" and not breaks(s.toks[j])
           and s.toks[j].low in SCALES and s.toks[j].low not in _GLUED_ONLY):
        vals = [v * SCALES[s.toks[j].low] for v in vals]
        j += 1
    p, nl = s.prev_low(i), s.low_at(j)
    if kind == "number" and nl in ("a", "p") and j + 1 < s.n and s.toks[j + 1].low == "m" \
            and vals[0] <= 12:
        extra.append(_time(int(vals[0])))
        kind, j = "time", j + 2
    elif kind == "number" and nl in ("am", "pm", "o'clock", "o’clock") and vals[0] <= 12:
        extra.append(_time(int(vals[0])))
        kind, j = "time", j + 1
    elif nl in ("percent", "%") or (nl == "per" and s.low_at(j + 1) == "cent"):
        kind = "percent"
    elif nl in ("decade", "decades"):
        vals = vals + [v * 10 for v in vals]
    elif nl in ("cents", "cent"):
        vals = vals + [v / 100 for v in vals]
    elif p in _CURRENCY_PREV:
        kind = "currency"
    if p in MONTHS and kind == "number" and vals[0] <= 31:
        kind = "date"
    dotted = re.fullmatch(r"(\d{1,2})\.([0-5]\d)", t.text)
    if dotted and p in _TIME_PREV and kind == "number":
        extra.append(_time(int(dotted.group(1)), int(dotted.group(2))))  # "at 7.55"
    return [quantity(vals, kind, s.span(i, j), True, t.start, extra)], j


def _month(s: Scan, i: int) -> Found | None:
    """January ... December, Sept., and "Thursday's"-style possessives of months."""
    t = s.toks[i]
    w = _base(t)
    if t.kind != "word" or w not in MONTHS or not t.text[:1].isupper():
        return None
    nxt = s.toks[i + 1] if i + 1 < s.n else None
    near_digit = (nxt is not None and nxt.kind == "num" and not breaks(nxt)) or (
        i >= 1 and s.toks[i - 1].kind == "num" and not breaks(t)
    )
    # "Jan", "Dec" alone are likely names or words, unless written "Jan." .
    if len(w) <= 4 and w not in ("may", "june", "july") and not near_digit and \
            not (nxt is not None and nxt.gap.startswith(".")):
        return [], i + 1
    if w in ("may", "march") and not near_digit and s.prev_low(i) not in _MONTH_CONTEXT:
        return [], i + 1
    return [quantity([], "month", t.text, near_digit, t.start, [("month", MONTHS[w])])], i + 1


def _named(s: Scan, i: int) -> Found | None:
    """Weekdays, noon/midnight, "around the clock": words that name one quantity."""
    t = s.toks[i]
    if t.kind != "word":
        return None
    w = _base(t)
    if w in WEEKDAYS and t.text[:1].isupper():
        return [quantity([], "weekday", t.text, False, t.start, [("wd", WEEKDAYS[w])])], i + 1
    if w in ("noon", "midday", "midnight"):
        return [quantity([12], "time", t.text, False, t.start, [("time", 0, 0)])], i + 1
    if w == "clock" and s.prev_low(i) == "the" and i >= 2 and s.toks[i - 2].low in (
        "around", "round"
    ):
        return [quantity([], "always", s.span(i - 2, i + 1), False, s.toks[i - 2].start,
                         [("always",)])], i + 1
    return None


_MATCH_HALF_PREV = frozenset({"first", "second", "opening", "closing", "1st", "2nd"})


def _ordinal_or_fraction(s: Scan, i: int) -> Found | None:
    """First ... hundredth; "two-thirds", "a quarter" (the denominator); half; twice."""
    t = s.toks[i]
    w, p = t.low, s.prev_low(i)
    if t.kind != "word":
        return None
    if w in ORDINALS:
        # "a second", "per second", "split second" are time units, not ordinals.
        if w == "second" and p in ("a", "per", "one", "split", "every") and s.low_at(i + 1) \
                not in ("time", "round", "term", "half", "wave", "phase"):
            return [], i + 1
        return [quantity([ORDINALS[w]], "ordinal", t.text, False, t.start)], i + 1
    if w in _FRACTIONS and (p in UNITS or p in ("a", "one") or w.endswith("s")):
        return [quantity([_FRACTIONS[w]], "number", t.text, False, t.start)], i + 1
    if w == "half":
        # "half-time", "first half", "second half": a period of a match, not 0.5.
        if s.low_at(i + 1) in ("time", "times") or p in _MATCH_HALF_PREV:
            return [], i + 1
        return [quantity([0.5], "number", t.text, False, t.start)], i + 1
    if w in _MULTIPLES:
        return [quantity([_MULTIPLES[w]], "number", t.text, False, t.start)], i + 1
    if w in ("decade", "decades") and p in ("a", "one"):
        return [quantity([1, 10], "number", t.text, False, t.start)], i + 1
    return None


def _number_words(s: Scan, i: int) -> Found | None:
    """Three hundred and five, a dozen, a million; "five o'clock", "ten percent"."""
    t = s.toks[i]
    w = t.low
    if t.kind != "word":
        return None
    if w == "dozen":
        value, j = 12.0, i + 1
    elif w in UNITS or w in TENS or (w in ("a", "an") and s.low_at(i + 1) in _A_SCALE):
        parsed = word_value(s.toks, i)
        if parsed is None:
            return [], i + 1
        value, j = parsed
    else:
        return None
    vals, kind, extra = [value], "number", []
    nl = s.low_at(j)
    if nl in ("decade", "decades"):
        vals.append(value * 10)
    elif nl in ("o'clock", "o’clock") or (
        nl in ("a", "p") and j + 1 < s.n and s.toks[j + 1].low == "m"
    ) or (nl in ("am", "pm") and value <= 12):
        extra.append(_time(int(value)))
        kind = "time"
    elif nl == "percent":
        kind = "percent"
    return [quantity(vals, kind, s.span(i, j), False, t.start, extra)], max(j, i + 1)


RULES: tuple[Rule, ...] = (
    _clock,
    _slash,
    _digits,
    _month,
    _named,
    _ordinal_or_fraction,
    _number_words,
)


def extract_en_quantities(text: str) -> list[Quantity]:
    """Quantities in an English text, with their candidate normalized values."""
    return apply_rules(text, RULES)
