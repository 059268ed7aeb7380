"""Translation throughput: the naive transformers loop vs our engines, on real-size models.

Builds random-weight models offline with the real shapes (tests/model_factory.py, size="real"):
``marian`` = opus-mt-vi-en (6+6 layers, d_model 512, 8 heads, FFN 2048, vocabulary 53,685),
``t5`` = envit5-translation (T5-base), ``bart`` = distilbart-cnn-12-6. Inputs are news-like
Vietnamese (words of examples/article.vi.txt) cut to 15-60 model tokens, the lengths of real
news sentences; every output has the same fixed length (min = max new tokens), so random
weights cost what a real model costs.

Engines: ``naive-transformers`` (one sentence per ``generate`` call, as a first-time user
writes it), ``transformers`` (our Translator: length-sorted token-budget batches) and
``ctranslate2`` (our Translator with the CTranslate2 engine; int8 on CPU). Each measurement
runs in its own process (its configuration, sentences included, passed in a file), so its
peak RSS is its own; it first translates ``--warmup`` other sentences, then times the fresh
ones. For our engines the same process then times the engine alone on the same sentences
(tokenized beforehand, length-sorted, warm): the "ceiling" row, and our rate as a fraction of
it. ``--scoring-cost`` adds the "scores" row: the same batches through the engine with and
without the sentence scores the translator keeps, interleaved, the best of three each, and the
extra time the scores cost (wall clock, and CPU time of the process). One more row,
``article``, times the example article through ``Pipeline.translate`` (segmentation,
batching, quality checks) with the Marian shape and CTranslate2. ``--batch`` times the batch
job instead (``vi2en batch``'s ``run_batch``, JSONL to JSONL, checks on).

    python benchmarks/throughput.py --models marian --beams 1,4 --json bench.json
    python benchmarks/throughput.py --batch --models marian --engines ctranslate2
    python benchmarks/throughput.py --models marian --engines transformers,ctranslate2 \
        --scoring-cost --no-ceiling --no-article
    bash benchmarks/gpu.sh        # on a GPU machine, under 5 minutes

Prints a table and JSON ``{"machine": ..., "settings": ..., "results": [...]}``; the machine
includes the CPU model and its int8/AVX-512 flags.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
ARTICLE = REPO / "examples" / "article.vi.txt"
MODELS = ("marian", "t5", "bart")
ENGINES = ("naive-transformers", "transformers", "ctranslate2")
MIN_TOKENS, MAX_TOKENS = 15, 60


# --------------------------------------------------------------------------- parent side


def build_models(models: list[str], work: Path) -> dict[str, Path]:
    """Real-size random-weight models, built once into ``work``."""
    from tests.model_factory import build_model

    paths = {}
    for name in models:
        path = work / f"{name}-real"
        if not (path / "config.json").is_file():
            print(f"building the real-size {name} model in {path} ...", file=sys.stderr)
            build_model(name, path, size="real")
        paths[name] = path
    return paths


def make_inputs(model_dir: Path, count: int, seed: int = 0) -> list[str]:
    """``count`` distinct news-like sentences of 15-60 tokens for this model's tokenizer."""
    from transformers import AutoTokenizer

    from translate import text as vtext

    tokenizer = AutoTokenizer.from_pretrained(model_dir)
    tokenizer.model_max_length = 10**9  # the search below tries over-long candidates
    words = vtext.normalize(ARTICLE.read_text(encoding="utf-8")).split()
    rng = random.Random(seed)

    def tokens(start: int, n: int) -> int:
        chosen = [words[(start + i) % len(words)] for i in range(n)]
        return len(tokenizer(" ".join(chosen))["input_ids"])

    sentences: dict[str, None] = {}
    while len(sentences) < count:
        target = rng.randint(MIN_TOKENS, MAX_TOKENS)
        start = rng.randrange(len(words))
        # The fewest words that reach the target length (token counts grow with words).
        low, high = 1, len(words) * 2
        while low < high:
            middle = (low + high) // 2
            if tokens(start, middle) >= target:
                high = middle
            else:
                low = middle + 1
        sentences[" ".join(words[(start + i) % len(words)] for i in range(low))] = None
    return list(sentences)


