"""The page's layout and wiring (Gradio 6): the source column, the result column, the results
below them, and the events that join them to :class:`~translate.web.handlers.Handlers`.

Named API endpoints (``gradio_client``): ``/translate`` (Vietnamese -> English),
``/summarize`` (English -> summary), ``/process`` (both -> the result as JSON).
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any, TypeVar

from .. import exports
from ..config import DEFAULT_SUMMARY_LENGTH, MAX_BODY_BYTES, SUMMARY_LENGTHS
from ..documents import DOCUMENT_SUFFIXES
from ..serving.host import ModelHost
from ..stopping import JobStop
from .door import PageDoor
from .errors import notice_html, refuse, toast_html
from .handlers import Handlers, WebConfig
from .sessions import PageSessions
from .uploads import PageUploads

if TYPE_CHECKING:  # gradio is imported when the app is built, not when the CLI starts
    import gradio as gr

    from ..serving.limits import ClientLimits

logger = logging.getLogger(__name__)

F = TypeVar("F", bound=Callable[..., Any])

TITLE = "vi2en · Vietnamese news → English"
EXAMPLE_FILE = Path(__file__).resolve().parents[2] / "examples" / "article.vi.txt"
# The page's stylesheet and script, shipped as package data beside this module.
WEB_DIR = Path(__file__).resolve().parent
# Page jobs (translate, summarize, both, a translated file) running at once. Their model
# calls are bounded by the server's ModelHost (one at a time on a CPU), not here: jobs that
# run together put their sentences into the same batches, with API clients' too. Past this,
# jobs wait in Gradio's queue (itself bounded per visitor and in all: DoorRules).
PAGE_JOBS_AT_ONCE = 8
# System fonts only (no web-font download); all of these carry Vietnamese diacritics.
FONTS = ["system-ui", "-apple-system", "Segoe UI", "Roboto", "Noto Sans", "DejaVu Sans",
         "Helvetica Neue", "Arial", "sans-serif"]

# Event options. Jobs that call a model share one limit (set per app). Loading a source is
# light; the page's own steps only move what is on screen.
LIGHT = {"api_visibility": "private", "concurrency_limit": 4}
PRIVATE = {"api_visibility": "private", "queue": False}
QUIET = {**PRIVATE, "show_progress": "hidden"}


def example_article() -> str | None:
    """The example article shipped in the repository, if this install has it."""
    try:
        return EXAMPLE_FILE.read_text(encoding="utf-8")
    except OSError:
        logger.info("no example article at %s; the example button is hidden", EXAMPLE_FILE)
        return None


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


# -- what the events call -------------------------------------------------------------------------
def _session_of(request: gr.Request | None) -> str:
    return getattr(request, "session_hash", None) or "-"


def _client_gone() -> Callable[[], bool] | None:
    """Whether the client of the Gradio event running this job went away: Gradio marks such
    an event dead (its queue's ``clean_events``, when the browser tab or an API client's
    stream closes) but lets the function run on, so the job asks. Gradio keeps the running
    events in ``blocks._queue.active_jobs``: not public, hence read with care, and a job
    whose event is not found there is taken as still wanted."""
    from gradio.context import LocalContext

    blocks, event_id = LocalContext.blocks.get(None), LocalContext.event_id.get(None)
    if blocks is None or event_id is None:  # called outside a queued Gradio event
        return None
    queue = getattr(blocks, "_queue", None)

    def gone() -> bool:
        for job in getattr(queue, "active_jobs", None) or ():
            for event in job or ():
                if getattr(event, "_id", None) == event_id:
                    return not getattr(event, "alive", True)
        return False

    return gone


@contextlib.contextmanager
def _attempt(sessions: PageSessions, request: gr.Request | None, *,
             time_limit_s: float = 0) -> Iterator[threading.Event]:
    """One job of a visitor: Cancel, the visitor leaving (the tab or the API client's stream
    closed) and ``time_limit_s`` stop it; a failure becomes a toast titled with what
    failed (Gradio 6.31 shows neither gr.Error's nor gr.Warning's title, see toast_html), is
    remembered for the notice above the English, and reaches API clients as the plain
    message (gr.Error, hidden on the page)."""
    import gradio as gr

    session = _session_of(request)
    stop = JobStop(time_limit_s, gone=_client_gone())
    with sessions.job(session, stop):
        try:
            yield stop
        except gr.Error as error:
            failure = error
            if stop.timed_out:
                failure = refuse(f"The job ran past this server's time limit ({time_limit_s:g} "
                                 "s) and was stopped; nothing was kept. Send a shorter text, "
                                 "or try again when the server is less busy.",
                                 "Time limit reached")
            # A job cancelled, or whose visitor left: its page has already moved on.
            if stop.timed_out or not stop.is_set():
                sessions.fail(session, failure.title, failure.message)  # for the notice
                gr.Warning(toast_html(failure.title, failure.message), title=failure.title)
            raise gr.Error(failure.message, title=failure.title, visible=False,
                           print_exception=False) from None


def _with_request(fn: F) -> F:
    # Gradio finds gr.Request by its type hint; this module's hints are strings (from
    # __future__ import annotations) naming a lazily imported gradio, so give the real one.
    import gradio as gr

    fn.__annotations__ = {"request": gr.Request}
    return fn


def _api_functions(handlers: Handlers, sessions: PageSessions,
                   uploads: PageUploads) -> SimpleNamespace:
    """The API's functions: gradio reads their signatures (names, defaults, the Progress)."""
    import gradio as gr

    limit = handlers.config.time_limit_s

    @_with_request
    def translate(text: str, model: str | None = None, beams: float | None = None,
                  glossary: str | None = "", request: gr.Request = None,  # type: ignore[assignment]
                  progress: gr.Progress = gr.Progress()) -> tuple[str, dict[str, Any]]:  # noqa: B008
        """Vietnamese article in, English out (paragraphs as in the source)."""
        with _attempt(sessions, request, time_limit_s=limit) as stop:
            return handlers.translate(text, model, beams, glossary, progress=progress, stop=stop)

    @_with_request
    def summarize(english: str, length: str | None = DEFAULT_SUMMARY_LENGTH,
                  state: dict[str, Any] | None = None,
                  request: gr.Request = None,  # type: ignore[assignment]
                  progress: gr.Progress = gr.Progress()) -> tuple[str, dict[str, Any]]:  # noqa: B008
        """English text in, an English summary out."""
        with _attempt(sessions, request, time_limit_s=limit) as stop:
            return handlers.summarize(english, length, state, progress=progress, stop=stop)

    @_with_request
    def process(text: str, model: str | None = None, beams: float | None = None,
                length: str | None = DEFAULT_SUMMARY_LENGTH, glossary: str | None = "",
                request: gr.Request = None,  # type: ignore[assignment]
                progress: gr.Progress = gr.Progress()) -> tuple[dict[str, Any], dict[str, Any]]:  # noqa: B008
        """Vietnamese article in; translation, summary, sentences and flags out as JSON."""
        with _attempt(sessions, request, time_limit_s=limit) as stop:
            result = handlers.process(text, model, beams, length, glossary, progress=progress,
                                      stop=stop)
        return result, result

    @_with_request
    def load_file(path: str | None, request: gr.Request = None) -> str:  # type: ignore[assignment]
        with _attempt(sessions, request):
            if not path:
                return handlers.load_file(path)
            upload = uploads.take(path)  # only files uploaded to this page
            try:
                text = handlers.load_file(str(upload))
                # For the translated-file download, in memory: the file itself goes now.
                uploads.keep(_session_of(request), upload.name, upload.read_bytes())
                return text
            finally:
                uploads.discard(upload)  # read once: nothing stays on the server's disk

    @_with_request
    def load_url(url: str | None, request: gr.Request = None) -> str:  # type: ignore[assignment]
        with _attempt(sessions, request):
            return handlers.load_url(url)

    @_with_request
    def translate_file(model: str | None = None, beams: float | None = None,
                       source: str | None = None,
                       request: gr.Request = None) -> Any:  # type: ignore[assignment]
        """After a translation: the document this visitor loaded last, translated in its own
        format, when the text just translated is still that document's. The event takes no
        file: the upload was deleted once read, and a path from the client is never opened."""
        kept = uploads.kept(_session_of(request))
        if kept is None:
            return gr.update(value=None, visible=False)
        with _attempt(sessions, request) as stop:
            translated = handlers.translate_file(*kept, model, beams, source or "", stop=stop)
        if translated is None:
            return gr.update(value=None, visible=False)
        return gr.update(value=str(translated), visible=True,
                         label=f"Download {translated.name}")

    return SimpleNamespace(translate=translate, summarize=summarize, process=process,
                           load_file=load_file, load_url=load_url,
                           translate_file=translate_file)


