"""What the checks catch on damaged professional translations, and their false alarms, as JSON.

    python benchmarks/coverage.py                      # Tatoeba (../shared) and the news sets
    python benchmarks/coverage.py --part all --examples 3
    python benchmarks/coverage.py wiki.vi wiki.en news.vi news.en
    python benchmarks/coverage.py --calibrate my.vi my.en   # values for coverage.toml

Each English reference is damaged four ways, the way real models fail:

* ``clause_removed``: one clause of at least 4 words removed (a comma-delimited part, or a
  tail that starts at a clause or preposition word);
* ``name_removed``: a capitalised name of the English that stands in the source (diacritics
  stripped) removed;
* ``unrelated``: the English replaced by the English of another line of the same set;
* ``clause_appended``: a clause of at least 5 words from another line appended.

A line counts as caught when ``vi2en qa`` (:func:`translate.evaluate.qa_lines`, every sentence
check) puts any flag on it; ``clean_flagged`` is the share of the untouched pairs flagged by
any check. Lines are split in two by a hash of their text: ``dev`` (used to calibrate the
checks) and ``held_out`` (the final measurement); a set whose file name ends in ``_final``
(``news_final``: written after the calibration, measured once) is held out whole. ``--part``
picks which to report (default: held_out). Goals (issue 17): clause_removed >= 60%,
name_removed >= 90%, unrelated >= 95%, clause_appended >= 60%, clean_flagged <= 5%.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import random
import re
import sys
import time
import unicodedata
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from tests.number_damage import read_pairs  # noqa: E402
from translate.evaluate import qa_lines  # noqa: E402

DATA = REPO / "benchmarks" / "data"
DAMAGES = ("clause_removed", "name_removed", "unrelated", "clause_appended")
_WORD_RE = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")
# Where a clause or a phrase that can go without breaking the sentence starts.
_CLAUSE_START = frozenset(
    "and but which who whom whose that because after before when while with in on at for to "
    "from by as since during until if although though where so or than about over under "
    "into through across against between among".split())
_NAME_RE = re.compile(r"\b[A-Z][\w’'-]*(?:\s+[A-Z][\w’'-]*)*")


def shared_dir() -> Path | None:
    """../shared beside the repository (or beside its worktree folder), if present."""
    for base in (REPO.parent, REPO.parent.parent):
        if (base / "shared" / "data" / "tatoeba").is_dir():
            return base / "shared"
    return None


def part_of(vi: str, en: str) -> str:
    """``dev`` or ``held_out``, fixed by the pair's text (the same split on every run)."""
    digest = hashlib.sha256(f"{vi}\t{en}".encode()).digest()
    return "dev" if digest[0] % 2 == 0 else "held_out"


def _fold(text: str) -> str:
    """Lower case, diacritics stripped, đ -> d."""
    text = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    return "".join(c for c in text if not unicodedata.combining(c)).lower()


def _tidy(text: str) -> str:
    text = re.sub(r"\s+([,.;:!?])", r"\1", text)
    text = re.sub(r",\s*([,.;:!?])", r"\1", text)
    text = re.sub(r"\s{2,}", " ", text).strip()
    return text[:1].upper() + text[1:]


def _clauses(en: str, min_words: int) -> list[tuple[int, int]]:
    """Character spans of removable clauses of at least ``min_words`` words."""
    spans: list[tuple[int, int]] = []
    words = list(_WORD_RE.finditer(en))
    # Comma-delimited parts (not the whole sentence).
    bounds = [0] + [m.end() for m in re.finditer(r"[,;]", en)] + [len(en)]
    if len(bounds) > 2:
        for a, b in zip(bounds, bounds[1:], strict=False):
            inside = [w for w in words if a <= w.start() < b]
            if len(inside) >= min_words and len(words) - len(inside) >= 3:
                spans.append((a, b))
    # Tails from a clause word to the end of the sentence.
    for k, w in enumerate(words):
        rest = len(words) - k
        if k >= 3 and rest >= min_words and w.group().lower() in _CLAUSE_START:
            end = len(en.rstrip(".!?\"”' "))
            spans.append((w.start(), end))
    return spans


