"""Server load: cross-request batching vs the same requests served one at a time.

16 concurrent clients (threads), each sending 20 requests of 1-3 Vietnamese news-like sentences
(distinct, 15-60 model tokens; see throughput.py), over loopback to what ``vi2en serve`` builds
(one ModelHost for the web page and the REST API, behind the server's gate) in a child
process: a mixed load, 4 of the clients through the page's own Translate endpoint (Gradio's
queue, with gradio_client), the others ``POST /translate``; their sentences share batches.
The model is the real-size Marian shape (opus-mt-vi-en) with random weights, CTranslate2
int8 on the CPU; every output has the same fixed length (min = max new tokens) so random
weights cost what a real model costs, and the quality checks are off (random outputs would
all be flagged and retried).

Two runs: ``--batch-window`` (default 5 ms: sentences of requests that arrive together share
batches) and window 0 (each request translated alone, one at a time). Each reports requests/s,
sentences/s, p50/p95/max latency and checks that every request got exactly one answer of the
right shape. Then, on the idle batching server: one one-sentence request vs the same sentence
through ``Translator.translate`` in this process (medians, alternated), the overhead of HTTP,
segmentation and the collection window.

    python benchmarks/server_load.py [--beams 1] [--clients 16] [--requests 20] [--json out.json]

Bounded: loopback only, every request has a timeout, each run stops after --max-seconds.
Prints JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "benchmarks"))

from tests.helpers import stop_process  # noqa: E402  after the path is set

HOST = "127.0.0.1"  # loopback only


# --------------------------------------------------------------------------- the server (child)
def _pipeline(model_dir: str, beams: int, new_tokens: int):
    from translate.pipeline import Pipeline

    pipeline = Pipeline(model_dir, device="cpu", engine="ctranslate2", beams=beams,
                        check_quality=False)
    _fixed_length(pipeline, beams, new_tokens)
    return pipeline


def _fixed_length(pipeline: Any, beams: int, new_tokens: int) -> None:
    translator = pipeline.translator
    translator.options = translator.options.with_options(num_beams=beams, min_new_tokens=new_tokens,
                                                  max_new_tokens=new_tokens)
    translator.engine  # noqa: B018  load before serving


def serve_child(model_dir: str, port: int, window_ms: float, beams: int,
                new_tokens: int) -> None:
    """What ``vi2en serve`` builds, the page included: one ModelHost for the page and the
    API (quality checks off, a fixed output length), behind the server's gate."""
    import logging

    import uvicorn

    from translate.api import create_server
    from translate.api_settings import ApiSettings
    from translate.config import ModelConfig
    from translate.serving.host import BatchingOptions, ModelHost
    from translate.serving.settings import ServerSettings
    from translate.web import Handlers, WebConfig, build_app, page_options
    from translate.web.door import DoorRules

    logging.basicConfig(level=logging.WARNING)
    settings = ApiSettings(batch_window_s=window_ms / 1000)
    config = WebConfig(ModelConfig(model=model_dir, device="cpu", engine="ctranslate2",
                                   beams=beams), max_chars=1_000_000,
                       # Every page client comes from this machine's one address.
                       door=DoorRules(queue_size=1000, queue_per_client=1000))
    host = ModelHost(config.model_config, batching=BatchingOptions(settings.batch_window_s))
    shared = host.pool.default
    shared.check_quality = False
    _fixed_length(shared, beams, new_tokens)
    host.preload()
    blocks = build_app(config, Handlers(config, host))
    gate = create_server(blocks, host, settings, config.max_chars,
                         server=ServerSettings(max_connections_per_client=0, queue_size=1000,
                                               queue_per_client=1000), **page_options())

    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "http" and scope["path"] == "/bench/batches":
            batcher = host.batcher(None)
            body = json.dumps({"batches": batcher.batches,
                               "sentences": batcher.sentences}).encode()
            await send({"type": "http.response.start", "status": 200,
                        "headers": [(b"content-type", b"application/json")]})
            await send({"type": "http.response.body", "body": body})
            return
        await gate(scope, receive, send)

    uvicorn.run(app, host=HOST, port=port, log_level="warning")


# --------------------------------------------------------------------------- the clients (parent)
def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def post_translate(url: str, text: str, timeout: float) -> tuple[int, Any]:
    body = json.dumps({"q": text, "source": "vi", "target": "en"}).encode()
    request = urllib.request.Request(url + "translate", data=body,
                                     headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"null")


