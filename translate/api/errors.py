"""Refusals and failures as LibreTranslate answers them: ``{"error": "…"}`` (and our
``"hint"`` beside it), one line, never a traceback."""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from ..catalog import ModelUnavailableError
from ..errors import (
    InputError,
    MissingDependency,
    ModelError,
    ModelUnavailable,
    Vi2enError,
    one_line,
)
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


# The library's errors (translate.errors) as HTTP statuses, the first class that matches: a
# model this server cannot have, or a missing optional package, is 503 (the server's to fix);
# the client's input or a model argument it named is 400. Another Vi2enError, and anything
# else (a plain ValueError included: a bug), is 500 with a generic message.
HTTP_STATUS: tuple[tuple[type[Exception], int], ...] = (
    (ModelUnavailable, 503), (MissingDependency, 503),
    (InputError, 400), (ModelError, 400),
)
INTERNAL_ERROR = "Cannot translate text: an internal error; the details are in the server log"


def http_status(exc: BaseException) -> int:
    """The HTTP status of a failure: :data:`HTTP_STATUS`, else 500."""
    return next((status for cls, status in HTTP_STATUS if isinstance(exc, cls)), 500)


def error_response(status: int, message: str, headers: dict[str, str] | None = None,
                   hint: str | None = None):
    line = one_line(message) or "error"
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
        except Vi2enError as exc:
            status = http_status(exc)
            if status == 500:
                logger.error("API request failed: %s", exc, exc_info=True)
                return error_response(500, INTERNAL_ERROR)
            logger.log(logging.WARNING if status == 503 else logging.INFO, "refused (%d): %s",
                       status, exc)
            return error_response(status, exc.on_server() if isinstance(
                exc, ModelUnavailableError) else str(exc))
        except Exception:
            # A bug or the machine (out of memory, disk): the detail is for the log only.
            logger.exception("API request failed")
            return error_response(500, INTERNAL_ERROR)

    return wrapper