def _page_steps(handlers: Handlers, sessions: PageSessions) -> SimpleNamespace:
    """The page's own steps (private, no queue: they only move what is on screen)."""
    import gradio as gr

    def job_started() -> tuple[Any, ...]:
        """Translate/process pressed: the previous text's results go, Cancel appears."""
        return (*handlers.cleared(), "", gr.update(visible=True))

    def summary_started() -> tuple[Any, ...]:
        return "", "", gr.update(visible=True)

    def job_ended() -> Any:
        return gr.update(visible=False)

    @_with_request
    def job_failed(request: gr.Request = None) -> tuple[Any, ...]:  # type: ignore[assignment]
        failure = sessions.last_failure(_session_of(request))
        # None: the job was cancelled, and Cancel's own notice stays.
        notice = notice_html(*failure) if failure else gr.update()
        return (*handlers.cleared(), notice, gr.update(visible=False))

    @_with_request
    def summary_failed(state: dict[str, Any] | None,
                       request: gr.Request = None) -> tuple[Any, ...]:  # type: ignore[assignment]
        failure = sessions.last_failure(_session_of(request))
        # None: the job was cancelled, and Cancel's own notice stays.
        notice = notice_html(*failure) if failure else gr.update()
        return (*handlers.without_summary(state), notice, gr.update(visible=False))

    @_with_request
    def cancel(request: gr.Request = None) -> tuple[Any, ...]:  # type: ignore[assignment]
        stopped = sessions.cancel(_session_of(request))
        logger.info("cancel pressed: %d job(s) asked to stop", stopped)
        return (notice_html("Cancelled", "The job was stopped and nothing of it was kept.",
                            kind="cancelled"), gr.update(visible=False))

    @_with_request
    def clear(request: gr.Request = None) -> tuple[Any, ...]:  # type: ignore[assignment]
        sessions.cancel(_session_of(request))
        return ("", *handlers.cleared(), "", gr.update(visible=False))

    @_with_request
    def load_failed(request: gr.Request = None) -> Any:  # type: ignore[assignment]
        """A file or page that could not be read: said above the English."""
        failure = sessions.last_failure(_session_of(request))
        return notice_html(*failure) if failure else gr.update()

    def replaced() -> tuple[Any, ...]:
        """New source text (upload, fetch, example): the old results no longer belong to it."""
        return (*handlers.cleared(), "")

    return SimpleNamespace(job_started=job_started, summary_started=summary_started,
                           job_ended=job_ended, job_failed=job_failed,
                           summary_failed=summary_failed, cancel=cancel, clear=clear,
                           load_failed=load_failed, replaced=replaced)


