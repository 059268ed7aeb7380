"""``vi2en serve`` attacked as a stranger would, over HTTP and raw sockets (issue 22): forged file
paths, huge bodies, keys and limits dodged through the page, connections that never finish,
queue floods and disk fills, and the smaller holes (headers believed, errors that leak).

Each server is the real command with tiny models, started with the options a test needs.
Clients on other loopback addresses (127.0.0.x) are other clients to the server: their rates,
quotas and connection counts are their own.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import resource
import select
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.helpers import REPO, free_port

pytestmark = pytest.mark.slow

SECRET = "vi2en-operator-secret-5b1f"  # in the operator's API keys file
GOOD_KEY, LIMITED_KEY = "good-key-1", "limited-key-2"
README_WORDS = "Vietnamese news in, English out"  # the README's first line
VIETNAMESE = "Trời mưa to ở Hà Nội. Giao thông ùn tắc."
MB = 1024 * 1024


# -- clients ------------------------------------------------------------------------------------
def client(url: str, address: str = "127.0.0.1", **options: Any) -> httpx.Client:
    """An HTTP client connecting from ``address`` (another loopback address: another client)."""
    return httpx.Client(base_url=url, timeout=120,
                        transport=httpx.HTTPTransport(local_address=address), **options)


def file_data(path: str) -> dict[str, Any]:
    """What the page's script sends for a file: Gradio's FileData naming a path."""
    return {"path": path, "meta": {"_type": "gradio.FileData"}, "orig_name": Path(path).name}


class PageEvents:
    """The page's events, read from its /config as its script reads them."""

    def __init__(self, http: httpx.Client) -> None:
        config = http.get("config").raise_for_status().json()
        kinds = {c["id"]: c.get("type") for c in config["components"]}
        self.names = {d["id"]: d.get("api_name") for d in config["dependencies"]}
        self.by_name = {name: fn for fn, name in self.names.items() if name}
        # Events that take a file: an input that is a file component.
        self.file_events = [d["id"] for d in config["dependencies"]
                            if any(kinds.get(i) in ("file", "uploadbutton") for i in d["inputs"])]


def join(http: httpx.Client, fn_index: int, data: list[Any], timeout: float = 120
         ) -> tuple[int, Any]:
    """A page event through Gradio's queue, as the page's script runs it: the join's status,
    then the event's last message (its output or error), or the join's refusal."""
    session = uuid.uuid4().hex[:11]
    answer = http.post("gradio_api/queue/join", json={
        "data": data, "fn_index": fn_index, "session_hash": session, "event_data": None,
        "trigger_id": None})
    if answer.status_code != 200:
        return answer.status_code, answer.text
    with http.stream("GET", "gradio_api/queue/data", params={"session_hash": session},
                     timeout=timeout) as stream:
        for line in stream.iter_lines():
            if line.startswith("data:"):
                message = json.loads(line[5:])
                if message.get("msg") == "process_completed":
                    return 200, message
    return 200, None


def upload(http: httpx.Client, name: str, data: bytes) -> httpx.Response:
    return http.post("gradio_api/upload", files={"files": (name, data)})


def login(http: httpx.Client, user: str, password: str) -> httpx.Response:
    return http.post("login", data={"username": user, "password": password})


def new_log(server: Any, since: int) -> str:
    return server.output()[since:]


