"""vi2en's errors: what the library raises when it cannot do what it was asked.

Each front end maps these classes once: the CLI to an exit code and one line
(:mod:`translate.cli`), the API to an HTTP status and LibreTranslate's ``{"error": ...}``
(:mod:`translate.api`), the page to a toast title (:mod:`translate.web.errors`), a batch
record to its ``error`` field. They decide by class and attributes, never by message text.
Anything else (a plain ``ValueError`` included) is a bug: "internal error" and the log.

The floor of the package: it imports nothing of vi2en, and every layer may raise these.
"""

from __future__ import annotations

__all__ = ["Vi2enError", "InputError", "ModelError", "ModelUnavailable", "OutputError",
           "MissingDependency", "one_line"]


class Vi2enError(Exception):
    """Something vi2en refuses or cannot do, said in one line for the user."""


class InputError(Vi2enError, ValueError):
    """The user's input or settings cannot be used as given (text, file, glossary, option).

    ``line`` (1-based) and ``position`` (0-based character offset in that line, or in the
    text when there are no lines) say where, when known, so a front end can point there
    without reading the message. A ``ValueError`` too, so callers that caught the library's
    ValueErrors keep working."""

    def __init__(self, message: str, *, line: int | None = None,
                 position: int | None = None) -> None:
        super().__init__(message)
        self.line = line
        self.position = position


class ModelError(Vi2enError):
    """A model argument names no usable model (a folder without a model, a bad config.json,
    a model of another task)."""


class ModelUnavailable(ModelError):
    """The model exists somewhere but cannot be had here: not downloaded and the Hub not
    reachable, gated, or the device it needs is missing."""


class OutputError(Vi2enError):
    """An output cannot be written, or would overwrite what vi2en did not write."""


class MissingDependency(Vi2enError):
    """An optional package this feature needs is not installed (the message says which)."""


def one_line(error: BaseException | str) -> str:
    """The first non-blank line of an error's message (or of ``error`` itself), stripped:
    what every front end shows; the rest of a message is for the log. An exception with an
    empty message is named by its class."""
    text = error if isinstance(error, str) else str(error)
    for line in text.splitlines():
        if line.strip():
            return line.strip()
    return "" if isinstance(error, str) else type(error).__name__
