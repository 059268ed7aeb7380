"""References damaged the way a model fails with numbers (one number changed), and the number
check's false-alarm and catch rates on them; used by the tests and benchmarks/number_check.py."""

from __future__ import annotations

import random
import re
from collections.abc import Iterable
from pathlib import Path

from translate.checks import check_numbers, has_number
from translate.checks.en_quantities import ORDINALS, TENS, UNITS

REPO = Path(__file__).resolve().parent.parent
# News-style pairs written for this project (benchmarks/data/news_pairs.{vi,en}).
NEWS = REPO / "benchmarks" / "data"
_DIGITS = re.compile(r"\d+")
_DIGIT_RUN_RE = re.compile(r"\d+(?:[.,:]\d+)*")


def _word_mutations() -> dict[str, str]:
    """Each English number word and the next one up ("two" -> "three", "second" -> "third").

    "one" and "first" are left out: they are mostly pronoun/idiom ("no one", "at first"), so
    changing them does not change a quantity of the sentence.
    """
    units, tens = list(UNITS), list(TENS)
    ordinals = [w for w, v in sorted(ORDINALS.items(), key=lambda kv: kv[1]) if v <= 12]
    return {
        **dict(zip(units[2:], units[3:], strict=False)),
        "nineteen": "twenty",
        **dict(zip(tens, [*tens[1:], "ten"], strict=True)),
        "hundred": "thousand",
        "thousand": "million",
        "million": "billion",
        "billion": "million",
        **dict(zip(ordinals[1:11], ordinals[2:12], strict=True)),
    }


_WORD_MUTATION = _word_mutations()
_MUTABLE_WORD_RE = re.compile(
    r"\b(?:" + "|".join(sorted(_WORD_MUTATION, key=len, reverse=True)) + r")\b", re.I)


def mutate_number(text: str, rng: random.Random) -> str | None:
    """Change exactly one number in an English text (one digit, or one number word).

    Returns None when the text has no number to change.
    """
    spans = list(_DIGIT_RUN_RE.finditer(text))
    if spans:
        m = rng.choice(spans)
        digit_pos = [k for k, c in enumerate(m.group()) if c.isdigit()]
        k = rng.choice(digit_pos)
        d = int(m.group()[k])
        s = m.group()[:k] + str(d + 1 if d < 9 else d - 1) + m.group()[k + 1 :]
        return text[: m.start()] + s + text[m.end() :]
    words = list(_MUTABLE_WORD_RE.finditer(text))
    if not words:
        return None
    m = rng.choice(words)
    new = _WORD_MUTATION[m.group().lower()]
    if m.group()[:1].isupper():
        new = new.capitalize()
    return text[: m.start()] + new + text[m.end() :]


def number_check_report(
    pairs: Iterable[tuple[str, str]], *, seed: int = 0, digits_only: bool = False
) -> dict:
    """False-alarm and catch rates of ``check_numbers`` on reference pairs.

    False alarms: reference pairs with numbers that get a number flag.  Catch rate: the same
    references with one number in the English changed (:func:`mutate_number`) that get one.
    """
    rng = random.Random(seed)
    n_pairs = n_num = n_false = n_mut = n_caught = 0
    false_examples: list[dict[str, object]] = []
    missed_examples: list[dict[str, str]] = []
    for vi, en in pairs:
        n_pairs += 1
        if not (_DIGITS.search(vi) or _DIGITS.search(en) if digits_only else has_number(vi, en)):
            continue
        n_num += 1
        flags = check_numbers(vi, en)
        if flags:
            n_false += 1
            if len(false_examples) < 50:
                false_examples.append({"vi": vi, "en": en, "flags": [f.detail for f in flags]})
        mutated = mutate_number(en, rng)
        if mutated is None or mutated == en:
            continue
        n_mut += 1
        if check_numbers(vi, mutated):
            n_caught += 1
        elif len(missed_examples) < 50:
            missed_examples.append({"vi": vi, "en": mutated, "original": en})
    return {
        "pairs": n_pairs,
        "with_numbers": n_num,
        "false_alarms": n_false,
        "false_alarm_rate": n_false / n_num if n_num else 0.0,
        "mutated": n_mut,
        "caught": n_caught,
        "catch_rate": n_caught / n_mut if n_mut else 1.0,
        "false_alarm_examples": false_examples,
        "missed_examples": missed_examples,
    }


def read_pairs(vi_path: Path, en_path: Path) -> list[tuple[str, str]]:
    """Line-aligned pairs; lines starting with ``#`` in both files are comments."""
    vi = vi_path.read_text(encoding="utf-8-sig").splitlines()
    en = en_path.read_text(encoding="utf-8-sig").splitlines()
    if len(vi) != len(en):
        raise SystemExit(f"{vi_path} has {len(vi)} lines and {en_path} {len(en)}")
    return [(v, e) for v, e in zip(vi, en, strict=True)
            if v.strip() and e.strip() and not (v.startswith("#") and e.startswith("#"))]
