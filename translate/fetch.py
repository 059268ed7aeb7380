"""A news page fetched from a URL, its article extracted.

Safe to expose to strangers (the web page's URL field): http/https only, one deadline for the
whole fetch (connect, TLS, headers and body, across redirects: a server that sends one byte at a
time cannot hold a fetch past it), a size limit, and no requests to private, loopback,
link-local or otherwise non-public addresses unless ``allow_private=True``. The host is resolved
once, every address it resolves to is checked, and the connection goes to the checked address (so
a second DNS answer cannot point it elsewhere); every redirect is checked the same way.
"""

from __future__ import annotations

import functools
import http.client
import io
import ipaddress
import logging
import socket
import ssl
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urljoin, urlsplit

from .errors import InputError, one_line
from .extract import ExtractionError, decode_text, html_to_text

logger = logging.getLogger(__name__)

DEFAULT_TIMEOUT_S = 15.0
DEFAULT_MAX_BYTES = 5 * 1024 * 1024
MAX_REDIRECTS = 5
USER_AGENT = "vi2en/0.1 (article fetch; +https://github.com/)"
_HTML_TYPES = ("text/html", "application/xhtml+xml")
_TEXT_TYPES = ("text/plain",)


class FetchError(InputError):
    """A URL that cannot or may not be fetched; the message is one line for the user."""


@dataclass(frozen=True)
class Page:
    """A fetched document: where it ended up and its raw bytes."""

    url: str
    content_type: str
    charset: str | None
    body: bytes


def is_public_address(address: str) -> bool:
    """True for a globally routable unicast address (not private, loopback, link-local...)."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])  # drop an IPv6 zone id
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped  # ::ffff:127.0.0.1 is loopback
    # is_global is False for private, loopback, link-local, reserved, shared (100.64/10),
    # unspecified and documentation ranges; multicast can be global but is never a web page.
    return ip.is_global and not ip.is_multicast


def _check_url(url: str) -> tuple[str, str, int, str]:
    """(scheme, host, port, path-with-query) of an acceptable URL."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError as exc:
        raise FetchError(f"not a valid URL ({exc})") from None
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        raise FetchError(f"only http and https URLs can be fetched, not '{scheme or 'none'}'")
    if not parts.hostname:
        raise FetchError("the URL has no host name")
    if parts.username or parts.password:
        raise FetchError("URLs with a user name or password are not fetched")
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    return scheme, parts.hostname, port or (443 if scheme == "https" else 80), path


def _resolve(host: str, port: int, allow_private: bool) -> str:
    """The address to connect to; refuses a host with any non-public address."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise FetchError(f"cannot resolve host '{host}' ({exc.strerror})") from None
    addresses = list(dict.fromkeys(info[4][0] for info in infos))
    if not addresses:
        raise FetchError(f"cannot resolve host '{host}'")
    if not allow_private:
        blocked = [a for a in addresses if not is_public_address(a)]
        if blocked:
            logger.warning("refused fetch of %s: resolves to non-public %s", host, blocked)
            raise FetchError(f"'{host}' is on a private, loopback or link-local network; "
                             "such addresses are refused (the server can allow them with "
                             "--allow-private-urls)")
    return addresses[0]


class _Deadline:
    """The end of one fetch: every blocking step gets the time left, none more."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self._end = time.monotonic() + seconds

    def remaining(self) -> float:
        """Seconds left; TimeoutError once none are."""
        left = self._end - time.monotonic()
        if left <= 0:
            raise TimeoutError(f"deadline of {self.seconds:g} s passed")
        return left


class _DeadlineReader(io.RawIOBase):
    """A socket read so that each receive waits at most the time left, not a fresh timeout.

    A socket timeout alone bounds one receive: a server sending a byte every half second never
    trips it. Here every receive (status line, headers, body, chunk sizes) first sets the
    socket's timeout to what is left of the deadline, and fails once nothing is left.
    """

    def __init__(self, sock: socket.socket, deadline: _Deadline, socket_file: io.IOBase) -> None:
        super().__init__()
        self._sock = sock
        self._deadline = deadline
        # http.client's own file on the socket, kept open (unread) while the response is: a
        # connection that will close hands its socket to the response, and the socket only
        # really closes when no file on it is open.
        self._socket_file = socket_file

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        self._sock.settimeout(self._deadline.remaining())
        return self._sock.recv_into(buffer)

    def close(self) -> None:
        if not self.closed:
            self._socket_file.close()
        super().close()


class _DeadlineResponse(http.client.HTTPResponse):
    """An HTTP response read within the fetch's deadline."""

    def __init__(self, sock: socket.socket, *args: Any, deadline: _Deadline,
                 **kwargs: Any) -> None:
        super().__init__(sock, *args, **kwargs)
        self.fp = io.BufferedReader(_DeadlineReader(sock, deadline, self.fp))


