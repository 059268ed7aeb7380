"""The web page (Gradio 6): paste, upload or fetch a Vietnamese article; get the English, a
summary and a side-by-side table of sentences with their quality flags.

Front end only: every handler calls the library (:class:`~translate.pipeline.Pipeline`,
:mod:`translate.extract`, :mod:`translate.fetch`, :mod:`translate.exports`). Models are created
once when the app is built, load on first use, once, and are shared by every visitor.

Named API endpoints (``gradio_client``): ``/translate`` (Vietnamese -> English),
``/summarize`` (English -> summary), ``/process`` (both -> the result as JSON).
"""

from __future__ import annotations

import contextlib
import functools
import html
import logging
import re
import shutil
import tempfile
import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from . import exports
from .catalog import ModelError, ModelUnavailableError
from .config import SUMMARY_LENGTHS, ModelConfig
from .extract import DOCUMENT_SUFFIXES, ExtractionError, read_document
from .fetch import FetchError, fetch_article
from .glossary import Glossary
from .model_pool import ModelPool

logger = logging.getLogger(__name__)

TITLE = "vi2en · Vietnamese news → English"
DEFAULT_MAX_CHARS = 100_000
MAX_UPLOAD = "20mb"
EXAMPLE_FILE = Path(__file__).resolve().parent.parent / "examples" / "article.vi.txt"
# Downloads are written here (a subfolder per request) and removed after an hour.
_EXPORT_ROOT = Path(tempfile.gettempdir()) / "vi2en-exports"
_EXPORT_MAX_AGE_S = 3600
# The page's stylesheet and script, shipped as package data.
WEB_DIR = Path(__file__).resolve().parent / "web"
# One model call at a time on a CPU (it already uses every core); a GPU has room for a few.
CPU_CONCURRENCY, GPU_CONCURRENCY = 1, 2

if TYPE_CHECKING:  # gradio is imported when the app is built, not when the CLI starts
    import gradio as gr

F = TypeVar("F", bound=Callable[..., Any])
T = TypeVar("T")
Progress = Callable[..., Any]  # a gr.Progress, or anything called the same way


@dataclass(frozen=True)
class WebConfig:
    """How the server was started: models, limits, the URL guard."""

    model_config: ModelConfig = field(default_factory=ModelConfig)
    max_chars: int = DEFAULT_MAX_CHARS
    allow_private_urls: bool = False
    concurrency: int | None = None  # None: chosen from the device
    fetch_timeout_s: float = 15.0
    # Translation models visitors may pick besides the configured one (always offered, the
    # default).
    # Nothing else is ever loaded: on a public server each one costs disk, memory and time.
    models: tuple[str, ...] = ()


def _one_line(message: str) -> str:
    """The first line of a message, as plain text: the page escapes it where it shows it, and an
    API client receives it as written."""
    return message.strip().splitlines()[0] if message.strip() else message


class Cancelled(Exception):
    """The visitor pressed Cancel; the job stops at the next batch of sentences."""


_GLOSSARY_LINE = re.compile(r"glossary line (\d+): (.*)")
# What a glossary problem is called in a toast's title, by the start of the library's message.
_GLOSSARY_PROBLEMS = {"no tab": "has no tab", "empty Vietnamese term": "has no Vietnamese term",
                      "the term spans lines": "has a term that spans lines"}


def failure_title(exc: BaseException) -> str:
    """A toast's title: what failed, in a few words ("Glossary line 3 has no tab")."""
    if isinstance(exc, Cancelled):
        return "Cancelled"
    if isinstance(exc, FetchError):
        return "Could not fetch the page"
    if isinstance(exc, ExtractionError):
        return "Could not read the file"
    if isinstance(exc, ModelUnavailableError):
        return "Model not available"
    if isinstance(exc, ModelError):
        return "Model not usable"
    if isinstance(exc, ValueError):
        match = _GLOSSARY_LINE.match(str(exc))
        if match:
            line, problem = match.groups()
            for start, words in _GLOSSARY_PROBLEMS.items():
                if problem.startswith(start):
                    return f"Glossary line {line} {words}"
            if " columns;" in problem:
                return f"Glossary line {line} has {problem.split()[0]} columns"
            if "already on line" in problem:
                return f"Glossary line {line} repeats a term"
            return f"Glossary line {line} is not valid"
        return "Invalid input"
    return "Something went wrong"


