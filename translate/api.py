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
import shutil
import socket
import threading
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from fastapi import FastAPI, Request
from pydantic import BaseModel, Field

from .api_settings import ApiSettings
from .catalog import ModelError, ModelUnavailableError
from .detect import VIETNAMESE, detect
from .extract import DOCUMENT_SUFFIXES, ExtractionError, read_document
from .glossary import Glossary
from .scratch import ScratchFolders
from .service import TranslationService
from .stopping import Cancelled
from .text import InvalidTextError, check_text

if TYPE_CHECKING:
    from .model_pool import ModelPool

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


class ApiError(Exception):
    """A refusal: HTTP status and the one line a client sees."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


class _BodyTooLarge(Exception):
    pass


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


class Api:
    """The API's handlers over one service; settings checked on every request."""

    def __init__(self, service: TranslationService, settings: ApiSettings, max_chars: int,
                 pool: ModelPool | None = None, *, time_limit_s: float = 0) -> None:
        self.service = service
        self.settings = settings
        self.char_limit = settings.char_limit if settings.char_limit > 0 else max_chars
        self.time_limit_s = time_limit_s  # per request, waiting included; 0: none
        self.pool = pool
        self._limiter = None
        if settings.req_limit > 0 or settings.api_keys:
            from limits import parse
            from limits.storage import MemoryStorage
            from limits.strategies import MovingWindowRateLimiter

            self._limiter = MovingWindowRateLimiter(MemoryStorage())
            self._parse = parse

    # -- keys and limits ------------------------------------------------------------------------
    def access(self, request: Request, data: dict[str, Any]) -> None:
        """Refuse a bad key (403), a missing one when required (400), a client over its limit
        (429)."""
        key = data.get("api_key") or None
        keys = self.settings.api_keys
        per_minute = self.settings.req_limit
        if keys is not None:
            if key is not None and key not in keys:
                raise ApiError(403, "Invalid API key")
            if key is None and self.settings.require_api_key:
                raise ApiError(400, "Please contact the server operator to get an API key")
            if key is not None and keys[key] is not None:
                per_minute = keys[key]
        if self._limiter is None or per_minute <= 0:
            return
        client = f"key:{key}" if key else f"ip:{request.client.host if request.client else '-'}"
        item = self._parse(f"{per_minute}/minute")
        if not self._limiter.hit(item, client):
            raise ApiError(429, f"Slowdown: {per_minute} per 1 minute")

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
        except (TypeError, ValueError):
            raise ApiError(400, "Invalid request: alternatives parameter is not a number") from None
        texts = q if isinstance(q, list) else [q]
        if len(texts) > MAX_TEXTS:
            raise ApiError(400, f"Invalid request: request ({len(texts)} texts) exceeds the "
                                f"batch limit ({MAX_TEXTS})")
        self._within_limit(texts)
        answer: dict[str, Any] = {}
        plans = self.service.plans(texts, html=text_format == "html")  # HTML parsed once
        if source == "auto":
            found = detect("\n".join(plan.prose for plan in plans))
            if found.language != VIETNAMESE:
                raise ApiError(400, f"{found.language} is not supported: the text does not "
                                    "look Vietnamese (few Vietnamese diacritics); send "
                                    "source=vi to translate it anyway")
            detected = found.to_dict()
            answer["detectedLanguage"] = [detected] * len(texts) if isinstance(q, list) \
                else detected
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
        return [detect(q).to_dict()]

    def frontend_settings(self) -> dict[str, Any]:
        return {"charLimit": self.char_limit, "frontendTimeout": FRONTEND_TIMEOUT_MS,
                "apiKeys": self.settings.api_keys is not None,
                "keyRequired": self.settings.api_keys is not None
                and self.settings.require_api_key,
                "suggestions": False, "filesTranslation": True,
                "supportedFilesFormat": list(DOCUMENT_SUFFIXES),
                "language": {"source": {"code": "vi", "name": "Vietnamese"},
                             "target": {"code": "en", "name": "English"}}}

    def translate_file(self, data: dict[str, Any], base_url: str,
                       stop: threading.Event | None = None) -> dict[str, str]:
        upload = data.get("file")
        if upload is None or isinstance(upload, str):
            raise ApiError(400, "Invalid request: missing file parameter")
        _check_pair(_text_field(data, "source"), _text_field(data, "target"))
        name = Path(upload.filename or "").name
        suffix = Path(name).suffix.lower()
        if not name:
            raise ApiError(400, "Invalid request: empty file")
        if suffix not in DOCUMENT_SUFFIXES:
            raise ApiError(400, f"Invalid request: file format not supported ({suffix or 'none'}"
                                f"; supported: {', '.join(DOCUMENT_SUFFIXES)})")
        folder = _FILES.new()
        source_path = folder / f"source{suffix}"
        with source_path.open("wb") as sink:
            shutil.copyfileobj(upload.file, sink)
        try:
            # The page's reader; it stops as soon as the text passes the limit.
            text = read_document(source_path, max_chars=self.char_limit)
        finally:
            source_path.unlink()
        self._within_limit([text])
        self._loaded()
        english = self.service.translate_texts([text], stop=stop)[0]
        out_name = re.sub(r"[^\w.-]+", "_", Path(name).stem)[:80] + ".en.txt"
        (folder / out_name).write_text(english, encoding="utf-8")
        return {"translatedFileUrl": f"{base_url}download_file/{folder.name}/{out_name}"}

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
        summary = self.service.summarize(body.text, body.length, stop=stop)
        return {"summary": summary.text, "note": summary.note,
                "flags": [f.to_dict() for f in summary.flags]}


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
    length: str | None = Field(None, description="short, medium or long")
    api_key: str | None = Field(None, description="as on /translate (or an X-API-Key header)")


