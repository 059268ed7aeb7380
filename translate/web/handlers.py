"""The page's and the API's functions: input checks, model calls through the shared
:class:`~translate.model_pool.ModelPool`, and what the page shows of a result. Gradio-free in
their arguments, so tests call them directly."""

from __future__ import annotations

import logging
import tempfile
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .. import exports
from ..config import DEFAULT_SUMMARY_LENGTH, DEFAULT_TIME_LIMIT_S, MAX_REQUEST_CHARS, ModelConfig
from ..documents import open_document, read_text, translate_units
from ..fetch import fetch_article
from ..glossary import Glossary
from ..results import SUMMARY_KEYS, Signature
from ..serving.host import ModelHost
from ..text import check_text
from .door import DoorRules
from .downloads import write_document, write_exports
from .errors import TEXT_TITLES, Cancelled, refuse, user_errors

logger = logging.getLogger(__name__)

Progress = Callable[..., Any]  # a gr.Progress, or anything called the same way


@dataclass(frozen=True)
class WebConfig:
    """How the server was started: models, limits, the URL guard."""

    model_config: ModelConfig = field(default_factory=ModelConfig)
    max_chars: int = MAX_REQUEST_CHARS
    allow_private_urls: bool = False
    concurrency: int | None = None  # model calls at once (ModelHost); None: from the device
    fetch_timeout_s: float = 15.0
    time_limit_s: float = DEFAULT_TIME_LIMIT_S  # per job, 0: none
    # Translation models visitors may pick besides the configured one (always offered, the
    # default).
    # Nothing else is ever loaded: on a public server each one costs disk, memory and time.
    models: tuple[str, ...] = ()
    # What a client may queue and how often (shared with the REST API by vi2en serve).
    door: DoorRules = field(default_factory=DoorRules)
    # Gradio's named endpoints (/translate, /summarize, /process for gradio_client); off on a
    # server that requires API keys, whose page is then for logged-in visitors only.
    named_api: bool = True