def documents(sentences: list[str], per_document: int) -> list[str]:
    """News-like documents of ``per_document`` sentences each, for the batch job."""
    docs = []
    for i in range(0, len(sentences), per_document):
        chunk = sentences[i:i + per_document]
        docs.append(" ".join(s[:1].upper() + s[1:].rstrip(".,;:") + "." for s in chunk))
    return docs


def run_child(config: dict[str, Any], env: dict[str, str], timeout: int) -> dict[str, Any]:
    """Run one measurement in a fresh interpreter; its JSON result, or its error.

    The configuration (sentences included) goes through a file: thousands of sentences do
    not fit in a command line ("Argument list too long").
    """
    with tempfile.NamedTemporaryFile("w", suffix=".json", prefix="vi2en-bench-",
                                     encoding="utf-8", delete=False) as fh:
        json.dump(config, fh, ensure_ascii=False)
    try:
        proc = subprocess.run([sys.executable, __file__, "--child", fh.name],
                              capture_output=True, text=True, env=env, timeout=timeout)
    except subprocess.TimeoutExpired:
        return _failed(config, f"no result within {timeout} s")
    finally:
        os.unlink(fh.name)
    if proc.returncode != 0:
        lines = [line for line in proc.stderr.strip().splitlines() if line.strip()]
        return _failed(config, lines[-1] if lines else f"exit code {proc.returncode}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _keep_best(best: dict[Any, dict[str, Any]], key: Any, config: dict[str, Any],
               env: dict[str, str], timeout: int) -> None:
    """Run one measurement; keep it under ``key`` if it is the fastest so far."""
    label = config["mode"] if config["mode"] in ("article", "batch") else config["engine"]
    print(f"{config['model']} beam {config['beam']}: {label} {config.get('compute_type') or ''}"
          " ...", file=sys.stderr)
    row = run_child(config, env, timeout)
    if "error" not in row:
        print(f"  {row['sentences_per_s']:.2f} sentences/s, {row['peak_rss_mb']:.0f} MB, "
              f"load {row['load_average']}", file=sys.stderr)
    kept = best.get(key)
    runs = (kept or {}).get("runs", 0) + 1
    if kept is None or "error" in kept or \
            ("error" not in row and row["sentences_per_s"] > kept["sentences_per_s"]):
        best[key] = row
    best[key]["runs"] = runs


def _failed(config: dict[str, Any], error: str) -> dict[str, Any]:
    """A row that says what failed, so one broken engine does not lose the others' rows."""
    print(f"  FAILED: {error}", file=sys.stderr)
    return {"engine": config["engine"], "model": config["model"], "beam": config.get("beam"),
            "device": config["device"], "compute_type": config.get("compute_type"),
            "error": error}


def machine() -> dict[str, Any]:
    info: dict[str, Any] = {"platform": platform.platform(), "python": platform.python_version(),
                            "cores": len(os.sched_getaffinity(0))}
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name") and "cpu" not in info:
                info["cpu"] = line.split(":", 1)[1].strip()
            if line.startswith("flags"):
                # What decides int8 speed on a CPU (VNNI) and float32 (AVX-512).
                wanted = ("avx2", "avx512f", "avx512_vnni", "avx512_bf16", "amx_int8")
                flags = set(line.split(":", 1)[1].split())
                info["cpu_flags"] = [f for f in wanted if f in flags]
        mem = Path("/proc/meminfo").read_text().splitlines()[0].split()[1]
        info["memory_gb"] = round(int(mem) / 1024 / 1024, 1)
    except OSError:
        pass
    versions = {}
    for package in ("torch", "transformers", "ctranslate2"):
        try:
            module = __import__(package)
            versions[package] = module.__version__
        except ImportError:
            versions[package] = None
    info["versions"] = versions
    try:
        import torch

        if torch.cuda.is_available():
            info["gpu"] = torch.cuda.get_device_name(0)
    except ImportError:
        pass
    return info


