"""The web page (Gradio 6): paste, upload or fetch a Vietnamese article; get the English, a
summary and a side-by-side table of sentences with their quality flags.

Front end only: every handler calls the library (:class:`~translate.pipeline.Pipeline`,
:mod:`translate.extract`, :mod:`translate.fetch`, :mod:`translate.exports`). Models are created
once when the app is built, load on first use, once, and are shared by every visitor.

Named API endpoints (``gradio_client``): ``/translate`` (Vietnamese -> English),
``/summarize`` (English -> summary), ``/process`` (both -> the result as JSON).
"""

from __future__ import annotations

import copy
import functools
import html
import logging
import shutil
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from . import exports
from .catalog import ModelError, ModelSpec, ModelUnavailableError, local_path, presets, resolve_spec
from .extract import DOCUMENT_SUFFIXES, ExtractionError, read_document
from .fetch import FetchError, fetch_article
from .glossary import Glossary
from .pipeline import Pipeline
from .quality import check_summary
from .summarizer import SUMMARY_LENGTHS, Summarizer
from .translator import Translator

logger = logging.getLogger(__name__)

TITLE = "vi2en · Vietnamese news → English"
DEFAULT_MAX_CHARS = 100_000
MAX_UPLOAD = "20mb"
EXAMPLE_FILE = Path(__file__).resolve().parent.parent / "examples" / "article.vi.txt"
# Downloads are written here (a subfolder per request) and removed after an hour.
_EXPORT_ROOT = Path(tempfile.gettempdir()) / "vi2en-exports"
_EXPORT_MAX_AGE_S = 3600
# One model call at a time on a CPU (it already uses every core); a GPU has room for a few.
CPU_CONCURRENCY, GPU_CONCURRENCY = 1, 2

if TYPE_CHECKING:  # gradio is imported when the app is built, not when the CLI starts
    import gradio as gr

F = TypeVar("F", bound=Callable[..., Any])
Progress = Callable[..., Any]  # a gr.Progress, or anything called the same way


@dataclass
class WebConfig:
    """How the server was started: models, limits, the URL guard."""

    model: str | None = None
    summarizer: str | None = None
    device: str = "auto"
    engine: str = "auto"
    beams: int | None = None
    max_chars: int = DEFAULT_MAX_CHARS
    allow_private_urls: bool = False
    concurrency: int | None = None  # None: chosen from the device
    fetch_timeout_s: float = 15.0
    # Translation models visitors may pick besides ``model`` (always offered, the default).
    # Nothing else is ever loaded: on a public server each one costs disk, memory and time.
    models: tuple[str, ...] = ()


@dataclass(frozen=True)
class OfferedModel:
    """A translation model on the server's list."""

    key: str  # the dropdown's value and the API's ``model``: never a local path
    argument: str | None  # what the translator is given: preset, Hub id or directory
    label: str


def _identity(spec: ModelSpec) -> str:
    """What makes two model arguments the same model (a preset named by its Hub id is it)."""
    if spec.local_path is not None:
        return f"dir:{spec.local_path}"
    return f"preset:{spec.name}" if spec.name in presets("translation") else f"hub:{spec.hub_id}"


def _label(key: str, spec: ModelSpec, *, default: bool) -> str:
    """The dropdown's text: name, license (⚠ when restricted), size, where it comes from."""
    if spec.local_path is not None:
        parts = [key, "local model", spec.license or "license unknown"]
    elif spec.name in presets("translation"):
        parts = [key, spec.license or "license unknown"]
    else:
        parts = [key, "Hub model", spec.license or "license unknown"]
    if spec.params:
        parts.append(spec.params)
    label = " · ".join(parts)
    if spec.restricted:
        label += f" ⚠ restricted: {spec.restricted}"
    if default:
        label += " (server default)"
    elif local_path(spec) is None:
        label += " (downloads on first use)"
    return label


