"""The HTTP connection: what uvicorn 0.55 does not bound by itself.

uvicorn times out only an idle kept-alive connection (``timeout_keep_alive``) and bounds the
size of the headers (h11's ``max_incomplete_event_size``). A connection that never finishes its
headers or its body stays open, every open connection holds a file handle, and when the handles
run out asyncio logs a traceback for every failed ``accept()``. Here:

- the request line and headers must arrive within ``header_timeout_s`` of the connection
  opening (of their first byte, on a kept-alive connection), the body within
  ``body_timeout_s`` of the headers; past either the client gets ``408`` and the connection
  is closed;
- connections beyond ``max_connections`` (or ``max_connections_per_client`` from one address)
  get ``503`` at once and are closed, before any of their bytes is read;
- running out of file handles is one warning a minute, not a traceback per ``accept()``.

h11 is the HTTP implementation (the one uvicorn uses without httptools): these guards hook its
connection states.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections import Counter
from typing import Any

from .settings import ServerSettings

logger = logging.getLogger(__name__)

# A condition that may repeat every second (a full connection table, no file handles left) is
# logged at most once per this many seconds, with the count since.
LOG_EVERY_S = 60.0


class _Once:
    """A warning logged once, then at most once per ``LOG_EVERY_S`` with the repeats counted."""

    def __init__(self, message: str) -> None:
        self.message = message
        self.last = -LOG_EVERY_S
        self.repeats = 0

    def __call__(self, *args: Any) -> None:
        now = time.monotonic()
        if now - self.last < LOG_EVERY_S:
            self.repeats += 1
            return
        since = f" ({self.repeats} more times since)" if self.repeats else ""
        logger.warning(self.message + since, *args)
        self.last, self.repeats = now, 0


def _raw_response(status: str, message: str | None = None, retry_after: int | None = None
                  ) -> bytes:
    """An answer written straight to the socket, outside h11's request cycle (there is no
    complete request to answer)."""
    body = json.dumps({"error": message}).encode() if message else b""
    head = [f"HTTP/1.1 {status}", "Connection: close", f"Content-Length: {len(body)}"]
    if body:
        head.append("Content-Type: application/json")
    if retry_after is not None:
        head.append(f"Retry-After: {retry_after}")
    return ("\r\n".join(head) + "\r\n\r\n").encode() + body


def guarded_protocol(settings: ServerSettings) -> type[asyncio.Protocol]:
    """uvicorn's h11 protocol with the timeouts and connection caps of ``settings``."""
    import h11
    from uvicorn.protocols.http.h11_impl import H11Protocol

    per_client: Counter[str] = Counter()
    table_full = _Once("connections refused: %d open, the limit (--max-connections)")
    client_full = _Once("connections refused from %s: %d open, the limit "
                        "(--max-connections-per-client)")

    class GuardedH11Protocol(H11Protocol):
        """H11Protocol, with deadlines for the request and caps on connections."""

        _deadline: asyncio.TimerHandle | None = None
        _waiting_for: str | None = None  # "headers" or "body"
        _address: str | None = None

        def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
            peer = transport.get_extra_info("peername")
            address = peer[0] if isinstance(peer, tuple) else None
            refusal = self._refusal(address)
            if refusal is not None:
                self.transport = transport
                transport.write(refusal)
                transport.close()
                return
            super().connection_made(transport)
            self._address = address
            if address is not None:
                per_client[address] += 1
            self._wait("headers")  # a connection that says nothing is closed with the rest

        def _refusal(self, address: str | None) -> bytes | None:
            if len(self.connections) >= settings.max_connections:
                table_full(len(self.connections))
                return _raw_response("503 Service Unavailable",
                                     "Server busy: too many connections; try again", 5)
            cap = settings.max_connections_per_client
            if cap and address is not None and per_client[address] >= cap:
                client_full(address, per_client[address])
                return _raw_response("503 Service Unavailable",
                                     "Too many connections from your address", 5)
            return None

        def connection_lost(self, exc: Exception | None) -> None:
            self._stop_waiting()
            if self._address is not None:
                per_client[self._address] -= 1
                if per_client[self._address] <= 0:
                    del per_client[self._address]
                self._address = None
            super().connection_lost(exc)

        def data_received(self, data: bytes) -> None:
            super().data_received(data)
            self._follow()

        def on_response_complete(self) -> None:
            super().on_response_complete()
            self._follow()

        def _follow(self) -> None:
            """Arm the deadline for what the connection now waits for from the client."""
            if self.transport.is_closing():
                self._stop_waiting()
                return
            state = self.conn.their_state
            if state is h11.IDLE:
                # Between requests uvicorn's keep-alive timer watches; once the next request
                # has begun, its headers have header_timeout_s to arrive.
                if self.conn.trailing_data[0]:
                    self._wait("headers")
            elif state is h11.SEND_BODY:
                self._wait("body")
            else:  # the request has arrived (or the connection is done)
                self._stop_waiting()

        def _wait(self, what: str) -> None:
            if self._waiting_for == what:
                return  # the deadline runs from the start, not from the last byte
            self._stop_waiting()
            timeout = (settings.header_timeout_s if what == "headers"
                       else settings.body_timeout_s)
            self._waiting_for = what
            self._deadline = self.loop.call_later(timeout, self._timed_out, what)

        def _stop_waiting(self) -> None:
            if self._deadline is not None:
                self._deadline.cancel()
            self._deadline = None
            self._waiting_for = None

        def _timed_out(self, what: str) -> None:
            self._deadline = None
            self._waiting_for = None
            if self.transport.is_closing():
                return
            logger.debug("closing a connection from %s: its %s did not arrive in time",
                         self._address, what)
            said_nothing = what == "headers" and not self.conn.trailing_data[0]
            answering = self.cycle is not None and self.cycle.response_started
            if not said_nothing and not answering:
                self.transport.write(_raw_response("408 Request Timeout",
                                                   f"The request's {what} took too long"))
            if self.cycle is not None and not self.cycle.response_complete:
                self.cycle.disconnected = True  # the app sees the client gone
                self.cycle.message_event.set()
            self.transport.close()

    return GuardedH11Protocol