# -- layout ---------------------------------------------------------------------------------------
def _source_column(host: ModelHost, example: str | None, default_beams: int) -> dict[str, Any]:
    """The left column: the Vietnamese article, its buttons, upload and fetch, options."""
    import gradio as gr

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
            process_btn = gr.Button("Translate + summarize", scale=2, elem_id="process-btn")
            example_btn = gr.Button("Load example", scale=1, visible=example is not None,
                                    elem_id="example-btn")
        with gr.Accordion("Upload a file or fetch a web page", open=False):
            upload = gr.File(label="File: " + ", ".join(DOCUMENT_SUFFIXES),
                             file_types=list(DOCUMENT_SUFFIXES), type="filepath",
                             elem_id="upload")
            with gr.Row(equal_height=True):
                url = gr.Textbox(label="News page URL", placeholder="https://…", scale=4,
                                 elem_id="url")
                fetch_btn = gr.Button("Fetch", scale=1, elem_id="fetch-btn")
        with gr.Accordion("Options", open=False):
            model = gr.Dropdown(host.choices, value=host.default_key,
                                label="Translation model (license)",
                                info="⚠ marks licenses that restrict use.", elem_id="model")
            beams = gr.Slider(1, 8, value=default_beams, step=1, label="Beams",
                              info="More beams: slightly better, slower.")
            length = gr.Radio(list(SUMMARY_LENGTHS), value=DEFAULT_SUMMARY_LENGTH,
                              label="Summary length")
        with gr.Accordion("Glossary", open=False):
            glossary = gr.Textbox(
                value="", lines=4, max_lines=12, label="Terms to translate exactly",
                info="One per line: Vietnamese term, a tab, the English to use "
                     "(paste two columns from a spreadsheet).",
                placeholder="Bộ Giao thông Vận tải\tMinistry of Transport",
                elem_id="glossary")
    return {"source": source, "counter": counter, "clear_btn": clear_btn,
            "translate_btn": translate_btn, "process_btn": process_btn,
            "example_btn": example_btn, "upload": upload, "url": url, "fetch_btn": fetch_btn,
            "model": model, "beams": beams, "length": length, "glossary": glossary}