def start_server(model_dir: Path, window_ms: float, args: argparse.Namespace,
                 log: Path) -> tuple[subprocess.Popen, str]:
    port = free_port()
    with log.open("wb") as sink:
        process = subprocess.Popen(
            [sys.executable, __file__, "--serve", str(model_dir), "--port", str(port),
             "--batch-window", str(window_ms), "--beams", str(args.beams),
             "--new-tokens", str(args.new_tokens)],
            stdout=sink, stderr=subprocess.STDOUT, cwd=REPO)
    url = f"http://{HOST}:{port}/"
    deadline = time.monotonic() + 300
    while True:
        try:
            with urllib.request.urlopen(url + "languages", timeout=5):
                return process, url
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                stop_process(process)
                raise RuntimeError("the server did not start:\n"
                                   + log.read_text(errors="replace")[-2000:]) from None
            time.sleep(0.3)


def page_translate(client: Any, text: str, beams: int) -> tuple[int, Any]:
    """The page's Translate through its own endpoint (Gradio's queue), as a browser's: the
    default model, the server's beams (so its sentences may share the API's batches)."""
    outputs = client.predict(text=text, beams=float(beams), glossary="", api_name="/translate")
    return 200, {"translatedText": outputs[0]}  # the English box first, then the page's state


def load_run(url: str, requests: list[list[str]], clients: int, timeout: float,
             max_seconds: float, page_clients: int = 0, beams: int = 1) -> dict[str, Any]:
    """Every client sends its share of the requests one after another; all clients at once.
    The first ``page_clients`` of them use the web page's endpoint, the others the API."""
    answers: dict[int, list[Any]] = {i: [] for i in range(len(requests))}
    latencies: list[float] = []
    by_door: dict[str, list[float]] = {"page": [], "api": []}
    errors: list[str] = []
    lock = threading.Lock()
    start = threading.Barrier(clients)
    give_up = time.monotonic() + max_seconds + 60  # generous: the start waits for the barrier

    def client(number: int) -> None:
        page = None
        if number < page_clients:
            from gradio_client import Client

            page = Client(url, verbose=False)
        start.wait()
        for index in range(number, len(requests), clients):
            if time.monotonic() > give_up:
                return
            began = time.perf_counter()
            try:
                text = " ".join(requests[index])
                status, answer = (page_translate(page, text, beams) if page is not None
                                  else post_translate(url, text, timeout))
            except Exception as exc:  # a page failure comes back as gradio_client's error
                with lock:
                    errors.append(f"request {index}: {exc}")
                continue
            took = time.perf_counter() - began
            with lock:
                latencies.append(took)
                by_door["page" if page is not None else "api"].append(took)
                if status == 200:
                    answers[index].append(answer["translatedText"])
                else:
                    errors.append(f"request {index}: {status} {answer}")

    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    began = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - began
    with urllib.request.urlopen(url + "bench/batches", timeout=10) as response:
        rounds = json.loads(response.read())
    batches = rounds["batches"]
    counts = [len(a) for a in answers.values()]
    sentences = sum(len(r) for r in requests)
    latencies.sort()
    return {
        "wall_s": round(wall, 2),
        "requests": len(requests), "sentences": sentences,
        "answered_once": counts.count(1), "lost": counts.count(0),
        "answered_twice_or_more": sum(1 for c in counts if c > 1),
        "empty_answers": sum(1 for a in answers.values() for t in a if not t.strip()),
        "errors": errors[:5], "error_count": len(errors),
        "requests_per_s": round(len(requests) / wall, 2),
        "sentences_per_s": round(sentences / wall, 2),
        "latency_p50_s": round(statistics.median(latencies), 3) if latencies else None,
        "latency_p95_s": round(latencies[int(0.95 * (len(latencies) - 1))], 3)
        if latencies else None,
        "latency_max_s": round(latencies[-1], 3) if latencies else None,
        "latency_p50_by_door_s": {door: round(statistics.median(times), 3)
                                  for door, times in by_door.items() if times},
        "model_rounds": batches,
        "sentences_per_round": round(rounds["sentences"] / batches, 1) if batches else None,
        "answers": {i: a[0] for i, a in answers.items() if a},
    }


