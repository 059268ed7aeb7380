"""The REST API beside the web page: LibreTranslate's endpoints and our own ``/v1``.

Front end only: requests are parsed and checked here (keys, limits, sizes) and answered as
LibreTranslate answers (``{"error": "…"}`` with 400, 403, 413, 429); the translating is done
by :class:`~translate.service.TranslationService`. :func:`create_server` mounts the Gradio
page at ``/`` on the same FastAPI app, so page and API share one process, port and models.

LibreTranslate-compatible: ``POST /translate``, ``POST /detect``, ``GET /languages``,
``GET /frontend/settings``, ``POST /translate_file`` (+ ``GET /download_file/…``).
Ours: ``POST /v1/translate`` (the JSON of ``vi2en translate --json``), ``POST /v1/summarize``.
OpenAPI at ``/openapi.json``, browsable at ``/docs``.
"""

from __future__ import annotations

import asyncio
import errno
import json
import logging
import re
import socket
import threading
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, quote

from fastapi import FastAPI, Request
from pydantic import BaseModel, Field

from .api_settings import ApiSettings
from .catalog import ModelUnavailableError
from .detect import VIETNAMESE, Detection, detect, detect_all
from .documents import DOCUMENT_SUFFIXES, open_document, translated_name
from .errors import (
    InputError,
    MissingDependency,
    ModelError,
    ModelUnavailable,
    Vi2enError,
    one_line,
)
from .glossary import Glossary
from .scratch import ScratchFolders
from .service import TranslationService
from .serving.gate import BodyTooLarge
from .serving.limits import ClientLimits, Refusal, client_of
from .stopping import Cancelled
from .text import InvalidTextError, check_text

if TYPE_CHECKING:
    from .model_pool import ModelPool
    from .serving.settings import ServerSettings

logger = logging.getLogger(__name__)

SOURCE, TARGET = "vi", "en"
LANGUAGES = [{"code": "vi", "name": "Vietnamese", "targets": ["en"]},
             {"code": "en", "name": "English", "targets": []}]
FRONTEND_TIMEOUT_MS = 500
# Texts in one list q: each costs bookkeeping even when empty, so a body of "" cannot pile up.
MAX_TEXTS = 1000
# How often a running request looks whether its client is still there, in seconds.
WATCH_S = 0.2
# Paths the API answers; everything else belongs to the page.
API_PREFIXES = ("/translate", "/translate_file", "/detect", "/languages", "/frontend/settings",
                "/download_file/", "/v1/")
_FILES = ScratchFolders("vi2en-api-files")


# What a translated file is served as (Python's mimetypes lacks some on minimal systems).
MEDIA_TYPES = {
    ".txt": "text/plain; charset=utf-8", ".text": "text/plain; charset=utf-8",
    ".md": "text/markdown; charset=utf-8", ".markdown": "text/markdown; charset=utf-8",
    ".srt": "application/x-subrip; charset=utf-8", ".html": "text/html; charset=utf-8",
    ".htm": "text/html; charset=utf-8",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    ".odt": "application/vnd.oasis.opendocument.text"}


def media_type(name: str) -> str:
    return MEDIA_TYPES.get(Path(name).suffix.lower(), "application/octet-stream")


class ApiError(Exception):
    """A refusal: HTTP status and the one line a client sees (and headers: Retry-After)."""

    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None
                 ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = headers or {}

    @classmethod
    def slow_down(cls, refusal: Refusal) -> ApiError:
        return cls(429, refusal.message, refusal.headers)


class _ClientGone(Exception):
    """The client closed its connection while its request ran: there is no one to answer."""


