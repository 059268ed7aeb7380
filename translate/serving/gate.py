"""The ASGI gate in front of the whole app: every request, to the REST API or to the page,
passes here before FastAPI or Gradio reads it.

- **Body size**: one limit (``--max-body``) for every path, Gradio's included; a declared
  length over it is refused before a byte is read, a streamed body as soon as it passes it.
- **Gradio's routes**: only those the page's own script uses are open; the named API
  (``/gradio_api/call/NAME``, its docs) only for the page's public endpoints, and not at all
  when the policy closes it; ``/gradio_api/file=URL`` (Gradio's fetch-any-URL proxy) never.
- **Uploads**: document suffixes only, within the per-client and total quotas
  (:class:`~translate.serving.uploads.UploadLedger`).
- **Logins**: an address that gave too many wrong passwords is refused before Gradio checks.
- **Host headers**: redirects go to ``--public-url`` or a relative path; ``X-Forwarded-*``
  headers are dropped unless a proxy is trusted (``--forwarded-allow-ips``).

Refusals are ``{"error": "…"}`` with 4xx/5xx, as the REST API answers.
"""

from __future__ import annotations

import contextlib
import json
import logging
import re
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .limits import ClientLimits, Refusal, client_of
from .uploads import UploadLedger

logger = logging.getLogger(__name__)

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

GRADIO_API = "/gradio_api/"
# What the page's own script asks for under /gradio_api/ (Gradio 6): the queue, the page's
# unqueued steps (run/predict: Gradio runs only events without a queue there), uploads, served
# files, heartbeats, cancelling, the login state. Everything else there is refused: named
# direct calls (run/NAME, api/NAME), streams, recordings, proxies, run history, vibe editing.
PAGE_ROUTES = frozenset({"queue/join", "queue/data", "run/predict", "upload", "upload_progress",
                         "cancel", "reset", "startup-events", "user", "login_check", "token",
                         "app_id", "theme.css"})
PAGE_ROUTE_PREFIXES = ("file=", "heartbeat/")
# The named API's description, open only with the named API.
API_DOC_ROUTES = frozenset({"info", "openapi.json"})
_CALL_RE = re.compile(r"call/(?:v2/)?([^/]+)(?:/[^/]+)?")
# Gradio's own pages the page does not need (usage analytics: session ids and timings).
REFUSED_TOP_ROUTES = ("/monitoring",)
FORWARDED_HEADERS = frozenset({b"forwarded", b"x-forwarded-for", b"x-forwarded-host",
                               b"x-forwarded-proto", b"x-forwarded-port", b"x-forwarded-prefix",
                               b"x-real-ip"})


@dataclass(frozen=True)
class GateRules:
    """What the gate lets through."""

    max_body_bytes: int
    page: bool = True
    # The page's endpoints a client may call by name; None: the named API is off.
    named_api: frozenset[str] | None = frozenset()
    trust_forwarded: bool = False
    public_url: str | None = None
    upload_suffixes: tuple[str, ...] = ()  # extract.DOCUMENT_SUFFIXES, from the caller


class BodyTooLarge(Exception):
    """A streamed body passed the limit."""


async def respond(send: Send, status: int, message: str, *, headers: dict[str, str] | None = None,
                  close: bool = False) -> None:
    """``{"error": message}`` with ``status``; ``close`` ends the connection after it, so the
    rest of an unread body is not even received (for bodies over the size limit)."""
    body = json.dumps({"error": message}, ensure_ascii=True).encode()
    raw = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
           (b"access-control-allow-origin", b"*")]
    raw += [(name.lower().encode(), value.encode()) for name, value in (headers or {}).items()]
    if close:
        raw.append((b"connection", b"close"))
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": body})


def address_of(scope: Scope) -> str | None:
    client = scope.get("client")
    return client[0] if client else None


def _declared_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers") or ():
        if name == b"content-length":
            return int(value) if value.isdigit() else None
    return None