def _english_column() -> dict[str, Any]:
    """The right column: the notice and Cancel, the editable English, its summary."""
    import gradio as gr

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
    return {"notice": notice, "cancel_btn": cancel_btn, "english": english,
            "summarize_btn": summarize_btn, "summary": summary}


def _result_views() -> dict[str, Any]:
    """Below the columns: the flag line, the downloads, the side-by-side table, the JSON."""
    import gradio as gr

    status = gr.Markdown(elem_id="status")
    with gr.Row(equal_height=True):
        md_file = gr.DownloadButton("Download Markdown", interactive=False, size="sm",
                                    elem_id="download-md")
        json_file = gr.DownloadButton("Download JSON", interactive=False, size="sm",
                                      elem_id="download-json")
        docx_file = gr.DownloadButton("Download Word (bilingual)", interactive=False, size="sm",
                                      elem_id="download-docx")
        # The uploaded document in its own format, once it has been translated.
        translated_file = gr.DownloadButton("Download the translated file", visible=False,
                                            size="sm", elem_id="download-translated-file")
    with gr.Accordion("Side by side", open=True):
        gr.Checkbox(False, label="Show only flagged sentences",  # the CSS reads it
                    elem_id="only-flagged")
        table = gr.HTML(exports.table_html({}), elem_id="side-by-side", js_on_load=None)
    with gr.Accordion("Full result (JSON)", open=False):
        result_json = gr.JSON(label="Result", elem_id="result-json")
    return {"status": status, "md_file": md_file, "json_file": json_file,
            "docx_file": docx_file, "translated_file": translated_file, "table": table,
            "result_json": result_json}


def _layout(config: WebConfig, host: ModelHost, example: str | None) -> SimpleNamespace:
    """Every component of the page, in the order they appear."""
    import gradio as gr

    default_beams = (config.model_config.beams or host.pool.default.translator.options.num_beams
                     or 4)
    result_state = gr.State(None)
    gr.Markdown(f"# {TITLE}\nPaste a Vietnamese news article, upload it or give its "
                "address, then **Translate** (Ctrl+Enter, ⌘+Enter). Edit the English if "
                "you like, then **Summarize** it. Sentences marked ⚠ in the side-by-side "
                "table deserve a second look.", elem_id="vi2en-header")
    with gr.Row(equal_height=False):
        left = _source_column(host, example, default_beams)
        right = _english_column()
    page = SimpleNamespace(result_state=result_state, **left, **right, **_result_views())
    page.shown = [page.table, page.status, page.md_file, page.json_file, page.docx_file,
                  page.result_json]
    # The order of Handlers.cleared().
    page.results = [page.english, page.summary, result_state, *page.shown]
    return page