# -- request parsing ----------------------------------------------------------------------------
async def _read_body(request: Request) -> dict[str, Any]:
    """A JSON object or form fields (a repeated ``q`` is a list, as in a JSON list)."""
    content_type = request.headers.get("content-type", "")
    if "application/json" in content_type:
        raw = await request.body()
        try:
            data = json.loads(raw or b"null")
        except (UnicodeDecodeError, json.JSONDecodeError):
            raise ApiError(400, "Invalid JSON format") from None
        if not isinstance(data, dict):
            raise ApiError(400, "Invalid JSON format")
        return data
    if "application/x-www-form-urlencoded" in content_type:
        # Starlette reads unescaped bytes as Latin-1 (`-d 'q=Giá xăng'` came out as "GiÃ¡ …");
        # LibreTranslate (werkzeug) reads them, and %-escapes, as UTF-8.
        raw = await request.body()
        try:
            pairs = parse_qsl(raw.decode("utf-8"), keep_blank_values=True, errors="strict",
                              max_num_fields=MAX_TEXTS + 16)
        except UnicodeDecodeError:
            raise ApiError(400, "Invalid request: the form is not UTF-8 text") from None
        fields: dict[str, list[str]] = {}
        for key, value in pairs:
            fields.setdefault(key, []).append(value)
        return {key: values if key == "q" and len(values) > 1 else values[0]
                for key, values in fields.items()}
    form = await request.form()
    data: dict[str, Any] = {}
    for key in form:
        values = form.getlist(key)
        data[key] = values if key == "q" and len(values) > 1 else values[0]
    return data


def _text_field(data: dict[str, Any], name: str, *, lists: bool = False) -> Any:
    value = data.get(name)
    if value is None or value == "" or value == []:
        raise ApiError(400, f"Invalid request: missing {name} parameter")
    if isinstance(value, str) or (lists and isinstance(value, list)
                                  and all(isinstance(v, str) for v in value)):
        return value
    raise ApiError(400, f"Invalid request: {name} must be "
                        f"{'a string or a list of strings' if lists else 'a string'}")


def _check_pair(source: str, target: str) -> None:
    if source not in (SOURCE, "auto"):
        raise ApiError(400, f"{source} is not supported: this server translates Vietnamese "
                            "(vi, or auto) into English (en)")
    if target != TARGET:
        raise ApiError(400, f"{target} is not supported: this server translates into "
                            "English (en) only")


def _check_detected(found: Detection) -> None:
    """``source=auto`` goes on only for Vietnamese, or for text with nothing to identify
    (numbers, emoji: confidence 0), which LibreTranslate passes through too."""
    if found.language != VIETNAMESE and found.confidence > 0:
        logger.info("source=auto: detected %s (%.0f%%), refused", found.language,
                    found.confidence)
        raise ApiError(400, f"{found.language} is not supported")  # LibreTranslate's words


