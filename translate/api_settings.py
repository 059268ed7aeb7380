"""Settings of the REST API (``vi2en serve`` options), apart from the server so that the
command line can build them without importing FastAPI."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .config import DEFAULT_WINDOW_S, MAX_BODY_BYTES
from .errors import InputError

# Texts in one list q (LibreTranslate's --batch-limit; it has none by default): each costs
# bookkeeping even when empty, so a body of "" cannot pile up.
DEFAULT_BATCH_LIMIT = 1000
# Alternatives one text may ask for (LibreTranslate's --alternatives-limit): each is one more
# beam hypothesis, and the beam is widened to N+1, so the cost grows with N.
DEFAULT_ALTERNATIVES_LIMIT = 3


@dataclass
class ApiSettings:
    """Limits and keys of the REST API (``vi2en serve`` options)."""

    char_limit: int = -1  # characters per text; -1: the page's limit
    batch_limit: int = DEFAULT_BATCH_LIMIT  # texts in one list q
    alternatives_limit: int = DEFAULT_ALTERNATIVES_LIMIT  # most alternatives per text
    req_limit: int = 0  # requests per client per minute; 0: no limit
    api_keys: dict[str, int | None] | None = None  # key -> its requests/minute (None: default)
    require_api_key: bool = False
    max_body_bytes: int = MAX_BODY_BYTES
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
            raise InputError(f"{path}, line {number}: expected 'KEY' or 'KEY REQUESTS_PER_MINUTE'")
        keys[words[0]] = int(words[1]) if len(words) == 2 else None
    if not keys:
        raise InputError(f"{path} holds no API keys")
    return keys