# -- servers ------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def keys_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The operator's API keys: a server file a stranger must never read."""
    path = tmp_path_factory.mktemp("operator") / "keys.txt"
    path.write_text(f"# {SECRET}\n{GOOD_KEY}\n{LIMITED_KEY} 2\n", encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def open_server(vi2en_serve, keys_file):
    """A public server with keys that are not required, and its public address."""
    return vi2en_serve("--api-keys", str(keys_file), "--public-url",
                       "https://translate.example.org/")


@pytest.fixture(scope="module")
def closed_server(vi2en_serve, keys_file):
    """A server that requires API keys: the page needs a login."""
    return vi2en_serve("--api-keys", str(keys_file), "--require-api-key", "--auth",
                       "ann:secret-pw", "--req-limit", "2", "--char-limit", "300")


@pytest.fixture(scope="module")
def tight_server(vi2en_serve):
    """Short timeouts and small caps, so that each is reached in a test."""
    return vi2en_serve("--header-timeout", "2", "--body-timeout", "3", "--keep-alive-timeout",
                       "2", "--max-connections", "40", "--max-connections-per-client", "8",
                       "--req-limit", "3", "--char-limit", "500", "--queue-size", "3",
                       "--queue-per-client", "2", "--allow-private-urls",
                       "--upload-quota", "1000000", "--upload-total", "1500000")


# -- 1. server files through the page -------------------------------------------------------------
def _read_files_through_the_page(server: Any, http: httpx.Client, keys_file: Path) -> None:
    events = PageEvents(http)
    assert events.file_events, "the page has an event that reads an uploaded file"
    secret_paths = [str(keys_file), str(REPO / "README.md")]
    missing = str(REPO / "no-such-file.md")
    for fn in events.file_events:
        refusals = set()  # per event: events differ in their other inputs
        for path in [*secret_paths, missing]:
            status, answer = join(http, fn, [file_data(path)])
            text = json.dumps(answer, ensure_ascii=False)
            assert SECRET not in text and README_WORDS not in text, text[:300]
            # The same words for a file that exists and one that does not: no oracle.
            refusals.add((status, text.replace(path, "PATH")))
        # The event by its name, as gradio_client calls it.
        for path in (*secret_paths, missing):
            called = http.post(f"gradio_api/call/{events.names[fn]}",
                               json={"data": [file_data(path)]})
            text = called.text
            if called.status_code == 200:
                text += http.get(f"gradio_api/call/{events.names[fn]}/"
                                 f"{called.json()['event_id']}").text
            assert SECRET not in text and README_WORDS not in text, text[:300]
        assert len(refusals) == 1, refusals
    files = set()
    for path in [*secret_paths, missing]:
        served = http.get(f"gradio_api/file={path}")
        assert served.status_code == 403 and SECRET not in served.text
        files.add(served.text.replace(path, "PATH"))
    assert len(files) == 1, files
    # Nor may the server fetch other sites for a client (Gradio's file=URL proxy).
    assert http.get("gradio_api/file=http://127.0.0.1:1/x.txt").status_code == 403


def test_page_reads_no_server_file(open_server, keys_file):
    since = len(open_server.output())
    with client(open_server.url) as http:
        _read_files_through_the_page(open_server, http, keys_file)
        # What the page is for still works: an upload is read, once, then gone from the disk.
        uploaded = upload(http, "bai-bao.txt", VIETNAMESE.encode())
        assert uploaded.status_code == 200, uploaded.text
        [path] = uploaded.json()
        fn = PageEvents(http).file_events[0]
        status, answer = join(http, fn, [file_data(path)])
        assert status == 200 and answer["output"]["data"] == [VIETNAMESE]
        assert not os.path.exists(path)
        status, again = join(http, fn, [file_data(path)])
        assert VIETNAMESE not in json.dumps(again, ensure_ascii=False)
    assert "Traceback" not in new_log(open_server, since)


def test_logged_in_user_reads_no_server_file(closed_server, keys_file):
    with client(closed_server.url) as http:
        assert login(http, "ann", "secret-pw").status_code == 200
        _read_files_through_the_page(closed_server, http, keys_file)


# -- 3. one body limit ----------------------------------------------------------------------------
class MemoryWatch:
    """The server's resident memory, sampled every 20 ms while a request runs."""

    def __init__(self, server: Any) -> None:
        self.server = server
        self.baseline = server.rss_kb()
        self.peak = self.baseline
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True)

    def _watch(self) -> None:
        while not self._stop.wait(0.02):
            self.peak = max(self.peak, self.server.rss_kb())

    def __enter__(self) -> MemoryWatch:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        time.sleep(0.5)  # what the request left behind
        self._stop.set()
        self._thread.join()

    @property
    def growth_mb(self) -> float:
        return (self.peak - self.baseline) / 1024


