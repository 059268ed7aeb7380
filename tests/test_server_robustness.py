"""The server as a stranger attacks it (issue 22): ``vi2en serve`` on a free port with tiny
models, driven over raw HTTP. One client's bad text fails only that client; hostile HTML costs
the server little; a client that walks away stops its job; a request over the time limit is
refused and stopped. Server CPU is read from /proc (Linux), never from wall-clock timings.
"""

from __future__ import annotations

import itertools
import json
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import stop_process, wait_until_answering

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc")]

REPO = Path(__file__).resolve().parent.parent
SHORT = "Trời mưa to ở Hà Nội. Giao thông ùn tắc."
POISON = "Gi\ud800"  # a lone surrogate: valid JSON ("Gi\\ud800"), not a character
# --time-limit of the strict server: short, because a tiny model on one quiet core translates
# even the long text below in about 15 s (a 20 s limit was not reached there).
STRICT_LIMIT_S = 4
# Sentences that take a tiny model well past STRICT_LIMIT_S, under the default 100,000-character
# limit.
OVER_THE_LIMIT = 1300


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Server:
    url: str
    port: int
    process: subprocess.Popen
    log: Path

    def cpu(self) -> float:
        """CPU seconds the server process has used so far (all its threads)."""
        fields = Path(f"/proc/{self.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def logged(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")

    def wait_for_log(self, words: str, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while words not in self.logged():
            if time.monotonic() > deadline:
                return False
            time.sleep(0.05)
        return True

    def idle_cpu(self, seconds: float = 2.0) -> float:
        """CPU seconds the server uses over the next ``seconds`` (idle: about 0.06 a second,
        Gradio's queue polling; one busy core: 1 a second, less on a loaded machine)."""
        before = self.cpu()
        time.sleep(seconds)
        return self.cpu() - before


def serve(folder: Path, translator: Path, summarizer: Path, *options: str) -> Iterator[Server]:
    """`vi2en serve` with tiny models and these options, until the generator is closed; its
    log (-v: the library's notices too) goes to a file, never a pipe that could fill."""
    port = free_port()
    env = {**os.environ, "VI2EN_MODEL": str(translator), "VI2EN_SUMMARIZER": str(summarizer),
           "VI2EN_DEVICE": "cpu", "VI2EN_ENGINE": "transformers",
           "GRADIO_ANALYTICS_ENABLED": "False"}
    log = folder / "serve.log"
    with log.open("wb") as sink:
        process = subprocess.Popen(
            [sys.executable, "-m", "translate", "serve", "-v", "--port", str(port), "--beams",
             "1", *options], cwd=REPO, env=env, stdout=sink, stderr=subprocess.STDOUT)
    server = Server(f"http://127.0.0.1:{port}/", port, process, log)
    try:
        wait_until_answering(process, server.url, log, timeout=180)
        # Models load on first use: load them now, so that no test measures the loading (a
        # request that meets the time limit meanwhile is refused, and the loading goes on).
        deadline = time.monotonic() + 300
        while post(server.url + "translate", {"q": SHORT, "source": "vi", "target": "en"},
                   timeout=300)[0] != 200:
            assert time.monotonic() < deadline, server.logged()[-2000:]
        yield server
    finally:
        stop_process(process)
        output = server.logged()
        assert "Traceback" not in output, output[-3000:]  # failures are one line, each


@pytest.fixture(scope="module")
def server(tiny_translator_dir, tiny_summarizer_dir, tmp_path_factory) -> Iterator[Server]:
    """Default limits; a 100 ms batch window, so that concurrent requests share batches."""
    yield from serve(tmp_path_factory.mktemp("serve"), tiny_translator_dir, tiny_summarizer_dir,
                     "--batch-window", "100")


@pytest.fixture(scope="module")
def strict_server(tiny_translator_dir, tiny_summarizer_dir, tmp_path_factory
                  ) -> Iterator[Server]:
    yield from serve(tmp_path_factory.mktemp("strict"), tiny_translator_dir,
                     tiny_summarizer_dir, "--time-limit", str(STRICT_LIMIT_S))


def post(url: str, body: Any = None, *, raw: bytes | None = None, timeout: float = 120
         ) -> tuple[int, Any]:
    """Status and JSON answer. ``json.dumps`` writes a lone surrogate as the escape "\\ud800",
    as any client library would."""
    data = raw if raw is not None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data,
                                     headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def long_text(sentences: int) -> str:
    """Distinct sentences (none is translated once for two), minutes of work for a tiny model
    whose looping outputs are each retried with 5 beams; new ones at each call, so that no
    sentence cache (the test session shares one) can answer them at once."""
    run = next(_RUNS)
    return " ".join(f"Câu số {i} của lượt {run} nói về giá xăng tăng mạnh ở Hà Nội hôm nay."
                    for i in range(sentences))


_RUNS = itertools.count(1)


def send_and_leave(server: Server, path: str, body: bytes, *, busy_cpu: float = 1.0,
                   method: str = "POST") -> float:
    """Send a request on a raw connection, wait until the server has worked ``busy_cpu``
    CPU-seconds on it, then close the connection; the server's CPU time at that moment."""
    start = server.cpu()
    connection = socket.create_connection(("127.0.0.1", server.port), timeout=10)
    connection.sendall(f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: "
                       f"application/json\r\nContent-Length: {len(body)}\r\n\r\n".encode()
                       + body)
    deadline = time.monotonic() + 120
    while server.cpu() - start < busy_cpu:
        assert time.monotonic() < deadline, "the server never started on the request"
        time.sleep(0.1)
    connection.close()
    return server.cpu()


# -- item 2: one client's bad text fails only that client -----------------------------------------
ATTACKS = [("translate", {"q": POISON, "source": "vi", "target": "en"}),
           ("translate", {"q": ["Trời mưa.", POISON], "source": "vi", "target": "en"}),
           ("translate", {"q": f"<p>{POISON}</p>", "source": "vi", "target": "en",
                          "format": "html"}),
           ("detect", {"q": POISON}),
           ("v1/translate", {"text": POISON}),
           ("v1/translate", {"text": SHORT, "glossary": f"Hà Nội\t{POISON}"}),
           ("v1/summarize", {"text": f"The minister spoke. {POISON}"})]


def test_a_poisoned_text_fails_only_its_sender(server):
    """Two attackers send a lone surrogate to every door while 6 clients translate: on main
    a shared batch failed in the tokenizer and its victims got 500s; now the attacker gets a
    400 naming the character, every victim its translation."""
    victims: list[tuple[int, Any]] = []
    attacks: list[tuple[str, int, Any]] = []
    done = threading.Event()

    def attacker() -> None:
        while not done.is_set():
            for path, body in ATTACKS:
                status, answer = post(server.url + path, body)
                attacks.append((path, status, answer))

    def victim(number: int) -> None:
        for i in range(3):
            text = f"Tin số {number}-{i}: giá xăng tăng mạnh ở Hà Nội."
            victims.append(post(server.url + "translate",
                                {"q": text, "source": "vi", "target": "en"}))

    attacking = [threading.Thread(target=attacker) for _ in range(2)]
    clients = [threading.Thread(target=victim, args=(n,)) for n in range(6)]
    for thread in attacking + clients:
        thread.start()
    for thread in clients:
        thread.join(timeout=600)
    done.set()
    for thread in attacking:
        thread.join(timeout=300)
    assert len(victims) == 18
    assert all(status == 200 and answer["translatedText"] for status, answer in victims), \
        [answer for status, answer in victims if status != 200][:3]
    assert attacks and all(status == 400 for _, status, _ in attacks), attacks[:3]
    assert all("lone surrogate (U+D800)" in answer["error"] for _, _, answer in attacks)
    assert post(server.url + "translate", {"q": SHORT, "source": "vi", "target": "en"})[0] == 200


def test_the_page_refuses_a_poisoned_text_in_one_line(server):
    """The page's named API (what its Translate button calls) checks text the same way."""
    status, answer = post(server.url + "gradio_api/call/translate",
                          {"data": [POISON, None, 1, ""]})
    assert status == 200, answer
    with urllib.request.urlopen(f"{server.url}gradio_api/call/translate/{answer['event_id']}",
                                timeout=120) as response:
        events = response.read().decode("utf-8")
    assert "event: error" in events and "lone surrogate (U+D800)" in events, events


# -- item 4: hostile HTML and a time limit --------------------------------------------------------
def test_hostile_html_costs_the_server_under_two_cpu_seconds(server):
    """99,999 characters of unclosed tags (within the default limits): Python's html.parser,
    run two or three times per request, spent about 400 CPU-s on it; the answer is the
    fragment itself (it has no text to translate)."""
    fragment = "<a " * 33_333
    before = server.cpu()
    status, answer = post(server.url + "translate", {"q": fragment, "source": "vi",
                                                     "target": "en", "format": "html"},
                          timeout=60)
    spent = server.cpu() - before
    assert status == 200 and answer["translatedText"] == fragment
    assert spent < 2.0, f"{spent:.2f} CPU-s"
    mixed = "<p>Trời mưa to</p><b" + " x" * 40_000  # text, then a tag that never ends
    status, answer = post(server.url + "translate", {"q": mixed, "source": "vi",
                                                     "target": "en", "format": "html"},
                          timeout=60)
    assert status == 200 and answer["translatedText"].startswith("<p>")
    assert answer["translatedText"].endswith("</p><b" + " x" * 40_000)


def test_a_request_over_the_time_limit_is_refused_and_stopped(strict_server):
    """A long text under a short --time-limit: answered 503 with one line soon after the
    limit, its job stopped (the server goes idle), and the server up for the next client."""
    before = time.monotonic()
    status, answer = post(strict_server.url + "translate",
                          {"q": long_text(OVER_THE_LIMIT), "source": "vi", "target": "en"},
                          timeout=120)
    waited = time.monotonic() - before
    assert status == 503, answer
    assert answer["error"].startswith(
        f"The request ran past this server's time limit ({STRICT_LIMIT_S} s)")
    assert waited < STRICT_LIMIT_S + 10, f"answered after {waited:.1f} s"
    assert strict_server.wait_for_log("a stopped request's job ended", timeout=10)
    assert strict_server.idle_cpu() < 0.3
    # Up for the next client (a short translation can take seconds on a loaded machine:
    # a random model's looping output is retried with 5 beams).
    assert post(strict_server.url + "detect", {"q": SHORT})[1] == [{"language": "vi",
                                                                   "confidence": 100.0}]


def test_a_page_job_over_the_time_limit_is_stopped(strict_server):
    status, answer = post(strict_server.url + "gradio_api/call/translate",
                          {"data": [long_text(OVER_THE_LIMIT), None, 1, ""]})
    assert status == 200, answer
    with urllib.request.urlopen(f"{strict_server.url}gradio_api/call/translate/"
                                f"{answer['event_id']}", timeout=120) as response:
        events = response.read().decode("utf-8")
    assert "event: error" in events
    assert f"ran past this server's time limit ({STRICT_LIMIT_S} s)" in events
    assert strict_server.idle_cpu() < 0.3


# -- item 6: a client that disconnects stops its job ----------------------------------------------
def test_a_client_that_disconnects_stops_its_job(server):
    """A client sends 400 sentences and hangs up once the model is busy with them: its queued
    sentences are dropped and the model stops within 2 CPU-s (the batch in the model ends at
    its next step); then the server idles and answers the next client."""
    body = json.dumps({"q": long_text(400), "source": "vi", "target": "en"}).encode()
    left_at = send_and_leave(server, "/translate", body)
    assert server.wait_for_log("a stopped request's job ended", timeout=30), \
        "the job ran on after its client left"
    ended_at = server.cpu()
    assert ended_at - left_at < 2.0, f"{ended_at - left_at:.2f} CPU-s after the client left"
    assert "client went away: its request is stopped" in server.logged()
    assert server.idle_cpu() < 0.3
    assert post(server.url + "translate", {"q": SHORT, "source": "vi", "target": "en"})[0] == 200


def test_a_page_client_that_disconnects_stops_its_job(server):
    """The same through the page's API: the client leaves the stream of its Gradio event."""
    status, answer = post(server.url + "gradio_api/call/translate",
                          {"data": [long_text(400), None, 1, ""]})
    assert status == 200, answer
    left_at = send_and_leave(server, f"/gradio_api/call/translate/{answer['event_id']}", b"",
                             method="GET")
    assert server.wait_for_log("translate refused: Stopped", timeout=30), \
        "the page's job ran on after its client left"
    ended_at = server.cpu()
    assert ended_at - left_at < 2.0, f"{ended_at - left_at:.2f} CPU-s after the client left"
    assert server.idle_cpu() < 0.3


@pytest.mark.parametrize("value", ["-1", "nan", "inf"])
def test_serve_refuses_a_bad_time_limit_in_one_line(value):
    done = subprocess.run([sys.executable, "-m", "translate", "serve", "--time-limit", value],
                          capture_output=True, text=True, cwd=REPO, timeout=120)
    assert done.returncode == 2
    assert "--time-limit must be a number of seconds" in done.stderr
    assert "Traceback" not in done.stderr
