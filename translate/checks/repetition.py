"""The repetition check: output that loops, runs away or stops short."""

from __future__ import annotations

import re
from collections.abc import Sequence

from ..results import Flag
from .kinds import FlagKind

# Flags of these kinds mean the decoder went wrong (loop, runaway, truncation): a retry with
# other decoding settings is likely to help, unlike a wrong number or a kept Vietnamese name.
RETRY_KINDS = frozenset({FlagKind.REPETITION, FlagKind.LENGTH_RATIO})

_EN_WORD_RE = re.compile(r"[^\W_]+(?:['’][^\W_]+)?", re.U)
# Bounds on len(en)/len(vi) in characters; professional pairs in Tatoeba sit around 0.9
# (5th-95th percentile ~0.6-1.3).  Only applied when the source has enough words.
LENGTH_RATIO_LOW = 0.3
LENGTH_RATIO_HIGH = 3.0
LENGTH_MIN_SOURCE_WORDS = 6


def _loops(words: Sequence[str]) -> list[tuple[str, int]]:
    """Consecutive repeats of the same 1-4 gram: [(ngram, count)]."""
    found: list[tuple[str, int]] = []
    nw = len(words)
    for size in (1, 2, 3, 4):
        need = 4 if size == 1 else 3
        i = 0
        while i + size <= nw:
            gram = words[i : i + size]
            count = 1
            j = i + size
            while j + size <= nw and words[j : j + size] == gram:
                count += 1
                j += size
            if count >= need:
                found.append((" ".join(gram), count))
                i = j
            else:
                i += 1
    return found


def _loop_flags(text_en: str, reference: str) -> list[Flag]:
    """A loop of the same n-gram, or too few distinct trigrams, unless ``reference`` has it."""
    words = [w.lower() for w in _EN_WORD_RE.findall(text_en)]
    ref_words = [w.lower() for w in _EN_WORD_RE.findall(reference)]
    ref_loop_counts = {c for _, c in _loops(ref_words)}
    for gram, count in _loops(words):
        if count not in ref_loop_counts:  # else the reference repeats itself too ("ha ha ha")
            return [Flag(FlagKind.REPETITION, f"'{gram}' repeated {count} times in a row")]
    if len(words) >= 24:
        grams = [tuple(words[k : k + 3]) for k in range(len(words) - 2)]
        ratio = len(set(grams)) / len(grams)
        ref_grams = [tuple(ref_words[k : k + 3]) for k in range(len(ref_words) - 2)]
        ref_ratio = len(set(ref_grams)) / len(ref_grams) if ref_grams else 1.0
        if ratio < 0.5 and ref_ratio >= 0.7:
            return [Flag(FlagKind.REPETITION, f"only {ratio:.0%} distinct word trigrams")]
    return []


def check_repetition(source_vi: str, translation_en: str) -> list[Flag]:
    """Flag n-gram loops and output length far outside the norm for the source."""
    flags = _loop_flags(translation_en, source_vi)
    src_words = _EN_WORD_RE.findall(source_vi)
    vi_len = len(source_vi.strip())
    en_len = len(translation_en.strip())
    if len(src_words) >= LENGTH_MIN_SOURCE_WORDS and vi_len:
        r = en_len / vi_len
        if r > LENGTH_RATIO_HIGH:
            flags.append(Flag(FlagKind.LENGTH_RATIO,
                              f"translation {r:.1f}x the source length (runaway?)"))
        elif r < LENGTH_RATIO_LOW:
            flags.append(
                Flag(FlagKind.LENGTH_RATIO, f"translation {r:.2f}x the source length (truncated?)")
            )
    return flags


def check_summary_repetition(summary_en: str, translation_en: str) -> list[Flag]:
    """Flag a summary that loops (a summary is short by design: no length check)."""
    return _loop_flags(summary_en, translation_en)


def needs_retry(flags: Sequence[Flag]) -> bool:
    """True when a flag points at a decoding failure (loop, runaway, truncation)."""
    return any(f.kind in RETRY_KINDS for f in flags)