def send_body(port: int, path: str, size: int, *, declared: bool, address: str = "127.0.0.1",
              content_type: str = "application/json") -> tuple[int | None, int]:
    """POST ``size`` bytes to ``path`` from a raw socket, streamed (never built in memory),
    stopping as soon as the server answers. Returns the status (None: no answer) and the
    bytes sent."""
    sock = socket.create_connection(("127.0.0.1", port), source_address=(address, 0))
    framing = f"Content-Length: {size}" if declared else "Transfer-Encoding: chunked"
    sock.sendall(f"POST /{path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: {content_type}"
                 f"\r\n{framing}\r\n\r\n".encode())
    piece = b'{"data": ["' + b"a" * (64 * 1024 - 11)
    sent = 0
    answer = b""
    try:
        while sent < size:
            readable, _, _ = select.select([sock], [], [], 0.05 if sent == 0 else 0)
            if readable:
                break
            chunk = piece[:size - sent]
            sock.sendall(chunk if declared else b"%x\r\n%s\r\n" % (len(chunk), chunk))
            sent += len(chunk)
        sock.settimeout(30)
        answer = sock.recv(4096)
    except (BrokenPipeError, ConnectionResetError):
        with contextlib.suppress(OSError):
            answer = sock.recv(4096)
    finally:
        sock.close()
    match = re.match(rb"HTTP/1\.1 (\d{3})", answer)
    return (int(match.group(1)) if match else None), sent


def test_a_600_mb_body_is_refused_on_every_path(open_server):
    """The default --max-body (20 MiB) holds for Gradio's paths as for the REST API's, declared
    or streamed, and the server's memory hardly moves."""
    size = 600 * MB
    for path in ("gradio_api/call/translate", "gradio_api/queue/join", "gradio_api/upload",
                 "translate", "v1/translate"):
        with MemoryWatch(open_server) as memory:
            status, sent = send_body(open_server.port, path, size, declared=True)
        assert status == 413, (path, status)
        assert sent == 0 and memory.growth_mb < 100, (path, sent, memory.growth_mb)
    for path in ("gradio_api/call/translate", "gradio_api/queue/join", "translate"):
        with MemoryWatch(open_server) as memory:
            status, sent = send_body(open_server.port, path, size, declared=False)
        assert status == 413, (path, status)
        assert sent < 100 * MB and memory.growth_mb < 100, (path, sent, memory.growth_mb)
    with client(open_server.url) as http:  # and the server is still there for others
        assert http.get("languages").status_code == 200


# -- 5. the page under keys ---------------------------------------------------------------------
def test_required_keys_need_a_login_for_the_page(keys_file, vi2en_serve):
    done = subprocess.run([sys.executable, "-m", "translate", "serve", "--api-keys",
                           str(keys_file), "--require-api-key", "--port", str(free_port())],
                          cwd=REPO, capture_output=True, text=True, timeout=120)
    assert done.returncode == 2
    assert done.stderr.strip().count("\n") == 0 and "--auth" in done.stderr, done.stderr
    # Or the API alone, without the page.
    api_only = vi2en_serve("--api-keys", str(keys_file), "--require-api-key", "--no-page")
    with client(api_only.url) as http:
        assert http.get("").status_code == 404
        assert http.post("gradio_api/call/translate",
                         json={"data": [VIETNAMESE]}).status_code == 404
        assert http.post("translate", json={"q": VIETNAMESE, "source": "vi", "target": "en",
                                            "api_key": GOOD_KEY}).status_code == 200


def test_the_page_api_under_a_required_key(closed_server):
    with client(closed_server.url) as anonymous:
        call = anonymous.post("gradio_api/call/translate", json={"data": [VIETNAMESE]})
        assert call.status_code in (401, 403, 404), call.text
        assert anonymous.get("gradio_api/info").status_code in (401, 403, 404)
        # The REST API: the key is required.
        assert anonymous.post("translate", json={"q": VIETNAMESE, "source": "vi",
                                                 "target": "en"}).status_code == 400
    with client(closed_server.url, "127.0.0.2") as http:
        assert login(http, "ann", "secret-pw").status_code == 200
        # Logged in, the named API stays off: the page's events are the page's.
        call = http.post("gradio_api/call/translate", json={"data": [VIETNAMESE]})
        assert call.status_code == 404, call.text
        translate = PageEvents(http).by_name["translate"]
        status, answer = join(http, translate, ["Trời mưa. " * 1000, None, 1, ""])
        assert status == 200 and answer["success"] is False
        assert "300" in answer["output"]["error"], answer  # --char-limit, said
        status, answer = join(http, translate, [VIETNAMESE, None, 1, ""])
        assert status == 200 and answer["success"] is True, answer
        status, refusal = join(http, translate, [VIETNAMESE, None, 1, ""])
        assert status == 422 and "Slowdown: 2 per 1 minute" in refusal, refusal