class Api:
    """The API's handlers over one service; settings checked on every request."""

    def __init__(self, service: TranslationService, settings: ApiSettings, max_chars: int,
                 pool: ModelPool | None = None, *, limits: ClientLimits | None = None,
                 public_url: str | None = None, time_limit_s: float = 0) -> None:
        self.service = service
        self.settings = settings
        self.char_limit = settings.char_limit if settings.char_limit > 0 else max_chars
        self.time_limit_s = time_limit_s  # per request, waiting included; 0: none
        self.pool = pool
        # Shared with the page, so a client has one rate whichever door it uses.
        self.limits = limits or ClientLimits()
        self.public_url = public_url

    # -- keys and limits ------------------------------------------------------------------------
    def _per_minute(self, key: str | None) -> int:
        keys = self.settings.api_keys
        if keys is not None and key is not None and keys.get(key) is not None:
            return keys[key]  # type: ignore[return-value]
        return self.settings.req_limit

    @staticmethod
    def _key_outside_body(headers: Any, query: Any) -> str | None:
        return headers.get("x-api-key") or query.get("api_key") or None

    def before_body(self, address: str | None, headers: Any, query: Any) -> ApiError | None:
        """What can be refused before the body is read: an address that sent too many wrong
        keys, a client (its key when sent as an X-API-Key header or ?api_key=, else its
        address) with no request left this minute."""
        refusal = self.limits.failing(address)
        if refusal is not None:
            return ApiError.slow_down(refusal)
        keys = self.settings.api_keys
        key = self._key_outside_body(headers, query) if keys is not None else None
        if key is not None and key not in keys:  # type: ignore[operator]
            return None  # refused as a wrong key once read
        refusal = self.limits.over(client_of(address, key=key), self._per_minute(key))
        return ApiError.slow_down(refusal) if refusal is not None else None

    def access(self, request: Request, data: dict[str, Any]) -> None:
        """Refuse a bad key (403), a missing one when required (400), a client over its limit
        (429, with Retry-After). Wrong keys count against the address."""
        key = data.get("api_key") or self._key_outside_body(request.headers,
                                                            request.query_params)
        if key is not None and not isinstance(key, str):
            raise ApiError(400, "Invalid request: api_key must be a string")
        address = request.client.host if request.client else None
        keys = self.settings.api_keys
        if keys is None:
            key = None  # a server without keys counts by address, whatever a client sends
        else:
            if key is not None and key not in keys:
                self.limits.failed(address)
                raise ApiError(403, "Invalid API key")
            if key is None and self.settings.require_api_key:
                raise ApiError(400, "Please contact the server operator to get an API key")
        refusal = self.limits.hit(client_of(address, key=key), self._per_minute(key))
        if refusal is not None:
            raise ApiError.slow_down(refusal)

    def _within_limit(self, texts: list[str]) -> None:
        """Refuse texts over the character limit, or that no model can read (400): every door
        checks what it was sent before any of it can join a batch shared with other clients."""
        size = sum(len(t) for t in texts)
        if size > self.char_limit:
            raise ApiError(400, f"Invalid request: request ({size}) exceeds text limit "
                                f"({self.char_limit})")
        for text in texts:
            try:
                check_text(text)
            except InvalidTextError as exc:
                raise ApiError(400, f"Invalid request: {exc}") from None

    def _loaded(self, summarizer: bool = False) -> None:
        """Load the shared models once (under the pool's locks) before the first use."""
        if self.pool is not None:
            self.pool.pipeline(None)
            if summarizer:
                self.pool.summarizer()

    # -- LibreTranslate ---------------------------------------------------------------------------
    def translate(self, data: dict[str, Any],
                  stop: threading.Event | None = None) -> dict[str, Any]:
        q = _text_field(data, "q", lists=True)
        source = _text_field(data, "source")
        target = _text_field(data, "target")
        _check_pair(source, target)
        text_format = data.get("format") or "text"
        if text_format not in ("text", "html"):
            raise ApiError(400, f"{text_format} format is not supported")
        try:
            alternatives = max(0, int(data.get("alternatives") or 0))
        except (TypeError, ValueError, OverflowError):  # a list, "x", NaN, Infinity
            raise ApiError(400, "Invalid request: alternatives parameter is not a number") from None
        texts = q if isinstance(q, list) else [q]
        if len(texts) > MAX_TEXTS:
            raise ApiError(400, f"Invalid request: request ({len(texts)} texts) exceeds the "
                                f"batch limit ({MAX_TEXTS})")
        self._within_limit(texts)
        answer: dict[str, Any] = {}
        plans = self.service.plans(texts, html=text_format == "html")  # HTML parsed once
        if source == "auto":  # each text on its own, as LibreTranslate detects a list
            found = [detect(plan.prose) for plan in plans]
            for item in found:
                _check_detected(item)
            answer["detectedLanguage"] = ([f.to_dict() for f in found]
                                          if isinstance(q, list) else found[0].to_dict())
        self._loaded()
        translated = self.service.translate_plans(plans, stop=stop)
        answer["translatedText"] = translated if isinstance(q, list) else translated[0]
        if alternatives:
            # One translation per text: the alternatives list is honest and empty.
            answer["alternatives"] = [[] for _ in texts] if isinstance(q, list) else []
        return answer

    def detect(self, data: dict[str, Any]) -> list[dict[str, Any]]:
        q = _text_field(data, "q")
        self._within_limit([q])
        return [d.to_dict() for d in detect_all(q)]

    def frontend_settings(self) -> dict[str, Any]:
        return {"charLimit": self.char_limit, "frontendTimeout": FRONTEND_TIMEOUT_MS,
                "apiKeys": self.settings.api_keys is not None,
                "keyRequired": self.settings.api_keys is not None
                and self.settings.require_api_key,
                "suggestions": False, "filesTranslation": True,
                "supportedFilesFormat": list(DOCUMENT_SUFFIXES),
                "language": {"source": {"code": "vi", "name": "Vietnamese"},
                             "target": {"code": "en", "name": "English"}}}

    def base_url(self) -> str:
        """Where links point: ``--public-url``, else this server's root as a relative path
        (never the request's Host header, which the client writes)."""
        return self.public_url.rstrip("/") + "/" if self.public_url else "/"

    def translate_file(self, data: dict[str, Any], base_url: str,
                       stop: threading.Event | None = None) -> dict[str, str]:
        upload = data.get("file")
        if upload is None or isinstance(upload, str):
            raise ApiError(400, "Invalid request: missing file parameter")
        source = _text_field(data, "source")
        _check_pair(source, _text_field(data, "target"))
        name = Path(upload.filename or "").name
        suffix = Path(name).suffix.lower()
        if not name:
            raise ApiError(400, "Invalid request: empty file")
        if suffix not in DOCUMENT_SUFFIXES:
            raise ApiError(400, f"Invalid request: file format not supported ({suffix or 'none'}"
                                f"; supported: {', '.join(DOCUMENT_SUFFIXES)})")
        # The body is bounded by the server's --max-body already.
        document = open_document(upload.file.read(), name, max_chars=self.char_limit)
        if source == "auto":
            _check_detected(detect(document.text))
        self._within_limit([document.text])
        self._loaded()
        self.service.translate_document(document, stop=stop)
        # The original name with .en before the suffix, in characters safe in a URL path.
        out_name = translated_name(re.sub(r"[^\w.-]+", "_", Path(name).stem)[:80] + suffix,
                                   document.output_suffix)
        folder = _FILES.new()
        with (folder / out_name).open("wb") as sink:
            document.save(sink)
        return {"translatedFileUrl": f"{base_url}download_file/{folder.name}/{quote(out_name)}"}

    # -- ours -------------------------------------------------------------------------------------
    def v1_translate(self, body: V1Translate,
                     stop: threading.Event | None = None) -> dict[str, Any]:
        self._within_limit([body.text] + ([body.glossary] if body.glossary else []))
        if not body.text.strip():
            raise ApiError(400, "Invalid request: missing text parameter")
        glossary = Glossary.from_tsv(body.glossary) if body.glossary else None
        self._loaded(summarizer=body.summary)
        result = self.service.translate_article(body.text, summary=body.summary,
                                                glossary=glossary, beams=body.beams,
                                                summary_length=body.summary_length,
                                                stop=stop)
        return result.to_dict()

    def v1_summarize(self, body: V1Summarize,
                     stop: threading.Event | None = None) -> dict[str, Any]:
        self._within_limit([body.text])
        if not body.text.strip():
            raise ApiError(400, "Invalid request: missing text parameter")
        self._loaded(summarizer=True)
        summary = self.service.summarize(body.text, body.summary_length or body.length,
                                         stop=stop)
        flags = [f.to_dict() for f in summary.flags]
        # The names of a result's summary (PipelineResult.to_dict); "note" and "flags", the
        # names before them, stay for one release (the README's API section says so).
        return {"summary": summary.text, "summary_note": summary.note, "summary_flags": flags,
                "note": summary.note, "flags": flags}


    # -- running a request ------------------------------------------------------------------------
    async def run(self, request: Request, work: Callable[..., Any], *args: Any) -> Any:
        """``work(*args, stop=…)`` in the thread pool, watched: when the client disconnects or
        the request passes the time limit, ``stop`` is set, so its sentences waiting for the
        model are dropped and its job ends at the next batch; a request over its time is
        answered 503 at once."""
        from fastapi.concurrency import run_in_threadpool

        stop = threading.Event()
        job = asyncio.ensure_future(run_in_threadpool(work, *args, stop=stop))
        deadline = time.monotonic() + self.time_limit_s if self.time_limit_s > 0 else None
        try:
            while True:
                finished, _ = await asyncio.wait({job}, timeout=WATCH_S)
                if finished:
                    return job.result()
                if await request.is_disconnected():
                    logger.info("client went away: its request is stopped")
                    raise _ClientGone()
                if deadline is not None and time.monotonic() > deadline:
                    raise ApiError(503, f"The request ran past this server's time limit "
                                        f"({self.time_limit_s:g} s) and was stopped; send a "
                                        "shorter text, or try again when the server is less "
                                        "busy")
        finally:
            if not job.done():
                stop.set()  # the thread ends its current step and stops
                job.add_done_callback(_stopped_job_ended)