def idle_overhead(url: str, sentence: str, model_dir: Path, args: argparse.Namespace,
                  repeats: int) -> dict[str, Any]:
    """One one-sentence request on the idle server vs Translator.translate here (medians)."""
    pipeline = _pipeline(str(model_dir), args.beams, args.new_tokens)
    translator = pipeline.translator
    http, direct = [], []
    translator.translate([sentence])
    post_translate(url, sentence, 120)
    for _ in range(repeats):
        began = time.perf_counter()
        status, _answer = post_translate(url, sentence, 120)
        http.append(time.perf_counter() - began)
        assert status == 200, _answer
        began = time.perf_counter()
        translator.translate([sentence])
        direct.append(time.perf_counter() - began)
    # Medians, and minimums: on a shared machine the fastest run is the cost without waiting
    # for a core.
    return {"repeats": repeats, "http_median_s": round(statistics.median(http), 4),
            "in_process_median_s": round(statistics.median(direct), 4),
            "overhead_median_ms": round((statistics.median(http) - statistics.median(direct))
                                        * 1000, 1),
            "http_min_s": round(min(http), 4), "in_process_min_s": round(min(direct), 4),
            "overhead_min_ms": round((min(http) - min(direct)) * 1000, 1)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--serve", metavar="MODEL_DIR", help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--requests", type=int, default=20, help="requests per client")
    parser.add_argument("--beams", type=int, default=1)
    parser.add_argument("--new-tokens", type=int, default=40,
                        help="fixed output length (min = max new tokens)")
    parser.add_argument("--batch-window", type=float, default=5.0, metavar="MS")
    parser.add_argument("--work", type=Path, default=Path("/tmp/vi2en-bench-server"),
                        help="where the real-size model is built (once)")
    parser.add_argument("--timeout", type=float, default=300, help="seconds per request")
    parser.add_argument("--max-seconds", type=float, default=600, help="per load run")
    parser.add_argument("--idle-repeats", type=int, default=25)
    parser.add_argument("--page-clients", type=int, default=4,
                        help="of --clients, how many use the web page's endpoint (a mixed "
                             "load: their sentences share batches with the API's)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", type=Path, help="also write the JSON here")
    args = parser.parse_args(argv)
    if args.serve:
        serve_child(args.serve, args.port, args.batch_window, args.beams, args.new_tokens)
        return 0

    from throughput import build_models, machine, make_inputs

    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("VI2EN_MODELS_DIR", str(args.work / "models"))
    args.work.mkdir(parents=True, exist_ok=True)
    model_dir = build_models(["marian"], args.work)["marian"]
    rng = random.Random(args.seed)
    shape = [rng.randint(1, 3) for _ in range(args.clients * args.requests)]
    pool = make_inputs(model_dir, sum(shape) + 1, seed=args.seed)
    requests, position = [], 0
    for size in shape:
        requests.append(pool[position:position + size])
        position += size
    idle_sentence = pool[-1]
    load_before = os.getloadavg()
    result: dict[str, Any] = {
        "machine": machine(),
        "settings": {"clients": args.clients, "requests_per_client": args.requests,
                     "beams": args.beams, "new_tokens": args.new_tokens,
                     "engine": "ctranslate2 int8 (cpu)", "model": "marian real-size shape",
                     "batch_window_ms": args.batch_window, "quality_checks": False,
                     "page_clients": args.page_clients},
        "load_average_before": [round(x, 2) for x in load_before]}
    runs: dict[str, Any] = {}
    for name, window in (("batched", args.batch_window), ("one_at_a_time", 0.0)):
        print(f"{name}: starting the server ...", file=sys.stderr)
        process, url = start_server(model_dir, window, args, args.work / f"server-{name}.log")
        try:
            post_translate(url, requests[0][0], args.timeout)  # warm up (first call)
            if name == "batched":
                print("idle overhead ...", file=sys.stderr)
                result["idle_one_sentence"] = idle_overhead(url, idle_sentence, model_dir, args,
                                                            args.idle_repeats)
            print(f"{name}: {len(requests)} requests from {args.clients} clients ...",
                  file=sys.stderr)
            runs[name] = load_run(url, requests, args.clients, args.timeout, args.max_seconds,
                                  args.page_clients, args.beams)
            runs[name]["load_average_after"] = [round(x, 2) for x in os.getloadavg()]
            print(f"  {runs[name]['requests_per_s']} requests/s, p95 "
                  f"{runs[name]['latency_p95_s']} s", file=sys.stderr)
        finally:
            stop_process(process)
    batched, alone = runs["batched"], runs["one_at_a_time"]
    same = sum(1 for i, a in batched["answers"].items() if alone["answers"].get(i) == a)
    for run in runs.values():
        run.pop("answers")
    result["runs"] = runs
    result["speedup"] = round(batched["requests_per_s"] / alone["requests_per_s"], 2)
    result["answers_identical_in_both_runs"] = same
    result["load_average_end"] = [round(x, 2) for x in os.getloadavg()]
    text = json.dumps(result, indent=2)
    print(text)
    if args.json:
        args.json.write_text(text + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
