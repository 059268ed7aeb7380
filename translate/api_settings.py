"""Settings of the REST API (``vi2en serve`` options), apart from the server so that the
command line can offer them without importing FastAPI."""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from pathlib import Path

from .request_batcher import DEFAULT_WINDOW_S

DEFAULT_MAX_BODY = 20 * 1024 * 1024  # the page's upload limit (webapp.MAX_UPLOAD)


@dataclass
class ApiSettings:
    """Limits and keys of the REST API (``vi2en serve`` options)."""

    char_limit: int = -1  # characters per request; -1: the page's limit
    req_limit: int = 0  # requests per client per minute; 0: no limit
    api_keys: dict[str, int | None] | None = None  # key -> its requests/minute (None: default)
    require_api_key: bool = False
    max_body_bytes: int = DEFAULT_MAX_BODY
    batch_window_s: float = DEFAULT_WINDOW_S
    max_batch: int | None = None


def load_api_keys(path: str | Path) -> dict[str, int | None]:
    """``KEY [REQUESTS_PER_MINUTE]`` per line; blank lines and ``#`` comments ignored."""
    keys: dict[str, int | None] = {}
    for number, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), 1):
        words = line.split("#", 1)[0].split()
        if not words:
            continue
        if len(words) > 2 or (len(words) == 2 and not words[1].isdigit()):
            raise ValueError(f"{path}, line {number}: expected 'KEY' or 'KEY REQUESTS_PER_MINUTE'")
        keys[words[0]] = int(words[1]) if len(words) == 2 else None
    if not keys:
        raise ValueError(f"{path} holds no API keys")
    return keys



def add_api_options(parser: argparse.ArgumentParser) -> None:
    """The API's options of ``vi2en serve``."""
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


def settings_from_args(args: argparse.Namespace) -> ApiSettings:
    if args.req_limit < 0:
        raise ValueError("--req-limit cannot be negative")
    if args.max_body < 1:
        raise ValueError("--max-body must be at least 1")
    if args.batch_window < 0:
        raise ValueError("--batch-window cannot be negative")
    if args.require_api_key and not args.api_keys:
        raise ValueError("--require-api-key needs --api-keys FILE")
    keys = None
    if args.api_keys:
        if not Path(args.api_keys).is_file():
            raise ValueError(f"no such API keys file: {args.api_keys}")
        keys = load_api_keys(args.api_keys)
    return ApiSettings(char_limit=args.char_limit, req_limit=args.req_limit, api_keys=keys,
                       require_api_key=args.require_api_key, max_body_bytes=args.max_body,
                       batch_window_s=args.batch_window / 1000)