class ModelPool:
    """Pipelines by translation model, each created once and loaded on first use, once.

    Only the server's list of models (``WebConfig.model`` and ``WebConfig.models``) is offered
    or loaded; each is known by a key that never shows a local path (a directory is known by
    its folder name). All share one summarizer. Per-request decoding choices (beams, summary
    length) are applied to shallow copies that share the loaded engines, so a choice never
    reloads a model and two visitors' choices never mix.
    """

    def __init__(self, config: WebConfig) -> None:
        self.config = config
        self.default = Pipeline(config.model, config.summarizer, device=config.device,
                                engine=config.engine, num_beams=config.beams)
        self.offered = self._offered()
        self.default_key = self.offered[0].key
        self.choices = [(m.label, m.key) for m in self.offered]
        self._by_key = {m.key: m for m in self.offered}
        self._pipelines: dict[str, Pipeline] = {self.default_key: self.default}
        self._lock = threading.Lock()  # guards the dicts
        # One lock per model: a load happens once, and loading one model does not hold up
        # requests for another.
        self._load_locks: dict[str, threading.Lock] = {}
        self._summarizer_lock = threading.Lock()

    def _offered(self) -> list[OfferedModel]:
        """The configured model first, then each other model of the list, once."""
        arguments: list[str | None] = [self.config.model, *self.config.models]
        specs = [self.default.translator.spec,
                 *(resolve_spec(a, "translation") for a in self.config.models)]
        offered: list[OfferedModel] = []
        seen: set[str] = set()
        for argument, spec in zip(arguments, specs, strict=True):
            identity = _identity(spec)
            if identity in seen:
                continue
            seen.add(identity)
            key, taken = spec.name, {m.key for m in offered}
            number = 2
            while key in taken:  # two folders of the same name, or one named like a preset
                key, number = f"{spec.name} ({number})", number + 1
            offered.append(OfferedModel(key=key, argument=argument,
                                        label=_label(key, spec, default=not offered)))
        return offered

    def pipeline(self, model: str | None) -> Pipeline:
        """The shared pipeline for a model of the server's list, its translator loaded."""
        key = model or self.default_key
        offered = self._by_key.get(key)
        if offered is None:
            shown = key if len(key) <= 60 else key[:57] + "…"
            raise ModelError(f"'{shown}' is not one of this server's models (it offers: "
                             f"{', '.join(self._by_key)})")
        with self._lock:
            pipeline = self._pipelines.get(key)
            if pipeline is None:
                translator = Translator(offered.argument, device=self.config.device,
                                        engine=self.config.engine, num_beams=self.config.beams)
                pipeline = Pipeline(translator=translator, summarizer=self.config.summarizer,
                                    device=self.config.device, engine=self.config.engine)
                pipeline.summarizer = self.default.summarizer  # one summarizer for all
                self._pipelines[key] = pipeline
            load_lock = self._load_locks.setdefault(key, threading.Lock())
        with load_lock:  # load once; a failed load is tried again
            _load(lambda: pipeline.translator.engine, f"translation model '{key}'")
        return pipeline

    def translator_loaded(self, model: str | None) -> bool:
        pipeline = self._pipelines.get(model or self.default_key)
        return pipeline is not None and pipeline.translator.loaded

    def for_request(self, model: str | None, beams: int | None = None,
                    length: str | None = None, *, summarize: bool = False) -> Pipeline:
        """A view of the shared pipeline with this request's beams and summary length."""
        shared = self.pipeline(model)
        view = copy.copy(shared)
        if beams:
            view.translator = copy.copy(shared.translator)
            view.translator.options = shared.translator.options.with_(num_beams=int(beams))
        if summarize:
            view.summarizer = self.summarizer(length)
        return view

    def summarizer(self, length: str | None = None) -> Summarizer:
        """The shared summarizer, loaded, with this request's length."""
        shared = self.default.summarizer
        with self._summarizer_lock:  # load once
            _load(lambda: shared.engine, f"summarization model '{shared.spec.name}'")
        if not length or length == shared.length:
            return shared
        if length not in SUMMARY_LENGTHS:
            raise ValueError(f"unknown summary length '{length}'")
        view = copy.copy(shared)
        view.length = length
        return view