def _stopped_job_ended(job: asyncio.Future) -> None:
    """A job whose client is no longer waiting: its end (Cancelled, as a rule) is logged."""
    if job.cancelled():
        return
    error = job.exception()
    if error is None or isinstance(error, Cancelled):
        logger.info("a stopped request's job ended")
    else:
        logger.warning("a stopped request's job failed: %s: %s", type(error).__name__, error)


# -- the FastAPI app ------------------------------------------------------------------------------
class V1Translate(BaseModel):
    """A Vietnamese article; the answer is the JSON of ``vi2en translate --json``."""

    text: str = Field(description="the Vietnamese article (paragraphs separated by blank lines)")
    summary: bool = Field(False, description="add an English summary")
    glossary: str | None = Field(None, description="TSV: 'Vietnamese term<TAB>English "
                                                   "rendering' per line")
    beams: int | None = Field(None, ge=1, le=8, description="beam size (default: the server's)")
    summary_length: str | None = Field(None, description="short, medium or long")
    api_key: str | None = Field(None, description="as on /translate (or an X-API-Key header)")


class V1Summarize(BaseModel):
    """English text to summarize."""

    text: str
    summary_length: str | None = Field(None, description="short, medium or long")
    length: str | None = Field(None, description="old name of summary_length, kept for one "
                                                 "release")
    api_key: str | None = Field(None, description="as on /translate (or an X-API-Key header)")


