"""How the pipeline runs the checks: each one guarded, so a crash is seen, never silent.

A check that raises is a bug.  The checks themselves never catch; :func:`run_check` logs the
crash at ERROR and gives the reader a ``check_error`` flag (this text was not checked),
instead of an empty list that would read as "no problem found".  With
``VI2EN_STRICT_CHECKS=1`` in the environment (the test suite sets it) the crash propagates.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial

from ..config import OPTION_BY_NAME, setting
from ..results import Flag
from .confidence import check_confidence
from .coverage import check_coverage
from .kinds import FlagKind
from .names import check_name_consistency, check_names
from .numbers import check_numbers
from .repetition import check_repetition, check_summary_repetition
from .similarity import embed_many, wanted
from .summary import check_summary
from .untranslated import check_untranslated

logger = logging.getLogger(__name__)

# Tests name the variable to unset it; its name lives in the options table.
STRICT_CHECKS_ENV = OPTION_BY_NAME["strict_checks"].env

Check = Callable[[str, str], list[Flag]]


def run_check(check: Check, text: str, other: str) -> list[Flag]:
    """``check(text, other)``; a crash is logged at ERROR and becomes a ``check_error`` flag."""
    try:
        return check(text, other)
    except Exception:
        return [_crashed(check, repr(text[:200]))]


def _crashed(check: Callable[..., object], what: str) -> Flag:
    """Log the exception being handled at ERROR (or re-raise it in strict mode) and give the
    ``check_error`` flag that says the text was not checked for that."""
    if setting("strict_checks"):
        raise  # the exception being handled: this runs in an except block
    function = getattr(check, "func", check)  # a functools.partial's own function
    name = getattr(function, "__name__", "a").removeprefix("check_").replace("_", " ")
    logger.exception("the %s check crashed on %s", name, what)
    return Flag(FlagKind.CHECK_ERROR, f"the {name} check failed on this text, so it was not "
                "checked for that (details in the log)")


def check_sentence(source_vi: str, translation_en: str, *,
                   use_similarity: bool | None = None) -> list[Flag]:
    """All sentence-level checks, unguarded: numbers, untranslated words, repetition, length,
    names, coverage (omission and addition; ``use_similarity`` as in
    :func:`~translate.checks.coverage.check_coverage`)."""
    return [f for check in sentence_checks(use_similarity)
            for f in check(source_vi, translation_en)]


def sentence_checks(use_similarity: bool | None = None) -> tuple[Check, ...]:
    # Looked up at call time, so a test that replaces a check replaces it here too.
    coverage: Check = check_coverage if use_similarity is None else partial(
        check_coverage, use_similarity=use_similarity)
    return (check_numbers, check_untranslated, check_repetition, check_names, coverage)


def sentence_flags(source_vi: str, translation_en: str, *,
                   use_similarity: bool | None = None) -> list[Flag]:
    """The sentence checks, each guarded by :func:`run_check` (what the pipeline runs)."""
    return [f for check in sentence_checks(use_similarity)
            for f in run_check(check, source_vi, translation_en)]


@dataclass(frozen=True)
class SentenceChecks:
    """:func:`sentence_flags` as a check runner calls it (picklable, for check workers), with
    :meth:`prepare` for a chunk of pairs: their texts embedded in one batched call first,
    about ten times cheaper than one by one (:func:`~translate.checks.similarity.embed_many`)."""

    use_similarity: bool | None = None

    def __call__(self, source_vi: str, translation_en: str) -> list[Flag]:
        return sentence_flags(source_vi, translation_en, use_similarity=self.use_similarity)

    def prepare(self, pairs: Sequence[tuple[str, str]]) -> None:
        if not (wanted(True) if self.use_similarity is None else self.use_similarity):
            return
        try:
            embed_many([text.strip() for pair in pairs for text in pair])
        except Exception:
            # Not a verdict: each sentence's own check then embeds (and reports) on its own.
            if setting("strict_checks"):
                raise
            logger.exception("embedding %d sentence pairs at once failed", len(pairs))


def document_flags(sources: list[str], translations: list[str]) -> list[list[Flag]]:
    """The checks across one document's sentences (a name spelt two ways), guarded as a
    whole: a crash puts a ``check_error`` flag on the first sentence."""
    try:
        return check_name_consistency(sources, translations)
    except Exception:
        if setting("strict_checks"):
            raise
        logger.exception("the name consistency check crashed on a document of %d sentences",
                         len(sources))
        flags: list[list[Flag]] = [[] for _ in sources]
        if flags:
            flags[0].append(Flag(FlagKind.CHECK_ERROR, "the name consistency check failed on this "
                                 "document, so it was not checked for that "
                                 "(details in the log)"))
        return flags


def summary_flags(summary_en: str, translation_en: str) -> list[Flag]:
    """The summary checks (figures and names supported, no loop), each guarded."""
    return [f for check in (check_summary, check_summary_repetition)
            for f in run_check(check, summary_en, translation_en)]


def confidence_flags(scores: Sequence[float | None]) -> list[list[Flag]]:
    """The document-level ``low_confidence`` check on one document's sentence scores, guarded:
    a crash gives every scored sentence a ``check_error`` flag."""
    try:
        return check_confidence(scores)
    except Exception:
        flag = _crashed(check_confidence, f"a document of {len(scores)} sentence scores")
        return [[flag] if score is not None else [] for score in scores]
