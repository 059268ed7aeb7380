"""Helpers shared by tests and benchmarks."""

from __future__ import annotations

import math
import shutil
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any


def record_generate_calls(engine: Any, monkeypatch: Any = None) -> list[list[str]]:
    """Spy on a real engine: the texts of each ``generate_scored`` call (what the translator
    calls), in order.

    The engine still runs; with ``monkeypatch`` the spy is undone after the test.
    """
    calls: list[list[str]] = []
    original = engine.generate_scored

    def spy(texts, options, **kwargs):
        calls.append(list(texts))
        return original(texts, options, **kwargs)

    if monkeypatch is not None:
        monkeypatch.setattr(engine, "generate_scored", spy)
    else:
        engine.generate_scored = spy
    return calls


def lively_copy(source: Path, target: Path, seed: int = 0) -> Path:
    """A tiny model with larger random weights.

    The factory's small initial weights make every input decode to the same few repeated
    tokens, so two code paths could agree by accident; with weights of unit-scale activations
    the outputs depend on the input and a wrong start token or prefix changes them.
    """
    import torch
    from transformers import AutoModelForSeq2SeqLM

    shutil.copytree(source, target)
    model = AutoModelForSeq2SeqLM.from_pretrained(source)
    generator = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, param in model.named_parameters():
            if param.dim() >= 2 and "embed_positions" not in name:
                param.copy_(torch.randn(param.shape, generator=generator) * 3
                            / math.sqrt(param.shape[-1]))
        # Marian's decoder starts from the pad embedding, which must stay zero.
        for module in model.modules():
            if isinstance(module, torch.nn.Embedding) and module.padding_idx is not None:
                module.weight[module.padding_idx].zero_()
    model.save_pretrained(target)
    return target


def stop_process(process: subprocess.Popen) -> None:
    """End a server started for a test or a benchmark: politely, then for good."""
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def wait_until_answering(process: subprocess.Popen, url: str, log: Path, *,
                         timeout: float = 120) -> None:
    """Wait until a server started for a test answers ``url + "languages"``; a server that
    exits or stays silent past ``timeout`` seconds fails the test with its log's tail."""
    import time
    import urllib.request

    import pytest

    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(url + "languages", timeout=5):
                return
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                output = log.read_text(encoding="utf-8", errors="replace")
                pytest.fail(f"vi2en serve did not answer on {url}:\n{output[-2000:]}")
            time.sleep(0.5)


REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"
EXAMPLE_ARTICLE = REPO / "examples" / "article.vi.txt"
SHARED_ARTICLE = SHARED / "examples" / "rare-earths.vi.txt"
TATOEBA = SHARED / "data" / "tatoeba"

TRANSLATION_FAMILIES = ("marian", "t5", "mbart50", "m2m100", "nllb")
SUMMARY_FAMILIES = ("bart", "pegasus")


class ServedVi2en:
    """A ``vi2en serve`` process started for a test: its URL, process and log."""

    def __init__(self, process: subprocess.Popen, port: int, log: Path) -> None:
        self.process = process
        self.port = port
        self.url = f"http://127.0.0.1:{port}/"
        self.log = log

    def output(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")

    def rss_kb(self) -> int:
        """The server's resident memory now (Linux)."""
        for line in Path(f"/proc/{self.process.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
        raise RuntimeError("no VmRSS")

    def stop(self) -> None:
        stop_process(self.process)


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def serving_page(app: Any) -> Iterator[str]:
    """A built page (``translate.web.build_app``) launched in this process on a free port:
    its URL, ending in a slash; closed when the block ends."""
    from translate.web import launch

    port = free_port()
    launch(app, host="127.0.0.1", port=port, prevent_thread_lock=True, quiet=True)
    try:
        yield f"http://127.0.0.1:{port}/"
    finally:
        app.close()


def start_vi2en_serve(args: list[str], folder: Path, *, translator: Path, summarizer: Path,
                      preexec_fn: Any = None, wait_s: float = 180) -> ServedVi2en:
    """``vi2en serve ARGS`` on a free port with the given models, once it answers; its log
    goes to a file (a full pipe would stall it)."""
    import os
    import sys
    import time
    import urllib.request

    port = free_port()
    env = {**os.environ, "VI2EN_MODEL": str(translator), "VI2EN_SUMMARIZER": str(summarizer),
           "VI2EN_DEVICE": "cpu", "GRADIO_ANALYTICS_ENABLED": "False"}
    log = folder / f"serve-{port}.log"
    with log.open("wb") as sink:
        process = subprocess.Popen(
            [sys.executable, "-m", "translate", "serve", "--port", str(port), "--beams", "1",
             *args], cwd=REPO, env=env, stdout=sink, stderr=subprocess.STDOUT,
            preexec_fn=preexec_fn)
    served = ServedVi2en(process, port, log)
    deadline = time.monotonic() + wait_s
    while True:
        try:
            with urllib.request.urlopen(served.url + "languages", timeout=5):
                return served
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                served.stop()
                raise RuntimeError(f"vi2en serve did not answer on {port}:\n"
                                   f"{served.output()[-3000:]}") from None
            time.sleep(0.5)