def quiet_accept_errors(loop: asyncio.AbstractEventLoop, settings: ServerSettings) -> None:
    """Out of file handles, asyncio's accept loop reports every retry with a traceback; say it
    once a minute instead, with what to change."""
    from .settings import open_files_limit

    default = loop.get_exception_handler()
    out_of_handles = _Once("cannot accept new connections: %s (the open-files limit, ulimit -n, "
                           "is %s; --max-connections is %d): raise the limit or lower "
                           "--max-connections")

    def handler(loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
        if str(context.get("message", "")).startswith("socket.accept() out of system resource"):
            error = context.get("exception")
            out_of_handles(getattr(error, "strerror", None) or error, open_files_limit(),
                           settings.max_connections)
            return
        if default is not None:
            default(loop, context)
        else:
            loop.default_exception_handler(context)

    loop.set_exception_handler(handler)


def server_config(app: Any, *, host: str, port: int, settings: ServerSettings) -> Any:
    """uvicorn's configuration with the guards of ``settings``."""
    import uvicorn

    trusted = settings.forwarded_allow_ips
    return uvicorn.Config(app, host=host, port=port, log_level="warning",
                          timeout_graceful_shutdown=5, http=guarded_protocol(settings),
                          ws="none", timeout_keep_alive=settings.keep_alive_s,  # type: ignore[arg-type]
                          h11_max_incomplete_event_size=settings.max_header_bytes,
                          proxy_headers=trusted is not None, forwarded_allow_ips=trusted)


def guarded_server(config: Any, settings: ServerSettings) -> Any:
    """A uvicorn server whose event loop reports running out of file handles quietly."""
    import uvicorn

    class GuardedServer(uvicorn.Server):
        async def serve(self, sockets: Any = None) -> None:
            quiet_accept_errors(asyncio.get_running_loop(), settings)
            await super().serve(sockets)

    return GuardedServer(config)