def user_errors(fn: F) -> F:
    """Every failure reaches the page as one line in a gr.Error titled with what failed;
    tracebacks go to the log."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        import gradio as gr

        try:
            return fn(*args, **kwargs)
        except gr.Error:
            raise
        except (ModelError, ExtractionError, FetchError, ValueError, Cancelled) as exc:
            logger.info("%s refused: %s", fn.__name__, exc or type(exc).__name__)
            message = str(exc) or "Stopped at your request."
            raise gr.Error(_one_line(message), title=failure_title(exc),
                           print_exception=False) from None
        except Exception as exc:
            logger.exception("%s failed", fn.__name__)
            raise gr.Error(_one_line(f"Something went wrong ({type(exc).__name__}: {exc}). "
                                     "The details are in the server log."),
                           title=failure_title(exc), print_exception=False) from None

    return wrapper  # type: ignore[return-value]


class PageSessions:
    """Per browser session: the jobs running (so Cancel can stop them) and the last failure (so
    the page can say it beside the English). Bounded: API clients' entries are never read back,
    so the oldest are dropped."""

    MAX_SESSIONS = 512

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._running: dict[str, list[threading.Event]] = {}
        self._failures: OrderedDict[str, tuple[str, str]] = OrderedDict()

    @contextlib.contextmanager
    def job(self, session: str) -> Iterator[threading.Event]:
        """A job of this session; the event is set when the visitor cancels it."""
        stop = threading.Event()
        with self._lock:
            self._running.setdefault(session, []).append(stop)
        try:
            yield stop
        finally:
            with self._lock:
                jobs = self._running.get(session, [])
                if stop in jobs:
                    jobs.remove(stop)
                if not jobs:
                    self._running.pop(session, None)

    def cancel(self, session: str) -> int:
        """Ask this session's jobs to stop; how many there were."""
        with self._lock:
            jobs = list(self._running.get(session, []))
        for stop in jobs:
            stop.set()
        return len(jobs)

    def fail(self, session: str, title: str, message: str) -> None:
        with self._lock:
            self._failures[session] = (title, message)
            self._failures.move_to_end(session)
            while len(self._failures) > self.MAX_SESSIONS:
                self._failures.popitem(last=False)

    def last_failure(self, session: str) -> tuple[str, str] | None:
        with self._lock:
            return self._failures.pop(session, None)


def toast_html(title: str, message: str) -> str:
    """A toast's message, starting with its title: page.js moves that into the toast's header,
    since Gradio 6.31 titles toasts by their kind only ("Warning")."""
    return f'<strong class="vi2en-toast">{html.escape(title)}.</strong> {html.escape(message)}'


def notice_html(title: str, message: str, kind: str = "error") -> str:
    """The line above the English that says what happened to the last job."""
    return (f'<div class="vi2en-notice {kind}" role="status"><strong>{html.escape(title)}.'
            f"</strong> {html.escape(message)}</div>")


def _prune_exports(now: float) -> None:
    if not _EXPORT_ROOT.is_dir():
        return
    for folder in _EXPORT_ROOT.iterdir():
        try:
            if now - folder.stat().st_mtime > _EXPORT_MAX_AGE_S:
                shutil.rmtree(folder)
        except OSError as exc:  # another worker removed it first, or it is in use
            logger.debug("could not remove old export %s: %s", folder, exc)


def _refuse(message: str, title: str) -> Exception:
    import gradio as gr

    return gr.Error(message, title=title, print_exception=False)