def test_the_page_and_the_api_share_limits(tight_server):
    with client(tight_server.url, "127.0.0.3") as http:
        events = PageEvents(http)
        # --char-limit 500 holds for the page's named API as for the REST API.
        called = http.post("gradio_api/call/translate",
                           json={"data": ["Trời mưa. " * 200, None, 1, ""]})
        result = http.get(f"gradio_api/call/translate/{called.json()['event_id']}").text
        assert "event: error" in result and "500" in result, result
        # --req-limit 3: one count for both doors (the call above was one).
        assert http.post("detect", json={"q": VIETNAMESE}).status_code == 200
        assert http.post("detect", json={"q": VIETNAMESE}).status_code == 200
        status, refusal = join(http, events.by_name["translate"], [VIETNAMESE, None, 1, ""])
        assert status == 422 and "Slowdown" in refusal, refusal
        refused = http.post("detect", json={"q": VIETNAMESE})
        assert refused.status_code == 429 and int(refused.headers["Retry-After"]) >= 1


# -- 7. connections -------------------------------------------------------------------------------
def _closed_after(sock: socket.socket, limit_s: float) -> tuple[float | None, bytes]:
    """Seconds until the server closes ``sock`` (None: still open after ``limit_s``), and what
    it sent."""
    start = time.monotonic()
    received = b""
    sock.settimeout(0.2)
    while time.monotonic() - start < limit_s:
        try:
            data = sock.recv(4096)
        except TimeoutError:
            continue
        except ConnectionResetError:
            return time.monotonic() - start, received
        if not data:
            return time.monotonic() - start, received
        received += data
    return None, received


def _connect(server: Any, address: str) -> socket.socket:
    return socket.create_connection(("127.0.0.1", server.port), source_address=(address, 0))


def _trickle(sock: socket.socket, data: bytes, every_s: float) -> None:
    """Send a byte every ``every_s`` until the server closes the connection."""
    with contextlib.suppress(OSError):
        for byte in data:
            sock.sendall(bytes([byte]))
            time.sleep(every_s)


def test_incomplete_and_idle_connections_are_closed(tight_server):
    """--header-timeout 2, --body-timeout 3, --keep-alive-timeout 2: each connection is closed
    at its timeout (bounds generous for a loaded machine), a request cut short with 408."""
    cases = []

    def opened(name: str, timeout: float, answer: bytes, data: bytes = b"") -> socket.socket:
        sock = _connect(tight_server, "127.0.0.4")
        sock.sendall(data)
        cases.append((name, sock, time.monotonic(), timeout, answer))
        return sock

    opened("silent", 2, b"")
    opened("partial headers", 2, b"HTTP/1.1 408", b"POST /translate HTTP/1.1\r\nHost: x\r\n")
    opened("partial body", 3, b"HTTP/1.1 408",
           b"POST /translate HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
           b"Content-Length: 100\r\n\r\n{\"q\": ")
    opened("kept alive", 2, b"HTTP/1.1 200", b"GET /languages HTTP/1.1\r\nHost: x\r\n\r\n")
    # A byte every 0.3 s: progress, but the headers are never done.
    trickle = opened("trickled headers", 2, b"HTTP/1.1 408")
    sender = threading.Thread(target=_trickle, args=(trickle, b"GET /languages HTTP/1.1\r\n"
                                                     b"Host: x\r\n" * 10, 0.3), daemon=True)
    sender.start()
    for name, sock, started, timeout, answer in cases:
        closed, received = _closed_after(sock, 25)
        sock.close()
        assert closed is not None, f"{name}: still open after 25 s"
        after = time.monotonic() - started
        assert timeout * 0.75 <= after <= timeout + 10, (name, after)
        assert received.startswith(answer), (name, received[:80])
    sender.join()


def test_connections_are_capped(tight_server):
    """--max-connections-per-client 8, --max-connections 40: more get 503 at once."""
    mine = [_connect(tight_server, "127.0.0.5") for _ in range(8)]
    extra = _connect(tight_server, "127.0.0.5")
    closed, received = _closed_after(extra, 5)
    assert closed is not None and received.startswith(b"HTTP/1.1 503"), received[:80]
    others = [_connect(tight_server, f"127.0.1.{i // 8 + 1}") for i in range(32)]
    over = _connect(tight_server, "127.0.2.1")
    closed, received = _closed_after(over, 5)
    assert closed is not None and received.startswith(b"HTTP/1.1 503"), received[:80]
    for sock in [*mine, *others, extra, over]:
        sock.close()
    time.sleep(0.5)
    with client(tight_server.url, "127.0.0.5") as http:
        assert http.get("languages").status_code == 200


