"""Start-up cost of light commands: wall time of `vi2en segment` on the example article
(best and median of N runs, each a fresh process) and the third-party packages it imports.
Prints JSON.

    python benchmarks/cli_startup.py            # 5 runs
    python benchmarks/cli_startup.py --runs 20
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
ARTICLE = REPO / "examples" / "article.vi.txt"


def wall_times(command: list[str], runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL, cwd=REPO)
        times.append(time.perf_counter() - started)
    return times


def imported_packages(command: list[str]) -> tuple[list[str], float]:
    """Top-level packages outside the standard library, and translate.cli's import time (s)."""
    done = subprocess.run([sys.executable, "-X", "importtime", *command[1:]], check=True,
                          capture_output=True, text=True, cwd=REPO)
    names, cli_s = set(), 0.0
    for line in done.stderr.splitlines():
        if not line.startswith("import time:"):
            continue
        _, cumulative, name = (part.strip() for part in line.split("|"))
        if not cumulative.isdigit():  # the header line
            continue
        names.add(name.split(".")[0])
        if name == "translate.cli":
            cli_s = int(cumulative) / 1e6
    # Not the program's: the interpreter's start-up hook, and Jython's `org.python.core`,
    # which the standard `copy` module probes for (some environments have an `org` folder).
    ignored = {"translate", "sitecustomize", "org"}
    foreign = sorted(n for n in names if n not in sys.stdlib_module_names
                     and n not in ignored and not n.startswith("_"))
    return foreign, cli_s


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    command = [sys.executable, "-m", "translate", "segment", str(ARTICLE)]
    times = wall_times(command, args.runs)
    foreign, cli_s = imported_packages(command)
    print(json.dumps({
        "command": "python -m translate segment examples/article.vi.txt",
        "runs": args.runs,
        "best_s": round(min(times), 3),
        "median_s": round(statistics.median(times), 3),
        "import_translate_cli_s": round(cli_s, 3),
        "third_party_imported": foreign,
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
    }, indent=2))


if __name__ == "__main__":
    main()