def _safe_json_response() -> type:
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


def _error(status: int, message: str, headers: dict[str, str] | None = None):
    line = one_line(message) or "error"
    return _safe_json_response()({"error": line}, status_code=status,
                                 headers={"Access-Control-Allow-Origin": "*", **(headers or {})})


def _guarded(handler: Callable[..., Awaitable[Any]]) -> Callable[..., Awaitable[Any]]:
    """Every failure becomes ``{"error": one line}``; tracebacks go to the log only."""
    import functools

    @functools.wraps(handler)
    async def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return await handler(*args, **kwargs)
        except ApiError as exc:
            logger.info("refused (%d): %s", exc.status, exc.message)
            return _error(exc.status, exc.message, exc.headers)
        except BodyTooLarge as exc:
            return _error(413, str(exc))
        except _ClientGone:
            return _error(499, "client closed the connection")  # read by no one
        except Cancelled as exc:  # stopped at a time limit while the answer was on its way
            return _error(503, str(exc))
        except Vi2enError as exc:
            status = http_status(exc)
            if status == 500:
                logger.error("API request failed: %s", exc, exc_info=True)
                return _error(500, INTERNAL_ERROR)
            logger.log(logging.WARNING if status == 503 else logging.INFO, "refused (%d): %s",
                       status, exc)
            return _error(status, exc.on_server() if isinstance(exc, ModelUnavailableError)
                          else str(exc))
        except Exception:
            # A bug or the machine (out of memory, disk): the detail is for the log only.
            logger.exception("API request failed")
            return _error(500, INTERNAL_ERROR)

    return wrapper


