"""``vi2en serve`` (and ``python ui.py``): serving options in, the web page and the REST API
out, in one process on one port.

The page is :mod:`translate.web` and the API :mod:`translate.api`; this module only turns
options into a :class:`~translate.web.WebConfig` and an
:class:`~translate.api_settings.ApiSettings` and starts the server.
"""

from __future__ import annotations

import argparse
import logging
import signal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..config import DEFAULT_TIME_LIMIT_S, MAX_REQUEST_CHARS, setting
from ..errors import InputError
from .common import UsageError, add_model_options, config_from_args

if TYPE_CHECKING:  # pragma: no cover
    from ..api_settings import ApiSettings
    from ..serving.settings import ServerSettings
    from ..web import WebConfig

logger = logging.getLogger(__name__)



def register(sub: Any, common: argparse.ArgumentParser) -> None:
    """Add ``vi2en serve``."""
    parser = sub.add_parser("serve", parents=[common],
                            help="serve the web page and the REST API (LibreTranslate-compatible)")
    add_serve_options(parser)
    parser.set_defaults(handler=serve)


def add_serve_options(parser: argparse.ArgumentParser) -> None:
    """Options of ``vi2en serve`` and ``python ui.py`` (the same). The defaults of --host,
    --port, --auth and --models are None: :func:`option` applies ``$VI2EN_*`` (read by
    :func:`translate.config.setting`, the one reader) when the server starts."""
    parser.add_argument("--host", default=None,
                        help="address to listen on (0.0.0.0 for every interface; "
                             "default: $VI2EN_HOST or 127.0.0.1)")
    parser.add_argument("--port", type=int, default=None,
                        help="port (default: $VI2EN_PORT or 7860)")
    parser.add_argument("--share", action="store_true",
                        help="also publish through a temporary public gradio.live link")
    parser.add_argument("--auth", metavar="USER:PASS", default=None,
                        help="require this user name and password (default: $VI2EN_AUTH)")
    parser.add_argument("--allow-private-urls", action="store_true",
                        help="let the URL field fetch private, loopback and link-local "
                             "addresses (refused by default)")
    parser.add_argument("--max-chars", type=int, default=MAX_REQUEST_CHARS,
                        help=f"longest input accepted, in characters (default: "
                             f"{MAX_REQUEST_CHARS:,})")
    parser.add_argument("--concurrency", type=int, default=None,
                        help="model calls at once, however many page and API jobs run "
                             "(default: 1 on CPU, 2 on GPU)")
    parser.add_argument("--preload", action="store_true",
                        help="load the translation model and the summarizer before serving "
                             "(default: on first use, so the first visitor waits)")
    parser.add_argument("--time-limit", type=float, default=DEFAULT_TIME_LIMIT_S,
                        metavar="SECONDS",
                        help="most seconds one job (page or API) may take before it is "
                             "stopped and refused (an API request's wait for the model "
                             f"included); 0: none (default: {DEFAULT_TIME_LIMIT_S:g})")
    parser.add_argument("--models", metavar="A,B,C", default=None,
                        help="translation models visitors may choose (presets, Hub ids or "
                             "directories), besides --model, which is always offered and "
                             "the default; nothing else is loaded (default: $VI2EN_MODELS, "
                             "else --model only)")
    add_model_options(parser)
    add_api_options(parser)
    add_server_options(parser)


