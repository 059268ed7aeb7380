"""Checking translations we did not make (``vi2en qa``) and scoring models (``vi2en eval``).

* :func:`qa_lines` runs the sentence checks of :mod:`translate.checks` on line-aligned
  source and translation texts.
* :func:`evaluate` translates line-aligned Vietnamese with one model (each line is one
  segment: no sentence splitting, so lines stay aligned with their references), scores BLEU and
  chrF++ with sacrebleu, and measures throughput and the number-check flag rate.

The commands themselves are in :mod:`translate.cli.evaluate`.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

from . import text as vtext
from .checks import SentenceChecks, check_numbers, document_flags, has_number, sentence_flags
from .checks.confidence import POOR_CHRF, Calibration, calibrate
from .checks.kinds import FlagKind
from .config import ModelConfig
from .errors import InputError, MissingDependency
from .optional import import_failure
from .results import Flag

logger = logging.getLogger(__name__)

__all__ = ["EvalResult", "MissingDependencyError", "check_sacrebleu", "checked_source",
           "evaluate", "qa_lines", "score", "split_lines"]


class MissingDependencyError(MissingDependency, ImportError):
    """An optional package a command needs is not installed."""


# --------------------------------------------------------------------------------------
# qa
# --------------------------------------------------------------------------------------

def split_lines(text: str) -> list[str]:
    """Lines of a file's text: ``\\n`` or ``\\r\\n`` ends a line; a final newline adds none."""
    if not text:
        return []
    lines = text.split("\n")
    if lines[-1] == "":
        lines.pop()
    return [line.removesuffix("\r") for line in lines]


def checked_source(source_vi: str) -> str:
    """A source line as the checks read it (normalized): flag spans are offsets into it."""
    return vtext.normalize(source_vi).replace("\n", " ")


def check_line(source_vi: str, translation_en: str) -> list[Flag]:
    """The pipeline's sentence checks for one aligned line (the source is normalized first);
    a check that crashes gives a ``check_error`` flag, as in the pipeline."""
    source = checked_source(source_vi)
    if not source.strip() and not translation_en.strip():
        return []
    if not translation_en.strip():
        return [Flag(FlagKind.EMPTY, "no translation for this line")]
    if not source.strip():
        return [Flag(FlagKind.ALIGNMENT, "a translation for an empty source line: are the files "
                     "aligned?")]
    return sentence_flags(source, translation_en)


def qa_lines(sources: Sequence[str], translations: Sequence[str]) -> list[list[Flag]]:
    """Flags for each aligned line pair (same length lists required)."""
    if len(sources) != len(translations):
        raise InputError(f"the source has {len(sources)} lines and the translation "
                         f"{len(translations)}; they must be line-aligned")
    # Every line embedded in one batch first (ten times cheaper than line by line).
    SentenceChecks().prepare([(checked_source(s), t) for s, t in
                              zip(sources, translations, strict=True)])
    flags = [check_line(s, t) for s, t in zip(sources, translations, strict=True)]
    # The file is one document: a name spelt two ways across its lines is flagged too.
    lines = [i for i, (s, t) in enumerate(zip(sources, translations, strict=True))
             if s.strip() and t.strip()]
    across = document_flags([checked_source(sources[i]) for i in lines],
                            [translations[i] for i in lines])
    for i, extra in zip(lines, across, strict=True):
        flags[i].extend(extra)
    return flags


# --------------------------------------------------------------------------------------
# eval
# --------------------------------------------------------------------------------------

def check_sacrebleu() -> Any:
    try:
        import sacrebleu
    except ImportError as exc:
        raise MissingDependencyError(import_failure(exc, "sacrebleu", "scoring",
                                                    "pip install 'vi2en[eval]'")) from None
    return sacrebleu