def print_table(rows: list[dict[str, Any]]) -> None:
    header = ("model", "beam", "engine", "compute", "sent/s", "tok/s", "x naive", "of ceiling",
              "peak MB", "seconds")
    lines = [header]
    for r in rows:
        if "error" in r:
            lines.append((r["model"], str(r["beam"]), r["engine"], r.get("compute_type") or "",
                          "failed", "", "", "", "", ""))
            continue
        kind = r.get("kind")
        if kind == "batch":
            kind = f"batch, {r['documents_per_s']:.1f} docs/s"
        model = r["model"] + (f" ({kind})" if kind else "")
        tokens = "" if r.get("tokens_per_s") is None else f"{r['tokens_per_s']:.0f}"
        lines.append((model, str(r["beam"]), r["engine"], r.get("compute_type") or "",
                      f"{r['sentences_per_s']:.2f}", tokens,
                      f"{r['speedup_vs_naive']:.1f}" if r.get("speedup_vs_naive") else "",
                      f"{r['fraction_of_ceiling']:.0%}" if r.get("fraction_of_ceiling") else "",
                      f"{r['peak_rss_mb']:.0f}", f"{r['seconds']:.2f}"))
        if r.get("scoring_cost") is not None:
            lines.append((r["model"], str(r["beam"]), f"scores ({r['engine']})",
                          r.get("compute_type") or "",
                          f"{r['scoring_cost']:+.1%} (cpu {r['scoring_cpu_cost']:+.1%})", "", "",
                          "", "", f"{r['scored_s']:.2f}"))
        if r.get("ceiling_sentences_per_s"):
            rate = r["ceiling_sentences_per_s"]
            lines.append((r["model"], str(r["beam"]), f"ceiling ({r['engine']})",
                          r.get("compute_type") or "", f"{rate:.2f}",
                          f"{rate * r['new_tokens']:.0f}", "", "100%", "",
                          f"{r['sentences'] / rate:.2f}"))
    widths = [max(len(line[i]) for line in lines) for i in range(len(header))]
    for line in lines:
        print("  ".join(c.rjust(w) if i >= 4 else c.ljust(w)
                        for i, (c, w) in enumerate(zip(line, widths, strict=True))))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--models", default=",".join(MODELS), help="marian,t5,bart")
    parser.add_argument("--beams", default="1,4", help="beam sizes, e.g. 1,4")
    parser.add_argument("--engines", default=",".join(ENGINES))
    parser.add_argument("--device", default="cpu", choices=["cpu", "cuda"])
    parser.add_argument("--compute-types", default="auto",
                        help="CTranslate2 compute types to measure, e.g. int8_float16,float16 "
                             "(default auto: int8 on CPU, int8_float16 on a GPU)")
    parser.add_argument("--sentences", type=int, default=120, help="sentences per measurement")
    parser.add_argument("--naive-sentences", type=int, default=None,
                        help="sentences for naive-transformers, the first N of the same set "
                             "(default: all; it is by far the slowest)")
    parser.add_argument("--warmup", type=int, default=16,
                        help="other sentences translated first, untimed, in each process")
    parser.add_argument("--no-ceiling", action="store_true",
                        help="skip the engine's own rate on the same sentences")
    parser.add_argument("--scoring-cost", action="store_true",
                        help="also time our engines on the same batches with and without the "
                             "sentence scores (interleaved rounds, best of each): their cost")
    parser.add_argument("--batch", action="store_true",
                        help="time the batch job (vi2en batch) instead: documents/s, "
                             "sentences/s, checks on")
    parser.add_argument("--batch-docs", type=int, default=100, help="documents for --batch")
    parser.add_argument("--doc-sentences", type=int, default=6,
                        help="sentences per document for --batch")
    parser.add_argument("--check-workers", type=int, default=None,
                        help="check processes for --batch (default: the job's auto)")
    parser.add_argument("--new-tokens", type=int, default=40,
                        help="fixed output length (min = max new tokens)")
    parser.add_argument("--repeat", type=int, default=1,
                        help="rounds of every measurement; the best of each is kept")
    parser.add_argument("--no-article", action="store_true", help="skip the article row")
    parser.add_argument("--work", default=str(Path(os.environ.get("TMPDIR", "/tmp"))
                                              / "vi2en-bench"),
                        help="where models and conversions are kept between runs")
    parser.add_argument("--timeout", type=int, default=3600, help="seconds per measurement")
    parser.add_argument("--json", dest="json_out", help="write the results here")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(child(json.loads(Path(args.child).read_text(encoding="utf-8")))))
        return 0

    models = [m for m in args.models.split(",") if m]
    unknown = set(models) - set(MODELS)
    if unknown:
        parser.error(f"unknown model(s) {sorted(unknown)}; choose from {MODELS}")
    engines = [e for e in args.engines.split(",") if e]
    beams = [int(b) for b in args.beams.split(",") if b]
    compute_types = [c for c in args.compute_types.split(",") if c]
    work = Path(args.work)
    work.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ, VI2EN_MODELS_DIR=str(work / "store"), HF_HUB_OFFLINE="1",
               TRANSFORMERS_OFFLINE="1", TOKENIZERS_PARALLELISM="false",
               TRANSFORMERS_VERBOSITY="error")
    os.environ.update({k: env[k] for k in ("VI2EN_MODELS_DIR", "HF_HUB_OFFLINE")})
    paths = build_models(models, work)
    # Other work on the machine slows every row; the JSON records how busy it was.
    load_start = [round(x, 2) for x in os.getloadavg()]
    results: list[dict[str, Any]] = []
    for name in models:
        if args.batch:
            needed = args.batch_docs * args.doc_sentences
        else:
            needed = args.sentences
        generated = make_inputs(paths[name], needed + args.warmup)
        # The timed sentences are fresh: none of them was seen in the warm-up.
        warmup, sentences = generated[:args.warmup], generated[args.warmup:]
        if "ctranslate2" in engines:
            for compute in compute_types:
                # Conversion happens here, once, not inside a measured process.
                run_child({"mode": "convert", "model_dir": str(paths[name]),
                           "device": args.device, "compute_type": compute,
                           "engine": "convert", "model": name}, env, args.timeout)
        for beam in beams:
            best: dict[tuple[str, str | None], dict[str, Any]] = {}
            # Rounds interleave the engines, and each keeps its best round: on a shared
            # machine, other work slows whichever run it happens to overlap.
            for _ in range(args.repeat):
                for engine in engines:
                    if args.batch and engine == "naive-transformers":
                        continue
                    for compute in (compute_types if engine == "ctranslate2" else [None]):
                        config = {"mode": "throughput", "engine": engine, "model": name,
                                  "model_dir": str(paths[name]), "beam": beam,
                                  "device": args.device, "compute_type": compute,
                                  "new_tokens": args.new_tokens, "warmup": warmup,
                                  "ceiling": not args.no_ceiling,
                                  "scoring_cost": args.scoring_cost}
                        if args.batch:
                            config.update(mode="batch", check_workers=args.check_workers,
                                          documents=documents(sentences, args.doc_sentences))
                        elif engine == "naive-transformers" and args.naive_sentences:
                            config["sentences"] = sentences[:args.naive_sentences]
                        else:
                            config["sentences"] = sentences
                        _keep_best(best, (engine, compute), config, env, args.timeout)
            naive = best.get(("naive-transformers", None), {}).get("sentences_per_s")
            for row in best.values():
                if naive and "error" not in row:
                    row["speedup_vs_naive"] = round(row["sentences_per_s"] / naive, 2)
                results.append(row)
    if not (args.no_article or args.batch) and "marian" in models \
            and "ctranslate2" in engines:
        for beam in beams:
            best = {}
            for _ in range(args.repeat):
                for compute in compute_types:
                    config = {"mode": "article", "engine": "ctranslate2", "model": "marian",
                              "model_dir": str(paths["marian"]), "beam": beam,
                              "new_tokens": args.new_tokens,
                              "device": args.device, "compute_type": compute}
                    _keep_best(best, ("article", compute), config, env, args.timeout)
            results.extend(best.values())
    report = {"machine": {**machine(), "load_average_start": load_start,
                          "load_average_end": [round(x, 2) for x in os.getloadavg()]},
              "settings": {"sentences": args.sentences, "new_tokens": args.new_tokens,
                           "naive_sentences": args.naive_sentences or args.sentences,
                           "repeat": args.repeat, "warmup": args.warmup,
                           "batch_docs": args.batch_docs if args.batch else None,
                           "input_tokens": [MIN_TOKENS, MAX_TOKENS], "device": args.device},
              "results": results}
    print_table(results)
    if args.json_out:
        Path(args.json_out).write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
        print(f"wrote {args.json_out}", file=sys.stderr)
    return 0


