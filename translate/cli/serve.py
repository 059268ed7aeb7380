"""``vi2en serve`` (and ``python ui.py``): serving options in, the web page and the REST API
out, in one process on one port.

The page is :mod:`translate.web` and the API :mod:`translate.api`; this module only turns
options into a :class:`~translate.web.WebConfig` and an
:class:`~translate.api_settings.ApiSettings` and starts the server.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..config import DEFAULT_TIME_LIMIT_S
from .common import UsageError, add_model_options, config_from_args

if TYPE_CHECKING:  # pragma: no cover
    from ..api_settings import ApiSettings
    from ..web import WebConfig

logger = logging.getLogger(__name__)

# The web page's default input limit, repeated here so that building the parser does not
# import the page (and Gradio); tests/test_webapp.py checks the two agree.
DEFAULT_MAX_CHARS = 100_000


def register(sub: Any, common: argparse.ArgumentParser) -> None:
    """Add ``vi2en serve``."""
    parser = sub.add_parser("serve", parents=[common],
                            help="serve the web page and the REST API (LibreTranslate-compatible)")
    add_serve_options(parser)
    parser.set_defaults(handler=serve)


def add_serve_options(parser: argparse.ArgumentParser) -> None:
    """Options of ``vi2en serve`` and ``python ui.py`` (the same)."""
    parser.add_argument("--host", default=os.environ.get("VI2EN_HOST", "127.0.0.1"),
                        help="address to listen on (0.0.0.0 for every interface; "
                             "default: $VI2EN_HOST or 127.0.0.1)")
    parser.add_argument("--port", type=int, default=os.environ.get("VI2EN_PORT", "7860"),
                        help="port (default: $VI2EN_PORT or 7860)")
    parser.add_argument("--share", action="store_true",
                        help="also publish through a temporary public gradio.live link")
    parser.add_argument("--auth", metavar="USER:PASS", default=os.environ.get("VI2EN_AUTH"),
                        help="require this user name and password (default: $VI2EN_AUTH)")
    parser.add_argument("--allow-private-urls", action="store_true",
                        help="let the URL field fetch private, loopback and link-local "
                             "addresses (refused by default)")
    parser.add_argument("--max-chars", type=int, default=DEFAULT_MAX_CHARS,
                        help=f"longest input accepted, in characters (default: "
                             f"{DEFAULT_MAX_CHARS:,})")
    parser.add_argument("--concurrency", type=int, default=None,
                        help="model calls at once (default: 1 on CPU, 2 on GPU)")
    parser.add_argument("--time-limit", type=float, default=DEFAULT_TIME_LIMIT_S,
                        metavar="SECONDS",
                        help="most seconds one job (page or API) may take before it is "
                             "stopped and refused (an API request's wait for the model "
                             f"included); 0: none (default: {DEFAULT_TIME_LIMIT_S:g})")
    parser.add_argument("--models", metavar="A,B,C", default=os.environ.get("VI2EN_MODELS", ""),
                        help="translation models visitors may choose (presets, Hub ids or "
                             "directories), besides --model, which is always offered and "
                             "the default; nothing else is loaded (default: $VI2EN_MODELS, "
                             "else --model only)")
    add_model_options(parser)
    add_api_options(parser)


def add_api_options(parser: argparse.ArgumentParser) -> None:
    """The REST API's options of ``vi2en serve``."""
    from ..api_settings import DEFAULT_MAX_BODY
    from ..config import DEFAULT_WINDOW_S

    group = parser.add_argument_group("REST API (LibreTranslate-compatible, at the same port)")
    group.add_argument("--api-keys", metavar="FILE",
                       help="API keys, one per line: 'KEY' or 'KEY REQUESTS_PER_MINUTE'; an "
                            "unknown key is refused (403)")
    group.add_argument("--require-api-key", action="store_true",
                       help="with --api-keys: refuse API requests without a key")
    group.add_argument("--char-limit", type=int, default=-1, metavar="N",
                       help="most characters per API request (default: --max-chars)")
    group.add_argument("--req-limit", type=int, default=0, metavar="N",
                       help="API requests per client (key, else address) per minute; "
                            "0: no limit (default)")
    group.add_argument("--max-body", type=int, default=DEFAULT_MAX_BODY, metavar="BYTES",
                       help=f"largest API request body (default: {DEFAULT_MAX_BODY:,})")
    group.add_argument("--batch-window", type=float, default=DEFAULT_WINDOW_S * 1000,
                       metavar="MS",
                       help="how long the first waiting sentence waits for others to share "
                            "its batch; 0 turns cross-request batching off (default: "
                            f"{DEFAULT_WINDOW_S * 1000:g})")


