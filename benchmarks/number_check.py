"""Number check on professional translations: false-alarm rate and catch rate, as JSON.

    python benchmarks/number_check.py          # Tatoeba (../shared/data/tatoeba) and the news set
    python benchmarks/number_check.py wiki.vi wiki.en news.vi news.en [--examples 5]

Arguments are pairs of line-aligned files (Vietnamese, then English).  For each pair it
reports, over the lines with a number (digits on either side, or an English number word):
the share the number check flags on the reference itself (false alarms; goal: <= 3%),
and the share caught when one number of the reference is changed (goal: >= 97%).
``naive_digit_match`` is the baseline: a flag whenever the digit strings differ.
Without arguments: Tatoeba when present, and ``benchmarks/data/news_pairs.{vi,en}`` (news-style
pairs written for this project: money, percentages, dates, times, ordinals, ranges, scale
words, weekdays and months, possessives).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from tests.number_damage import number_check_report, read_pairs  # noqa: E402

TATOEBA = REPO.parent / "shared" / "data" / "tatoeba"
NEWS = REPO / "benchmarks" / "data"  # news_pairs.{vi,en}
_DIGITS = re.compile(r"\d+")


def naive_false_alarm_rate(pairs: list[tuple[str, str]]) -> float:
    """Share of lines with digits whose digit runs differ between source and reference."""
    with_digits = [(vi, en) for vi, en in pairs if _DIGITS.search(vi) or _DIGITS.search(en)]
    differ = [1 for vi, en in with_digits
              if sorted(_DIGITS.findall(vi)) != sorted(_DIGITS.findall(en))]
    return len(differ) / len(with_digits) if with_digits else 0.0


def default_files() -> list[Path]:
    files = []
    if (TATOEBA / "tatoeba.vie").is_file() and (TATOEBA / "tatoeba.eng").is_file():
        files += [TATOEBA / "tatoeba.vie", TATOEBA / "tatoeba.eng"]
    return files + [NEWS / "news_pairs.vi", NEWS / "news_pairs.en"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="*", help="VI EN [VI EN ...] line-aligned files")
    parser.add_argument("--seed", type=int, default=0, help="seed for the changed numbers")
    parser.add_argument("--examples", type=int, default=0,
                        help="include up to N false alarms and misses per set")
    args = parser.parse_args(argv)
    files = [Path(f) for f in args.files] or default_files()
    if len(files) % 2:
        parser.error("give files in pairs: Vietnamese then English")
    sets = []
    for vi_path, en_path in zip(files[::2], files[1::2], strict=True):
        pairs = read_pairs(vi_path, en_path)
        report = number_check_report(pairs, seed=args.seed)
        for key in ("false_alarm_examples", "missed_examples"):
            report[key] = report[key][: args.examples]
        report["naive_digit_match_false_alarm_rate"] = round(naive_false_alarm_rate(pairs), 4)
        report["false_alarm_rate"] = round(report["false_alarm_rate"], 4)
        report["catch_rate"] = round(report["catch_rate"], 4)
        sets.append({"source": str(vi_path), "reference": str(en_path), **report})
    print(json.dumps({"seed": args.seed, "sets": sets}, ensure_ascii=False, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
