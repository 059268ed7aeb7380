"""``vi2en serve`` (and ``python ui.py``): serving options in, the web page out.

The page itself is :mod:`translate.webapp`; this module only turns options into a
:class:`~translate.webapp.WebConfig` and starts the server.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
from typing import TYPE_CHECKING, Any

from .common import UsageError, add_model_options, config_from_args

if TYPE_CHECKING:  # pragma: no cover
    from ..webapp import WebConfig

logger = logging.getLogger(__name__)

# The web page's default input limit, repeated here so that building the parser does not
# import the page (and Gradio); tests/test_webapp.py checks the two agree.
DEFAULT_MAX_CHARS = 100_000


def register(sub: Any, common: argparse.ArgumentParser) -> None:
    """Add ``vi2en serve``."""
    parser = sub.add_parser("serve", parents=[common], help="serve the web page and its API")
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
    parser.add_argument("--models", metavar="A,B,C", default=os.environ.get("VI2EN_MODELS", ""),
                        help="translation models visitors may choose (presets, Hub ids or "
                             "directories), besides --model, which is always offered and "
                             "the default; nothing else is loaded (default: $VI2EN_MODELS, "
                             "else --model only)")
    add_model_options(parser)


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
    from ..webapp import WebConfig

    if args.max_chars < 1:
        raise UsageError("--max-chars must be at least 1")
    if args.concurrency is not None and args.concurrency < 1:
        raise UsageError("--concurrency must be at least 1")
    models = parse_models(args.models)
    for model in models:  # a bad entry is refused now, not on a visitor's request
        resolve_spec(model, "translation")
    config = config_from_args(args)
    return WebConfig(model=config.model, summarizer=config.summarizer, device=config.device,
                     engine=config.engine, beams=config.beams, max_chars=args.max_chars,
                     allow_private_urls=args.allow_private_urls, concurrency=args.concurrency,
                     models=models)


def serve(args: argparse.Namespace) -> int:
    """Build the app from command-line options and serve it until interrupted."""
    from ..catalog import resolve_spec
    from ..webapp import build_app, launch

    auth = parse_auth(args.auth)
    config = web_config_from_args(args)
    # Refuse a bad model argument now rather than on the first visitor's request.
    resolve_spec(config.model, "translation")
    resolve_spec(config.summarizer, "summarization")
    app = build_app(config)
    if hasattr(signal, "SIGPIPE"):
        # main() lets SIGPIPE kill the process, right for a filter; a server must instead
        # see EPIPE when a browser hangs up mid-answer, and carry on.
        signal.signal(signal.SIGPIPE, signal.SIG_IGN)
    if args.allow_private_urls:
        logger.warning("the URL field may fetch private and loopback addresses")
    launch(app, host=args.host, port=args.port, share=args.share, auth=auth)
    return 0