def test_running_out_of_file_handles_is_one_line(vi2en_serve):
    """With 128 open files allowed and room for 1,000 connections, 300 connections exhaust
    the handles: the server says so once, with no traceback, and recovers."""

    def few_files() -> None:
        resource.setrlimit(resource.RLIMIT_NOFILE, (128, 128))

    server = vi2en_serve("--max-connections", "1000", "--max-connections-per-client", "0",
                         "--header-timeout", "30", preexec_fn=few_files)
    since = len(server.output())
    socks = []
    for _ in range(300):
        with contextlib.suppress(OSError):
            socks.append(socket.create_connection(("127.0.0.1", server.port), timeout=2))
    time.sleep(4)  # asyncio retries accept() every second
    for sock in socks:
        sock.close()
    log = new_log(server, since)
    assert "Traceback" not in log, log[-3000:]
    assert log.count("cannot accept new connections") == 1, log[-3000:]
    with client(server.url) as http:
        assert http.get("languages").status_code == 200


# -- 8. queue floods and disk fills ---------------------------------------------------------------
@contextlib.contextmanager
def silent_site() -> Iterator[str]:
    """A web server that accepts connections and never answers: a fetch from it runs until
    the page's fetch deadline."""
    listener = socket.create_server(("127.0.0.1", 0))
    accepted: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        listener.settimeout(0.2)
        while not stop.is_set():
            with contextlib.suppress(OSError):
                accepted.append(listener.accept()[0])

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}/tin-tuc.html"
    finally:
        stop.set()
        thread.join()
        for sock in accepted:
            sock.close()
        listener.close()


def _join_only(http: httpx.Client, fn_index: int, data: list[Any]) -> httpx.Response:
    return http.post("gradio_api/queue/join", json={
        "data": data, "fn_index": fn_index, "session_hash": uuid.uuid4().hex[:11]})


def test_queued_page_jobs_are_capped(tight_server):
    """--queue-per-client 2, --queue-size 3: jobs that hang (a fetch of a silent site)."""
    with silent_site() as url, client(tight_server.url, "127.0.0.6") as first, \
            client(tight_server.url, "127.0.0.7") as second, \
            client(tight_server.url, "127.0.0.8") as third:
        fetch = PageEvents(first).by_name["load_url"]
        assert _join_only(first, fetch, [url]).status_code == 200
        assert _join_only(first, fetch, [url]).status_code == 200
        refused = _join_only(first, fetch, [url])  # this client's own jobs: said to it
        assert refused.status_code == 422 and "Server busy" in refused.text, refused.text
        assert "2 jobs" in refused.text
        assert _join_only(second, fetch, [url]).status_code == 200
        refused = _join_only(third, fetch, [url])  # the queue is full: Gradio's "busy"
        assert refused.status_code == 503 and "Server busy" in refused.text, refused.text


def _gradio_uploads() -> Path:
    return Path(os.environ.get("GRADIO_TEMP_DIR") or Path("/tmp") / "gradio").resolve()


def test_uploads_are_bounded(tight_server):
    """Document suffixes only; --upload-quota 1,000,000 per client, --upload-total 1,500,000;
    a file read once is deleted, which frees its quota."""
    name = f"tool-{uuid.uuid4().hex[:8]}.exe"
    with client(tight_server.url, "127.0.0.9") as http:
        refused = upload(http, name, b"MZ\x90\x00" * 100)
        assert refused.status_code == 400 and ".txt" in refused.text, refused.text
        assert not list(_gradio_uploads().glob(f"*/{name}"))
        many = http.post("gradio_api/upload", files=[("files", (f"{i}-{name}.txt", b"x"))
                                                     for i in range(20)])
        assert many.status_code == 400, many.text
        assert not list(_gradio_uploads().glob(f"*/*-{name}.txt"))
        text = ((VIETNAMESE + "\n").encode() * 13000)[:600_000]
        first = upload(http, "a.txt", text)
        assert first.status_code == 200, first.text
        [path] = first.json()
        assert Path(path).is_file()
        over = upload(http, "b.txt", text + b"b")
        assert over.status_code == 429 and "quota" in over.text, over.text
        load = PageEvents(http).file_events[0]
        status, answer = join(http, load, [file_data(path)])
        # Longer than this server's --char-limit 500: refused, and its reading stopped early.
        assert status == 200 and not answer["success"], answer
        assert "more than 500 characters" in answer["output"]["error"], answer
        assert not Path(path).exists()  # read once (refused or not), then deleted
        assert upload(http, "c.txt", text + b"c").status_code == 200
    with client(tight_server.url, "127.0.0.10") as other:
        assert upload(other, "d.txt", text + b"d").status_code == 200
    with client(tight_server.url, "127.0.0.11") as late:
        full = upload(late, "e.txt", text + b"e")
        assert full.status_code == 503 and "Server busy" in full.text, full.text


