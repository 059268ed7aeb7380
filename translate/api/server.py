"""One app for the page and the API behind the server's gate, and serving it with uvicorn."""

from __future__ import annotations

import errno
import logging
import socket
import threading
import time
from typing import TYPE_CHECKING, Any

from ..api_settings import ApiSettings
from ..documents import DOCUMENT_SUFFIXES
from ..serving.limits import ClientLimits
from .handlers import Api
from .routes import create_api

if TYPE_CHECKING:
    from ..serving.host import ModelHost
    from ..serving.settings import ServerSettings

logger = logging.getLogger(__name__)


def create_server(blocks: Any | None, host: ModelHost, settings: ApiSettings, max_chars: int,
                  *, auth: tuple[str, str] | None = None, server: ServerSettings | None = None,
                  limits: ClientLimits | None = None, time_limit_s: float = 0,
                  **gradio_options: Any) -> Any:
    """One app: the API's routes, and the Gradio page (``blocks``; None: the API alone)
    mounted at ``/``, sharing ``host`` and the client ``limits``, behind the gate that every
    request passes first (an ASGI app)."""
    from ..serving.gate import GateRules, ServerGate
    from ..serving.settings import ServerSettings
    from ..serving.uploads import UploadLedger

    server = server or ServerSettings()
    limits = limits or ClientLimits()
    api = Api(host, settings, max_chars, limits=limits, public_url=server.public_url,
              time_limit_s=time_limit_s)
    app = create_api(api)
    app.state.vi2en_api = api
    named: frozenset[str] | None = None
    uploads = None
    if blocks is not None:
        import gradio as gr

        if server.public_url:  # Gradio's links and redirects, not from the Host header
            gradio_options.setdefault("root_path", server.public_url)
        gr.mount_gradio_app(app, blocks, path="/", auth=auth, **gradio_options)
        # Gradio checks the file paths a request names (inputs: only its own uploads) once
        # the app has launched; Blocks.launch() says so, mount_gradio_app does not, which
        # left any file the server could read open to a forged request.
        blocks.has_launched = True
        named = frozenset(fn.api_name for fn in blocks.fns.values()
                          if fn.api_name and fn.api_visibility == "public") or None
        uploads = UploadLedger(server.upload_quota_bytes, server.upload_total_bytes)
    rules = GateRules(max_body_bytes=settings.max_body_bytes, page=blocks is not None,
                      named_api=named, trust_forwarded=server.forwarded_allow_ips is not None,
                      public_url=server.public_url, upload_suffixes=DOCUMENT_SUFFIXES)
    gate = ServerGate(app, rules, limits, uploads)
    gate.state = app.state  # type: ignore[attr-defined]
    return gate


class PortBusyError(OSError):
    """The port is taken by another program."""


def bind(host: str, port: int) -> socket.socket:
    """A listening socket, bound here rather than inside uvicorn so that a busy port is one
    clear error instead of uvicorn's log line and exit."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        if exc.errno == errno.EADDRINUSE:
            raise PortBusyError(exc.errno, f"port {port} is busy") from None
        raise
    sock.listen(2048)
    return sock


def run_server(app: Any, *, host: str, port: int, share: bool = False,
               settings: ServerSettings | None = None, sock: socket.socket | None = None) -> None:
    """Serve ``app`` with uvicorn until interrupted, with the timeouts and connection caps of
    ``settings``; ``share`` adds a gradio.live tunnel. ``sock``: the socket :func:`bind` gave
    (bound before the app was built, so a busy port is said at once), else bound here."""

    from ..convert import USER_NOTICE
    from ..serving.protocol import guarded_server, server_config
    from ..serving.settings import ServerSettings

    settings = settings or ServerSettings()
    sock = sock or bind(host, port)
    notice = {USER_NOTICE: True}  # information the CLI shows without --verbose
    server = guarded_server(server_config(app, host=host, port=port, settings=settings),
                            settings)
    if share:
        def tunnel() -> None:
            import secrets

            from gradio import networking

            while not server.started and not server.should_exit:
                time.sleep(0.1)
            try:
                url = networking.setup_tunnel(host if host != "0.0.0.0" else "127.0.0.1",
                                              port, secrets.token_urlsafe(32), None, None)
                logger.info("public link (page and API): %s", url, extra=notice)
            except Exception as exc:  # the server stays up on its own address
                logger.warning("could not create the --share link (%s); the page is local "
                               "only, on http://%s:%d/", str(exc).rstrip("."), host, port)

        threading.Thread(target=tunnel, name="vi2en-share", daemon=True).start()
    logger.info("serving the page and the API on http://%s:%d/ (API docs at /docs)%s",
                host, port, "" if share else "; for a temporary public link, use --share",
                extra=notice)
    server.run(sockets=[sock])