class Handlers:
    """The page's and the API's functions, gradio-free in their arguments: tests call them
    directly. ``progress`` is a gr.Progress on the page, None elsewhere."""

    def __init__(self, config: WebConfig, pool: ModelPool | None = None) -> None:
        self.config = config
        self.pool = pool or ModelPool(config.model_config, config.models)

    # -- input ---------------------------------------------------------------------------------
    def _checked(self, text: str | None, what: str) -> str:
        if text is None or not text.strip():
            hint = ("paste a Vietnamese article, upload a file, fetch a web page or load the "
                    "example." if what == "translate" else
                    "translate an article first, or paste English text.")
            raise _refuse(f"Nothing to {what} yet: {hint}", f"Nothing to {what}")
        if len(text) > self.config.max_chars:
            raise _refuse(f"The text has {len(text):,} characters; this server accepts up to "
                          f"{self.config.max_chars:,}. Send a shorter article or split it.",
                          "Text too long")
        return text

    @user_errors
    def load_file(self, path: str | None) -> str:
        """Text of an uploaded .txt/.md/.docx/.html file (the article, for a saved page)."""
        if not path:
            return ""
        text = read_document(path)
        self._warn_if_long(text)
        return text

    @user_errors
    def load_url(self, url: str | None) -> str:
        """The article at a news page's URL."""
        if not url or not url.strip():
            raise _refuse("Enter the address of a news page first (https://…).", "No URL")
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
            raise _refuse(f"The glossary has {len(tsv):,} characters; the limit is "
                          f"{self.config.max_chars:,}.", "Glossary too long")
        return Glossary.from_tsv(tsv)  # a bad line: ValueError naming it -> one line

    # -- model calls ---------------------------------------------------------------------------
    def _reporter(self, progress: Progress | None, model: str | None,
                  stop: threading.Event | None = None) -> Callable[[int, int], None] | None:
        """The pipeline's progress callback: shows progress, and stops a cancelled job between
        batches (a model call in flight cannot be interrupted)."""
        if progress is None and stop is None:
            return None
        if progress is not None and not self.pool.translator_loaded(model):
            progress(0, desc="Loading the translation model (first use)…")

        def report(done: int, total: int) -> None:
            if stop is not None and stop.is_set():
                raise Cancelled(f"Stopped after {done} of {total} sentences; nothing was kept.")
            if progress is not None:
                progress((done, total), desc="Translating", unit="sentences")

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
        pipeline = self.pool.for_request(model, beams)
        self._stop_if_cancelled(stop)
        result = pipeline.translate(text, glossary=terms, progress=report)
        logger.info("translated %d sentences in %.2f s", len(result.sentences),
                    result.timings.get("translate_s", 0.0))
        return result.translation, result.to_dict()

    @user_errors
    def summarize(self, english: str, length: str | None = "medium",
                  state: dict[str, Any] | None = None, progress: Progress | None = None,
                  stop: threading.Event | None = None) -> tuple[str, dict[str, Any]]:
        """English text (as the user left it) -> (summary, the session's result with it).
        A cancelled summary is dropped when the model call returns."""
        english = self._checked(english, "summarize")
        if progress is not None:
            progress(None, desc="Summarizing…")
        pipeline = self.pool.summarizing(length)
        self._stop_if_cancelled(stop)
        summary = pipeline.summarize(english)
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
        return summary.text, result

    @user_errors
    def process(self, text: str, model: str | None = None, beams: float | None = None,
                length: str | None = "medium", glossary: str | None = None,
                progress: Progress | None = None,
                stop: threading.Event | None = None) -> dict[str, Any]:
        """Translate and summarize; the whole result (as ``vi2en translate --json``)."""
        text = self._checked(text, "translate")
        terms = self._glossary(glossary)
        report = self._reporter(progress, model, stop)
        pipeline = self.pool.for_request(model, beams, length)
        self.pool.summarizer()  # loaded (or one line on failure) before the article is translated
        self._stop_if_cancelled(stop)
        result = pipeline.run(text, summarize=True, glossary=terms, progress=report)
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
        return ("", state or None, *self.render(state))


def write_exports(state: dict[str, Any]) -> list[Path]:
    """Markdown, JSON and bilingual .docx of a result, in a fresh folder (old ones pruned)."""
    _prune_exports(time.time())
    folder = _EXPORT_ROOT / uuid.uuid4().hex
    folder.mkdir(parents=True)
    markdown = folder / "vi2en-translation.md"
    markdown.write_text(exports.to_markdown(state), encoding="utf-8")
    result_json = folder / "vi2en-result.json"
    result_json.write_text(exports.to_json(state), encoding="utf-8")
    docx_path = exports.write_docx(state, folder / "vi2en-bilingual.docx")
    return [markdown, result_json, docx_path]


