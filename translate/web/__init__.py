"""The web page (Gradio 6): paste, upload or fetch a Vietnamese article; get the English, a
summary and a side-by-side table of sentences with their quality flags.

Front end only: every handler calls the library (:class:`~translate.pipeline.Pipeline`,
:mod:`translate.extract`, :mod:`translate.fetch`, :mod:`translate.exports`). Models are created
once when the app is built, load on first use, once, and are shared by every visitor.

- :mod:`.handlers`: ``WebConfig`` and ``Handlers`` (input checks, model calls, what is shown);
- :mod:`.errors`: one-line failures with a title (toasts, the notice); ``Cancelled``;
- :mod:`.sessions`: each browser session's running jobs (for Cancel) and last failure;
- :mod:`.downloads`: the download files and their temporary folder;
- :mod:`.page`: theme, CSS and JS (``page.css``, ``page.js``), layout, wiring, launch.

Gradio is imported when the app is built, not when this package is.
"""

from __future__ import annotations

from .errors import Cancelled, failure_title, notice_html, toast_html, user_errors
from .handlers import Handlers, WebConfig
from .page import TITLE, build_app, launch, page_options
from .sessions import PageSessions

__all__ = ["TITLE", "Cancelled", "Handlers", "PageSessions",
           "WebConfig", "build_app", "failure_title", "launch", "notice_html", "page_options",
           "toast_html", "user_errors"]