class _PinnedHTTPConnection(http.client.HTTPConnection):
    """HTTP to an address already checked, whatever the host name resolves to now, within a
    deadline (connect, send and every read)."""

    def __init__(self, host: str, port: int, address: str, deadline: _Deadline) -> None:
        super().__init__(host, port, timeout=deadline.remaining())
        self._address = address
        self._deadline = deadline
        self.response_class = functools.partial(_DeadlineResponse, deadline=deadline)

    def _open_socket(self) -> socket.socket:
        return socket.create_connection((self._address, self.port), self._deadline.remaining())

    def connect(self) -> None:
        self.sock = self._open_socket()
        self.sock.settimeout(self._deadline.remaining())  # for sending the request


class _PinnedHTTPSConnection(_PinnedHTTPConnection):
    """HTTPS to an address already checked; the certificate is checked against the host name."""

    default_port = http.client.HTTPS_PORT

    def connect(self) -> None:
        sock = self._open_socket()
        # The handshake as a whole is bounded by the socket's timeout (CPython's ssl module
        # counts one deadline across its reads and writes).
        sock.settimeout(self._deadline.remaining())
        self.sock = ssl.create_default_context().wrap_socket(sock, server_hostname=self.host)
        self.sock.settimeout(self._deadline.remaining())


def fetch(url: str, *, allow_private: bool = False, timeout: float = DEFAULT_TIMEOUT_S,
          max_bytes: int = DEFAULT_MAX_BYTES) -> Page:
    """GET a URL, following redirects (each checked), within ``timeout`` seconds overall."""
    deadline = _Deadline(timeout)
    current = url.strip()
    for _ in range(MAX_REDIRECTS + 1):
        scheme, host, port, path = _check_url(current)
        address = _resolve(host, port, allow_private)
        try:
            cls = _PinnedHTTPSConnection if scheme == "https" else _PinnedHTTPConnection
            connection = cls(host, port, address, deadline)
        except TimeoutError:
            raise FetchError(_too_slow(timeout, host)) from None
        try:
            connection.request("GET", path, headers={
                "User-Agent": USER_AGENT, "Accept-Encoding": "identity",
                "Accept": "text/html,application/xhtml+xml,text/plain;q=0.8,*/*;q=0.1"})
            response = connection.getresponse()
            if response.status in (301, 302, 303, 307, 308):
                location = response.getheader("Location")
                if not location:
                    raise FetchError(f"the server redirected ({response.status}) without "
                                     "saying where")
                current = urljoin(current, location)
                logger.info("redirect %d -> %s", response.status, current)
                continue
            if response.status != 200:
                raise FetchError(f"the server answered {response.status} {response.reason}")
            body = _read_limited(response, max_bytes, deadline)
            content_type = response.headers.get_content_type()
            charset = response.headers.get_content_charset()
            return Page(url=current, content_type=content_type, charset=charset, body=body)
        except (OSError, http.client.HTTPException) as exc:
            # TimeoutError is what the deadline raises; "timed out" is an SSLError's wording.
            if isinstance(exc, TimeoutError) or "timed out" in str(exc):
                logger.info("fetch of %s stopped at the %g s deadline", current, timeout)
                raise FetchError(_too_slow(timeout, host)) from None
            raise FetchError(one_line(f"could not fetch {host}: {exc}")) from None
        finally:
            connection.close()
    raise FetchError(f"more than {MAX_REDIRECTS} redirects")


def _too_slow(timeout: float, host: str) -> str:
    return f"the page took longer than {timeout:g} s ({host})"


def _read_limited(response: http.client.HTTPResponse, max_bytes: int,
                  deadline: _Deadline) -> bytes:
    """The body, refused (not cut) when larger than ``max_bytes`` or slower than the deadline
    (each read is bounded by the deadline too: see :class:`_DeadlineReader`)."""
    declared = response.getheader("Content-Length")
    if declared and declared.isdigit() and int(declared) > max_bytes:
        raise FetchError(f"the page is larger than the limit ({int(declared):,} bytes > "
                         f"{max_bytes:,})")
    chunks: list[bytes] = []
    size = 0
    while True:
        deadline.remaining()  # TimeoutError once it has passed
        chunk = response.read1(65536)
        if not chunk:
            return b"".join(chunks)
        size += len(chunk)
        if size > max_bytes:
            raise FetchError(f"the page is larger than the limit ({max_bytes:,} bytes)")
        chunks.append(chunk)


def fetch_article(url: str, *, allow_private: bool = False,
                  timeout: float = DEFAULT_TIMEOUT_S,
                  max_bytes: int = DEFAULT_MAX_BYTES) -> str:
    """The article text of the page at ``url`` (trafilatura for HTML; plain text as is)."""
    page = fetch(url, allow_private=allow_private, timeout=timeout, max_bytes=max_bytes)
    try:
        if page.content_type in _HTML_TYPES:
            return html_to_text(page.body, url=page.url)
        if page.content_type in _TEXT_TYPES:
            if page.charset and page.charset.lower().replace("_", "-") not in ("utf-8", "utf8",
                                                                                 "us-ascii"):
                return page.body.decode(page.charset, errors="strict")
            return decode_text(page.body, page.url)
    except (ExtractionError, UnicodeDecodeError, LookupError) as exc:
        raise FetchError(one_line(f"{page.url}: {exc}")) from None
    raise FetchError(f"{page.url} is not a web page ({page.content_type})")
