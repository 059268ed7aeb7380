"""Batch translation throughput: cross-document batching vs one document at a time, and the
sentence cache on a second pass. Prints JSON.

    python benchmarks/batch.py            # 40 news-like documents of 5-20 sentences
    python benchmarks/batch.py --quick    # a small run (seconds)
    python benchmarks/batch.py --device cuda --docs 400

The model is a real-size random-weight Marian (the shape of Helsinki-NLP/opus-mt-vi-en, 75M
parameters) built offline by tests/model_factory.py. Random weights never stop on their own,
so every output is held to a fixed length (min_new_tokens = max_new_tokens): the work per
sentence is the same in every mode and the comparison is fair. Quality checks are off (their
retries would depend on what the random model writes). Each mode runs the real batch job
(`translate.batch.run_batch`) from a JSONL file to a JSONL file; only `--window` differs.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from tests.batch_helpers import news_corpus  # noqa: E402
from tests.helpers import record_generate_calls  # noqa: E402
from tests.model_factory import build_model  # noqa: E402
from translate import text as vtext  # noqa: E402
from translate.batch import BatchOptions, run_batch  # noqa: E402
from translate.cache import SQLiteSentenceCache  # noqa: E402
from translate.pipeline import Pipeline  # noqa: E402
from translate.translator import Translator  # noqa: E402


def make_pipeline(model_dir: Path, device: str, new_tokens: int) -> Pipeline:
    translator = Translator(str(model_dir), device=device, engine="transformers")
    translator.options = translator.options.with_options(num_beams=1, min_new_tokens=new_tokens,
                                                  max_new_tokens=new_tokens)
    return Pipeline(translator=translator, check_quality=False)


def timed_run(pipeline: Pipeline, source: Path, out: Path, window: int,
              cache: SQLiteSentenceCache | None = None) -> dict:
    recorded = record_generate_calls(pipeline.translator.engine)
    stats = run_batch([str(source)], out, pipeline, overwrite=True, cache=cache,
                      options=BatchOptions(window_docs=window, window_chars=10**9))
    assert stats.failed == 0, stats.errors
    calls = [len(batch) for batch in recorded]
    return {"window_docs": window, "elapsed_s": round(stats.elapsed_s, 2),
            "docs_per_s": round(stats.done / stats.elapsed_s, 3),
            "sentences_per_s": round(stats.sentences / stats.elapsed_s, 2),
            "generate_calls": len(calls),
            "mean_batch": round(sum(calls) / len(calls), 1) if calls else 0,
            "cache_hits": stats.cache_hits, "cache_lookups": stats.cache_lookups}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small corpus, short outputs")
    parser.add_argument("--docs", type=int, default=None)
    parser.add_argument("--new-tokens", type=int, default=None,
                        help="fixed output length per sentence")
    parser.add_argument("--window", type=int, default=32, help="documents per window")
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=None,
                        help="torch CPU threads (default: torch's; use 1 on a shared, "
                             "oversubscribed machine where spinning threads stall each op)")
    args = parser.parse_args()
    load_start = os.getloadavg()  # other work on the machine skews every figure below
    docs_n = args.docs or (8 if args.quick else 40)
    new_tokens = args.new_tokens or (8 if args.quick else 16)
    sentences_range = (3, 6) if args.quick else (5, 20)

    import torch

    if args.threads:
        torch.set_num_threads(args.threads)

    with tempfile.TemporaryDirectory(prefix="vi2en-bench-") as tmp_name:
        tmp = Path(tmp_name)
        started = time.perf_counter()
        model_dir = build_model("marian", tmp / "marian", size="real")
        build_s = time.perf_counter() - started
        docs = news_corpus(docs_n, seed=args.seed, sentences=sentences_range)
        source = tmp / "in.jsonl"
        with open(source, "w", encoding="utf-8") as fh:
            for i, doc in enumerate(docs):
                fh.write(json.dumps({"id": f"doc-{i}", "text": doc}, ensure_ascii=False) + "\n")
        sentences = [s for doc in docs for para in vtext.segment(doc) for s in para]

        pipeline = make_pipeline(model_dir, args.device, new_tokens)
        pipeline.translator.translate(["Khởi động."])  # load and warm up outside the timings

        one = timed_run(pipeline, source, tmp / "one.jsonl", window=1)
        # The cross-document run is also the cache's first pass (an empty cache: every
        # lookup misses, and writing the translations is included in its time); the second
        # pass over the same corpus then finds every sentence in the cache.
        cache = SQLiteSentenceCache(tmp / "cache.sqlite")
        pipeline.translator.cache = cache
        cross = timed_run(pipeline, source, tmp / "cross.jsonl", args.window, cache)
        second = timed_run(pipeline, source, tmp / "cache2.jsonl", args.window, cache)
        cache.close()

    report = {
        "benchmark": "batch",
        "model": "marian real-size random weights (opus-mt-vi-en shape)",
        "device": args.device,
        "torch_threads": torch.get_num_threads(),
        "cpu_count": os.cpu_count(),
        "load_average_start_end": [round(load_start[0], 2), round(os.getloadavg()[0], 2)],
        "python": platform.python_version(),
        "torch": torch.__version__,
        "model_build_s": round(build_s, 1),
        "documents": len(docs),
        "sentences": len(sentences),
        "unique_sentences": len(set(sentences)),
        "new_tokens_per_sentence": new_tokens,
        "one_document_at_a_time": one,
        "cross_document": cross,
        "cross_document_speedup": round(one["elapsed_s"] / cross["elapsed_s"], 2),
        "cache": {"second_pass": second,
                  "second_pass_hit_rate": round(second["cache_hits"]
                                                / max(1, second["cache_lookups"]), 3),
                  "second_pass_speedup": round(cross["elapsed_s"]
                                               / max(second["elapsed_s"], 1e-6), 1)},
    }
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