def score(hypotheses: Sequence[str], references: Sequence[str]) -> dict[str, Any]:
    """Corpus BLEU and chrF++ (sacrebleu defaults) with their signatures."""
    sacrebleu = check_sacrebleu()
    bleu = sacrebleu.metrics.BLEU()
    chrf = sacrebleu.metrics.CHRF(word_order=2)  # word bigrams: chrF++
    refs = [list(references)]
    bleu_score = bleu.corpus_score(list(hypotheses), refs)
    chrf_score = chrf.corpus_score(list(hypotheses), refs)
    return {"bleu": bleu_score.score, "chrf": chrf_score.score,
            "bleu_signature": str(bleu.get_signature()),
            "chrf_signature": str(chrf.get_signature())}


def sentence_chrf(hypotheses: Sequence[str], references: Sequence[str]) -> list[float]:
    """chrF++ of each line against its reference (sacrebleu's sentence-level score)."""
    chrf = check_sacrebleu().metrics.CHRF(word_order=2)
    return [chrf.sentence_score(h, [r]).score for h, r in zip(hypotheses, references, strict=True)]


@dataclass
class EvalResult:
    """Scores and speed of one model on one test set."""

    model: str
    name: str
    hub_id: str | None
    engine: str
    device: str
    sentences: int
    bleu: float
    chrf: float
    bleu_signature: str
    chrf_signature: str
    load_s: float
    elapsed_s: float
    sentences_per_s: float
    lines_with_numbers: int
    number_flags: int
    number_flag_rate: float
    # The model's sentence scores against each line's chrF++ (what low_confidence reads).
    calibration: Calibration | None = None
    # How the translations were made (pipeline.make_signature): model identity, engine,
    # precision, beams, no glossary, vi2en's version. The pipeline's checks do not run here.
    signature: str = ""

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        for key in ("bleu", "chrf", "load_s", "elapsed_s", "sentences_per_s",
                    "number_flag_rate"):
            data[key] = round(data[key], 4)
        data["calibration"] = self.calibration.to_dict() if self.calibration else None
        return data


def evaluate(config: ModelConfig, sources: Sequence[str], references: Sequence[str], *,
             show_progress: bool = False) -> tuple[EvalResult, list[str]]:
    """Translate ``sources`` line by line with ``config``'s translation model and score
    against ``references``.

    Returns the result and the translations.  The number-check flag rate is over the lines
    whose source or reference has a number (the lines where the check can say something).
    """
    from .pipeline import make_signature
    from .translator import Translator

    if len(sources) != len(references):
        raise InputError(f"the source has {len(sources)} lines and the reference "
                         f"{len(references)}; they must be line-aligned")
    check_sacrebleu()  # fail before loading a model, not after translating
    translator = Translator.from_config(config, show_progress=show_progress)
    segments = [vtext.normalize(s).replace("\n", " ") for s in sources]
    started = time.perf_counter()
    translator.load()  # first, so that throughput is translation alone
    loaded = time.perf_counter()
    outputs = translator.translate_scored(segments)
    elapsed = time.perf_counter() - loaded
    hypotheses = [out.text for out in outputs]
    info = translator.info()
    with_numbers = [i for i, (s, r) in enumerate(zip(segments, references, strict=True))
                    if has_number(s, r)]
    flagged = sum(1 for i in with_numbers if check_numbers(segments[i], hypotheses[i]))
    scores = score(hypotheses, references)
    result = EvalResult(
        model=config.model or info.name, name=info.name, hub_id=info.hub_id, engine=info.engine,
        device=info.device, sentences=len(segments), bleu=scores["bleu"], chrf=scores["chrf"],
        bleu_signature=scores["bleu_signature"], chrf_signature=scores["chrf_signature"],
        load_s=loaded - started, elapsed_s=elapsed,
        sentences_per_s=len(segments) / elapsed if elapsed > 0 else 0.0,
        lines_with_numbers=len(with_numbers), number_flags=flagged,
        number_flag_rate=flagged / len(with_numbers) if with_numbers else 0.0,
        calibration=calibrate([out.score for out in outputs],
                              sentence_chrf(hypotheses, references)),
        signature=str(make_signature(translator)))
    logger.info("%s: BLEU %.2f chrF++ %.2f, %.1f sentences/s", result.model, result.bleu,
                result.chrf, result.sentences_per_s)
    return result, hypotheses


