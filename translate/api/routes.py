"""The FastAPI app: LibreTranslate's routes and ours, the access dependency every counted
route has, and the guard before them (CORS, 405 for a wrong method, refusals before the
body)."""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import FastAPI, Request

from ..serving.gate import BodyTooLarge
from .errors import ApiError, error_response, guarded, refused_response, safe_json_response
from .fields import LANGUAGES, read_fields
from .handlers import TRANSLATED_FILES, Api, V1Summarize, V1Translate, media_type

logger = logging.getLogger(__name__)


# Paths the API answers; everything else belongs to the page.
API_PREFIXES = ("/translate", "/translate_file", "/detect", "/languages", "/frontend/settings",
                "/download_file/", "/v1/", "/health", "/spec", "/suggest")


class _ApiGuard:
    """ASGI middleware for the API's paths: CORS as LibreTranslate sends it, and the refusals
    that need no body (a client over its rate, an address guessing keys) made before a byte
    of it is read. The body's size is bounded for the whole app by the server's gate."""

    def __init__(self, app: Any, api: Api, routes: list[Any]) -> None:
        self.app = app
        self.api = api
        self.routes = routes  # the API's own (the page's, mounted at /, are not)

    def _wrong_method(self, scope: dict[str, Any]) -> set[str] | None:
        """The methods the API's route at this path answers when the request's is not one of
        them; None: the method is right, or the path is not the API's."""
        from starlette.routing import Match

        methods: set[str] | None = None
        for route in self.routes:
            match, _ = route.matches(scope)
            if match == Match.FULL:
                return None
            if match == Match.PARTIAL:  # the path, another method
                methods = (methods or set()) | set(route.methods or ())
        return methods

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http" or not scope["path"].startswith(API_PREFIXES):
            await self.app(scope, receive, send)
            return
        allowed = self._wrong_method(scope)
        if allowed is not None and scope["method"] != "OPTIONS":
            # Without this the page mounted at / would answer a wrong method with 404.
            await error_response(405, "Method Not Allowed",
                         {"Allow": ", ".join(sorted(allowed))})(scope, receive, send)
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
                refused = error_response(refusal.status, refusal.message, refusal.headers)
                await refused(scope, receive, send)
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
    app = FastAPI(title="vi2en API", version="1", default_response_class=safe_json_response(),
                  description="Vietnamese news in, English out. LibreTranslate-compatible "
                              "endpoints (/translate, /detect, /languages, /frontend/settings, "
                              "/translate_file, /health, /spec, /suggest) and vi2en's own "
                              "(/v1/translate, /v1/summarize). Errors: {\"error\": \"…\"} "
                              "in LibreTranslate's words (and \"hint\" where we say more) "
                              "with 400, 403 (bad API key), 405 (wrong method), 413 (body too "
                              "large), 429 (over a rate limit).")
    _add_error_handlers(app)
    _add_libretranslate_routes(app, api)
    _add_v1_routes(app, api)
    app.add_middleware(_ApiGuard, api=api, routes=_flat(app.router.routes))
    return app


def _flat(routes: list[Any]) -> list[Any]:
    """The routes of an app, those of included routers (kept whole by FastAPI) among them;
    the routers here have no prefix."""
    flat: list[Any] = []
    for route in routes:
        inner = getattr(route, "original_router", None)
        flat.extend(_flat(inner.routes) if inner is not None else [route])
    return flat


def _add_error_handlers(app: FastAPI) -> None:
    """FastAPI's own refusals (unknown path, bad body) and those of the access dependency
    answered as ``{"error": one line}``."""
    from fastapi.exceptions import RequestValidationError
    from starlette.exceptions import HTTPException as StarletteHTTPException

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException):
        return error_response(exc.status_code, str(exc.detail))

    @app.exception_handler(RequestValidationError)
    async def invalid(request: Request, exc: RequestValidationError):
        first = exc.errors()[0] if exc.errors() else {}
        where = ".".join(str(p) for p in first.get("loc", ()) if p != "body")
        return error_response(400, f"Invalid request: {where or 'body'}: "
                                   f"{first.get('msg', 'invalid')}")

    @app.exception_handler(ApiError)
    async def refused(request: Request, exc: ApiError):
        return refused_response(exc)

    @app.exception_handler(BodyTooLarge)
    async def too_large(request: Request, exc: BodyTooLarge):
        return error_response(413, str(exc))