def _load(load: Callable[[], object], what: str) -> None:
    """Load a model; a failure reaches the visitor as one line without the server's paths
    (loaders name the files they could not read), the detail goes to the log."""
    try:
        load()
    except ModelUnavailableError:
        raise  # names the model and how to fetch it; no path
    except Exception:
        logger.exception("the %s failed to load", what)
        raise ModelError(f"the {what} could not be loaded; the details are in the server "
                         "log") from None


def _one_line(message: str) -> str:
    return html.escape(message.strip().splitlines()[0] if message.strip() else message, quote=False)


def user_errors(fn: F) -> F:
    """Every failure reaches the page as one line in a gr.Error; tracebacks go to the log."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        import gradio as gr

        try:
            return fn(*args, **kwargs)
        except gr.Error:
            raise
        except (ModelError, ExtractionError, FetchError, ValueError) as exc:
            logger.info("%s refused: %s", fn.__name__, exc)
            raise gr.Error(_one_line(str(exc)), print_exception=False) from None
        except Exception as exc:
            logger.exception("%s failed", fn.__name__)
            raise gr.Error(_one_line(f"Something went wrong ({type(exc).__name__}: {exc}). "
                                     "The details are in the server log."),
                           print_exception=False) from None

    return wrapper  # type: ignore[return-value]


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
        self.pool = pool or ModelPool(config)

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
    def _reporter(self, progress: Progress | None,
                  model: str | None) -> Callable[[int, int], None] | None:
        if progress is None:
            return None
        if not self.pool.translator_loaded(model):
            progress(0, desc="Loading the translation model (first use)…")

        def report(done: int, total: int) -> None:
            progress((done, total), desc="Translating", unit="sentences")

        return report

    @user_errors
    def translate(self, text: str, model: str | None = None, beams: float | None = None,
                  glossary: str | None = None,
                  progress: Progress | None = None) -> tuple[str, dict[str, Any]]:
        """Vietnamese article -> (English with paragraphs as in the source, result dict)."""
        text = self._checked(text, "translate")
        terms = self._glossary(glossary)
        report = self._reporter(progress, model)
        pipeline = self.pool.for_request(model, beams)
        result = pipeline.translate(text, glossary=terms, progress=report)
        logger.info("translated %d sentences in %.2f s", len(result.sentences),
                    result.timings.get("translate_s", 0.0))
        return result.translation, result.to_dict()

    @user_errors
    def summarize(self, english: str, length: str | None = "medium",
                  state: dict[str, Any] | None = None,
                  progress: Progress | None = None) -> tuple[str, dict[str, Any]]:
        """English text (as the user left it) -> (summary, the session's result with it)."""
        english = self._checked(english, "summarize")
        if progress is not None:
            progress(None, desc="Summarizing…")
        summarizer = self.pool.summarizer(length)
        summary = summarizer.summarize(english)
        result = dict(state) if state else {"source": None, "translation": english,
                                            "paragraphs": [], "models": {}, "timings": {}}
        if " ".join((result.get("translation") or "").split()) != " ".join(english.split()):
            result["edited_translation"] = english
        else:
            result.pop("edited_translation", None)
        result["summary"] = summary.text
        result["summary_note"] = summary.note
        result["summary_flags"] = ([f.to_dict() for f in check_summary(summary.text, english)]
                                   if summary.text else [])
        result["models"] = {**result.get("models", {}),
                            "summarization": summarizer.info().to_dict()}
        return summary.text, result

    @user_errors
    def process(self, text: str, model: str | None = None, beams: float | None = None,
                length: str | None = "medium", glossary: str | None = None,
                progress: Progress | None = None) -> dict[str, Any]:
        """Translate and summarize; the whole result (as ``vi2en translate --json``)."""
        text = self._checked(text, "translate")
        terms = self._glossary(glossary)
        report = self._reporter(progress, model)
        pipeline = self.pool.for_request(model, beams, length, summarize=True)
        return pipeline.run(text, summarize=True, glossary=terms, progress=report).to_dict()

    # -- display -------------------------------------------------------------------------------
    @user_errors
    def render(self, state: dict[str, Any] | None) -> tuple[Any, ...]:
        """Side-by-side table, flag line and the three downloads for the session's result."""
        import gradio as gr

        if not state:
            return (exports.table_html({}), "",
                    *(gr.update(value=None, interactive=False) for _ in range(3)))
        paths = write_exports(state)
        return (exports.table_html(state), exports.flag_summary(state),
                *(gr.update(value=str(p), interactive=True) for p in paths))

    @staticmethod
    def texts(state: dict[str, Any] | None) -> tuple[str, str]:
        """English and summary boxes from a result."""
        if not state:
            return "", ""
        return state.get("translation") or "", state.get("summary") or ""


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


CSS = """
.gradio-container { max-width: 1200px !important; margin: auto; }
#vi2en-header h1 { font-size: 1.6rem; margin-bottom: 0.2rem; }
#vi2en-header p { color: var(--body-text-color-subdued); margin-top: 0; }
textarea { font-size: 1rem !important; line-height: 1.55 !important; }
#status { min-height: 1.5rem; }
.vi2en-table-wrap { overflow-x: auto; }
table.vi2en-table { width: 100%; table-layout: fixed; border-collapse: collapse !important;
  border: none !important; font-size: 0.95rem; line-height: 1.5; margin: 0; }
table.vi2en-table th, table.vi2en-table td { text-align: left; vertical-align: top;
  padding: 6px 8px; border: none !important; overflow-wrap: anywhere;
  border-bottom: 1px solid var(--border-color-primary) !important; }
table.vi2en-table tr { border: none !important; }
table.vi2en-table .flag + .flag { margin-top: 4px; }
table.vi2en-table th { background: var(--background-fill-secondary); font-weight: 600; }
table.vi2en-table .num { width: 2.6rem; color: var(--body-text-color-subdued); }
table.vi2en-table .src, table.vi2en-table .tr { width: 37%; }
table.vi2en-table .flags { width: 22%; }
table.vi2en-table td.flags { font-size: 0.85rem; color: #8a4b00; }
table.vi2en-table tr.flagged td { background: #fff6e0; }
.dark table.vi2en-table tr.flagged td { background: #3a2f12; }
.dark table.vi2en-table td.flags { color: #ffcf7a; }
.vi2en-marker { font-weight: 700; }
.vi2en-empty { color: var(--body-text-color-subdued); }
/* Phones: each sentence becomes a card (Vietnamese, English, flags) instead of four columns. */
@media (max-width: 640px) {
  table.vi2en-table, table.vi2en-table tbody, table.vi2en-table tr, table.vi2en-table td {
    display: block; width: 100% !important; }
  table.vi2en-table thead { display: none; }
  table.vi2en-table tr { border-bottom: 1px solid var(--border-color-primary) !important; }
  table.vi2en-table td { border: none !important; padding: 2px 8px; }
  table.vi2en-table td.num { padding-top: 8px; font-size: 0.8rem; }
  table.vi2en-table td.num::before { content: "Sentence "; }
  table.vi2en-table td.flags:empty { display: none; }
}
"""

# System fonts only (no web-font download); all of these carry Vietnamese diacritics.
FONTS = ["system-ui", "-apple-system", "Segoe UI", "Roboto", "Noto Sans", "DejaVu Sans",
         "Helvetica Neue", "Arial", "sans-serif"]


def theme() -> gr.themes.Base:
    import gradio as gr

    return gr.themes.Soft(primary_hue="teal", neutral_hue="slate", font=FONTS,
                          font_mono=["ui-monospace", "DejaVu Sans Mono", "monospace"])


def build_app(config: WebConfig, handlers: Handlers | None = None) -> gr.Blocks:
    """The page and its API. Models are created here (not loaded: first use loads them)."""
    import gradio as gr

    handlers = handlers or Handlers(config)
    pool = handlers.pool
    concurrency = config.concurrency or default_concurrency(config.device)
    # Every model call shares one limit: the models are shared, and so is the machine.
    model_calls = {"concurrency_limit": concurrency, "concurrency_id": "models"}
    light = {"api_visibility": "private", "concurrency_limit": 4}
    private = {"api_visibility": "private", "queue": False}
    example = example_article()
    default_beams = config.beams or pool.default.translator.options.num_beams or 4

    # The API's functions: gradio reads their signatures (names, defaults, the Progress).
    def translate(text: str, model: str | None = None, beams: float | None = None,
                  glossary: str | None = "",
                  progress: gr.Progress = gr.Progress()) -> tuple[str, dict[str, Any]]:  # noqa: B008
        """Vietnamese article in, English out (paragraphs as in the source)."""
        return handlers.translate(text, model, beams, glossary, progress=progress)

    def summarize(english: str, length: str | None = "medium",
                  state: dict[str, Any] | None = None,
                  progress: gr.Progress = gr.Progress()) -> tuple[str, dict[str, Any]]:  # noqa: B008
        """English text in, an English summary out."""
        return handlers.summarize(english, length, state, progress=progress)

    def process(text: str, model: str | None = None, beams: float | None = None,
                length: str | None = "medium", glossary: str | None = "",
                progress: gr.Progress = gr.Progress()) -> tuple[dict[str, Any], dict[str, Any]]:  # noqa: B008
        """Vietnamese article in; translation, summary, sentences and flags out as JSON."""
        result = handlers.process(text, model, beams, length, glossary, progress=progress)
        return result, result

    with gr.Blocks(title="vi2en — Vietnamese news to English", analytics_enabled=False,
                   delete_cache=(3600, 3600)) as app:
        result_state = gr.State(None)
        gr.Markdown(f"# {TITLE}\nPaste a Vietnamese news article, upload it or give its "
                    "address, then **Translate**. Edit the English if you like, then "
                    "**Summarize** it. Sentences marked ⚠ in the side-by-side table deserve a "
                    "second look.", elem_id="vi2en-header")
        with gr.Row(equal_height=False):
            with gr.Column(scale=1, min_width=300):
                source = gr.Textbox(label="Vietnamese article", lines=14, max_lines=30,
                                    placeholder="Dán bài báo tiếng Việt vào đây… "
                                                "(paste a Vietnamese article here)",
                                    elem_id="source")
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
            table = gr.HTML(exports.table_html({}), elem_id="side-by-side", js_on_load=None)
        with gr.Accordion("Full result (JSON)", open=False):
            result_json = gr.JSON(label="Result", elem_id="result-json")

        shown = [table, status, md_file, json_file, docx_file]
        if example is not None:
            example_btn.click(lambda: example, None, source, **private)
        upload.upload(handlers.load_file, upload, source, **light)
        fetch_btn.click(handlers.load_url, url, source, **light)
        url.submit(handlers.load_url, url, source, **light)

        translate_btn.click(translate, [source, model, beams, glossary],
                            [english, result_state],
                            api_name="translate", show_progress_on=[english], **model_calls
                            ).success(handlers.render, result_state, shown, **private)
        summarize_btn.click(summarize, [english, length, result_state], [summary, result_state],
                            api_name="summarize", show_progress_on=[summary], **model_calls
                            ).success(handlers.render, result_state, shown, **private)
        process_btn.click(process, [source, model, beams, length, glossary],
                          [result_json, result_state],
                          api_name="process", show_progress_on=[english, summary], **model_calls
                          ).success(handlers.texts, result_state, [english, summary], **private
                                    ).success(handlers.render, result_state, shown, **private)
    app.queue(default_concurrency_limit=concurrency)
    app.vi2en_handlers = handlers  # type: ignore[attr-defined]  # for tests and launchers
    return app


def launch(app: gr.Blocks, *, host: str = "127.0.0.1", port: int | None = None,
           share: bool = False, auth: tuple[str, str] | None = None,
           prevent_thread_lock: bool = False, quiet: bool = False) -> Any:
    """Serve the app. Only uploads and the app's own outputs are served: no allowed_paths."""
    return app.launch(server_name=host, server_port=port, share=share, auth=auth,
                      prevent_thread_lock=prevent_thread_lock, quiet=quiet,
                      max_file_size=MAX_UPLOAD, theme=theme(), css=CSS,
                      footer_links=["api"], show_error=True)
