"""How a failure reaches a visitor: one line in a toast titled with what failed, and the notice
above the English; the traceback goes to the log only."""

from __future__ import annotations

import functools
import html
import logging
from collections.abc import Callable
from typing import Any, TypeVar

from ..catalog import ModelUnavailableError
from ..errors import InputError, ModelError, ModelUnavailable, Vi2enError, one_line
from ..extract import ExtractionError
from ..fetch import FetchError
from ..glossary import GlossaryError
from ..stopping import Cancelled  # the visitor pressed Cancel, left, or ran out of time

logger = logging.getLogger(__name__)

F = TypeVar("F", bound=Callable[..., Any])


# A toast's title by the class of what failed, the first that matches (a glossary error's
# title is built from its line and problem, see failure_title).
TITLES: tuple[tuple[type[BaseException], str], ...] = (
    (Cancelled, "Cancelled"),
    (FetchError, "Could not fetch the page"),
    (ExtractionError, "Could not read the file"),
    (ModelUnavailable, "Model not available"),
    (ModelError, "Model not usable"),
    (InputError, "Invalid input"),
)
SOMETHING_WENT_WRONG = "Something went wrong"


def failure_title(exc: BaseException) -> str:
    """A toast's title: what failed, in a few words ("Glossary line 3 has no tab"), from the
    error's class and attributes, never its message."""
    if isinstance(exc, GlossaryError):
        return (f"Glossary line {exc.line} {exc.problem}" if exc.line is not None
                else f"Glossary {exc.problem}")
    return next((title for cls, title in TITLES if isinstance(exc, cls)), SOMETHING_WENT_WRONG)


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
        except (Vi2enError, Cancelled) as exc:
            logger.info("%s refused: %s", fn.__name__, exc or type(exc).__name__)
            message = (exc.on_server() if isinstance(exc, ModelUnavailableError)
                       else str(exc) or "Stopped at your request.")
            raise gr.Error(one_line(message), title=failure_title(exc),
                           print_exception=False) from None
        except Exception as exc:
            # A bug (a plain ValueError too) or the machine: what failed is for the log, not
            # for a visitor (a path, a file's existence, the server's insides).
            logger.exception("%s failed", fn.__name__)
            raise gr.Error("Something went wrong; the details are in the server log.",
                           title=failure_title(exc), print_exception=False) from None

    return wrapper  # type: ignore[return-value]




def refuse(message: str, title: str) -> Exception:
    import gradio as gr

    return gr.Error(message, title=title, print_exception=False)



# Titles of refusals about the source text itself: their notice goes once the text is edited
# to fit (page.py), instead of saying "Text too long" beside a text that no longer is.
TEXT_TITLES = ("Nothing to translate", "Text too long")


def _after_title(title: str, message: str) -> str:
    """The message without a first clause that repeats the title ("Nothing to translate yet:
    paste…" under "Nothing to translate" reads "Paste…"); API clients get the whole message."""
    head, sep, rest = message.partition(": ")
    if sep and rest and head.lower().startswith(title.lower()):
        return rest[:1].upper() + rest[1:]
    return message


def toast_html(title: str, message: str) -> str:
    """A toast's message, starting with its title: page.js moves that into the toast's header,
    since Gradio 6.31 titles toasts by their kind only ("Warning")."""
    return (f'<strong class="vi2en-toast">{html.escape(title)}.</strong> '
            f"{html.escape(_after_title(title, message))}")


def notice_html(title: str, message: str, kind: str = "error") -> str:
    """The line above the English that says what happened to the last job."""
    if title in TEXT_TITLES:
        kind += " about-text"
    return (f'<div class="vi2en-notice {kind}" role="status"><strong>{html.escape(title)}.'
            f"</strong> {html.escape(_after_title(title, message))}</div>")