def _error(status: int, message: str):
    from fastapi.responses import JSONResponse

    line = message.strip().splitlines()[0] if message.strip() else "error"
    # A refusal may quote what the client sent, lone surrogates included: JSON must encode it.
    line = line.encode("utf-8", "replace").decode("utf-8")
    return JSONResponse({"error": line}, status_code=status,
                        headers={"Access-Control-Allow-Origin": "*"})


def _guarded(handler: Callable[..., Awaitable[Any]]) -> Callable[..., Awaitable[Any]]:
    """Every failure becomes ``{"error": one line}``; tracebacks go to the log only."""
    import functools

    @functools.wraps(handler)
    async def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return await handler(*args, **kwargs)
        except ApiError as exc:
            logger.info("refused (%d): %s", exc.status, exc.message)
            return _error(exc.status, exc.message)
        except _BodyTooLarge as exc:
            return _error(413, str(exc))
        except _ClientGone:
            return _error(499, "client closed the connection")  # read by no one
        except Cancelled as exc:  # stopped at a time limit while the answer was on its way
            return _error(503, str(exc))
        except ModelUnavailableError as exc:
            logger.warning("model unavailable: %s", exc)
            return _error(503, str(exc))
        except (ModelError, ExtractionError, ValueError) as exc:
            logger.info("refused: %s", exc)
            return _error(400, str(exc))
        except Exception as exc:
            logger.exception("API request failed")
            return _error(500, f"Cannot translate text: {type(exc).__name__}: {exc}")

    return wrapper