class _ApiGuard:
    """ASGI middleware for the API's paths: CORS as LibreTranslate sends it, and the refusals
    that need no body (a client over its rate, an address guessing keys) made before a byte
    of it is read. The body's size is bounded for the whole app by the server's gate."""

    def __init__(self, app: Any, api: Api) -> None:
        self.app = app
        self.api = api

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http" or not scope["path"].startswith(API_PREFIXES):
            await self.app(scope, receive, send)
            return
        if scope["method"] == "OPTIONS":  # a browser's preflight
            await send({"type": "http.response.start", "status": 204,
                        "headers": [(b"access-control-allow-origin", b"*"),
                                    (b"access-control-allow-headers",
                                     b"Authorization, Content-Type"),
                                    (b"access-control-allow-methods", b"GET, POST"),
                                    (b"access-control-max-age", b"86400")]})
            await send({"type": "http.response.body", "body": b""})
            return
        if scope["method"] == "POST":
            request = Request(scope)
            refusal = self.api.before_body(request.client.host if request.client else None,
                                           request.headers, request.query_params)
            if refusal is not None:
                logger.info("refused before the body (%d): %s", refusal.status, refusal.message)
                # uvicorn reads past the unread body without keeping or parsing it.
                await _error(refusal.status, refusal.message, refusal.headers)(scope, receive,
                                                                                send)
                return

        async def with_cors(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                names = {k.lower() for k, _ in message.get("headers", [])}
                if b"access-control-allow-origin" not in names:
                    message = {**message, "headers": [*message.get("headers", []),
                                                      (b"access-control-allow-origin", b"*")]}
            await send(message)

        await self.app(scope, receive, with_cors)


def create_api(api: Api) -> FastAPI:
    """The FastAPI app with the API's routes (the page is mounted on it by create_server)."""
    app = FastAPI(title="vi2en API", version="1", default_response_class=_safe_json_response(),
                  description="Vietnamese news in, English out. LibreTranslate-compatible "
                              "endpoints (/translate, /detect, /languages, /frontend/settings, "
                              "/translate_file) and vi2en's own (/v1/translate, /v1/summarize)."
                              " Errors: {\"error\": \"…\"} with 400, 403 (bad API key), 413 "
                              "(body too large), 429 (over a rate limit).")
    app.add_middleware(_ApiGuard, api=api)
    _add_error_handlers(app)
    _add_libretranslate_routes(app, api)
    _add_v1_routes(app, api)
    return app


def _add_error_handlers(app: FastAPI) -> None:
    """FastAPI's own refusals (unknown path, bad body) answered as ``{"error": one line}``."""
    from fastapi.exceptions import RequestValidationError
    from starlette.exceptions import HTTPException as StarletteHTTPException

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException):
        return _error(exc.status_code, str(exc.detail))

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError):
        first = exc.errors()[0] if exc.errors() else {}
        where = ".".join(str(p) for p in first.get("loc", ()) if p != "body")
        return _error(400, f"Invalid request: {where or 'body'}: {first.get('msg', 'invalid')}")


