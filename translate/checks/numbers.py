"""The number check: quantities of the Vietnamese that the English lacks or changes.

Both sides are read into :class:`~translate.checks.tokens.Quantity` values, matched one to
one (maximum bipartite matching over intersecting key sets), and what is left is reported.
Digit quantities are *strong*: a missing one is flagged.  Number words are *weak* (``ba`` is
also "father", ``năm`` also "year", ``one`` also a pronoun): a missing number word is only
flagged when the other side has an unexplained number too.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from math import floor, log10

from ..results import Flag
from .en_quantities import ORDINALS, TENS, UNITS, extract_en_quantities
from .kinds import FlagKind
from .tokens import Quantity
from .vi_quantities import extract_vi_quantities

_EN_ARTICLE_RE = re.compile(r"\b(?:a|an|one|single|once|another|each|every|per)\b", re.I)
_EN_ZERO_RE = re.compile(r"\b(?:no|zero|none|nothing|nobody|nil|neither)\b", re.I)
# "hai bên" = "both sides"; "100% đại biểu" = "all deputies".
_EN_TWO_RE = re.compile(r"\b(?:both|pair|couple|twin|twins|double)\b", re.I)
_EN_ALL_RE = re.compile(r"\b(?:all|every|entire|entirely|whole|unanimous|unanimously|fully|"
                        r"completely)\b", re.I)
_DIGITS_RE = re.compile(r"\d")
# Number words that make a line "have a number" ("one" and "first" are mostly pronoun or
# idiom: "no one", "at first"; "zero" is rare).
NUMBER_WORDS = (
    (set(UNITS) - {"zero", "one"}) | set(TENS) | {"hundred", "thousand", "million", "billion"}
    | {w for w, v in ORDINALS.items() if 2 <= v <= 11}
)
_NUMBER_WORD_RE = re.compile(r"\b(?:" + "|".join(sorted(NUMBER_WORDS, key=len, reverse=True))
                             + r")\b", re.I)


def has_number(source_vi: str, translation_en: str) -> bool:
    """True when either side has digits, or the English has a number word other than one/first."""
    return bool(_DIGITS_RE.search(source_vi) or _DIGITS_RE.search(translation_en)
                or _NUMBER_WORD_RE.search(translation_en))


def key_match(a: Quantity, b: Quantity, *, rounded: str = "right") -> bool:
    """True when two quantities can be the same; ``rounded`` names the side that may round."""
    if a.keys & b.keys:
        return True
    if rounded not in ("left", "right"):
        return False
    # Large amounts are often rounded in translation or summary: 1,47 triệu -> 1.5 million.
    # Only the rounded side may be less precise, so 10.000 -> 10,100 is still a change.
    for x in a.values:
        for y in b.values:
            if x >= 1e4 and y >= 1e4 and abs(x - y) <= 0.05 * max(x, y):
                if _rounds_to(x, y) if rounded == "right" else _rounds_to(y, x):
                    return True
    return False


def _rounds_to(x: float, y: float) -> bool:
    """True when ``x`` rounded to the precision ``y`` is written with equals ``y``."""
    if y == 0:
        return False
    mantissa = f"{y:.6g}".split("e")[0].replace(".", "").rstrip("0") or "0"
    exp = floor(log10(abs(y))) - max(1, len(mantissa.lstrip("0"))) + 1
    return abs(round(x / 10**exp) * 10**exp - y) < 1e-9 * max(1.0, abs(y))


def match(
    left: Sequence[Quantity],
    right: Sequence[Quantity],
    order: Sequence[int],
    rounded: str = "right",
) -> dict[int, int]:
    """Maximum bipartite matching (Kuhn); left indices in ``order`` are tried first."""
    adj = {
        i: [j for j, r in enumerate(right) if key_match(left[i], r, rounded=rounded)]
        for i in range(len(left))
    }
    match_r: dict[int, int] = {}

    def try_assign(i: int, seen: set[int]) -> bool:
        for j in adj[i]:
            if j in seen:
                continue
            seen.add(j)
            if j not in match_r or try_assign(match_r[j], seen):
                match_r[j] = i
                return True
        return False

    for i in order:
        try_assign(i, set())
    return {i: j for j, i in match_r.items()}


# "(about $4.3 million)", "(US$26,000)", "(102F)": an opening bracket right before the amount.
_CONVERSION_OPEN_RE = re.compile(
    r"\((?:about |around |nearly |over |approx\. |approximately |some |or |roughly )?"
    r"(?:US|VND|USD)?\s*[$€£¥]?\s*$"
)


def _is_conversion(q: Quantity, en_text: str, matched_en: Sequence[Quantity]) -> bool:
    """An English amount in brackets right after a matched amount: a currency conversion."""
    before = en_text[: q.start].rstrip()
    if not _CONVERSION_OPEN_RE.search(before):
        return False
    prior = [m for m in matched_en if m.start < q.start]
    if not prior:
        return False
    base = max(prior, key=lambda m: m.start)
    return _plausible_conversion(base, q, en_text)


def _plausible_conversion(base: Quantity, conv: Quantity, en_text: str) -> bool:
    """Check the rates we know (VND -> USD, Celsius -> Fahrenheit); accept the others."""
    base_ctx = en_text[max(0, base.start - 4) : base.start + len(base.text) + 16]
    conv_ctx = en_text[max(0, conv.start - 4) : conv.start + len(conv.text) + 3]
    if re.search(r"VND|\bdong\b", base_ctx) and "$" in conv_ctx:
        # The dollar rate moved between ~15,000 and ~30,000 dong over the last 25 years.
        return any(15_000 <= b / c <= 30_000 for b in base.values for c in conv.values if c)
    if re.search(r"°?C\b|Celsius", base_ctx) and re.search(r"°?F\b|Fahrenheit", conv_ctx):
        return any(abs(b * 9 / 5 + 32 - c) <= 1.5 for b in base.values for c in conv.values)
    return True


def _explained_missing(unmatched_src: list[Quantity], translation_en: str) -> list[Quantity]:
    """Unmatched source quantities, less 1s and 0s the English says with words."""
    # Articles and "zero" words can stand for a source 1 or 0 ("1 dặm" -> "a mile").
    n_articles = len(_EN_ARTICLE_RE.findall(translation_en))
    n_zero = len(_EN_ZERO_RE.findall(translation_en))
    n_two = len(_EN_TWO_RE.findall(translation_en))
    n_all = len(_EN_ALL_RE.findall(translation_en))
    missing: list[Quantity] = []
    for q in unmatched_src:
        if 1.0 in q.values and n_articles > 0:
            n_articles -= 1
        elif 0.0 in q.values and n_zero > 0:
            n_zero -= 1
        elif 2.0 in q.values and not q.strong and n_two > 0:
            n_two -= 1
        elif q.kind == "percent" and 100.0 in q.values and n_all > 0:
            n_all -= 1
        else:
            missing.append(q)
    return missing


def check_numbers(source_vi: str, translation_en: str) -> list[Flag]:
    """Flag quantities of the source that the translation lacks or changes."""
    src = extract_vi_quantities(source_vi)
    tgt = extract_en_quantities(translation_en)
    if not src and not tgt:
        return []
    order = [i for i, q in enumerate(src) if q.strong] + [
        i for i, q in enumerate(src) if not q.strong
    ]
    # No rounding tolerance here: a translation keeps figures as written, and "189 triệu"
    # -> "190 million" is exactly the one-digit change this check exists to catch.
    pairs = match(src, tgt, order, rounded="none")
    matched_tgt = [tgt[j] for j in set(pairs.values())]
    un_tgt = [q for j, q in enumerate(tgt) if j not in set(pairs.values())]
    missing = _explained_missing([q for i, q in enumerate(src) if i not in pairs],
                                 translation_en)
    extra_strong = [
        q for q in un_tgt if q.strong and not _is_conversion(q, translation_en, matched_tgt)
    ]
    extra_weak = [q for q in un_tgt if not q.strong and q.values and not set(q.values) <= {1.0}]
    weak_missing = [q for q in missing if not q.strong]
    reported = [q for q in missing if q.strong]
    if weak_missing and (extra_weak or extra_strong):
        reported += weak_missing
    flags = [Flag(FlagKind.NUMBER, f"{q.describe()} missing in translation") for q in reported]
    flags += [Flag(FlagKind.NUMBER, f"{q.describe()} in translation but not in source")
              for q in extra_strong]
    # An unexplained number word in the English counts when something else disagrees too.
    if extra_weak and (missing or extra_strong):
        flags += [Flag(FlagKind.NUMBER, f"{q.describe()} in translation but not in source")
                  for q in extra_weak]
    return flags