# -- wiring ---------------------------------------------------------------------------------------
def _wire_sources(app: gr.Blocks, page: SimpleNamespace, config: WebConfig,
                  example: str | None, calls: SimpleNamespace, steps: SimpleNamespace) -> None:
    """The character counter, and a new source (example, upload, fetch): the previous text's
    results go once it has arrived."""
    # The counter runs in the browser (no request per keystroke).
    count_js = f"(text) => window.vi2en ? window.vi2en.count(text, {config.max_chars}) : ''"
    page.source.change(None, page.source, page.counter, js=count_js, **PRIVATE)
    app.load(None, page.source, page.counter, js=count_js, **PRIVATE)
    # A notice refusing the text ("Text too long") goes once the text is edited to fit.
    fits_js = (f"(text, notice) => (notice || '').includes('about-text') && (text || '').trim()"
               f" && [...text].length <= {config.max_chars} ? '' : notice")
    page.source.change(None, [page.source, page.notice], page.notice, js=fits_js, **PRIVATE)

    cleared = [*page.results, page.notice]
    if example is not None:
        page.example_btn.click(lambda: (example, *steps.replaced()), None,
                               [page.source, *cleared], **PRIVATE)
    # A file or page that cannot be read leaves the source as it was (and its results: they
    # still belong to it), and says why above the English.
    for loaded in (page.upload.upload(calls.load_file, page.upload, page.source, **LIGHT),
                   page.fetch_btn.click(calls.load_url, page.url, page.source, **LIGHT),
                   page.url.submit(calls.load_url, page.url, page.source, **LIGHT)):
        loaded.success(steps.replaced, None, cleared, **QUIET)
        loaded.failure(steps.load_failed, None, page.notice, **QUIET)


def _wire_jobs(page: SimpleNamespace, handlers: Handlers, calls: SimpleNamespace,
               steps: SimpleNamespace, model_calls: dict[str, Any]) -> None:
    """Translate, summarize, both; Cancel and Clear stop whichever is running."""
    import gradio as gr

    p = page
    job_outputs = [*p.results, p.notice, p.cancel_btn]
    # Translate: clear, run (the named API endpoint), then show or explain.
    p.translate_btn.click(None, None, None, js=_follow("#english"), **PRIVATE)
    tr_run = p.translate_btn.click(steps.job_started, None, job_outputs, **QUIET
                                   ).then(calls.translate, [p.source, p.model, p.beams, p.glossary],
                                          [p.english, p.result_state], api_name="translate",
                                          show_progress_on=[p.english], **model_calls)
    tr_run.success(handlers.render, p.result_state, p.shown, **QUIET
                   ).then(None, None, None, js=_follow("#english"), **PRIVATE)
    tr_run.failure(steps.job_failed, None, job_outputs, **QUIET)
    tr_run.then(steps.job_ended, None, p.cancel_btn, **QUIET)

    p.summarize_btn.click(None, None, None, js=_follow("#summary"), **PRIVATE)
    sm_run = p.summarize_btn.click(steps.summary_started, None,
                                   [p.summary, p.notice, p.cancel_btn], **QUIET
                                   ).then(calls.summarize, [p.english, p.length, p.result_state],
                                          [p.summary, p.result_state], api_name="summarize",
                                          show_progress_on=[p.summary], **model_calls)
    sm_run.success(handlers.render, p.result_state, p.shown, **QUIET)
    sm_run.failure(steps.summary_failed, p.result_state,
                   [p.summary, p.result_state, *p.shown, p.notice, p.cancel_btn], **QUIET)
    sm_run.then(steps.job_ended, None, p.cancel_btn, **QUIET)

    p.process_btn.click(None, None, None, js=_follow("#english"), **PRIVATE)
    pr_run = p.process_btn.click(steps.job_started, None, job_outputs, **QUIET
                                 ).then(calls.process,
                                        [p.source, p.model, p.beams, p.length, p.glossary],
                                        [p.result_json, p.result_state], api_name="process",
                                        show_progress_on=[p.english, p.summary], **model_calls)
    pr_run.success(handlers.texts, p.result_state, [p.english, p.summary], **QUIET
                   ).success(handlers.render, p.result_state, p.shown, **QUIET)
    pr_run.failure(steps.job_failed, None, job_outputs, **QUIET)
    pr_run.then(steps.job_ended, None, p.cancel_btn, **QUIET)

    # After a translation of an upload, the file itself in its own format; hidden when a
    # new job or source begins.
    hidden = {"value": None, "visible": False}
    for button in (p.translate_btn, p.process_btn, p.clear_btn):
        button.click(lambda: gr.update(**hidden), None, p.translated_file, **QUIET)
    p.upload.change(lambda: gr.update(**hidden), None, p.translated_file, **QUIET)
    file_run = [run.success(calls.translate_file, [p.model, p.beams, p.source],
                            p.translated_file, **{**model_calls, "api_visibility": "private"})
                for run in (tr_run, pr_run)]
    running = [tr_run, sm_run, pr_run, *file_run]
    p.cancel_btn.click(steps.cancel, None, [p.notice, p.cancel_btn], cancels=running, **QUIET)
    p.clear_btn.click(steps.clear, None, [p.source, *job_outputs], cancels=running, **QUIET)