# -- 10. the smaller holes ------------------------------------------------------------------------
def test_client_errors_are_one_json_line(open_server):
    """400s in LibreTranslate's shape, never exception text, never a plain-text 500, and no
    traceback in the log."""
    since = len(open_server.output())
    with client(open_server.url) as http:
        base = {"q": VIETNAMESE, "source": "vi", "target": "en"}
        for body, words in (
                ('{"q": "Trời", "source": "vi", "target": "en", "alternatives": Infinity}',
                 "alternatives"),
                ('{"q": "Trời", "source": "vi", "target": "en", "alternatives": NaN}',
                 "alternatives"),
                (json.dumps({**base, "api_key": {"a": 1}}), "api_key"),
                (json.dumps({**base, "api_key": ["a"]}), "api_key")):
            answer = http.post("translate", content=body,
                               headers={"Content-Type": "application/json"})
            assert answer.status_code == 400 and words in answer.json()["error"], answer.text
        # Malformed HTML: read as best it can be, or refused; never an exception's words.
        answer = http.post("translate", json={**base, "q": "<![<![", "format": "html"})
        assert answer.status_code in (200, 400), answer.text
        assert "Error" not in answer.text and "expected name token" not in answer.text
        # The page's named API with values its components cannot take: refused in one line.
        for data in ([], [VIETNAMESE], [123, None, 1, ""], [VIETNAMESE, "no-such-model", 1, ""],
                     [VIETNAMESE, None, 99, ""], [VIETNAMESE, None, "four", ""]):
            answer = http.post("gradio_api/call/translate", json={"data": data})
            assert answer.status_code == 422, (data, answer.text)
        # Text UTF-8 cannot hold (a lone surrogate): an answer in JSON, never plain text.
        answer = http.post("v1/summarize", content='{"text": "Good morning \\ud800 to all."}',
                           headers={"Content-Type": "application/json"})
        assert answer.headers["content-type"].startswith("application/json"), answer.text
        assert answer.status_code in (200, 400), answer.text
        assert "Error:" not in answer.text and "Traceback" not in answer.text
    log = new_log(open_server, since)
    assert "Traceback" not in log, log[-3000:]


