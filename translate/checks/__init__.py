"""Pure-text quality checks for Vietnamese -> English translations and summaries.

No models are involved: these checks compare the source and the output as text (and, for
:func:`check_confidence`, the scores the translation model gave its sentences).

* :func:`check_numbers` -- quantities (digits, scale words, dates, times, number words)
  in the Vietnamese source that the English lacks or changes.
* :func:`check_untranslated` -- Vietnamese words left in the English.
* :func:`check_repetition` -- n-gram loops and runaway / truncated output (length ratio);
  :func:`check_summary_repetition` -- loops in a summary.
* :func:`check_names` -- names of the source (people, places, organisations) missing from
  the English; :func:`check_name_consistency` -- a name spelt two ways in one document.
* :func:`check_coverage` -- English that says clearly less (``omission``) or more
  (``addition``) than the source: similarity, lengths, quotations, invented names.
* :func:`check_summary` -- numbers and named entities in a summary that the translation
  does not support.
* :func:`check_confidence` -- sentences the translation model was much less sure of than of
  the rest of their document (its sentence scores; :mod:`.confidence`).
* :func:`sentence_flags`, :func:`summary_flags`, :func:`confidence_flags` -- the checks as the
  pipeline runs them: a crash becomes a ``check_error`` flag and an ERROR log (:mod:`.guard`).

Modules: ``tokens`` (tokenizer, digit parsing, :class:`Quantity`), ``vi_quantities``,
``en_quantities`` (extraction rules), ``numbers`` (matching), ``untranslated``,
``repetition``, ``names``, ``similarity`` (the optional embedding model), ``coverage``,
``summary``, ``confidence``, ``guard``, ``kinds`` (every flag kind); word lists in
``data/*.toml``.
"""

from __future__ import annotations

from ..results import Flag
from .confidence import check_confidence
from .coverage import check_coverage
from .en_quantities import extract_en_quantities
from .guard import (
    STRICT_CHECKS_ENV,
    SentenceChecks,
    check_sentence,
    confidence_flags,
    document_flags,
    run_check,
    sentence_flags,
    summary_flags,
)
from .names import check_name_consistency, check_names
from .numbers import check_numbers, has_number
from .repetition import RETRY_KINDS, check_repetition, check_summary_repetition, needs_retry
from .summary import check_summary
from .tokens import Quantity
from .untranslated import check_untranslated
from .vi_quantities import extract_vi_quantities

__all__ = [
    "RETRY_KINDS",
    "STRICT_CHECKS_ENV",
    "SentenceChecks",
    "Flag",
    "Quantity",
    "check_coverage",
    "check_name_consistency",
    "check_names",
    "check_confidence",
    "check_numbers",
    "check_repetition",
    "check_sentence",
    "check_summary",
    "check_summary_repetition",
    "check_untranslated",
    "confidence_flags",
    "document_flags",
    "extract_en_quantities",
    "extract_vi_quantities",
    "has_number",
    "needs_retry",
    "run_check",
    "sentence_flags",
    "summary_flags",
]