class ServerGate:
    """The gate (see the module's docstring); ``limits`` and ``uploads`` are shared with the
    rest of the server."""

    def __init__(self, app: ASGIApp, rules: GateRules, limits: ClientLimits | None = None,
                 uploads: UploadLedger | None = None) -> None:
        self.app = app
        self.rules = rules
        self.limits = limits
        self.uploads = uploads

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":  # lifespan; websockets are not served
            await self.app(scope, receive, send)
            return
        if not self.rules.trust_forwarded:
            scope = {**scope, "headers": [(k, v) for k, v in scope.get("headers") or ()
                                          if k not in FORWARDED_HEADERS]}
        path, method = scope["path"], scope["method"]
        refused = self._route_refusal(path)
        if refused is not None:
            logger.info("refused %s %s: %s", method, path[:200], refused[1])
            await respond(send, *refused)
            return
        declared = _declared_length(scope)
        if declared is not None and declared > self.rules.max_body_bytes:
            await self._too_large(send, declared)
            return
        if self.rules.page and method == "POST" and path == GRADIO_API + "upload":
            await self._upload(scope, receive, send, declared)
        elif self.rules.page and method == "POST" and path.rstrip("/") == "/login":
            await self._login(scope, receive, send)
        elif self.rules.page and path.rstrip("/") in ("/login", "/logout"):
            await self._bounded(scope, receive, self._redirect_home(send))
        else:
            await self._bounded(scope, receive, send)

    # -- routes ------------------------------------------------------------------------------
    def _route_refusal(self, path: str) -> tuple[int, str] | None:
        if not self.rules.page:
            return None
        if path.startswith(REFUSED_TOP_ROUTES):
            return 404, "Not found"
        if not path.startswith(GRADIO_API):
            return None
        route = path[len(GRADIO_API):]
        if route.startswith("file="):
            target = route[len("file="):].lower()
            if target.startswith(("http:", "https:", "//")):
                return 403, "File not allowed"
            return None
        if route.rstrip("/") in PAGE_ROUTES or route.startswith(PAGE_ROUTE_PREFIXES):
            return None
        named = self.rules.named_api
        if named is not None and route.rstrip("/") in API_DOC_ROUTES:
            return None
        call = _CALL_RE.fullmatch(route.rstrip("/"))
        if call is not None and named is not None and call.group(1) in named:
            return None
        if call is not None or route.rstrip("/") in API_DOC_ROUTES:
            return 404, ("The page's API is off on this server" if named is None else
                         f"No such API endpoint; this server's are: "
                         f"{', '.join('/' + n for n in sorted(named))}")
        return 404, "Not found"

    # -- body size ---------------------------------------------------------------------------
    async def _too_large(self, send: Send, size: int | None) -> None:
        limit = self.rules.max_body_bytes
        said = f"{size:,} bytes" if size is not None else f"over {limit:,} bytes"
        await respond(send, 413, f"Request body too large ({said}; the limit is {limit:,})",
                      close=True)

    async def _bounded(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Run the app with the body cut at the limit; past it, the app's answer is replaced
        by a 413 (the app then sees the client as gone)."""
        limit = self.rules.max_body_bytes
        seen = 0
        exceeded = started = False

        async def bounded_receive() -> Message:
            nonlocal seen, exceeded
            if exceeded:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    exceeded = True
                    raise BodyTooLarge
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal started
            if exceeded and not started:
                return  # whatever the app makes of a cut-off body; the 413 goes instead
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, bounded_receive, guarded_send)
        except Exception:
            if not exceeded:
                raise
        if exceeded and not started:
            await self._too_large(send, None)

    # -- uploads -----------------------------------------------------------------------------
    async def _upload(self, scope: Scope, receive: Receive, send: Send,
                      declared: int | None) -> None:
        """An upload to the page: within the quotas, document files only."""
        if self.uploads is None:
            await self._bounded(scope, receive, send)
            return
        client = client_of(address_of(scope))
        size = declared if declared is not None else self.rules.max_body_bytes
        with self.uploads.upload(client, size) as refusal:
            if refusal is not None:
                # Answered at once; uvicorn reads past the unread body without keeping it.
                await respond(send, refusal.status, refusal.message, headers=refusal.headers)
                return
            answer = _Captured()
            await self._bounded(scope, receive, answer.send)
            paths = answer.json_list() if answer.status == 200 else None
            if paths is not None:
                problem = self._not_documents(paths)
                if problem is not None:
                    _delete_uploads(paths)
                    await respond(send, 400, problem)
                    return
                self.uploads.record(client, paths)
            await answer.replay(send)

    def _not_documents(self, paths: list[str]) -> str | None:
        if len(paths) > 1:  # the page sends one; a thousand tiny files would be inodes, not text
            return "One file per upload"
        suffixes = self.rules.upload_suffixes
        for path in paths:
            suffix = Path(path).suffix.lower()
            if suffix not in suffixes:
                return (f"File format not supported ({suffix or 'no suffix'}); this page reads "
                        f"{', '.join(suffixes)} files")
        return None

    # -- logins and redirects ----------------------------------------------------------------
    async def _login(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Gradio's login, after too many wrong passwords from an address refused unread."""
        address = address_of(scope)
        if self.limits is not None:
            refusal: Refusal | None = self.limits.failing(address)
            if refusal is not None:
                logger.info("login refused for %s: too many wrong attempts", address)
                await respond(send, 429, refusal.message, headers=refusal.headers)
                return
        status = 0

        async def watched(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        await self._bounded(scope, receive, self._redirect_home(watched))
        if status in (400, 401) and self.limits is not None:
            logger.info("wrong login from %s", address)
            self.limits.failed(address)

    def _redirect_home(self, send: Send) -> Send:
        """Gradio builds the redirects of /login and /logout from the Host header; they go to
        the public URL, or to this server's root, instead."""
        home = (self.rules.public_url.rstrip("/") + "/") if self.rules.public_url else "/"

        async def rewritten(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [(k, home.encode() if k.lower() == b"location" else v)
                           for k, v in message.get("headers", [])]
                message = {**message, "headers": headers}
            await send(message)

        return rewritten


class _Captured:
    """An app's answer held back, to be checked before it is sent (small: a list of paths)."""

    def __init__(self) -> None:
        self.start: Message | None = None
        self.body: list[bytes] = []

    async def send(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            self.start = message
        else:
            self.body.append(message.get("body", b""))

    @property
    def status(self) -> int:
        return self.start["status"] if self.start else 0

    def json_list(self) -> list[str] | None:
        try:
            value = json.loads(b"".join(self.body))
        except ValueError:
            return None
        if isinstance(value, list) and all(isinstance(v, str) for v in value):
            return value
        return None

    async def replay(self, send: Send) -> None:
        if self.start is None:
            return
        await send(self.start)
        await send({"type": "http.response.body", "body": b"".join(self.body)})


def _delete_uploads(paths: list[str]) -> None:
    """Remove the files an upload just left (and their folders, once empty)."""
    for path in paths:
        file = Path(path)
        with contextlib.suppress(OSError):
            file.unlink()
            file.parent.rmdir()