class Handlers:
    """The page's and the API's functions, gradio-free in their arguments: tests call them
    directly. ``progress`` is a gr.Progress on the page, None elsewhere."""

    def __init__(self, config: WebConfig, host: ModelHost | None = None) -> None:
        self.config = config
        # The server's models, shared with the REST API (vi2en serve builds one host for
        # both); the page's translations join API clients' in the same model calls.
        self.host = host or ModelHost(config.model_config, config.models,
                                      model_calls=config.concurrency)
        self.pool = self.host.pool

    # -- input ---------------------------------------------------------------------------------
    def _checked(self, text: str | None, what: str) -> str:
        if text is None or not text.strip():
            hint = ("paste a Vietnamese article, upload a file, fetch a web page or load the "
                    "example." if what == "translate" else
                    "translate an article first, or paste English text.")
            raise refuse(f"Nothing to {what} yet: {hint}", f"Nothing to {what}")
        if len(text) > self.config.max_chars:
            raise refuse(f"The text has {len(text):,} characters; this server accepts up to "
                          f"{self.config.max_chars:,}. Send a shorter article or split it.",
                          TEXT_TITLES[1])
        return check_text(text, "The text")  # a bad character: one line, no model call

    @user_errors
    def load_file(self, path: str | None) -> str:
        """Text of an uploaded .txt/.md/.docx/.html file (the article, for a saved page); a
        file with more text than the server accepts is refused as soon as that is known."""
        if not path:
            return ""
        return read_text(path, max_chars=self.config.max_chars)

    @user_errors
    def translate_file(self, name: str | None, data: bytes = b"", model: str | None = None,
                       beams: float | None = None, source: str | None = None,
                       stop: threading.Event | None = None) -> Path | None:
        """The uploaded document ``name`` (its bytes: ``data``) translated in its own format
        (``name.en.docx``; a .pdf as .docx), written for download; None without one, or when
        ``source`` (the text just translated) is no longer the document's text (an example, a
        fetched page or an edit replaced it). Each paragraph, cell or cue is translated whole
        and its English put back where its text was."""
        if not name:
            return None
        if source is not None and " ".join(source.split()) != " ".join(
                _document_text(name, data, self.config.max_chars).split()):
            return None
        document = open_document(data, name, max_chars=self.config.max_chars)
        self._checked(document.text, "translate")
        pipeline = self.host.pipeline(model, beams=beams, checks=False)  # none are shown
        self._stop_if_cancelled(stop)

        def translate(texts: list[str]) -> list[str]:
            return [r.translation for r in pipeline.translate_many(texts)]

        translate_units(document, translate)
        self._stop_if_cancelled(stop)
        return write_document(document)

    @user_errors
    def load_url(self, url: str | None) -> str:
        """The article at a news page's URL."""
        if not url or not url.strip():
            raise refuse("Enter the address of a news page first (https://…).", "No URL")
        text = fetch_article(url, allow_private=self.config.allow_private_urls,
                             timeout=self.config.fetch_timeout_s)
        self._warn_if_long(text)
        return text

    def _warn_if_long(self, text: str) -> None:
        if len(text) > self.config.max_chars:
            import gradio as gr

            gr.Warning(f"This article has {len(text):,} characters; the limit here is "
                       f"{self.config.max_chars:,}. Shorten it before translating.")

    def _glossary(self, tsv: str | None) -> Glossary | None:
        """The visitor's glossary (TSV), or None for the server's own (none by default)."""
        if not tsv or not tsv.strip():
            return None
        if len(tsv) > self.config.max_chars:
            raise refuse(f"The glossary has {len(tsv):,} characters; the limit is "
                          f"{self.config.max_chars:,}.", "Glossary too long")
        return Glossary.from_tsv(check_text(tsv, "The glossary"))  # a bad line: one line

    # -- model calls ---------------------------------------------------------------------------
    def _reporter(self, progress: Progress | None, model: str | None,
                  stop: threading.Event | None = None) -> Callable[[int, int], None] | None:
        """The pipeline's progress callback: shows progress, and stops a cancelled job between
        batches (a model call in flight cannot be interrupted)."""
        if progress is None and stop is None:
            return None
        if progress is not None and not self.host.translator_loaded(model):
            progress(0, desc="Loading the translation model (first use)…")

        def report(done: int, total: int) -> None:
            if stop is not None and stop.is_set():
                raise Cancelled(f"Stopped after {done} of {total} sentences; nothing was kept.")
            if progress is not None:
                # The words carry the count: page.css hides Gradio's timer, whose estimate is
                # the average of every earlier run, whatever their length.
                progress((done, total), desc=f"Translating: {done:,} of {total:,} sentences",
                         unit="sentences")

        return report

    def _summary_reporter(self, progress: Progress | None,
                          stop: threading.Event | None = None
                          ) -> Callable[[int, int], None] | None:
        """Progress of a summary, part by part (map-reduce rounds, then the final pass); a
        cancelled summary stops at the next part."""
        if progress is None and stop is None:
            return None
        if progress is not None and not self.host.summarizer_loaded:
            progress(0, desc="Loading the summarization model (first use)…")

        def report(done: int, total: int) -> None:
            self._stop_if_cancelled(stop)
            if progress is not None:
                progress((done, total), desc=f"Summarizing: {done:,} of {total:,} parts",
                         unit="parts")

        return report

    @staticmethod
    def _stop_if_cancelled(stop: threading.Event | None) -> None:
        if stop is not None and stop.is_set():
            raise Cancelled("Stopped at your request; nothing was kept.")

    @user_errors
    def translate(self, text: str, model: str | None = None, beams: float | None = None,
                  glossary: str | None = None, progress: Progress | None = None,
                  stop: threading.Event | None = None) -> tuple[str, dict[str, Any]]:
        """Vietnamese article -> (English with paragraphs as in the source, result dict).
        Setting ``stop`` cancels the job between batches of sentences."""
        text = self._checked(text, "translate")
        terms = self._glossary(glossary)
        report = self._reporter(progress, model, stop)
        pipeline = self.host.pipeline(model, beams=beams)
        self._stop_if_cancelled(stop)
        result = pipeline.translate(text, glossary=terms, progress=report, stop=stop)
        logger.info("translated %d sentences in %.2f s", len(result.sentences),
                    result.timings.get("translate_s", 0.0))
        return result.translation, result.to_dict()

    @user_errors
    def summarize(self, english: str, length: str | None = DEFAULT_SUMMARY_LENGTH,
                  state: dict[str, Any] | None = None, progress: Progress | None = None,
                  stop: threading.Event | None = None) -> tuple[str, dict[str, Any]]:
        """English text (as the user left it) -> (summary, the session's result with it).
        A cancelled summary is dropped when the model call returns."""
        english = self._checked(english, "summarize")
        report = self._summary_reporter(progress, stop)
        pipeline = self.host.summarizing(length)
        self._stop_if_cancelled(stop)
        summary = pipeline.summarize(english, progress=report, stop=stop)
        self._stop_if_cancelled(stop)
        result = dict(state) if state else {"source": None, "translation": english,
                                            "paragraphs": [], "models": {}, "timings": {}}
        if " ".join((result.get("translation") or "").split()) != " ".join(english.split()):
            result["edited_translation"] = english
        else:
            result.pop("edited_translation", None)
        result["summary"] = summary.text
        result["summary_note"] = summary.note
        result["summary_flags"] = [f.to_dict() for f in summary.flags]
        result["models"] = {**result.get("models", {}),
                            "summarization": pipeline.summarizer.info().to_dict()}
        # The translation's signature with this summary's settings (a summary of pasted
        # English: the summary's alone).
        translated = result.get("signature")
        signature = pipeline.summary_signature(Signature.parse(translated) if translated
                                               else None)
        result["signature"], result["signature_info"] = str(signature), signature.to_dict()
        return summary.text, result

    @user_errors
    def process(self, text: str, model: str | None = None, beams: float | None = None,
                length: str | None = DEFAULT_SUMMARY_LENGTH, glossary: str | None = None,
                progress: Progress | None = None,
                stop: threading.Event | None = None) -> dict[str, Any]:
        """Translate and summarize; the whole result (as ``vi2en translate --json``)."""
        text = self._checked(text, "translate")
        terms = self._glossary(glossary)
        report = self._reporter(progress, model, stop)
        pipeline = self.host.pipeline(model, beams=beams, summary_length=length)
        self.host.summarizer()  # loaded (or one line on failure) before the article is translated
        self._stop_if_cancelled(stop)
        result = pipeline.run(text, summarize=True, glossary=terms, progress=report,
                              summary_progress=self._summary_reporter(progress, stop),
                              stop=stop)
        self._stop_if_cancelled(stop)
        return result.to_dict()

    # -- display -------------------------------------------------------------------------------
    @user_errors
    def render(self, state: dict[str, Any] | None) -> tuple[Any, ...]:
        """Side-by-side table, flag line, the three downloads and the JSON view for the
        session's result (empty, downloads disabled, without one)."""
        import gradio as gr

        if not state:
            return (exports.table_html({}), "",
                    *(gr.update(value=None, interactive=False) for _ in range(3)), None)
        paths = write_exports(state)
        return (exports.table_html(state), exports.flag_summary(state),
                *(gr.update(value=str(p), interactive=True) for p in paths), state)

    @staticmethod
    def texts(state: dict[str, Any] | None) -> tuple[str, str]:
        """English and summary boxes from a result."""
        if not state:
            return "", ""
        return state.get("translation") or "", state.get("summary") or ""

    # The page's outputs after a job fails or is cancelled, or the source is replaced: nothing
    # of the previous text stays on screen. Order: english, summary, state, then render()'s.
    def cleared(self) -> tuple[Any, ...]:
        """Every result empty: English, summary, session result, table, status, downloads."""
        return ("", "", None, *self.render(None))

    def without_summary(self, state: dict[str, Any] | None) -> tuple[Any, ...]:
        """After a failed summary: the translation's result without any earlier summary
        (summary, state, then render()'s outputs)."""
        if state:
            state = {k: v for k, v in state.items()
                     if k not in ("summary", "summary_note", "summary_flags",
                                  "edited_translation")}
            models = {k: v for k, v in (state.get("models") or {}).items()
                      if k != "summarization"}
            state["models"] = models
            if state.get("signature"):  # the translation's own, without the summary's keys
                signature = Signature.parse(state["signature"]).without(*SUMMARY_KEYS)
                state["signature"] = str(signature)
                state["signature_info"] = signature.to_dict()
        return ("", state or None, *self.render(state))


def _document_text(name: str, data: bytes, max_chars: int) -> str:
    """The text the page showed for this document (the same reader as :meth:`load_file`)."""
    with tempfile.TemporaryDirectory(prefix="vi2en-doc-") as folder:
        path = Path(folder) / Path(name).name
        path.write_bytes(data)
        return read_text(path, max_chars=max_chars)