# The comparison table's columns and their widths; the model column is as wide as the longest
# name, known before the first row is printed (rows are printed as each model finishes).
_COLUMNS = (("ENGINE", 12), ("DEVICE", 6), ("LINES", 6), ("BLEU", 6), ("CHRF++", 6),
            ("SENT/S", 7), ("ELAPSED_S", 9), ("LOAD_S", 6), ("NUMBER FLAGS", 0))


def _line(cells: Sequence[str], name_width: int) -> str:
    widths = (name_width, *(w for _, w in _COLUMNS))
    return "  ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)).rstrip()


def table_header(names: Sequence[str]) -> str:
    """The table's first line, for models of these names (:attr:`EvalResult.name`)."""
    return _line(("MODEL", *(title for title, _ in _COLUMNS)), _name_width(names))


def table_row(result: EvalResult, names: Sequence[str]) -> str:
    """One model's line of the table: its name (never a path), engine, scores, speed."""
    r = result
    return _line((r.name, r.engine, r.device, str(r.sentences), f"{r.bleu:.2f}",
                  f"{r.chrf:.2f}", f"{r.sentences_per_s:.2f}", f"{r.elapsed_s:.1f}",
                  f"{r.load_s:.1f}",
                  f"{r.number_flags}/{r.lines_with_numbers} ({r.number_flag_rate:.1%})"),
                 _name_width(names))


def table_notes(results: Sequence[EvalResult]) -> str:
    """What follows the rows: the sacrebleu signatures, each row's vi2en signature and what
    NUMBER FLAGS counts."""
    lines: list[str] = []
    signatures = dict.fromkeys((r.bleu_signature, r.chrf_signature) for r in results)
    for bleu_sig, chrf_sig in signatures:
        lines += [f"BLEU signature: {bleu_sig}", f"chrF++ signature: {chrf_sig}"]
    # How each row's translations were made (what a rerun must match to compare).
    lines += [f"{r.name} signature: {r.signature}" for r in results if r.signature]
    lines.append("NUMBER FLAGS: lines with a number whose translation the number check flags")
    calibrated = [r for r in results if r.calibration is not None]
    if calibrated:
        lines += ["", _calibration_table(calibrated)]
    return "\n".join(lines)


def _calibration_table(results: Sequence[EvalResult]) -> str:
    """The model's sentence scores against sentence-level chrF++, one row a model."""
    def number(value: float | None, digits: int = 2) -> str:
        return "-" if value is None else f"{value:.{digits}f}"

    rows = [("MODEL", "SCORED", "MEDIAN", "P10", "SPEARMAN", "PEARSON", "POOR BELOW",
             "LOW_CONFIDENCE")]
    for r in results:
        c = r.calibration
        assert c is not None
        flagged = f"{c.low_confidence_lines} lines"
        if c.low_confidence_lines:
            flagged += (f" (chrF++ {number(c.low_confidence_chrf, 1)} against "
                        f"{number(c.other_chrf, 1)})")
        rows.append((r.name, str(c.scored_lines), number(c.score_median), number(c.score_p10),
                     number(c.spearman), number(c.pearson), number(c.poor_below), flagged))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip()
             for row in rows]
    lines += ["SCORED, MEDIAN, P10: lines with a model score (mean log-probability per token) "
              "and their median and 10th percentile",
              "SPEARMAN, PEARSON: correlation of a line's score with its chrF++",
              f"POOR BELOW: at or below this score, at least half the lines have chrF++ under "
              f"{POOR_CHRF:.0f}",
              "LOW_CONFIDENCE: the lines that flag marks with the whole set taken as one text, "
              "their mean chrF++ against the other lines'"]
    return "\n".join(lines)


def _name_width(names: Sequence[str]) -> int:
    return max([len("MODEL"), *map(len, names)])


def format_table(results: Sequence[EvalResult]) -> str:
    """One comparison table, then the sacrebleu signatures."""
    names = [r.name for r in results]
    return "\n".join([table_header(names), *(table_row(r, names) for r in results),
                      table_notes(results)])