def test_a_client_over_its_rate_is_refused_before_its_body(tight_server):
    with client(tight_server.url, "127.0.0.12") as http:
        for _ in range(3):  # --req-limit 3
            assert http.post("detect", json={"q": VIETNAMESE}).status_code == 200
    sock = _connect(tight_server, "127.0.0.12")
    sock.sendall(b"POST /translate HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                 b"Content-Length: 20000000\r\n\r\n")  # 20 MB announced, not one byte sent
    sock.settimeout(10)
    head = sock.recv(4096)
    sock.close()
    assert head.startswith(b"HTTP/1.1 429"), head[:200]
    retry = re.search(rb"\r\nretry-after: (\d+)\r\n", head, re.IGNORECASE)
    assert retry and 1 <= int(retry.group(1)) <= 60, head[:300]


def test_wrong_keys_and_logins_are_throttled(closed_server):
    body = {"q": VIETNAMESE, "source": "vi", "target": "en"}
    with client(closed_server.url, "127.0.0.13") as http:
        codes = [http.post("detect", json={"q": "x", "api_key": f"guess-{i}"}).status_code
                 for i in range(10)]
        assert codes == [403] * 10
        refused = http.post("translate", json={**body, "api_key": GOOD_KEY})
        assert refused.status_code == 429 and "Retry-After" in refused.headers, refused.text
    with client(closed_server.url, "127.0.0.14") as http:
        codes = [login(http, "ann", f"guess-{i}").status_code for i in range(10)]
        assert codes == [400] * 10
        refused = login(http, "ann", "secret-pw")
        assert refused.status_code == 429, refused.text
    with client(closed_server.url, "127.0.0.15") as http:  # another address is not held back
        assert login(http, "ann", "secret-pw").status_code == 200


def test_links_and_redirects_ignore_the_host_header(open_server):
    forged = {"Host": "evil.example", "X-Forwarded-Host": "evil.example",
              "X-Forwarded-Proto": "https"}
    with client(open_server.url) as http:
        answer = http.post("translate_file", files={"file": ("a.txt", VIETNAMESE.encode())},
                           data={"source": "vi", "target": "en"}, headers=forged)
        assert answer.status_code == 200, answer.text
        assert answer.json()["translatedFileUrl"].startswith(
            "https://translate.example.org/download_file/")
        logout = http.get("logout", headers=forged, follow_redirects=False)
        assert logout.status_code in (302, 307)
        assert logout.headers["location"] == "https://translate.example.org/"


def test_forwarded_for_is_believed_only_from_a_trusted_proxy(tight_server, vi2en_serve):
    def detect_from(url: str, address: str) -> list[int]:
        with client(url, address) as http:
            return [http.post("detect", json={"q": VIETNAMESE},
                              headers={"X-Forwarded-For": f"10.1.0.{i}"}).status_code
                    for i in range(4)]

    # Not trusted by default: rotating X-Forwarded-For does not make new clients.
    assert detect_from(tight_server.url, "127.0.0.1") == [200, 200, 200, 429]
    proxied = vi2en_serve("--req-limit", "3", "--forwarded-allow-ips", "127.0.0.17")
    assert detect_from(proxied.url, "127.0.0.17") == [200] * 4  # each its own client
    assert detect_from(proxied.url, "127.0.0.18") == [200, 200, 200, 429]


def test_auto_source_detects_each_item(open_server):
    with client(open_server.url) as http:
        answer = http.post("translate", json={
            "q": ["Trời mưa to.", "Giá xăng giảm mạnh trong tuần này."], "source": "auto",
            "target": "en"})
        assert answer.status_code == 200, answer.text
        assert [d["language"] for d in answer.json()["detectedLanguage"]] == ["vi", "vi"]
        # Joined, the long Vietnamese text would outweigh the short English one.
        answer = http.post("translate", json={
            "q": ["Trời mưa to ở Hà Nội, giao thông ùn tắc nhiều giờ liền trên các tuyến "
                  "đường chính của thủ đô.", "Good morning, how are you?"],
            "source": "auto", "target": "en"})
        assert answer.status_code == 400, answer.text
        assert answer.json()["error"] == "en is not supported"  # LibreTranslate's words


# -- 10. batch: symlinked output, a failed write ---------------------------------------------
def _batch(args: list[str], translator: Path, **options: Any) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "translate", "batch", *args, "--model",
                           str(translator), "--engine", "transformers", "--beams", "1",
                           "--no-cache", "-q"], cwd=REPO, capture_output=True, text=True,
                          timeout=300, **options)


def _articles(path: Path, count: int) -> Path:
    with path.open("w", encoding="utf-8") as sink:
        for i in range(count):
            sink.write(json.dumps({"id": str(i), "text": VIETNAMESE}, ensure_ascii=False) + "\n")
    return path


def test_the_batch_lock_holds_through_a_symlink(tmp_path, tiny_translator_dir):
    from filelock import FileLock

    articles = _articles(tmp_path / "in.jsonl", 2)
    output = tmp_path / "out.jsonl"
    link = tmp_path / "link.jsonl"
    link.symlink_to(output)
    with FileLock(str(output) + ".lock"):  # a run writing out.jsonl
        done = _batch([str(articles), "-o", str(link)], tiny_translator_dir)
    assert done.returncode == 2, done.stderr
    assert "another vi2en batch run" in done.stderr and not output.exists()
    assert link.is_symlink()  # the user's link is left as it was


def test_a_failed_write_names_the_output(tmp_path, tiny_translator_dir):
    """A full disk and a file-size limit fail the same write (the limit needs no privilege):
    one line, naming the file."""
    articles = _articles(tmp_path / "in.jsonl", 40)
    output = tmp_path / "english.jsonl"

    def small_files() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # an error instead of a signal
        resource.setrlimit(resource.RLIMIT_FSIZE, (4000, 4000))

    done = _batch([str(articles), "-o", str(output)], tiny_translator_dir,
                  preexec_fn=small_files)
    assert done.returncode == 1, done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and str(output) in lines[0], done.stderr