def add_api_options(parser: argparse.ArgumentParser) -> None:
    """The REST API's options of ``vi2en serve``."""
    from ..api_settings import DEFAULT_ALTERNATIVES_LIMIT, DEFAULT_BATCH_LIMIT
    from ..config import DEFAULT_WINDOW_S, MAX_BODY_BYTES

    group = parser.add_argument_group("REST API (LibreTranslate-compatible, at the same port)")
    group.add_argument("--api-keys", metavar="FILE",
                       help="API keys, one per line: 'KEY' or 'KEY REQUESTS_PER_MINUTE'; an "
                            "unknown key is refused (403)")
    group.add_argument("--require-api-key", action="store_true",
                       help="with --api-keys: refuse API requests without a key")
    group.add_argument("--char-limit", type=int, default=-1, metavar="N",
                       help="most characters per text (each text of a list alone, as "
                            "LibreTranslate counts), of the API and the page alike "
                            "(LibreTranslate's name; default: --max-chars)")
    group.add_argument("--batch-limit", type=int, default=DEFAULT_BATCH_LIMIT, metavar="N",
                       help="most texts in one /translate request (LibreTranslate's name; "
                            f"default: {DEFAULT_BATCH_LIMIT:,})")
    group.add_argument("--alternatives-limit", type=int, default=DEFAULT_ALTERNATIVES_LIMIT,
                       metavar="N",
                       help="most alternatives a /translate request may ask for per text "
                            "(each widens the beam; LibreTranslate's name; default: "
                            f"{DEFAULT_ALTERNATIVES_LIMIT})")
    group.add_argument("--req-limit", type=int, default=0, metavar="N",
                       help="requests per client (its key, else its address) per "
                            "minute, the API's and the page's counted together, a list of N "
                            "texts counting N (as LibreTranslate counts); 0: no limit "
                            "(default)")
    group.add_argument("--max-body", type=int, default=MAX_BODY_BYTES, metavar="BYTES",
                       help="largest request body, page uploads included (default: "
                            f"{MAX_BODY_BYTES:,})")
    group.add_argument("--batch-window", type=float, default=DEFAULT_WINDOW_S * 1000,
                       metavar="MS",
                       help="how long the first waiting sentence waits for others to share "
                            "its batch; 0 turns cross-request batching off (default: "
                            f"{DEFAULT_WINDOW_S * 1000:g})")


def add_server_options(parser: argparse.ArgumentParser) -> None:
    """What keeps a public server up: timeouts, caps, quotas, the proxy in front of it."""
    from ..serving.settings import MB, ServerSettings, default_max_connections

    defaults = ServerSettings()
    group = parser.add_argument_group("public server (see the README's \"Running a public "
                                      "server\")")
    group.add_argument("--no-page", action="store_true",
                       help="serve the REST API alone, without the web page")
    group.add_argument("--public-url", metavar="URL",
                       help="the address clients use (https://translate.example.org/): links "
                            "and redirects are built from it, never from the Host header "
                            "(default: relative links)")
    group.add_argument("--forwarded-allow-ips", metavar="IPS",
                       help="proxies whose X-Forwarded-For/-Proto are believed (comma-separated "
                            "addresses or networks, '*' for any); default: none, every "
                            "client is its own address")
    group.add_argument("--header-timeout", type=float, default=defaults.header_timeout_s,
                       metavar="S", help="seconds for a request's line and headers to arrive "
                                         f"(default: {defaults.header_timeout_s:g})")
    group.add_argument("--body-timeout", type=float, default=defaults.body_timeout_s,
                       metavar="S", help="seconds for a request's body to arrive after its "
                                         f"headers (default: {defaults.body_timeout_s:g})")
    group.add_argument("--keep-alive-timeout", type=float, default=defaults.keep_alive_s,
                       metavar="S", help="seconds an idle connection stays open between "
                                         f"requests (default: {defaults.keep_alive_s:g})")
    group.add_argument("--max-connections", type=int, default=None, metavar="N",
                       help="connections at once; more are refused with 503 (default: "
                            f"{default_max_connections():,} here: 1,000, or fewer under a low "
                            "open-files limit)")
    group.add_argument("--max-connections-per-client", type=int,
                       default=defaults.max_connections_per_client, metavar="N",
                       help="connections at once from one address; 0: no limit, and none "
                            "with --forwarded-allow-ips (default: "
                            f"{defaults.max_connections_per_client})")
    group.add_argument("--queue-size", type=int, default=defaults.queue_size, metavar="N",
                       help="page jobs waiting or running, all visitors together (default: "
                            f"{defaults.queue_size})")
    group.add_argument("--queue-per-client", type=int, default=defaults.queue_per_client,
                       metavar="N", help="page jobs waiting or running per visitor (default: "
                                         f"{defaults.queue_per_client})")
    group.add_argument("--upload-quota", type=int, default=defaults.upload_quota_bytes,
                       metavar="BYTES", help="uploads a visitor may leave unread on the server "
                                             f"(default: {defaults.upload_quota_bytes // MB} MB)")
    group.add_argument("--upload-total", type=int, default=defaults.upload_total_bytes,
                       metavar="BYTES", help="uploads of all visitors together (default: "
                                             f"{defaults.upload_total_bytes // MB} MB)")


