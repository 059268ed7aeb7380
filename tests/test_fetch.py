"""URL fetch: a page served on localhost, the private-address guard, limits, redirects."""

from __future__ import annotations

import html
import socket
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from translate import fetch as fetch_module
from translate.fetch import FetchError, fetch, fetch_article, is_public_address

# How long the slow servers below hold a client that does not give up. A fetch must end near
# its deadline (0.5 to 1 s here); the tests allow a few seconds more, for a busy machine, and
# the servers hold many times that, so a deadline that does not work cannot pass for one.
HOLD_S = 30.0
SLACK_S = 4.0


def _article_page(text: str) -> bytes:
    paragraphs = "".join(f"<p>{html.escape(p)}</p>" for p in text.split("\n\n") if p.strip())
    return (f"<!doctype html><html lang='vi'><head><meta charset='utf-8'><title>Tin tức</title>"
            f"</head><body><nav><a href='/'>Trang chủ</a> | <a href='/x'>Thể thao</a></nav>"
            f"<article><h1>Metro số 2</h1>{paragraphs}</article>"
            f"<footer>Bản quyền © Báo Mẫu</footer></body></html>").encode()


class _Handler(BaseHTTPRequestHandler):
    pages: dict[str, tuple[int, str, bytes, dict[str, str]]] = {}

    def do_GET(self) -> None:  # noqa: N802  (http.server's name)
        if self.path == "/slow":
            # Answer nothing until the client hangs up (or HOLD_S): a fetch without its
            # deadline would wait all that time, far beyond any bound a test sets.
            self.connection.settimeout(HOLD_S)
            try:
                self.connection.recv(1)  # b"" once the client has closed its end
            except OSError:
                pass
            return
        status, content_type, body, headers = self.pages.get(
            self.path, (404, "text/plain", b"not found", {}))
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for key, value in headers.items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:  # keep test output quiet
        return


class _Server(ThreadingHTTPServer):
    # server_close() waits for handler threads, so none outlives the module (and its SIGPIPE
    # setting); a client that hung up on purpose is not an error worth a traceback.
    daemon_threads = False
    block_on_close = True

    def handle_error(self, request: object, client_address: object) -> None:
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


@pytest.fixture(scope="module")
def server(example_text: str) -> Iterator[str]:
    """A local web server with an article, redirects, a big page, a binary and a slow page."""
    httpd = _Server(("127.0.0.1", 0), _Handler)
    base = f"http://127.0.0.1:{httpd.server_address[1]}"
    _Handler.pages = {
        "/article.html": (200, "text/html; charset=utf-8", _article_page(example_text), {}),
        "/plain.txt": (200, "text/plain; charset=utf-8", "Xin chào Hà Nội.".encode(), {}),
        "/go": (302, "text/plain", b"", {"Location": "/article.html"}),
        "/elsewhere": (301, "text/plain", b"", {"Location": "http://127.0.0.2:9/x"}),
        "/loop": (302, "text/plain", b"", {"Location": "/loop"}),
        "/big.html": (200, "text/html", b"<p>" + b"a" * 200_000 + b"</p>", {}),
        "/file.bin": (200, "application/octet-stream", b"\x00\x01", {}),
    }
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield base
    httpd.shutdown()
    httpd.server_close()


def test_article_extracted_from_a_local_page_with_the_guard_off(server, example_text):
    text = fetch_article(f"{server}/article.html", allow_private=True)
    first = example_text.split("\n\n")[0].strip()[:60]
    assert first in text
    assert "Bản quyền" not in text and "Trang chủ" not in text  # boilerplate left out
    assert "\n\n" in text  # paragraphs kept


def test_loopback_refused_by_default(server):
    with pytest.raises(FetchError, match="private, loopback or link-local"):
        fetch_article(f"{server}/article.html")
    port = server.rsplit(":", 1)[1]
    with pytest.raises(FetchError, match="private, loopback or link-local"):
        fetch_article(f"http://localhost:{port}/article.html")


def test_redirect_followed_and_each_hop_checked(server, monkeypatch):
    page = fetch(f"{server}/go", allow_private=True)
    assert page.url.endswith("/article.html") and page.body.startswith(b"<!doctype")
    # Let the first hop through (as if 127.0.0.1 were public); the redirect target must be
    # checked again and refused.
    monkeypatch.setattr(fetch_module, "is_public_address", lambda a: a == "127.0.0.1")
    with pytest.raises(FetchError, match="127.0.0.2.*refused"):
        fetch(f"{server}/elsewhere")
    with pytest.raises(FetchError, match="redirects"):
        fetch(f"{server}/loop", allow_private=True)


@pytest.mark.parametrize("url, message", [
    ("file:///etc/passwd", "only http and https"),
    ("ftp://example.com/a", "only http and https"),
    ("javascript:alert(1)", "only http and https"),
    ("http://user:pw@example.com/", "user name or password"),
    ("http:///nohost", "no host"),
    ("http://example.com:99999/", "not a valid URL"),
])
def test_bad_urls_refused_before_any_connection(url, message):
    with pytest.raises(FetchError, match=message):
        fetch(url, allow_private=True)