class _ApiGuard:
    """ASGI middleware for the API's paths: body size bound, CORS as LibreTranslate sends it."""

    def __init__(self, app: Any, max_body_bytes: int) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes

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
        limit = self.max_body_bytes
        headers = dict(scope.get("headers") or [])
        declared = headers.get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            await _error(413, f"Request body too large ({int(declared):,} bytes; the limit is "
                              f"{limit:,})")(scope, receive, send)
            return
        seen = 0

        async def bounded_receive() -> dict[str, Any]:
            nonlocal seen
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > limit:
                raise _BodyTooLarge(f"Request body too large (over {limit:,} bytes)")
            return message

        async def with_cors(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                names = {k.lower() for k, _ in message.get("headers", [])}
                if b"access-control-allow-origin" not in names:
                    message = {**message, "headers": [*message.get("headers", []),
                                                      (b"access-control-allow-origin", b"*")]}
            await send(message)

        await self.app(scope, bounded_receive, with_cors)


def create_api(api: Api) -> FastAPI:
    """The FastAPI app with the API's routes (the page is mounted on it by create_server)."""
    app = FastAPI(title="vi2en API", version="1",
                  description="Vietnamese news in, English out. LibreTranslate-compatible "
                              "endpoints (/translate, /detect, /languages, /frontend/settings, "
                              "/translate_file) and vi2en's own (/v1/translate, /v1/summarize)."
                              " Errors: {\"error\": \"…\"} with 400, 403 (bad API key), 413 "
                              "(body too large), 429 (over a rate limit).")
    app.add_middleware(_ApiGuard, max_body_bytes=api.settings.max_body_bytes)
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
        if isinstance(exc.__cause__, _BodyTooLarge):
            return _error(413, str(exc.__cause__))
        return _error(exc.status_code, str(exc.detail))

    @app.exception_handler(_BodyTooLarge)
    async def too_large(request: Request, exc: _BodyTooLarge):
        return _error(413, str(exc))

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
    except _BodyTooLarge:
        raise
    except ApiError:
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
        """`[{"language": "vi"|"en", "confidence": 0-100}]`: the share of words with
        Vietnamese diacritics (see translate/detect.py)."""
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
        """.txt/.md/.docx/.html, read as the page reads uploads; the English comes back as a
        UTF-8 .txt at `translatedFileUrl` (kept for an hour)."""
        data = await _data_of(request)
        api.access(request, data)
        return await api.run(request, api.translate_file, data, str(request.base_url))

    @app.get("/download_file/{folder}/{name}", tags=["LibreTranslate"],
             summary="A translated file")
    @_guarded
    async def download_file(folder: str, name: str):
        path = _FILES.root / folder / name
        if (not re.fullmatch(r"[0-9a-f]{32}", folder) or not re.fullmatch(r"[\w.-]+", name)
                or not path.is_file()):
            raise ApiError(404, "No such file (translated files are kept for an hour)")
        return FileResponse(path, filename=name, media_type="text/plain; charset=utf-8")


def _add_v1_routes(app: FastAPI, api: Api) -> None:
    """vi2en's own endpoints: the full result of an article, a summary."""

    @app.post("/v1/translate", tags=["vi2en"], summary="Translate an article (full result)")
    @_guarded
    async def v1_translate(request: Request, body: V1Translate):
        """The same JSON as `vi2en translate --json`: paragraphs, sentences, quality flags,
        models, timings, and the summary when asked."""
        api.access(request, {"api_key": body.api_key or request.headers.get("x-api-key")})
        return await api.run(request, api.v1_translate, body)

    @app.post("/v1/summarize", tags=["vi2en"], summary="Summarize English text")
    @_guarded
    async def v1_summarize(request: Request, body: V1Summarize):
        api.access(request, {"api_key": body.api_key or request.headers.get("x-api-key")})
        return await api.run(request, api.v1_summarize, body)


def create_server(blocks: Any, pool: ModelPool, settings: ApiSettings, max_chars: int, *,
                  auth: tuple[str, str] | None = None, time_limit_s: float = 0,
                  **gradio_options: Any) -> FastAPI:
    """One app: the API's routes, and the Gradio page mounted at ``/``, sharing ``pool``."""
    import gradio as gr

    service = TranslationService(pool.default, batch_window_s=settings.batch_window_s,
                                 max_batch=settings.max_batch)
    api = Api(service, settings, max_chars, pool, time_limit_s=time_limit_s)
    app = create_api(api)
    app.state.vi2en_api = api
    return gr.mount_gradio_app(app, blocks, path="/", auth=auth, **gradio_options)


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


def run_server(app: FastAPI, *, host: str, port: int, share: bool = False) -> None:
    """Serve ``app`` with uvicorn until interrupted; ``share`` adds a gradio.live tunnel."""
    import threading

    import uvicorn

    sock = bind(host, port)
    server = uvicorn.Server(uvicorn.Config(app, host=host, port=port, log_level="warning",
                                           timeout_graceful_shutdown=5))
    if share:
        def tunnel() -> None:
            import secrets

            from gradio import networking

            while not server.started and not server.should_exit:
                time.sleep(0.1)
            try:
                url = networking.setup_tunnel(host if host != "0.0.0.0" else "127.0.0.1",
                                              port, secrets.token_urlsafe(32), None, None)
                logger.warning("public link (page and API): %s", url)
            except Exception as exc:  # the server stays up on its own address
                logger.error("could not create the share link: %s", exc)

        threading.Thread(target=tunnel, name="vi2en-share", daemon=True).start()
    logger.warning("serving the page and the API on http://%s:%d/ (API docs at /docs)%s",
                   host, port, "" if share else "; for a temporary public link, use --share")
    server.run(sockets=[sock])
