"""The model's own doubt: a sentence it was much less sure of than of the rest of its document.

A sentence's score is the mean log-probability of its output tokens (see
:class:`translate.results.ScoredText`). What a score means depends on the model, its weights,
the engine and the kind of text, so no fixed bar fits every case; a sentence is flagged
relative to its own document instead: a robust z-score (median and median absolute deviation,
Iglewicz and Hoaglin's modified z, whose usual outlier cut-off is 3.5) far below the
document's median, and by at least :data:`MIN_GAP` in absolute terms, so that a document
whose sentences all score alike does not flag its slightest dip. A document with fewer than
:data:`MIN_SENTENCES` scored sentences has no distribution to speak of and is not judged.

The figures are set by reasoning, not calibrated: the random-weight models this project is
tested with cannot calibrate a score. ``vi2en eval`` reports, for real weights and reference
translations, how the scores and this flag line up with sentence-level chrF++.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from statistics import StatisticsError, correlation, fmean, median
from typing import Any

from ..results import Flag
from .kinds import FlagKind

# Fewer scored sentences than this: no flag (a three-sentence text has no "usual" score).
MIN_SENTENCES = 8
# Modified z-score at or below which a sentence stands out (Iglewicz & Hoaglin: 3.5).
MAX_Z = 3.5
# And at least this far below the median, in nats per token: each token about 1.65 times
# less likely than in the document's typical sentence.
MIN_GAP = 0.5
# 0.6745 = the standard normal's third quartile: makes the MAD comparable with a deviation.
_MAD_SCALE = 0.6745


def check_confidence(scores: Sequence[float | None]) -> list[list[Flag]]:
    """For one document's sentences in order, a ``low_confidence`` flag on each whose score
    is far below the document's usual; sentences without a score are never flagged."""
    known = [s for s in scores if s is not None]
    flags: list[list[Flag]] = [[] for _ in scores]
    if len(known) < MIN_SENTENCES:
        return flags
    middle = median(known)
    spread = median(abs(s - middle) for s in known)
    for i, score in enumerate(scores):
        if score is None or middle - score < MIN_GAP:
            continue
        # A spread of 0 (most sentences scored alike): any dip past MIN_GAP stands out.
        z = _MAD_SCALE * (score - middle) / spread if spread > 0 else float("-inf")
        if z <= -MAX_Z:
            flags[i].append(Flag(
                FlagKind.LOW_CONFIDENCE,
                f"the translation model was much less sure of this sentence than of the rest "
                f"of the text (score {score:.2f} against a median of {middle:.2f}): read it "
                "against the source"))
    return flags


# -- calibration (``vi2en eval``) ------------------------------------------------------------
# Sentence-level chrF++ below this counts as a poor translation of the line.
POOR_CHRF = 30.0
# The "poor below" score needs at least this many lines under it, so one bad line is no bar.
MIN_LINES_BELOW = 5


@dataclass
class Calibration:
    """How a model's sentence scores line up with the quality of its lines (sentence-level
    chrF++ against references): what a user with real weights reads to trust, or tune,
    ``low_confidence``. Correlations are None where undefined (fewer than 3 lines, or one
    side constant)."""

    scored_lines: int
    score_median: float | None
    score_p10: float | None  # 10% of the lines score at or below this
    spearman: float | None  # rank correlation of score and chrF++
    pearson: float | None
    poor_chrf: float  # chrF++ below this is "poor"
    poor_below: float | None  # at or below this score, at least half the lines are poor
    low_confidence_lines: int  # lines low_confidence flags, the whole set taken as one text
    low_confidence_chrf: float | None  # their mean chrF++
    other_chrf: float | None  # the other lines' mean chrF++

    def to_dict(self) -> dict[str, Any]:
        return {k: round(v, 4) if isinstance(v, float) else v
                for k, v in asdict(self).items()}


def calibrate(scores: Sequence[float | None], chrf: Sequence[float]) -> Calibration:
    """:class:`Calibration` of ``scores`` (one a line, None for none) against each line's
    sentence-level chrF++."""
    pairs = [(s, c) for s, c in zip(scores, chrf, strict=True) if s is not None]
    known = sorted(s for s, _ in pairs)
    flags = check_confidence([s for s, _ in pairs])
    flagged = [c for (_, c), f in zip(pairs, flags, strict=True) if f]
    others = [c for (_, c), f in zip(pairs, flags, strict=True) if not f]
    return Calibration(
        scored_lines=len(pairs),
        score_median=median(known) if known else None,
        score_p10=known[(len(known) - 1) // 10] if known else None,
        spearman=_correlation(_ranks([s for s, _ in pairs]), _ranks([c for _, c in pairs])),
        pearson=_correlation([s for s, _ in pairs], [c for _, c in pairs]),
        poor_chrf=POOR_CHRF,
        poor_below=_poor_below(pairs),
        low_confidence_lines=len(flagged),
        low_confidence_chrf=fmean(flagged) if flagged else None,
        other_chrf=fmean(others) if others else None)


def _poor_below(pairs: list[tuple[float, float]]) -> float | None:
    """The highest score at or below which at least half the lines (and at least
    :data:`MIN_LINES_BELOW`) have a poor chrF++; None if no such score."""
    best = None
    poor = 0
    for count, (score, quality) in enumerate(sorted(pairs), start=1):
        poor += quality < POOR_CHRF
        if count >= MIN_LINES_BELOW and 2 * poor >= count:
            best = score
    return best


def _ranks(values: Sequence[float]) -> list[float]:
    """Ranks from 1, ties sharing their average rank (for Spearman's correlation)."""
    order = sorted(range(len(values)), key=values.__getitem__)
    ranks = [0.0] * len(values)
    start = 0
    while start < len(order):
        end = start
        while end + 1 < len(order) and values[order[end + 1]] == values[order[start]]:
            end += 1
        for k in range(start, end + 1):
            ranks[order[k]] = (start + end) / 2 + 1
        start = end + 1
    return ranks


def _correlation(x: Sequence[float], y: Sequence[float]) -> float | None:
    if len(x) < 3:
        return None
    try:
        return correlation(x, y)
    except StatisticsError:  # one side constant: no correlation to speak of
        return None
