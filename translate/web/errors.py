"""How a failure reaches a visitor: one line in a toast titled with what failed, and the notice
above the English; the traceback goes to the log only."""

from __future__ import annotations

import functools
import html
import logging
import re
from collections.abc import Callable
from typing import Any, TypeVar

from ..catalog import ModelError, ModelUnavailableError
from ..extract import ExtractionError
from ..fetch import FetchError
from ..stopping import Cancelled  # the visitor pressed Cancel, left, or ran out of time

logger = logging.getLogger(__name__)

F = TypeVar("F", bound=Callable[..., Any])


def _one_line(message: str) -> str:
    """The first line of a message, as plain text: the page escapes it where it shows it, and an
    API client receives it as written."""
    return message.strip().splitlines()[0] if message.strip() else message


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
            message = (exc.on_server() if isinstance(exc, ModelUnavailableError)
                       else str(exc) or "Stopped at your request.")
            raise gr.Error(_one_line(message), title=failure_title(exc),
                           print_exception=False) from None
        except Exception as exc:
            # A bug or the machine: what failed is for the log, not for a visitor (a path, a
            # file's existence, the server's insides).
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

