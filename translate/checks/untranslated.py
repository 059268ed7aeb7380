"""The untranslated check: Vietnamese words left in the English that are not names."""

from __future__ import annotations

import re

from ..results import Flag
from .kinds import FlagKind
from .words import load

# Letters that (practically) only Vietnamese uses; é/à/ô alone also occur in French/Spanish
# names and loanwords ("café", "José"), so those count only when the word is in the source.
_VI_ONLY_CHARS = set(
    "ăđơưảãạẻẽẹỉĩịỏõọủũụỳỷỹỵấầẩẫậắằẳẵặếềểễệốồổỗộớờởỡợứừửữự"
    "ĂĐƠƯẢÃẠẺẼẸỈĨỊỎÕỌỦŨỤỲỶỸỴẤẦẨẪẬẮẰẲẴẶẾỀỂỄỆỐỒỔỖỘỚỜỞỠỢỨỪỬỮỰ"
)
_ACCENTED = set("àáâèéêìíòóôùúýÀÁÂÈÉÊÌÍÒÓÔÙÚÝ")
_WORD_RE = re.compile(r"[^\W\d_]+", re.U)
_KEPT_TERMS = set(load("untranslated")["kept_terms"])  # kept on purpose by English news


def _is_vi_word(word: str, src_words: set[str]) -> bool:
    if any(c in _VI_ONLY_CHARS for c in word):
        return True
    return any(c in _ACCENTED for c in word) and word.lower() in src_words


def check_untranslated(source_vi: str, translation_en: str) -> list[Flag]:
    """Flag Vietnamese words left in the English that are not names carried over."""
    src_tokens = _WORD_RE.findall(source_vi)
    src_exact = set(src_tokens)
    src_lower = {w.lower() for w in src_tokens}
    left: list[str] = []
    en_words = list(_WORD_RE.finditer(translation_en))
    for m in en_words:
        w = m.group()
        if not _is_vi_word(w, src_lower):
            continue
        if w[:1].isupper():
            at_start = (
                not translation_en[: m.start()].strip()
                or translation_en[: m.start()].rstrip()[-1:] in '.!?"“:'
            )
            # A capitalized word the source has capitalized too is a name carried over.
            if w in src_exact:
                continue
            if not (at_start and w.lower() in src_lower):
                continue  # a name the source spells differently (TP.HCM -> Hồ Chí Minh)
            w = w.lower()
        if w.lower() in _KEPT_TERMS:
            continue
        left.append(w)
    if not left:
        return []
    share = len(left) / max(1, len(en_words))
    shown = ", ".join(dict.fromkeys(left[:8]))
    return [
        Flag(
            FlagKind.UNTRANSLATED,
            f"{len(left)} Vietnamese word(s) left untranslated ({share:.0%} of words): {shown}",
        )
    ]