# The OpenAPI description of LibreTranslate's bodies (read by hand from JSON or a form).
_TEXT_OR_LIST = {"oneOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}]}
_TRANSLATE_FIELDS = {
    "q": {**_TEXT_OR_LIST, "description": "text(s) to translate"},
    "source": {"type": "string", "enum": ["vi", "auto"]},
    "target": {"type": "string", "enum": ["en"]},
    "format": {"type": "string", "enum": ["text", "html"], "default": "text"},
    "alternatives": {"type": "integer", "default": 0,
                     "description": "other translations of each text (the beam's next best), "
                                    "up to the server's --alternatives-limit"},
    "model": {"type": "string", "description": "one of the server's models (vi2en's own; "
                                               "default: the server's)"},
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


def _access(api: Api) -> Callable[[Request], Awaitable[dict[str, Any]]]:
    """The one dependency every counted route has: the request's fields read (JSON, form,
    query string), its key checked, its cost counted against its client's rate."""

    async def admitted(request: Request) -> dict[str, Any]:
        try:
            data = await read_fields(request, api.settings.batch_limit + 16)
        except (BodyTooLarge, ApiError):  # the gate answers the first with a 413
            raise
        except Exception as exc:  # a malformed form or multipart body
            logger.info("unreadable request body: %s", exc)
            raise ApiError(400, "Invalid request: the body could not be read") from None
        api.access(request, data)
        return data

    return admitted


def _add_libretranslate_routes(app: FastAPI, api: Api) -> None:
    """LibreTranslate's endpoints, answered as LibreTranslate answers. Those it limits go
    through the access dependency; those it leaves open (languages, settings, health, spec,
    suggest, downloads) do not."""
    from fastapi import APIRouter, Depends
    from fastapi.responses import FileResponse

    fields = Depends(_access(api))
    counted = APIRouter(dependencies=[fields], tags=["LibreTranslate"])

    @counted.post("/translate", summary="Translate text",
                  openapi_extra=_body_doc(_TRANSLATE_FIELDS, ["q", "source", "target"]))
    @guarded
    async def translate(request: Request, data: dict[str, Any] = fields):
        """`{"translatedText": …}` (a list for a list `q`), with `detectedLanguage` for
        `source=auto` and `alternatives` when asked. `format=html` keeps the markup byte for
        byte outside text nodes."""
        return await api.run(request, api.translate, data)

    @counted.post("/detect", summary="Detect the language",
                  openapi_extra=_body_doc({"q": {"type": "string"},
                                           "api_key": {"type": "string"}}, ["q"]))
    @guarded
    async def detect_language(data: dict[str, Any] = fields):
        """`[{"language": "fr", "confidence": 0-100}, …]`: up to three candidates, most
        likely first (see translate/detect.py)."""
        return api.detect(data)

    @counted.post("/translate_file", summary="Translate a file", openapi_extra=_FILE_DOC)
    @guarded
    async def translate_file(request: Request, data: dict[str, Any] = fields):
        """.docx, .pptx, .odt, .html, .md, .txt, .srt and .pdf: the translated document
        comes back in its own format at `translatedFileUrl` (absolute: from --public-url,
        else the server's own address), named as sent with `.en` before the suffix (a .pdf
        comes back as a .docx); kept for an hour."""
        return await api.run(request, api.translate_file, data, api.base_url(request))

    app.include_router(counted)

    @app.get("/languages", tags=["LibreTranslate"], summary="Languages and their targets")
    async def languages():
        return LANGUAGES

    @app.get("/frontend/settings", tags=["LibreTranslate"], summary="Limits a client reads")
    async def frontend_settings():
        return api.frontend_settings()

    @app.get("/health", tags=["LibreTranslate"], summary="Health check")
    async def health():
        return {"status": "ok"}

    @app.get("/spec", tags=["LibreTranslate"], summary="This API's OpenAPI description")
    async def spec():
        return app.openapi()

    @app.post("/suggest", tags=["LibreTranslate"], summary="Suggest a better translation")
    async def suggest():
        """Refused, as on a LibreTranslate server with suggestions off."""
        return error_response(403, "Suggestions are disabled on this server.")

    @app.get("/download_file/{folder}/{name}", tags=["LibreTranslate"],
             summary="A translated file")
    @guarded
    async def download_file(folder: str, name: str):
        path = TRANSLATED_FILES.root / folder / name
        if (not re.fullmatch(r"[0-9a-f]{32}", folder) or not re.fullmatch(r"[\w.-]+", name)
                or not path.is_file()):
            raise ApiError(404, "No such file (translated files are kept for an hour)")
        return FileResponse(path, filename=name, media_type=media_type(name))


def _add_v1_routes(app: FastAPI, api: Api) -> None:
    """vi2en's own endpoints: the full result of an article, a summary."""
    from fastapi import APIRouter, Depends

    counted = APIRouter(dependencies=[Depends(_access(api))], tags=["vi2en"])

    @counted.post("/v1/translate", summary="Translate an article (full result)")
    @guarded
    async def v1_translate(request: Request, body: V1Translate):
        """The same JSON as `vi2en translate --json`: paragraphs, sentences with the model's
        score, quality flags (with the span of the Vietnamese they point at, where known),
        models, timings, and the summary when asked."""
        return await api.run(request, api.v1_translate, body)

    @counted.post("/v1/summarize", summary="Summarize English text")
    @guarded
    async def v1_summarize(request: Request, body: V1Summarize):
        return await api.run(request, api.v1_summarize, body)

    app.include_router(counted)
