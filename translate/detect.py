"""Is this text Vietnamese? A simple, explainable test for ``source=auto`` and ``/detect``.

The server translates one language, so detection only has to tell Vietnamese from the rest.
Vietnamese writes most syllables with letters no other Latin-script language combines: ă, â,
đ, ê, ô, ơ, ư and five tone marks (the dot below and hook above are unique to it). In news
text about three syllables in four carry one. The score is the share of words holding such a
letter, scaled so that a share of 40% (room for names, numbers and English loanwords) or more
reads as 100% confidence. Text written without diacritics scores low: it is reported, not
guessed at. Words in other scripts (Chinese, Cyrillic…) count against Vietnamese.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

VIETNAMESE = "vi"
OTHER = "en"  # the only other language this server knows (as a target)
# Letters with Vietnamese diacritics (lower case; NFC), the vowel-and-tone set plus đ.
_MARKED = set(
    "àáảãạăằắẳẵặâầấẩẫậđèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵ")
FULL_CONFIDENCE_SHARE = 0.4
# At least this confidence and the text is taken as Vietnamese.
THRESHOLD = 50.0
_WORD_RE = re.compile(r"[^\W\d_]+")


@dataclass(frozen=True)
class Detection:
    language: str
    confidence: float  # 0-100, as LibreTranslate reports it

    def to_dict(self) -> dict[str, str | float]:
        return {"language": self.language, "confidence": self.confidence}


def vietnamese_share(text: str) -> float | None:
    """Share of the words that carry a Vietnamese diacritic; None when there are no words."""
    words = _WORD_RE.findall(unicodedata.normalize("NFC", text).lower())
    if not words:
        return None
    marked = sum(1 for w in words if any(ch in _MARKED for ch in w))
    return marked / len(words)


def detect(text: str) -> Detection:
    """Vietnamese with a confidence, or the other language when the evidence is too thin.

    Text without letters (numbers, emoji) is reported as Vietnamese with confidence 0: there
    is nothing to judge and nothing a translation would change.
    """
    share = vietnamese_share(text)
    if share is None:
        return Detection(VIETNAMESE, 0.0)
    confidence = round(min(1.0, share / FULL_CONFIDENCE_SHARE) * 100, 1)
    if confidence >= THRESHOLD:
        return Detection(VIETNAMESE, confidence)
    return Detection(OTHER, round(100 - confidence, 1))