# --------------------------------------------------------------------------- child side


def _peak_rss_mb() -> float:
    """This process's peak resident memory.

    /proc's VmHWM belongs to this program alone; getrusage's ru_maxrss survives exec on
    Linux, so a child would report its parent's peak when that was higher.
    """
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def _naive(model_dir: str, device: str, beam: int, new_tokens: int):
    """The loop a first-time user writes: one sentence per generate call."""
    from transformers import AutoModelForSeq2SeqLM, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(model_dir)
    model = AutoModelForSeq2SeqLM.from_pretrained(model_dir).to(device)

    def translate(sentences: list[str]) -> list[str]:
        outputs = []
        for sentence in sentences:
            inputs = tokenizer(sentence, return_tensors="pt").to(device)
            generated = model.generate(**inputs, num_beams=beam, max_new_tokens=new_tokens,
                                       min_new_tokens=new_tokens)
            outputs.append(tokenizer.decode(generated[0], skip_special_tokens=True))
        return outputs

    return translate


def _ours(config: dict[str, Any]):
    from translate.engines import GenerationOptions
    from translate.translator import Translator

    translator = Translator(config["model_dir"], engine=config["engine"],
                            device=config["device"], beams=config["beam"],
                            compute_type=config.get("compute_type") or None)
    options = GenerationOptions(num_beams=config["beam"], max_new_tokens=config["new_tokens"],
                                min_new_tokens=config["new_tokens"])
    translator.engine  # noqa: B018  load before timing
    return (lambda sentences: translator.translate(sentences, options=options)), translator