def example_article() -> str | None:
    """The example article shipped in the repository, if this install has it."""
    try:
        return EXAMPLE_FILE.read_text(encoding="utf-8")
    except OSError:
        logger.info("no example article at %s; the example button is hidden", EXAMPLE_FILE)
        return None


def default_concurrency(device: str) -> int:
    """Model calls running at once: 1 on a CPU, a few on a GPU (models are shared)."""
    if device == "cpu":
        return CPU_CONCURRENCY
    try:
        import torch

        on_gpu = device == "cuda" or torch.cuda.is_available()
    except ImportError:
        on_gpu = False
    return GPU_CONCURRENCY if on_gpu else CPU_CONCURRENCY



# System fonts only (no web-font download); all of these carry Vietnamese diacritics.
FONTS = ["system-ui", "-apple-system", "Segoe UI", "Roboto", "Noto Sans", "DejaVu Sans",
         "Helvetica Neue", "Arial", "sans-serif"]


def theme() -> gr.themes.Base:
    import gradio as gr

    return gr.themes.Soft(primary_hue="teal", neutral_hue="slate", font=FONTS,
                          font_mono=["ui-monospace", "DejaVu Sans Mono", "monospace"])


def page_css() -> str:
    return (WEB_DIR / "page.css").read_text(encoding="utf-8")


def page_js() -> str:
    return (WEB_DIR / "page.js").read_text(encoding="utf-8")


def _follow(selector: str) -> str:
    """Client-side only: bring this element into view on a small screen (see page.js)."""
    return f"() => {{ window.vi2en && window.vi2en.follow('{selector}'); }}"