def server_settings_from_args(args: argparse.Namespace) -> ServerSettings:
    """The server's timeouts, caps and quotas from the options."""
    from ..serving.settings import ServerSettings, default_max_connections, open_files_limit

    for name in ("header_timeout", "body_timeout", "keep_alive_timeout"):
        if getattr(args, name) <= 0:
            raise UsageError(f"--{name.replace('_', '-')} must be more than 0")
    for name in ("queue_size", "queue_per_client", "upload_quota", "upload_total"):
        if getattr(args, name) < 1:
            raise UsageError(f"--{name.replace('_', '-')} must be at least 1")
    if args.max_connections_per_client < 0:
        raise UsageError("--max-connections-per-client cannot be negative")
    connections = args.max_connections or default_max_connections()
    if args.max_connections is not None and args.max_connections < 1:
        raise UsageError("--max-connections must be at least 1")
    files = open_files_limit()
    if files is not None and connections > files - 20:
        logger.warning("--max-connections %d is close to or above the open-files limit (%d): "
                       "new connections may fail; raise the limit (ulimit -n)", connections,
                       files)
    public_url = args.public_url
    if public_url and not public_url.startswith(("http://", "https://")):
        raise UsageError("--public-url must start with http:// or https://")
    trusted = args.forwarded_allow_ips or None
    return ServerSettings(
        header_timeout_s=args.header_timeout, body_timeout_s=args.body_timeout,
        keep_alive_s=args.keep_alive_timeout, max_connections=connections,
        max_connections_per_client=0 if trusted else args.max_connections_per_client,
        forwarded_allow_ips=trusted, public_url=public_url, queue_size=args.queue_size,
        queue_per_client=args.queue_per_client, upload_quota_bytes=args.upload_quota,
        upload_total_bytes=args.upload_total, page=not args.no_page)


def api_settings_from_args(args: argparse.Namespace) -> ApiSettings:
    """The REST API's limits and keys from the options."""
    from ..api_settings import ApiSettings, load_api_keys

    if args.req_limit < 0:
        raise UsageError("--req-limit cannot be negative")
    if args.max_body < 1:
        raise UsageError("--max-body must be at least 1")
    if args.batch_window < 0:
        raise UsageError("--batch-window cannot be negative")
    if args.batch_limit < 1:
        raise UsageError("--batch-limit must be at least 1")
    if args.alternatives_limit < 0:
        raise UsageError("--alternatives-limit cannot be negative")
    if args.require_api_key and not args.api_keys:
        raise UsageError("--require-api-key needs --api-keys FILE")
    keys = None
    if args.api_keys:
        if not Path(args.api_keys).is_file():
            raise UsageError(f"no such API keys file: {args.api_keys}")
        try:
            keys = load_api_keys(args.api_keys)
        except InputError as exc:  # a bad line, named
            raise UsageError(str(exc)) from None
    return ApiSettings(char_limit=args.char_limit, req_limit=args.req_limit, api_keys=keys,
                       require_api_key=args.require_api_key, max_body_bytes=args.max_body,
                       batch_window_s=args.batch_window / 1000, batch_limit=args.batch_limit,
                       alternatives_limit=args.alternatives_limit)


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
    from ..web.door import DoorRules

    if args.max_chars < 1:
        raise UsageError("--max-chars must be at least 1")
    if args.concurrency is not None and args.concurrency < 1:
        raise UsageError("--concurrency must be at least 1")
    if not 0 <= args.time_limit < float("inf"):
        raise UsageError("--time-limit must be a number of seconds, 0 or more")
    models = parse_models(option(args, "models"))
    for model in models:  # a bad entry is refused now, not on a visitor's request
        resolve_spec(model, "translation")
    # One character limit for every door: --char-limit, LibreTranslate's name, when given.
    max_chars = args.char_limit if args.char_limit > 0 else args.max_chars
    door = DoorRules(requests_per_minute=args.req_limit, queue_size=args.queue_size,
                     queue_per_client=args.queue_per_client)
    return WebConfig(model_config=config_from_args(args), max_chars=max_chars,
                     allow_private_urls=args.allow_private_urls, concurrency=args.concurrency,
                     models=models, door=door, named_api=not args.require_api_key,
                     time_limit_s=args.time_limit)