def api_settings_from_args(args: argparse.Namespace) -> ApiSettings:
    """The REST API's limits and keys from the options."""
    from ..api_settings import ApiSettings, load_api_keys

    if args.req_limit < 0:
        raise UsageError("--req-limit cannot be negative")
    if args.max_body < 1:
        raise UsageError("--max-body must be at least 1")
    if args.batch_window < 0:
        raise UsageError("--batch-window cannot be negative")
    if args.require_api_key and not args.api_keys:
        raise UsageError("--require-api-key needs --api-keys FILE")
    keys = None
    if args.api_keys:
        if not Path(args.api_keys).is_file():
            raise UsageError(f"no such API keys file: {args.api_keys}")
        try:
            keys = load_api_keys(args.api_keys)
        except ValueError as exc:  # a bad line, named
            raise UsageError(str(exc)) from None
    return ApiSettings(char_limit=args.char_limit, req_limit=args.req_limit, api_keys=keys,
                       require_api_key=args.require_api_key, max_body_bytes=args.max_body,
                       batch_window_s=args.batch_window / 1000)


def parse_auth(value: str | None) -> tuple[str, str] | None:
    """``--auth USER:PASS`` as (user, password); None when not given."""
    if not value:
        return None
    user, sep, password = value.partition(":")
    if not sep or not user or not password:
        raise UsageError("--auth must be USER:PASS")
    return user, password


def parse_models(value: str | None) -> tuple[str, ...]:
    """``--models a,b,c`` as a tuple (spaces around names ignored; empty: none)."""
    return tuple(name.strip() for name in (value or "").split(",") if name.strip())


def web_config_from_args(args: argparse.Namespace) -> WebConfig:
    """The server's WebConfig: the shared ModelConfig plus the serving limits."""
    from ..catalog import resolve_spec
    from ..web import WebConfig

    if args.max_chars < 1:
        raise UsageError("--max-chars must be at least 1")
    if args.concurrency is not None and args.concurrency < 1:
        raise UsageError("--concurrency must be at least 1")
    if not 0 <= args.time_limit < float("inf"):
        raise UsageError("--time-limit must be a number of seconds, 0 or more")
    models = parse_models(args.models)
    for model in models:  # a bad entry is refused now, not on a visitor's request
        resolve_spec(model, "translation")
    return WebConfig(model_config=config_from_args(args), max_chars=args.max_chars,
                     allow_private_urls=args.allow_private_urls, concurrency=args.concurrency,
                     models=models, time_limit_s=args.time_limit)


def serve(args: argparse.Namespace) -> int:
    """Serve the page at / and the REST API beside it, one process, one port, shared models."""
    from .. import api
    from ..catalog import resolve_spec
    from ..web import build_app, page_options

    auth = parse_auth(args.auth)
    config = web_config_from_args(args)
    settings = api_settings_from_args(args)
    # Refuse a bad model argument now rather than on the first visitor's request.
    resolve_spec(config.model_config.model, "translation")
    resolve_spec(config.model_config.summarizer, "summarization")
    app = build_app(config)
    if hasattr(signal, "SIGPIPE"):
        # main() lets SIGPIPE kill the process, right for a filter; a server must instead
        # see EPIPE when a browser hangs up mid-answer, and carry on.
        signal.signal(signal.SIGPIPE, signal.SIG_IGN)
    if args.allow_private_urls:
        logger.warning("the URL field may fetch private and loopback addresses")
    if auth and settings.api_keys is None:
        logger.warning("--auth protects the page; the REST API is open (use --api-keys FILE "
                       "--require-api-key to close it)")
    server = api.create_server(app, app.vi2en_handlers.pool, settings, config.max_chars,
                               auth=auth, time_limit_s=config.time_limit_s, **page_options())
    try:
        api.run_server(server, host=args.host, port=args.port, share=args.share)
    except api.PortBusyError:
        raise UsageError(f"port {args.port} is busy; use --port") from None
    return 0