# The OpenAPI description of LibreTranslate's bodies (read by hand from JSON or a form).
_TEXT_OR_LIST = {"oneOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}]}
_TRANSLATE_FIELDS = {
    "q": {**_TEXT_OR_LIST, "description": "text(s) to translate"},
    "source": {"type": "string", "enum": ["vi", "auto"]},
    "target": {"type": "string", "enum": ["en"]},
    "format": {"type": "string", "enum": ["text", "html"], "default": "text"},
    "alternatives": {"type": "integer", "default": 0,
                     "description": "accepted; no alternatives are given"},
    "api_key": {"type": "string"}}
_FILE_DOC = {"requestBody": {"required": True, "content": {"multipart/form-data": {"schema": {
    "type": "object", "required": ["file", "source", "target"],
    "properties": {"file": {"type": "string", "format": "binary"},
                   "source": {"type": "string"}, "target": {"type": "string"},
                   "api_key": {"type": "string"}}}}}}}


def _body_doc(fields: dict[str, Any], required: list[str]) -> dict[str, Any]:
    schema = {"type": "object", "properties": fields, "required": required}
    return {"requestBody": {"required": True, "content": {
        "application/json": {"schema": schema},
        "application/x-www-form-urlencoded": {"schema": schema}}}}


async def _data_of(request: Request) -> dict[str, Any]:
    try:
        return await _read_body(request)
    except (BodyTooLarge, ApiError):  # the gate answers the first with a 413
        raise
    except Exception as exc:  # a malformed form or multipart body
        logger.info("unreadable request body: %s", exc)
        raise ApiError(400, "Invalid request: the body could not be read") from None


def _add_libretranslate_routes(app: FastAPI, api: Api) -> None:
    """LibreTranslate's endpoints, answered as LibreTranslate answers."""
    from fastapi.responses import FileResponse

    @app.post("/translate", tags=["LibreTranslate"], summary="Translate text",
              openapi_extra=_body_doc(_TRANSLATE_FIELDS, ["q", "source", "target"]))
    @_guarded
    async def translate(request: Request):
        """`{"translatedText": …}` (a list for a list `q`), with `detectedLanguage` for
        `source=auto`. `format=html` keeps the markup byte for byte outside text nodes."""
        data = await _data_of(request)
        api.access(request, data)
        return await api.run(request, api.translate, data)

    @app.post("/detect", tags=["LibreTranslate"], summary="Detect the language",
              openapi_extra=_body_doc({"q": {"type": "string"}, "api_key": {"type": "string"}},
                                      ["q"]))
    @_guarded
    async def detect_language(request: Request):
        """`[{"language": "fr", "confidence": 0-100}, …]`: up to three candidates, most
        likely first (see translate/detect.py)."""
        data = await _data_of(request)
        api.access(request, data)
        return api.detect(data)

    @app.get("/languages", tags=["LibreTranslate"], summary="Languages and their targets")
    async def languages():
        return LANGUAGES

    @app.get("/frontend/settings", tags=["LibreTranslate"], summary="Limits a client reads")
    async def frontend_settings():
        return api.frontend_settings()

    @app.post("/translate_file", tags=["LibreTranslate"], summary="Translate a file",
              openapi_extra=_FILE_DOC)
    @_guarded
    async def translate_file(request: Request):
        """.docx, .pptx, .odt, .html, .md, .txt, .srt and .pdf: the translated document
        comes back in its own format at `translatedFileUrl`, named as sent with `.en` before
        the suffix (a .pdf comes back as a .docx); kept for an hour."""
        data = await _data_of(request)
        api.access(request, data)
        return await api.run(request, api.translate_file, data, api.base_url())

    @app.get("/download_file/{folder}/{name}", tags=["LibreTranslate"],
             summary="A translated file")
    @_guarded
    async def download_file(folder: str, name: str):
        path = _FILES.root / folder / name
        if (not re.fullmatch(r"[0-9a-f]{32}", folder) or not re.fullmatch(r"[\w.-]+", name)
                or not path.is_file()):
            raise ApiError(404, "No such file (translated files are kept for an hour)")
        return FileResponse(path, filename=name, media_type=media_type(name))


def _add_v1_routes(app: FastAPI, api: Api) -> None:
    """vi2en's own endpoints: the full result of an article, a summary."""

    @app.post("/v1/translate", tags=["vi2en"], summary="Translate an article (full result)")
    @_guarded
    async def v1_translate(request: Request, body: V1Translate):
        """The same JSON as `vi2en translate --json`: paragraphs, sentences with the model's
        score, quality flags (with the span of the Vietnamese they point at, where known),
        models, timings, and the summary when asked."""
        api.access(request, {"api_key": body.api_key or request.headers.get("x-api-key")})
        return await api.run(request, api.v1_translate, body)

    @app.post("/v1/summarize", tags=["vi2en"], summary="Summarize English text")
    @_guarded
    async def v1_summarize(request: Request, body: V1Summarize):
        api.access(request, {"api_key": body.api_key or request.headers.get("x-api-key")})
        return await api.run(request, api.v1_summarize, body)


def create_server(blocks: Any | None, pool: ModelPool, settings: ApiSettings, max_chars: int,
                  *, auth: tuple[str, str] | None = None, server: ServerSettings | None = None,
                  limits: ClientLimits | None = None, time_limit_s: float = 0,
                  **gradio_options: Any) -> Any:
    """One app: the API's routes, and the Gradio page (``blocks``; None: the API alone)
    mounted at ``/``, sharing ``pool`` and the client ``limits``, behind the gate that every
    request passes first (an ASGI app)."""
    from .serving.gate import GateRules, ServerGate
    from .serving.settings import ServerSettings
    from .serving.uploads import UploadLedger

    server = server or ServerSettings()
    limits = limits or ClientLimits()
    service = TranslationService(pool.default, batch_window_s=settings.batch_window_s,
                                 max_batch=settings.max_batch)
    api = Api(service, settings, max_chars, pool, limits=limits, public_url=server.public_url,
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
    import threading

    from .convert import USER_NOTICE
    from .serving.protocol import guarded_server, server_config
    from .serving.settings import ServerSettings

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