def build_app(config: WebConfig, handlers: Handlers | None = None) -> gr.Blocks:
    """The page and its API. Models are created here (not loaded: first use loads them)."""
    import gradio as gr

    handlers = handlers or Handlers(config)
    pool = handlers.pool
    sessions = PageSessions()
    concurrency = config.concurrency or default_concurrency(config.model_config.device)
    # Every model call shares one limit: the models are shared, and so is the machine.
    model_calls = {"concurrency_limit": concurrency, "concurrency_id": "models"}
    light = {"api_visibility": "private", "concurrency_limit": 4}
    private = {"api_visibility": "private", "queue": False}
    quiet = {**private, "show_progress": "hidden"}
    example = example_article()
    default_beams = (config.model_config.beams or pool.default.translator.options.num_beams
                     or 4)

    def session_of(request: gr.Request | None) -> str:
        return getattr(request, "session_hash", None) or "-"

    @contextlib.contextmanager
    def attempt(request: gr.Request | None, *, remember: bool = True
                ) -> Iterator[threading.Event]:
        """One job of a visitor: Cancel can stop it; a failure becomes a toast titled with what
        failed (Gradio 6.31 shows neither gr.Error's nor gr.Warning's title, see toast_html), is
        remembered for the notice above the English, and reaches API clients as the plain
        message (gr.Error, hidden on the page)."""
        session = session_of(request)
        with sessions.job(session) as stop:
            try:
                yield stop
            except gr.Error as error:
                if not stop.is_set():  # a cancelled job's page has already moved on
                    if remember:  # for the notice; loading a source only needs the toast
                        sessions.fail(session, error.title, error.message)
                    gr.Warning(toast_html(error.title, error.message), title=error.title)
                raise gr.Error(error.message, title=error.title, visible=False,
                               print_exception=False) from None

    def with_request(fn: F) -> F:
        # Gradio finds gr.Request by its type hint; this module's hints are strings (from
        # __future__ import annotations) naming a lazily imported gradio, so give the real one.
        fn.__annotations__ = {"request": gr.Request}
        return fn

    # The API's functions: gradio reads their signatures (names, defaults, the Progress).
    @with_request
    def translate(text: str, model: str | None = None, beams: float | None = None,
                  glossary: str | None = "", request: gr.Request = None,  # type: ignore[assignment]
                  progress: gr.Progress = gr.Progress()) -> tuple[str, dict[str, Any]]:  # noqa: B008
        """Vietnamese article in, English out (paragraphs as in the source)."""
        with attempt(request) as stop:
            return handlers.translate(text, model, beams, glossary, progress=progress, stop=stop)

    @with_request
    def summarize(english: str, length: str | None = "medium",
                  state: dict[str, Any] | None = None,
                  request: gr.Request = None,  # type: ignore[assignment]
                  progress: gr.Progress = gr.Progress()) -> tuple[str, dict[str, Any]]:  # noqa: B008
        """English text in, an English summary out."""
        with attempt(request) as stop:
            return handlers.summarize(english, length, state, progress=progress, stop=stop)

    @with_request
    def process(text: str, model: str | None = None, beams: float | None = None,
                length: str | None = "medium", glossary: str | None = "",
                request: gr.Request = None,  # type: ignore[assignment]
                progress: gr.Progress = gr.Progress()) -> tuple[dict[str, Any], dict[str, Any]]:  # noqa: B008
        """Vietnamese article in; translation, summary, sentences and flags out as JSON."""
        with attempt(request) as stop:
            result = handlers.process(text, model, beams, length, glossary, progress=progress,
                                      stop=stop)
        return result, result

    @with_request
    def load_file(path: str | None, request: gr.Request = None) -> str:  # type: ignore[assignment]
        with attempt(request, remember=False):
            return handlers.load_file(path)

    @with_request
    def load_url(url: str | None, request: gr.Request = None) -> str:  # type: ignore[assignment]
        with attempt(request, remember=False):
            return handlers.load_url(url)

    # The page's own steps (private, no queue: they only move what is on screen).
    def job_started() -> tuple[Any, ...]:
        """Translate/process pressed: the previous text's results go, Cancel appears."""
        return (*handlers.cleared(), "", gr.update(visible=True))

    def summary_started() -> tuple[Any, ...]:
        return "", "", gr.update(visible=True)

    def job_ended() -> Any:
        return gr.update(visible=False)

    @with_request
    def job_failed(request: gr.Request = None) -> tuple[Any, ...]:  # type: ignore[assignment]
        failure = sessions.last_failure(session_of(request))
        # None: the job was cancelled, and Cancel's own notice stays.
        notice = notice_html(*failure) if failure else gr.update()
        return (*handlers.cleared(), notice, gr.update(visible=False))

    @with_request
    def summary_failed(state: dict[str, Any] | None,
                       request: gr.Request = None) -> tuple[Any, ...]:  # type: ignore[assignment]
        failure = sessions.last_failure(session_of(request))
        # None: the job was cancelled, and Cancel's own notice stays.
        notice = notice_html(*failure) if failure else gr.update()
        return (*handlers.without_summary(state), notice, gr.update(visible=False))

    @with_request
    def cancel(request: gr.Request = None) -> tuple[Any, ...]:  # type: ignore[assignment]
        stopped = sessions.cancel(session_of(request))
        logger.info("cancel pressed: %d job(s) asked to stop", stopped)
        return (notice_html("Cancelled", "The job was stopped and nothing of it was kept.",
                            kind="cancelled"), gr.update(visible=False))

    @with_request
    def clear(request: gr.Request = None) -> tuple[Any, ...]:  # type: ignore[assignment]
        sessions.cancel(session_of(request))
        return ("", *handlers.cleared(), "", gr.update(visible=False))

    def replaced() -> tuple[Any, ...]:
        """New source text (upload, fetch, example): the old results no longer belong to it."""
        return (*handlers.cleared(), "")

    with gr.Blocks(title="vi2en — Vietnamese news to English", analytics_enabled=False,
                   delete_cache=(3600, 3600)) as app:
        result_state = gr.State(None)
        gr.Markdown(f"# {TITLE}\nPaste a Vietnamese news article, upload it or give its "
                    "address, then **Translate** (Ctrl+Enter, ⌘+Enter). Edit the English if "
                    "you like, then **Summarize** it. Sentences marked ⚠ in the side-by-side "
                    "table deserve a second look.", elem_id="vi2en-header")
        with gr.Row(equal_height=False):
            with gr.Column(scale=1, min_width=300):
                source = gr.Textbox(label="Vietnamese article", lines=14, max_lines=30,
                                    placeholder="Dán bài báo tiếng Việt vào đây… "
                                                "(paste a Vietnamese article here)",
                                    buttons=["copy"], elem_id="source")
                with gr.Row(elem_id="source-bar", equal_height=True):
                    counter = gr.HTML("", elem_id="char-count", padding=False)
                    clear_btn = gr.Button("Clear", size="sm", scale=0, elem_id="clear-btn")
                with gr.Row():
                    translate_btn = gr.Button("Translate", variant="primary", scale=2,
                                              elem_id="translate-btn")
                    process_btn = gr.Button("Translate + summarize", scale=2,
                                            elem_id="process-btn")
                    example_btn = gr.Button("Load example", scale=1, visible=example is not None,
                                            elem_id="example-btn")
                with gr.Accordion("Upload a file or fetch a web page", open=False):
                    upload = gr.File(label="File: " + ", ".join(DOCUMENT_SUFFIXES),
                                     file_types=list(DOCUMENT_SUFFIXES), type="filepath",
                                     elem_id="upload")
                    with gr.Row(equal_height=True):
                        url = gr.Textbox(label="News page URL", placeholder="https://…",
                                         scale=4, elem_id="url")
                        fetch_btn = gr.Button("Fetch", scale=1, elem_id="fetch-btn")
                with gr.Accordion("Options", open=False):
                    model = gr.Dropdown(pool.choices, value=pool.default_key,
                                        label="Translation model (license)",
                                        info="⚠ marks licenses that restrict use.",
                                        elem_id="model")
                    beams = gr.Slider(1, 8, value=default_beams, step=1, label="Beams",
                                      info="More beams: slightly better, slower.")
                    length = gr.Radio(list(SUMMARY_LENGTHS), value="medium",
                                      label="Summary length")
                with gr.Accordion("Glossary", open=False):
                    glossary = gr.Textbox(
                        value="", lines=4, max_lines=12, label="Terms to translate exactly",
                        info="One per line: Vietnamese term, a tab, the English to use "
                             "(paste two columns from a spreadsheet).",
                        placeholder="Bộ Giao thông Vận tải\tMinistry of Transport",
                        elem_id="glossary")
            with gr.Column(scale=1, min_width=300):
                with gr.Row(elem_id="run-bar", equal_height=True):
                    notice = gr.HTML("", elem_id="notice", padding=False)
                    cancel_btn = gr.Button("Cancel", variant="stop", size="sm", scale=0,
                                           visible=False, elem_id="cancel-btn")
                english = gr.Textbox(label="English translation (you may edit it)", lines=14,
                                     max_lines=30, interactive=True, buttons=["copy"],
                                     elem_id="english")
                summarize_btn = gr.Button("Summarize the English", elem_id="summarize-btn")
                summary = gr.Textbox(label="Summary of the English", lines=5, max_lines=15,
                                     interactive=False, buttons=["copy"], elem_id="summary")
        status = gr.Markdown(elem_id="status")
        with gr.Row(equal_height=True):
            md_file = gr.DownloadButton("Download Markdown", interactive=False, size="sm",
                                        elem_id="download-md")
            json_file = gr.DownloadButton("Download JSON", interactive=False, size="sm",
                                          elem_id="download-json")
            docx_file = gr.DownloadButton("Download Word (bilingual)", interactive=False, size="sm",
                                          elem_id="download-docx")
        with gr.Accordion("Side by side", open=True):
            only_flagged = gr.Checkbox(False, label="Show only flagged sentences",  # noqa: F841  CSS reads it
                                       elem_id="only-flagged")
            table = gr.HTML(exports.table_html({}), elem_id="side-by-side", js_on_load=None)
        with gr.Accordion("Full result (JSON)", open=False):
            result_json = gr.JSON(label="Result", elem_id="result-json")

        shown = [table, status, md_file, json_file, docx_file, result_json]
        results = [english, summary, result_state, *shown]  # the order of Handlers.cleared()

        # The counter runs in the browser (no request per keystroke).
        count_js = f"(text) => window.vi2en ? window.vi2en.count(text, {config.max_chars}) : ''"
        source.change(None, source, counter, js=count_js, **private)
        app.load(None, source, counter, js=count_js, **private)

        # A new source: the previous text's results go once it has arrived.
        if example is not None:
            example_btn.click(lambda: (example, *replaced()), None, [source, *results, notice],
                              **private)
        upload.upload(load_file, upload, source, **light
                      ).success(replaced, None, [*results, notice], **quiet)
        fetch_btn.click(load_url, url, source, **light
                        ).success(replaced, None, [*results, notice], **quiet)
        url.submit(load_url, url, source, **light
                   ).success(replaced, None, [*results, notice], **quiet)

        # Translate: clear, run (the named API endpoint), then show or explain.
        translate_btn.click(None, None, None, js=_follow("#english"), **private)
        tr_run = translate_btn.click(job_started, None, [*results, notice, cancel_btn], **quiet
                                     ).then(translate, [source, model, beams, glossary],
                                            [english, result_state], api_name="translate",
                                            show_progress_on=[english], **model_calls)
        tr_run.success(handlers.render, result_state, shown, **quiet
                       ).then(None, None, None, js=_follow("#english"), **private)
        tr_run.failure(job_failed, None, [*results, notice, cancel_btn], **quiet)
        tr_run.then(job_ended, None, cancel_btn, **quiet)

        summarize_btn.click(None, None, None, js=_follow("#summary"), **private)
        sm_run = summarize_btn.click(summary_started, None, [summary, notice, cancel_btn],
                                     **quiet
                                     ).then(summarize, [english, length, result_state],
                                            [summary, result_state], api_name="summarize",
                                            show_progress_on=[summary], **model_calls)
        sm_run.success(handlers.render, result_state, shown, **quiet)
        sm_run.failure(summary_failed, result_state,
                       [summary, result_state, *shown, notice, cancel_btn], **quiet)
        sm_run.then(job_ended, None, cancel_btn, **quiet)

        process_btn.click(None, None, None, js=_follow("#english"), **private)
        pr_run = process_btn.click(job_started, None, [*results, notice, cancel_btn], **quiet
                                   ).then(process, [source, model, beams, length, glossary],
                                          [result_json, result_state], api_name="process",
                                          show_progress_on=[english, summary], **model_calls)
        pr_run.success(handlers.texts, result_state, [english, summary], **quiet
                       ).success(handlers.render, result_state, shown, **quiet)
        pr_run.failure(job_failed, None, [*results, notice, cancel_btn], **quiet)
        pr_run.then(job_ended, None, cancel_btn, **quiet)

        running = [tr_run, sm_run, pr_run]
        cancel_btn.click(cancel, None, [notice, cancel_btn], cancels=running, **quiet)
        clear_btn.click(clear, None, [source, *results, notice, cancel_btn], cancels=running,
                        **quiet)
    app.queue(default_concurrency_limit=concurrency)
    app.vi2en_handlers = handlers  # type: ignore[attr-defined]  # for tests and launchers
    return app


def page_options() -> dict[str, Any]:
    """How the page is served, by launch() and when mounted beside the REST API."""
    return {"max_file_size": MAX_UPLOAD, "theme": theme(), "css": page_css(), "js": page_js(),
            "footer_links": ["api"], "show_error": True}


def launch(app: gr.Blocks, *, host: str = "127.0.0.1", port: int | None = None,
           share: bool = False, auth: tuple[str, str] | None = None,
           prevent_thread_lock: bool = False, quiet: bool = False) -> Any:
    """Serve the page alone, as Gradio does (tests, embedding). ``vi2en serve`` serves it
    beside the REST API instead (:mod:`translate.api`). Only uploads and the app's own outputs
    are served: no allowed_paths."""
    return app.launch(server_name=host, server_port=port, share=share, auth=auth,
                      prevent_thread_lock=prevent_thread_lock, quiet=quiet, **page_options())
