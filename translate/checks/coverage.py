"""The coverage check: English that says clearly less than the source (``omission``) or
clearly more, or something else (``addition``).

Signals, each calibrated on professional pairs (benchmarks/coverage.py, the ``dev`` half):

* the cross-lingual similarity of the two sentences (:mod:`.similarity`, when installed);
* the length ratio, English words to Vietnamese syllables (professional pairs: median 0.835),
  combined with the similarity into one score for "short" and one for "long";
* quotations and bracketed asides of the source that the English lacks (the span is shown);
* names in the English that the source never gave (a clause invented or brought in from
  another sentence usually carries one).

Where the flag can point at the Vietnamese that has no counterpart (a quotation, a bracket,
or the clause whose removal from the source brings it closest to the English), ``span`` says
where it is.
"""

from __future__ import annotations

import math
import re

from ..results import Flag
from .kinds import FlagKind
from .names import fold, known_renderings, vietnamese_syllable
from .similarity import similarity, similarity_of_parts, wanted
from .words import load

_W = load("coverage")
# Calibrated on the dev half of Tatoeba and the news sets (benchmarks/coverage.py).
SIM_MEDIAN = _W["similarity"]["median"]
SIM_SD = _W["similarity"]["sd"]
UNRELATED_Z = _W["similarity"]["unrelated_z"]
RATIO_MEDIAN = _W["length"]["median_ratio"]
LOG_RATIO_SD = _W["length"]["log_sd"]
MIN_SOURCE_WORDS = _W["length"]["min_source_words"]
_C = _W["combined"]
_COMMON_CAPITALS = frozenset(w.lower() for w in _W["english_capitals"]["words"])

_COUNTED_RE = re.compile(r"[^\W\d_]+|\d+(?:[.,]\d+)*")
_QUOTE_RE = re.compile(r"[\"“]([^\"”]{12,})[\"”]")
_BRACKET_RE = re.compile(r"\(([^()]{6,})\)")
_EN_WORD_RE = re.compile(r"(?<![\w$])[A-Za-z][A-Za-z’'-]*(?![\w])")
_CLAUSE_SPLIT_RE = re.compile(r"[,;:–—]\s+|\s+(?=(?:và|nhưng|trong khi|sau khi|trước khi|vì|"
                              r"khi|để|nhằm|với|tại|ở)\s)")


def check_coverage(source_vi: str, translation_en: str, *,
                   use_similarity: bool | None = None) -> list[Flag]:
    """Flag English that covers clearly less, or says clearly more, than the source.
    ``use_similarity``: None = unless ``VI2EN_SIMILARITY=0``."""
    source, english = source_vi.strip(), translation_en.strip()
    if not source or not english:
        return []
    flags = _structure_flags(source, english)
    source_words = len(_COUNTED_RE.findall(source))
    ratio = _word_ratio(source, english) / RATIO_MEDIAN
    z_length = math.log(ratio) / LOG_RATIO_SD  # > 0: longer than usual
    use = wanted(True) if use_similarity is None else use_similarity
    sim = similarity(source, english) if use else None
    if sim is not None and (SIM_MEDIAN - sim) / SIM_SD > UNRELATED_Z:
        return flags + [Flag(FlagKind.ADDITION, f"the English says something else than the source "
                             f"(similarity {sim:.2f}, usual {SIM_MEDIAN:.2f})")]
    short = long = False
    if source_words >= MIN_SOURCE_WORDS:
        if sim is None:
            short, long = -z_length > _C["short_alone_z"], z_length > _C["long_alone_z"]
        else:
            z_sim = (SIM_MEDIAN - sim) / SIM_SD  # > 0: less similar than usual
            short = _combined(-z_length, z_sim, _C["short_length_weight"]) > _C["short_z"]
            long = _combined(z_length, z_sim, _C["long_length_weight"]) > _C["long_z"]
    if short and not any(f.kind == FlagKind.OMISSION for f in flags):
        span = _dropped_clause(source, english, sim is not None)
        where = f": '{source[span[0]:span[1]]}'" if span else ""
        flags.append(Flag(FlagKind.OMISSION,
                          f"the English is {ratio:.0%} of the usual length for this "
                          f"source{_sim_note(sim)}; part of it may be missing{where}",
                          span=span))
    elif long:
        flags.append(Flag(FlagKind.ADDITION,
                          f"the English is {ratio:.0%} of the usual length for this "
                          f"source{_sim_note(sim)}; it may say more than the source"))
    invented = _invented_names(source, english)
    if invented and not any(f.kind == FlagKind.ADDITION for f in flags):
        flags.append(Flag(FlagKind.ADDITION, f"the English names {', '.join(invented)}, which the "
                          "source does not"))
    return flags


