"""What each route does, HTTP aside: :class:`Api` over the server's
:class:`~translate.serving.host.ModelHost`, its keys, limits and time limit."""

from __future__ import annotations

import asyncio
import logging
import re
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from fastapi import Request
from pydantic import BaseModel, Field

from ..api_settings import ApiSettings
from ..detect import detect, detect_all
from ..documents import DOCUMENT_SUFFIXES, open_document, translated_name
from ..glossary import Glossary
from ..scratch import ScratchFolders
from ..service import TranslationService
from ..serving.limits import ClientLimits, client_of
from ..stopping import Cancelled
from ..text import InvalidTextError, check_text
from .errors import ApiError, ClientGone
from .fields import check_detected, check_pair, text_field

if TYPE_CHECKING:
    from ..serving.host import ModelHost

logger = logging.getLogger(__name__)


FRONTEND_TIMEOUT_MS = 500
# How often a running request looks whether its client is still there, in seconds.
WATCH_S = 0.2
TRANSLATED_FILES = ScratchFolders("vi2en-api-files")


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


class Api:
    """The API's handlers over the server's models (``host``, shared with the page);
    settings checked on every request."""

    def __init__(self, host: ModelHost, settings: ApiSettings, max_chars: int, *,
                 limits: ClientLimits | None = None, public_url: str | None = None,
                 time_limit_s: float = 0) -> None:
        self.host = host
        self.settings = settings
        self.char_limit = settings.char_limit if settings.char_limit > 0 else max_chars
        self.time_limit_s = time_limit_s  # per request, waiting included; 0: none
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

    def cost(self, data: dict[str, Any]) -> int:
        """What a request counts against its client's rate, as LibreTranslate counts: one per
        text of a list ``q``, a file one per ``char_limit`` bytes, else one."""
        q, upload = data.get("q"), data.get("file")
        if isinstance(q, list):
            return max(1, len(q))
        size = getattr(upload, "size", None)
        if size and self.char_limit > 0:
            return max(1, size // self.char_limit)
        return 1

    def access(self, request: Request, data: dict[str, Any]) -> None:
        """Refuse a bad key (403), a missing one when required (400), a client over its limit
        (429, with Retry-After); count the request (:meth:`cost`). The key is the body's
        ``api_key``, else the ``X-API-Key`` header, else ``?api_key=``. Wrong keys count
        against the address."""
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
        refusal = self.limits.hit(client_of(address, key=key), self._per_minute(key),
                                  self.cost(data))
        if refusal is not None:
            raise ApiError.slow_down(refusal)

    def _within_limit(self, texts: list[str]) -> None:
        """Refuse a text over the character limit (each text checked alone, as LibreTranslate
        does), or one that no model can read (400): every door checks what it was sent
        before any of it can join a batch shared with other clients."""
        for text in texts:
            if len(text) > self.char_limit:
                raise ApiError(400, f"Invalid request: request ({len(text)}) exceeds text "
                                    f"limit ({self.char_limit})")
        for text in texts:
            try:
                check_text(text)
            except InvalidTextError as exc:
                raise ApiError(400, f"Invalid request: {exc}") from None

    def _service(self, data: dict[str, Any]) -> TranslationService:
        """The chosen model of the server's list (``model``, vi2en's own field: clients of
        LibreTranslate never send it), loaded, without sentence checks: LibreTranslate's
        answers have no place for them."""
        model = data.get("model")
        if model is not None and not isinstance(model, str):
            raise ApiError(400, "Invalid request: model must be a string")
        return self.host.service(model or None, checks=False)

    # -- LibreTranslate ---------------------------------------------------------------------------
    def translate(self, data: dict[str, Any],
                  stop: threading.Event | None = None) -> dict[str, Any]:
        q = text_field(data, "q", lists=True)
        source = text_field(data, "source")
        target = text_field(data, "target")
        check_pair(source, target)
        text_format = data.get("format") or "text"
        if text_format not in ("text", "html"):
            raise ApiError(400, f"{text_format} format is not supported")
        try:
            alternatives = max(0, int(data.get("alternatives") or 0))
        except (TypeError, ValueError, OverflowError):  # a list, "x", NaN, Infinity
            raise ApiError(400, "Invalid request: alternatives parameter is not a number") from None
        limit = self.settings.alternatives_limit
        if alternatives > limit:
            raise ApiError(400, f"Invalid request: alternatives parameter must be <= {limit}")
        texts = q if isinstance(q, list) else [q]
        if len(texts) > self.settings.batch_limit:  # LibreTranslate's words, "text limit"
            raise ApiError(400, f"Invalid request: request ({len(texts)}) exceeds text limit "
                                f"({self.settings.batch_limit})",
                           hint=f"at most {self.settings.batch_limit} texts in one request")
        self._within_limit(texts)
        answer: dict[str, Any] = {}
        plans = TranslationService.plans(texts, html=text_format == "html")  # parsed once
        if source == "auto":  # each text on its own, as LibreTranslate detects a list
            found = [detect(plan.prose) for plan in plans]
            for item in found:
                check_detected(item)
            answer["detectedLanguage"] = ([f.to_dict() for f in found]
                                          if isinstance(q, list) else found[0].to_dict())
        service = self._service(data)
        if alternatives:
            pairs = service.translate_with_alternatives(plans, alternatives, stop=stop)
            translated = [best for best, _ in pairs]
            others = [alts for _, alts in pairs]
            answer["alternatives"] = others if isinstance(q, list) else others[0]
        else:
            translated = service.translate_plans(plans, stop=stop)
        answer["translatedText"] = translated if isinstance(q, list) else translated[0]
        return answer

    def detect(self, data: dict[str, Any]) -> list[dict[str, Any]]:
        q = text_field(data, "q")
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

    def base_url(self, request: Request) -> str:
        """Where links point, absolute as LibreTranslate's: ``--public-url``, else the
        address and port this connection reached the server on (the socket's own, never the
        request's Host header, which the client writes)."""
        if self.public_url:
            return self.public_url.rstrip("/") + "/"
        host, port = request.scope.get("server") or ("127.0.0.1", 80)
        host = f"[{host}]" if ":" in host else host
        return f"http://{host}:{port}/"

    def translate_file(self, data: dict[str, Any], base_url: str,
                       stop: threading.Event | None = None) -> dict[str, str]:
        upload = data.get("file")
        if upload is None or isinstance(upload, str):
            raise ApiError(400, "Invalid request: missing file parameter")
        source = text_field(data, "source")
        check_pair(source, text_field(data, "target"))
        name = Path(upload.filename or "").name
        suffix = Path(name).suffix.lower()
        if not name:
            raise ApiError(400, "Invalid request: empty file")
        if suffix not in DOCUMENT_SUFFIXES:
            raise ApiError(400, "Invalid request: file format not supported",
                           hint=f"{suffix or 'no suffix'}; supported: "
                                f"{', '.join(DOCUMENT_SUFFIXES)}")
        # The body is bounded by the server's --max-body already.
        document = open_document(upload.file.read(), name, max_chars=self.char_limit)
        if source == "auto":
            check_detected(detect(document.text))
        self._within_limit([document.text])
        self._service(data).translate_document(document, stop=stop)
        # The original name with .en before the suffix, in characters safe in a URL path.
        out_name = translated_name(re.sub(r"[^\w.-]+", "_", Path(name).stem)[:80] + suffix,
                                   document.output_suffix)
        folder = TRANSLATED_FILES.new()
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
        if body.summary:
            self.host.summarizer()  # loaded (or one line) before the article is translated
        # A bad summary length is refused here, before any work.
        service = self.host.service(body.model, beams=body.beams,
                                    summary_length=body.summary_length)
        result = service.translate_article(body.text, summary=body.summary, glossary=glossary,
                                           stop=stop)
        return result.to_dict()

    def v1_summarize(self, body: V1Summarize,
                     stop: threading.Event | None = None) -> dict[str, Any]:
        self._within_limit([body.text])
        if not body.text.strip():
            raise ApiError(400, "Invalid request: missing text parameter")
        pipeline = self.host.summarizing(body.summary_length or body.length)
        summary = pipeline.summarize(body.text, stop=stop)
        signature = pipeline.summary_signature()
        flags = [f.to_dict() for f in summary.flags]
        # The names of a result's summary (PipelineResult.to_dict); "note" and "flags", the
        # names before them, stay for one release (the README's API section says so).
        return {"summary": summary.text, "summary_note": summary.note, "summary_flags": flags,
                "note": summary.note, "flags": flags,
                "signature": str(signature), "signature_info": signature.to_dict()}


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
                    raise ClientGone()
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


class V1Translate(BaseModel):
    """A Vietnamese article; the answer is the JSON of ``vi2en translate --json``."""

    text: str = Field(description="the Vietnamese article (paragraphs separated by blank lines)")
    summary: bool = Field(False, description="add an English summary")
    glossary: str | None = Field(None, description="TSV: 'Vietnamese term<TAB>English "
                                                   "rendering' per line")
    beams: int | None = Field(None, ge=1, le=8, description="beam size (default: the server's)")
    summary_length: str | None = Field(None, description="short, medium or long")
    api_key: str | None = Field(None, description="as on /translate (or an X-API-Key header)")
    model: str | None = Field(None, description="one of the server's models (default: the "
                                                "server's)")


class V1Summarize(BaseModel):
    """English text to summarize."""

    text: str
    summary_length: str | None = Field(None, description="short, medium or long")
    length: str | None = Field(None, description="old name of summary_length, kept for one "
                                                 "release")
    api_key: str | None = Field(None, description="as on /translate (or an X-API-Key header)")
