"""Refusals and failures as LibreTranslate answers them: ``{"error": "…"}`` (and our
``"hint"`` beside it), one line, never a traceback."""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from ..catalog import ModelError, ModelUnavailableError
from ..extract import ExtractionError
from ..serving.gate import BodyTooLarge
from ..serving.limits import Refusal
from ..stopping import Cancelled

logger = logging.getLogger(__name__)


class ApiError(Exception):
    """A refusal: HTTP status and the one line a client sees (and headers: Retry-After),
    ``{"error": message}``, with ``"hint"`` beside it when we have more to say."""

    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None, *,
                 hint: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message  # LibreTranslate's words, which clients match
        self.headers = headers or {}
        self.hint = hint  # ours, beside it: what to do instead

    @classmethod
    def slow_down(cls, refusal: Refusal) -> ApiError:
        return cls(429, refusal.message, refusal.headers)


class ClientGone(Exception):
    """The client closed its connection while its request ran: there is no one to answer."""


def safe_json_response() -> type:
    from fastapi.responses import JSONResponse

    class SafeJSONResponse(JSONResponse):
        """JSON that always renders: text holding a lone surrogate (which UTF-8 cannot
        encode) is sent with \\u escapes instead of failing as a plain-text 500."""

        def render(self, content: Any) -> bytes:
            try:
                return super().render(content)
            except UnicodeEncodeError:
                return json.dumps(content, ensure_ascii=True, allow_nan=False,
                                  separators=(",", ":")).encode("ascii")

    return SafeJSONResponse


def error_response(status: int, message: str, headers: dict[str, str] | None = None,
           hint: str | None = None):
    line = message.strip().splitlines()[0] if message.strip() else "error"
    body = {"error": line, **({"hint": hint} if hint else {})}
    return safe_json_response()(body, status_code=status,
                                 headers={"Access-Control-Allow-Origin": "*", **(headers or {})})


def refused_response(exc: ApiError):
    logger.info("refused (%d): %s", exc.status, exc.message)
    return error_response(exc.status, exc.message, exc.headers, exc.hint)


def guarded(handler: Callable[..., Awaitable[Any]]) -> Callable[..., Awaitable[Any]]:
    """Every failure becomes ``{"error": one line}``; tracebacks go to the log only."""
    import functools

    @functools.wraps(handler)
    async def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return await handler(*args, **kwargs)
        except ApiError as exc:
            return refused_response(exc)
        except BodyTooLarge as exc:
            return error_response(413, str(exc))
        except ClientGone:
            return error_response(499, "client closed the connection")  # read by no one
        except Cancelled as exc:  # stopped at a time limit while the answer was on its way
            return error_response(503, str(exc))
        except ModelUnavailableError as exc:
            logger.warning("model unavailable: %s", exc)
            return error_response(503, exc.on_server())
        except (ModelError, ExtractionError, ValueError) as exc:
            logger.info("refused: %s", exc)
            return error_response(400, str(exc))
        except Exception:
            # A bug or the machine (out of memory, disk): the detail is for the log only.
            logger.exception("API request failed")
            return error_response(500, "Cannot translate text: an internal error; the details are "
                               "in the server log")

    return wrapper