def remove_clause(en: str, rng: random.Random) -> str | None:
    spans = _clauses(en, 4)
    if not spans:
        return None
    a, b = rng.choice(spans)
    return _tidy(en[:a] + en[b:])


def remove_name(vi: str, en: str, rng: random.Random) -> str | None:
    """Drop a capitalised English name whose words stand (diacritics stripped) in the source."""
    source_words = {_fold(w) for w in _WORD_RE.findall(vi) if w[:1].isupper()}
    candidates = []
    for m in _NAME_RE.finditer(en):
        words = list(re.finditer(r"[\w’'-]+", m.group()))
        kept = [w for w in words if _fold(w.group().split("'")[0].split("’")[0])
                in source_words]
        if kept:
            a = m.start() + kept[0].start()
            b = m.start() + kept[-1].end()
            b += len(re.match(r"(?:['’]s)?", en[b:]).group())  # its possessive goes too
            candidates.append((a, b))
    if not candidates:
        return None
    a, b = rng.choice(candidates)
    out = _tidy(en[:a] + en[b:])
    return out if _WORD_RE.search(out) else None


def append_clause(en: str, other: str, rng: random.Random) -> str | None:
    spans = _clauses(other, 5)
    if not spans:
        return None
    a, b = rng.choice(spans)
    clause = other[a:b].strip(" ,;.")
    body = en.rstrip()
    end = re.search(r"[.!?\"”']*$", body).group()
    body = body[: len(body) - len(end)] if end else body
    return f"{body}, {clause[:1].lower()}{clause[1:]}{end or '.'}"


def damage(pairs: Sequence[tuple[str, str]], kind: str, seed: int) -> list[tuple[int, str]]:
    """(index, damaged English) for the lines this damage applies to."""
    rng = random.Random(f"{seed}-{kind}")
    out: list[tuple[int, str]] = []
    for i, (vi, en) in enumerate(pairs):
        if kind == "clause_removed":
            new = remove_clause(en, rng)
        elif kind == "name_removed":
            new = remove_name(vi, en, rng)
        else:
            j = i
            while len(pairs) > 1 and (j == i or pairs[j][1] == en):
                j = rng.randrange(len(pairs))
            new = pairs[j][1] if kind == "unrelated" else append_clause(en, pairs[j][1], rng)
        if new and new != en:
            out.append((i, new))
    return out


Checker = Callable[[Sequence[str], Sequence[str]], list[list]]


def measure(pairs: Sequence[tuple[str, str]], *, seed: int = 0, examples: int = 0,
            checker: Checker = qa_lines) -> dict:
    """Catch rates of each damage and the clean false-alarm rate on ``pairs``."""
    sources = [vi for vi, _ in pairs]
    clean = checker(sources, [en for _, en in pairs])
    flagged = [i for i, f in enumerate(clean) if f]
    kinds = Counter(f.kind for i in flagged for f in clean[i])
    report: dict = {"pairs": len(pairs), "clean_flagged": len(flagged),
                    "clean_flagged_rate": round(len(flagged) / max(1, len(pairs)), 4),
                    "clean_flag_kinds": dict(kinds.most_common())}
    if examples:
        report["clean_flagged_examples"] = [
            {"vi": pairs[i][0], "en": pairs[i][1], "flags": [f.detail for f in clean[i]]}
            for i in flagged[:examples]]
    for kind in DAMAGES:
        damaged = damage(pairs, kind, seed)
        flags = checker([sources[i] for i, _ in damaged], [en for _, en in damaged])
        caught = [bool(f) for f in flags]
        row: dict = {"lines": len(damaged), "caught": sum(caught),
                     "caught_rate": round(sum(caught) / max(1, len(damaged)), 4),
                     "by_kind": dict(Counter(kind for f in flags
                                             for kind in {x.kind for x in f}).most_common())}
        if examples:
            row["missed_examples"] = [{"vi": sources[i], "en": en}
                                      for (i, en), c in zip(damaged, caught, strict=True)
                                      if not c][:examples]
        report[kind] = row
    return report