def _ceiling(translator: Any, sentences: list[str], beam: int, new_tokens: int,
             device: str) -> float:
    """Seconds the engine itself takes for ``sentences``: tokenized beforehand, sorted by
    length, in the translator's batch sizes, warm (the better of two runs); nothing of ours."""
    engine = translator.engine
    encoded = sorted(engine.encode(sentences), key=len, reverse=True)
    if engine.name == "ctranslate2":
        tokens = engine._id_to_token
        source = [[tokens[i] for i in ids] for ids in encoded]
        prefix = [list(engine._prefix) for _ in source] if engine._prefix else None
        hypotheses = engine.max_hypotheses or translator.max_batch_size * beam
        length = new_tokens - 1 if engine._forced_eos else new_tokens
        share = -(-len(source) // engine.inter_threads)  # every worker gets a share
        batch = max(1, min(hypotheses // beam, share))

        def run() -> None:
            engine.translator.translate_batch(
                source, target_prefix=prefix, beam_size=beam,
                max_batch_size=batch, max_decoding_length=length,
                min_decoding_length=length, max_input_length=0)
    else:
        import torch

        lengths = {i: len(ids) for i, ids in enumerate(encoded)}
        padded = [engine._pad([encoded[i] for i in batch])
                  for batch in translator.batches(list(lengths), lengths)]
        kwargs: dict[str, Any] = {"num_beams": beam, "max_new_tokens": new_tokens,
                                  "min_new_tokens": new_tokens, "do_sample": False}
        if engine._target_id is not None:
            key = ("decoder_start_token_id" if engine.spec.conventions.target_mode
                   == "decoder_start" else "forced_bos_token_id")
            kwargs[key] = engine._target_id

        def run() -> None:
            with torch.inference_mode():
                for batch in padded:
                    engine.model.generate(**batch, **kwargs)
    run()
    _sync(device)
    best = float("inf")
    for _ in range(2):  # the better of two warm runs: a ceiling, not a sample
        start = time.perf_counter()
        run()
        _sync(device)
        best = min(best, time.perf_counter() - start)
    return best


def _scoring_cost(translator: Any, sentences: list[str], beam: int, new_tokens: int,
                  device: str, rounds: int = 3) -> dict[str, Any]:
    """Seconds for the translator's own batches of ``sentences`` through the engine without
    scores (``generate``, as before scores were kept) and with them (``generate_scored``, what
    the translator calls), in interleaved rounds, the best of each: the cost of the scores as
    a ratio measured in one process, under the same load."""
    from translate.engines import GenerationOptions

    engine = translator.engine
    options = GenerationOptions(num_beams=beam, max_new_tokens=new_tokens,
                                min_new_tokens=new_tokens)
    pieces_of, token_ids = translator._prepare(list(dict.fromkeys(sentences)))
    pieces = list(token_ids)
    batches = translator.batches(pieces, {p: len(token_ids[p]) for p in pieces})
    best = {"plain": float("inf"), "scored": float("inf")}
    cpu = {"plain": float("inf"), "scored": float("inf")}
    for _ in range(rounds):
        for kind, run in (("plain", engine.generate), ("scored", engine.generate_scored)):
            start, start_cpu = time.perf_counter(), time.process_time()
            for batch in batches:
                run(batch, options, token_ids=[token_ids[p] for p in batch])
            _sync(device)
            best[kind] = min(best[kind], time.perf_counter() - start)
            # CPU time of every thread of this process: less swayed by other work on a
            # shared machine than the wall clock.
            cpu[kind] = min(cpu[kind], time.process_time() - start_cpu)
    return {"unscored_s": round(best["plain"], 3), "scored_s": round(best["scored"], 3),
            "scoring_cost": round(best["scored"] / best["plain"] - 1, 4),
            "unscored_cpu_s": round(cpu["plain"], 3), "scored_cpu_s": round(cpu["scored"], 3),
            "scoring_cpu_cost": round(cpu["scored"] / cpu["plain"] - 1, 4)}


def child(config: dict[str, Any]) -> dict[str, Any]:
    """One measurement, in this process."""
    import logging

    logging.disable(logging.WARNING)
    # The compute type reaches the engines as an argument (ModelConfig's way), not the
    # environment: engines read none.
    compute = config.get("compute_type") if config.get("compute_type") != "auto" else None
    row: dict[str, Any] = {"engine": config["engine"], "model": config["model"],
                           "beam": config.get("beam"), "device": config["device"],
                           "load_average": round(os.getloadavg()[0], 2)}
    started = time.perf_counter()
    if config["mode"] == "convert":
        from translate.catalog import resolve_spec
        from translate.engines import create_engine

        engine = create_engine("ctranslate2", resolve_spec(config["model_dir"], "translation"),
                               config["device"], compute_type=compute)
        return {**row, "path": str(engine.path), "seconds": time.perf_counter() - started}
    if config["mode"] == "article":
        return _article(config, row, started)
    if config["mode"] == "batch":
        return _batch(config, row, started)
    sentences = config["sentences"]
    translator = None
    if config["engine"] == "naive-transformers":
        translate = _naive(config["model_dir"], config["device"], config["beam"],
                           config["new_tokens"])
    else:
        translate, translator = _ours(config)
        row["compute_type"] = translator.engine.precision
    load_s = time.perf_counter() - started
    # Warm-up on other sentences: first-call allocations (on a GPU, each new input shape's
    # first run) are not throughput, and the timed sentences stay fresh.
    warmup = config.get("warmup") or sentences[:2]
    translate(warmup[:2] if translator is None else warmup)  # the naive loop: no shapes to warm
    _sync(config["device"])
    start = time.perf_counter()
    outputs = translate(sentences)
    _sync(config["device"])
    elapsed = time.perf_counter() - start
    assert len(outputs) == len(sentences)
    row.update({"sentences": len(sentences), "new_tokens": config["new_tokens"],
                "seconds": round(elapsed, 3), "load_s": round(load_s, 2),
                "sentences_per_s": round(len(sentences) / elapsed, 3),
                "tokens_per_s": round(len(sentences) * config["new_tokens"] / elapsed, 1),
                "peak_rss_mb": round(_peak_rss_mb(), 1)})
    if translator is not None and config.get("scoring_cost"):
        row.update(_scoring_cost(translator, sentences, config["beam"], config["new_tokens"],
                                 config["device"]))
    if translator is not None and config.get("ceiling"):
        seconds = _ceiling(translator, sentences, config["beam"], config["new_tokens"],
                           config["device"])
        row["ceiling_sentences_per_s"] = round(len(sentences) / seconds, 3)
        row["fraction_of_ceiling"] = round(row["sentences_per_s"]
                                           / row["ceiling_sentences_per_s"], 3)
    return row


def _batch(config: dict[str, Any], row: dict[str, Any], started: float) -> dict[str, Any]:
    """``vi2en batch``'s job (translate.batch.run_batch) from a JSONL file to a JSONL file.

    Checks run on every sentence; their retries are off, since a random model's outputs
    all loop and would all be retried with 5 beams, which a trained model's do not.
    Outputs have the benchmark's fixed length, as in the other rows.
    """
    import translate.pipeline as pipeline_module
    from translate.batch import BatchOptions, run_batch
    from translate.pipeline import Pipeline
    from translate.translator import Translator

    pipeline_module.needs_retry = lambda flags: False
    translator = Translator(config["model_dir"], engine=config["engine"],
                            device=config["device"], beams=config["beam"],
                            compute_type=config.get("compute_type") or None)
    new_tokens = config["new_tokens"]
    translator.options = translator.options.with_options(num_beams=config["beam"],
                                                  max_new_tokens=new_tokens,
                                                  min_new_tokens=new_tokens)
    pipeline = Pipeline(translator=translator, check_quality=True,
                        check_workers=("auto" if config.get("check_workers") is None
                                       else config["check_workers"]))
    pipeline.translator.translate(config["warmup"])  # load and warm up outside the timing
    runner = pipeline.check_runner()
    runner.submit(["Có 3 người."], ["There are 3 people."]).result()  # start the workers
    load_s = time.perf_counter() - started
    with tempfile.TemporaryDirectory(prefix="vi2en-bench-batch-") as tmp:
        source = Path(tmp) / "in.jsonl"
        with open(source, "w", encoding="utf-8") as fh:
            for i, doc in enumerate(config["documents"]):
                fh.write(json.dumps({"id": f"doc-{i}", "text": doc}, ensure_ascii=False) + "\n")
        start = time.perf_counter()
        stats = run_batch([str(source)], Path(tmp) / "out.jsonl", pipeline,
                          options=BatchOptions())
        elapsed = time.perf_counter() - start
    pipeline.close()
    if stats.failed:
        raise RuntimeError(f"{stats.failed} document(s) failed: {stats.errors[:1]}")
    row.update({"kind": "batch", "compute_type": translator.engine.precision,
                "check_workers": runner.workers,
                "documents": stats.done, "sentences": stats.sentences,
                "new_tokens": new_tokens, "seconds": round(elapsed, 3), "load_s": round(load_s, 2),
                "documents_per_s": round(stats.done / elapsed, 3),
                "sentences_per_s": round(stats.sentences / elapsed, 3),
                "tokens_per_s": round(stats.sentences * new_tokens / elapsed, 1),
                "checks": "on (retries off)", "peak_rss_mb": round(_peak_rss_mb(), 1)})
    return row


def _article(config: dict[str, Any], row: dict[str, Any], started: float) -> dict[str, Any]:
    """The example article through Pipeline.translate, model loaded beforehand.

    Random weights never emit EOS: left alone, every sentence would run to the output bound
    and come back flagged as a loop, then be retried with beam 5, which a trained model does
    not do. So outputs get the benchmark's fixed length, the pipeline runs without its
    retry-triggering checks, and the checks are then timed on the outputs and added.
    """
    from translate.checks import check_sentence, document_flags
    from translate.checks.similarity import available as similarity_available
    from translate.pipeline import Pipeline

    text = ARTICLE.read_text(encoding="utf-8")
    pipeline = Pipeline(config["model_dir"], device=config["device"], engine="ctranslate2",
                        beams=config["beam"], check_quality=False,
                        compute_type=config.get("compute_type") or None)
    new_tokens = config["new_tokens"]
    translator = pipeline.translator
    translator.options = translator.options.with_options(max_new_tokens=new_tokens,
                                                  min_new_tokens=new_tokens)
    engine = translator.engine
    load_s = time.perf_counter() - started
    start = time.perf_counter()
    result = pipeline.translate(text)
    translated = time.perf_counter()
    sources = [s.source for s in result.sentences]
    outputs = [s.translation for s in result.sentences]
    # The checks as the pipeline runs them in its own process on a CPU: no similarity model.
    for source, output in zip(sources, outputs, strict=True):
        check_sentence(source, output, use_similarity=False)
    document_flags(sources, outputs)
    elapsed = time.perf_counter() - start
    peak_without = _peak_rss_mb()
    # The same with the similarity model (vi2en qa, check workers, VI2EN_SIMILARITY=1),
    # loaded beforehand as a long-lived process has it.
    loaded_at = time.perf_counter()
    similarity_on = similarity_available()
    load_similarity_s = time.perf_counter() - loaded_at
    with_similarity = time.perf_counter()
    for source, output in zip(sources, outputs, strict=True):
        check_sentence(source, output, use_similarity=True)
    document_flags(sources, outputs)
    similarity_s = time.perf_counter() - with_similarity
    count = len(result.sentences)
    row.update({"engine": "ctranslate2", "model": "marian", "kind": "article",
                "compute_type": engine.compute_type, "sentences": count,
                "new_tokens": new_tokens, "seconds": round(elapsed, 3),
                "translate_s": round(translated - start, 3),
                "checks_s": round(elapsed - (translated - start), 3),
                "checks_share": round((elapsed - (translated - start))
                                      / (translated - start), 4),
                "checks_with_similarity_s": round(similarity_s, 3) if similarity_on else None,
                "checks_with_similarity_share": round(similarity_s / (translated - start), 4)
                if similarity_on else None,
                "similarity_load_s": round(load_similarity_s, 3),
                "peak_rss_with_similarity_mb": round(_peak_rss_mb(), 1),
                "peak_rss_without_similarity_mb": round(peak_without, 1),
                "load_s": round(load_s, 2), "sentences_per_s": round(count / elapsed, 3),
                "tokens_per_s": round(count * new_tokens / elapsed, 1),
                "peak_rss_mb": round(_peak_rss_mb(), 1)})
    return row


def _sync(device: str) -> None:
    if device == "cuda":
        try:
            import torch

            torch.cuda.synchronize()
        except ImportError:
            pass


if __name__ == "__main__":
    sys.exit(main())
