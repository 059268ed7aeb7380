"""Sentence checks per second, in this process and in 1..N check workers, as JSON.

    python benchmarks/check_workers.py                 # workers 0,1,2 on 4,000 pairs
    python benchmarks/check_workers.py --workers 0,2,4,8 --pairs 20000

The batch job checks every sentence (numbers, untranslated words, repetition: pure Python).
In one process that caps a job at the rate measured here for 0 workers, however fast the
GPU translates; ``vi2en batch`` runs them in worker processes beside a GPU
(``--check-workers``), and this shows how that rate grows with workers on this machine.
Pairs are the news-style pairs in ``benchmarks/data`` and, when present, Tatoeba
(``../shared/data/tatoeba``), repeated to ``--pairs``; each worker count checks the same
pairs after a warm-up that starts the workers.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from translate.check_pool import CheckRunner  # noqa: E402

SETS = [(REPO / "benchmarks" / "data" / "news_pairs.vi", REPO / "benchmarks" / "data"
         / "news_pairs.en"),
        (REPO.parent / "shared" / "data" / "tatoeba" / "tatoeba.vie",
         REPO.parent / "shared" / "data" / "tatoeba" / "tatoeba.eng")]


def load_pairs(count: int) -> list[tuple[str, str]]:
    pairs: list[tuple[str, str]] = []
    for vi, en in SETS:
        if vi.is_file() and en.is_file():
            pairs += zip(vi.read_text(encoding="utf-8").splitlines(),
                         en.read_text(encoding="utf-8").splitlines(), strict=True)
    return [pairs[i % len(pairs)] for i in range(count)]


def measure(workers: int, pairs: list[tuple[str, str]]) -> dict[str, float]:
    sources, translations = [p[0] for p in pairs], [p[1] for p in pairs]
    with CheckRunner(workers) as runner:
        runner.submit(sources[:64], translations[:64]).result()  # workers started, warm
        start = time.perf_counter()
        flags = runner.submit(sources, translations).result()
        elapsed = time.perf_counter() - start
    assert len(flags) == len(pairs)
    return {"workers": workers, "pairs": len(pairs), "seconds": round(elapsed, 3),
            "pairs_per_s": round(len(pairs) / elapsed, 1),
            "ms_per_pair": round(1000 * elapsed / len(pairs), 3)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", default="0,1,2", help="worker counts to measure")
    parser.add_argument("--pairs", type=int, default=4000)
    args = parser.parse_args(argv)
    os.environ.pop("VI2EN_STRICT_CHECKS", None)
    pairs = load_pairs(args.pairs)
    cpu = next((line.split(":", 1)[1].strip() for line in
                Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    rows = [measure(int(w), pairs) for w in args.workers.split(",") if w]
    inline = rows[0]["pairs_per_s"] if rows and rows[0]["workers"] == 0 else None
    for row in rows:
        if inline:
            row["speedup"] = round(row["pairs_per_s"] / inline, 2)
    print(json.dumps({"machine": {"cpu": cpu, "cores": len(os.sched_getaffinity(0)),
                                  "load_average": round(os.getloadavg()[0], 2)},
                      "results": rows}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