def calibration(pairs: Sequence[tuple[str, str]]) -> dict:
    """The statistics ``translate/checks/data/coverage.toml`` holds, measured on ``pairs``
    (professional translations, or a model's outputs a reader has checked)."""
    import math
    import statistics

    from translate import text as vtext
    from translate.checks.coverage import _word_ratio
    from translate.checks.similarity import similarity, wanted

    sources = [vtext.normalize(vi).replace("\n", " ") for vi, _ in pairs]
    ratios = [_word_ratio(vi, en) for vi, (_, en) in zip(sources, pairs, strict=True)]
    median_ratio = statistics.median(ratios)
    logs = [math.log(r / median_ratio) for r in ratios]
    sims = [s for s in (similarity(vi, en) for vi, (_, en) in zip(sources, pairs, strict=True))
            if s is not None] if wanted(True) else []
    out = {"pairs": len(pairs), "length": {"median_ratio": round(median_ratio, 4),
                                           "log_sd": round(statistics.pstdev(logs), 4)}}
    if sims:
        out["similarity"] = {"median": round(statistics.median(sims), 4),
                             "sd": round(statistics.pstdev(sims), 4)}
    return out


def default_files() -> list[Path]:
    files: list[Path] = []
    shared = shared_dir()
    if shared is not None:
        files += [shared / "data" / "tatoeba" / "tatoeba.vie",
                  shared / "data" / "tatoeba" / "tatoeba.eng"]
    return files + [DATA / "news_pairs.vi", DATA / "news_pairs.en",
                    DATA / "news_more.vi", DATA / "news_more.en",
                    DATA / "news_final.vi", DATA / "news_final.en"]


def machine() -> dict:
    model = platform.processor() or ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return {"cpu": model, "cores": cores, "python": platform.python_version()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="*", help="VI EN [VI EN ...] line-aligned files")
    parser.add_argument("--part", choices=("held_out", "dev", "all"), default="held_out")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--limit", type=int, default=0, help="at most N pairs per set")
    parser.add_argument("--calibrate", action="store_true",
                        help="print the statistics coverage.toml holds, measured on the pairs")
    parser.add_argument("--examples", type=int, default=0,
                        help="include up to N false alarms and misses per set")
    args = parser.parse_args(argv)
    files = [Path(f) for f in args.files] or default_files()
    if len(files) % 2:
        parser.error("give files in pairs: Vietnamese then English")
    from translate.checks.similarity import SIMILARITY_ENV, similarity_status, wanted

    started = time.perf_counter()
    sets = []
    for vi_path, en_path in zip(files[::2], files[1::2], strict=True):
        whole = vi_path.stem.endswith("_final")
        pairs = [p for p in read_pairs(vi_path, en_path)
                 if args.part == "all" or (args.part == "held_out" if whole
                                           else part_of(*p) == args.part)]
        if args.limit:
            pairs = pairs[: args.limit]
        if args.calibrate:
            if not pairs:
                continue
            sets.append({"source": vi_path.name, **calibration(pairs)})
            continue
        sets.append({"source": vi_path.name, "reference": en_path.name,
                     **measure(pairs, seed=args.seed, examples=args.examples)})
    print(json.dumps({"machine": machine(), "part": args.part, "seed": args.seed,
                      "similarity": similarity_status() if wanted(True)
                      else f"off ({SIMILARITY_ENV}=0)",
                      "seconds": round(time.perf_counter() - started, 1), "sets": sets},
                     ensure_ascii=False, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