def _combined(z_length: float, z_sim: float, length_weight: float) -> float:
    """Two z-scores weighted into one, still in standard deviations."""
    sim_weight = 1 - length_weight
    return (length_weight * z_length + sim_weight * z_sim) / math.hypot(length_weight,
                                                                        sim_weight)


def _sim_note(sim: float | None) -> str:
    return "" if sim is None else f" and less like it than usual (similarity {sim:.2f})"


def _word_ratio(source: str, english: str) -> float:
    """English words per Vietnamese syllable (numbers count one each): steadier across
    sentence kinds than characters (news and Tatoeba share a median of 0.84)."""
    return max(1, len(_COUNTED_RE.findall(english))) / max(1, len(_COUNTED_RE.findall(source)))


def _structure_flags(source: str, english: str) -> list[Flag]:
    """A quotation or a bracketed aside of the source with none in the English."""
    flags = []
    if not re.search(r"[\"“”]", english):
        for m in _QUOTE_RE.finditer(source):
            flags.append(Flag(FlagKind.OMISSION,
                              "the source quotes someone here; the English has no "
                              "quotation", span=(m.start(), m.end())))
    if "(" not in english:
        for m in _BRACKET_RE.finditer(source):
            flags.append(Flag(FlagKind.OMISSION, "the source has an aside in brackets here; the "
                              "English has none", span=(m.start(), m.end())))
    return flags


def _invented_names(source: str, english: str) -> list[str]:
    """Vietnamese names in the English that neither the source's words nor the renderings of
    its known terms account for: runs of capitalised words with at least two unaccounted
    Vietnamese syllables ("Le Van Thanh"). Other capitalised words ("Heritage", "Civil
    Aviation Authority", "Military Zone") are too often an institution's title in English to
    count, without an English dictionary to tell."""
    known = {p for w in re.findall(r"[^\W\d_]+", source) for p in fold(w).split()}
    for rendering in known_renderings(source):
        known.update(fold(rendering).split())
    invented: list[str] = []
    for run in _capital_runs(english):
        unknown = [w for w in run if vietnamese_syllable(w)
                   and not any(p in _COMMON_CAPITALS or _derived(p, known)
                               for p in fold(w).split())]
        if len(unknown) >= 2:
            invented.extend(unknown)
    return list(dict.fromkeys(invented))


def _capital_runs(english: str) -> list[list[str]]:
    """Runs of capitalised words, one space apart, not opening a sentence or a quotation."""
    runs: list[list[str]] = []
    last_end = -2
    for m in _EN_WORD_RE.finditer(english):
        word = m.group()
        before = english[:m.start()].rstrip()
        capital = word[:1].isupper() and bool(before) and before[-1] not in ".!?\"“:;(–—-"
        if capital and runs and english[last_end:m.start()] == " " and runs[-1]:
            runs[-1].append(word)
        elif capital:
            runs.append([word])
        elif runs and runs[-1]:
            runs.append([])
        last_end = m.end()
    return [r for r in runs if r]


def _derived(word: str, known: set[str]) -> bool:
    """``word`` is a known word or made from one ("Azerbaijani", "Hinduism", "Sundays")."""
    return word in known or any(word.startswith(k) and len(word) - len(k) <= 4
                                for k in known if len(k) >= 4)


def _dropped_clause(source: str, english: str, use_similarity: bool) -> tuple[int, int] | None:
    """The clauses of the source least like the English, when clearly less like it than the
    best-covered clause (needs the similarity model; None otherwise). Contiguous clauses that
    fall short are given as one span."""
    cuts = [0] + [m.end() for m in _CLAUSE_SPLIT_RE.finditer(source)] + [len(source)]
    parts = [(a, b) for a, b in zip(cuts, cuts[1:], strict=False) if source[a:b].strip()]
    if len(parts) < 2 or not use_similarity:
        return None
    scores = similarity_of_parts([source[a:b] for a, b in parts], english)
    if scores is None:
        return None
    bar = max(scores) - _W["similarity"]["clause_gap"]
    short = [k for k, score in enumerate(scores) if score < bar]
    if not short:
        return None
    if short != list(range(short[0], short[-1] + 1)):  # scattered: the least like it
        short = [min(short, key=scores.__getitem__)]
    a, b = parts[short[0]][0], parts[short[-1]][1]
    text = source[a:b]
    a += len(text) - len(text.lstrip())
    b -= len(text) - len(text.rstrip(" ,;:.!?"))
    return a, b