def build_app(config: WebConfig, handlers: Handlers | None = None, *,
              limits: ClientLimits | None = None) -> gr.Blocks:
    """The page and its API. Models are created here (not loaded: first use loads them).
    ``limits``: the request rates the REST API counts in too (a server's; None: no rate)."""
    import gradio as gr

    handlers = handlers or Handlers(config)
    sessions = PageSessions()
    uploads = PageUploads()
    # Every job that calls a model shares one limit of jobs at once; the model calls
    # themselves take turns in the host. Without the named API (a server that requires API
    # keys) these events are the page's alone.
    model_calls = {"concurrency_limit": PAGE_JOBS_AT_ONCE, "concurrency_id": "models",
                   "api_visibility": "public" if config.named_api else "private"}
    example = example_article()
    calls = _api_functions(handlers, sessions, uploads)
    steps = _page_steps(handlers, sessions)
    with gr.Blocks(title="vi2en — Vietnamese news to English", analytics_enabled=False,
                   delete_cache=(3600, 3600)) as app:
        page = _layout(config, handlers.host, example)
        _wire_sources(app, page, config, example, calls, steps)
        _wire_jobs(page, handlers, calls, steps, model_calls)
    app.queue(default_concurrency_limit=PAGE_JOBS_AT_ONCE)
    uploads.blocks = app
    PageDoor(config.door, limits).install(app, [calls.translate, calls.summarize, calls.process,
                                                calls.load_file, calls.load_url])
    app.vi2en_handlers = handlers  # type: ignore[attr-defined]  # for tests and launchers
    return app


def page_options(max_file_size: int = MAX_BODY_BYTES, named_api: bool = True
                 ) -> dict[str, Any]:
    """How the page is served, by launch() and when mounted beside the REST API. Errors
    other than the page's own one-line messages show no detail; no run history (it talks to
    the Hub for visitors) and no usage monitoring pages."""
    return {"max_file_size": max_file_size, "theme": theme(), "css": page_css(),
            "js": page_js(), "footer_links": ["api"] if named_api else [],
            "show_error": False, "run_history": False, "enable_monitoring": False}


def launch(app: gr.Blocks, *, host: str = "127.0.0.1", port: int | None = None,
           share: bool = False, auth: tuple[str, str] | None = None,
           prevent_thread_lock: bool = False, quiet: bool = False) -> Any:
    """Serve the page alone, as Gradio does (tests, embedding). ``vi2en serve`` serves it
    beside the REST API instead (:mod:`translate.api`). Only uploads and the app's own outputs
    are served: no allowed_paths."""
    return app.launch(server_name=host, server_port=port, share=share, auth=auth,
                      prevent_thread_lock=prevent_thread_lock, quiet=quiet, **page_options())