def test_limits_and_server_answers(server):
    with pytest.raises(FetchError, match="larger than the limit"):
        fetch_article(f"{server}/big.html", allow_private=True, max_bytes=10_000)
    with pytest.raises(FetchError, match="404"):
        fetch_article(f"{server}/missing", allow_private=True)
    with pytest.raises(FetchError, match="not a web page"):
        fetch_article(f"{server}/file.bin", allow_private=True)
    assert fetch_article(f"{server}/plain.txt", allow_private=True) == "Xin chào Hà Nội."
    started = time.monotonic()
    with pytest.raises(FetchError, match=r"took longer than 0.5 s"):
        fetch_article(f"{server}/slow", allow_private=True, timeout=0.5)
    assert time.monotonic() - started < 0.5 + SLACK_S


class _DribblingServer:
    """Answers every connection one byte per ``interval`` s (headers too, when ``headers``
    is False: the status line itself dribbles) and stops itself after ``lifetime`` s."""

    def __init__(self, *, headers: bool, interval: float = 0.3, lifetime: float = HOLD_S) -> None:
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.listener.settimeout(0.2)
        self.url = f"http://127.0.0.1:{self.listener.getsockname()[1]}/"
        head = b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n\r\n"
        body = b"<p>" + b"a" * 1000
        self.at_once, self.dribbled = (head, body) if headers else (b"", head + body)
        self.interval = interval
        self.stop_at = time.monotonic() + lifetime
        self.threads: list[threading.Thread] = []
        self.accepter = threading.Thread(target=self._accept, daemon=True)
        self.accepter.start()

    def _accept(self) -> None:
        with self.listener:
            while time.monotonic() < self.stop_at:
                try:
                    connection, _ = self.listener.accept()
                except TimeoutError:
                    continue
                thread = threading.Thread(target=self._dribble, args=(connection,), daemon=True)
                thread.start()
                self.threads.append(thread)

    def _dribble(self, connection: socket.socket) -> None:
        with connection:
            try:
                connection.recv(65536)  # the request
                connection.sendall(self.at_once)
                for byte in self.dribbled:
                    if time.monotonic() > self.stop_at:
                        return
                    connection.sendall(bytes([byte]))
                    time.sleep(self.interval)
            except OSError:  # the client gave up and hung up: what the test wants
                return

    def close(self) -> None:
        self.stop_at = 0.0
        self.accepter.join()
        for thread in self.threads:
            thread.join()


@pytest.fixture(params=[True, False], ids=["body-dribbles", "headers-dribble"])
def dribbling(request) -> Iterator[_DribblingServer]:
    server = _DribblingServer(headers=request.param)
    yield server
    server.close()


def test_a_dribbling_server_cannot_hold_a_fetch_past_its_deadline(dribbling):
    started = time.monotonic()
    with pytest.raises(FetchError) as info:
        fetch_article(dribbling.url, allow_private=True, timeout=1.0)
    assert time.monotonic() - started < 1.0 + SLACK_S
    assert str(info.value) == "the page took longer than 1 s (127.0.0.1)"


def test_a_tls_server_that_never_answers_the_handshake_is_bounded():
    with socket.create_server(("127.0.0.1", 0)) as listener:  # accepts, then says nothing
        started = time.monotonic()
        with pytest.raises(FetchError, match=r"took longer than 0.5 s"):
            fetch(f"https://127.0.0.1:{listener.getsockname()[1]}/", allow_private=True,
                  timeout=0.5)
        assert time.monotonic() - started < 0.5 + SLACK_S


@pytest.mark.slow  # the slow fetches run to their 3 s deadline
def test_slow_fetches_do_not_hold_up_a_fast_one(server):
    """A fast fetch returns while four slow ones are still waiting on their deadline: no lock
    or shared pool makes it queue behind them (an order, not a time, is asserted)."""
    slow = _DribblingServer(headers=True)
    failures: list[BaseException] = []

    def fetch_slowly() -> None:
        try:
            fetch(slow.url, allow_private=True, timeout=3.0)
        except FetchError as exc:
            failures.append(exc)

    threads = [threading.Thread(target=fetch_slowly) for _ in range(4)]
    try:
        for thread in threads:
            thread.start()
        time.sleep(0.3)  # the slow ones are connected and reading
        assert fetch_article(f"{server}/plain.txt", allow_private=True, timeout=3.0)
        assert all(thread.is_alive() for thread in threads), "the fast fetch waited"
        for thread in threads:
            thread.join(timeout=3.0 + SLACK_S)
        assert len(failures) == 4 and all("took longer" in str(f) for f in failures)
    finally:
        slow.close()


@pytest.mark.parametrize("address, public", [
    ("127.0.0.1", False), ("10.1.2.3", False), ("172.16.0.1", False), ("192.168.1.1", False),
    ("169.254.169.254", False), ("100.64.0.1", False), ("0.0.0.0", False), ("224.0.0.1", False),
    ("::1", False), ("fe80::1%eth0", False), ("fc00::1", False), ("::ffff:127.0.0.1", False),
    ("::ffff:10.0.0.1", False), ("8.8.8.8", True), ("2606:4700:4700::1111", True),
    ("::ffff:8.8.8.8", True),
])
def test_public_address_classification(address, public):
    assert is_public_address(address) is public