def option(args: argparse.Namespace, name: str) -> object:
    """An option's value: given on the command line, else its ``VI2EN_*`` variable, else the
    default of :data:`translate.config.OPTIONS`."""
    value = getattr(args, name, None)
    return setting(name) if value is None else value


def serve(args: argparse.Namespace) -> int:
    """Serve the page at / and the REST API beside it, one process, one port, shared models."""
    from .. import api
    from ..catalog import resolve_spec
    from ..serving.host import BatchingOptions, ModelHost
    from ..serving.limits import ClientLimits

    auth = parse_auth(option(args, "auth"))
    host, port = option(args, "host"), option(args, "port")
    config = web_config_from_args(args)
    settings = api_settings_from_args(args)
    server = server_settings_from_args(args)
    if settings.require_api_key and server.page and not auth:
        # The page's events cannot check API keys: with keys required, the page is for
        # logged-in visitors only, or not served.
        raise UsageError("--require-api-key needs --auth USER:PASS for the web page (its "
                         "endpoints cannot check API keys), or --no-page to serve the API alone")
    # Refuse a bad model argument now rather than on the first visitor's request.
    resolve_spec(config.model_config.model, "translation")
    resolve_spec(config.model_config.summarizer, "summarization")
    # The port before the page: a busy one is said at once, not after Gradio has loaded.
    try:
        sock = api.bind(host, port)
    except api.PortBusyError:
        raise UsageError(f"port {port} is busy; use --port") from None
    limits = ClientLimits()  # one count per client, whichever door it uses
    # One host of the models for both doors: the page's translations and the API's share
    # the model pool and each model's request batcher.
    models = ModelHost(config.model_config, config.models,
                       batching=BatchingOptions(settings.batch_window_s, settings.max_batch),
                       model_calls=config.concurrency)
    if args.preload:
        logger.info("loading the models before serving ...")
        models.preload(summarizer=True)  # a model that cannot load: one line, exit
    app, page_settings = None, {}
    if server.page:
        from ..web import Handlers, build_app, page_options

        app = build_app(config, Handlers(config, models), limits=limits)
        page_settings = page_options(max_file_size=settings.max_body_bytes,
                                     named_api=config.named_api)
    if hasattr(signal, "SIGPIPE"):
        # main() lets SIGPIPE kill the process, right for a filter; a server must instead
        # see EPIPE when a browser hangs up mid-answer, and carry on.
        signal.signal(signal.SIGPIPE, signal.SIG_IGN)
    if args.allow_private_urls:
        logger.warning("the URL field may fetch private and loopback addresses")
    if auth and settings.api_keys is None:
        logger.warning("--auth protects the page; the REST API is open (use --api-keys FILE "
                       "--require-api-key to close it)")
    gate = api.create_server(app, models, settings, config.max_chars, auth=auth if app else None,
                             server=server, limits=limits, time_limit_s=config.time_limit_s,
                             **page_settings)
    api.run_server(gate, host=host, port=port, share=args.share, settings=server,
                   sock=sock)
    return 0
