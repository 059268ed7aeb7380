"""Stopping a job part-way: its client went away, pressed Cancel, or ran out of time.

A job takes ``stop``, anything with ``is_set()`` (a :class:`threading.Event`, or a
:class:`JobStop`), and checks it between steps: before each batch of sentences, while its
sentences wait for a batch shared with other clients, between the chunks of a summary. The step
in progress (one model call) finishes first. A stopped job raises :class:`Cancelled` and keeps
nothing. Standard library only.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Protocol


class StopSignal(Protocol):
    """What a job checks between steps."""

    def is_set(self) -> bool: ...


class Cancelled(Exception):
    """The job stopped before it finished, at its caller's request; nothing of it was kept."""


def raise_if_stopped(stop: StopSignal | None, message: str = "Stopped; nothing was kept.") -> None:
    """:class:`Cancelled` with ``message`` when ``stop`` is set."""
    if stop is not None and stop.is_set():
        raise Cancelled(message)


class JobStop(threading.Event):
    """A stop that also sets itself when the job's time is up or its client is gone.

    ``time_limit_s``: seconds from now (None or 0: no limit). ``gone``: asked on each check
    whether the client that started the job went away (a callable that must be cheap).
    ``reason`` says why the stop was set: "cancelled", "time limit" or "client gone".
    """

    def __init__(self, time_limit_s: float | None = None,
                 gone: Callable[[], bool] | None = None) -> None:
        super().__init__()
        self.time_limit_s = time_limit_s or None
        self._deadline = (time.monotonic() + time_limit_s) if time_limit_s else None
        self._gone = gone
        self.reason: str | None = None

    def set(self, reason: str = "cancelled") -> None:  # type: ignore[override]
        if self.reason is None:
            self.reason = reason
        super().set()

    def is_set(self) -> bool:
        if not super().is_set():
            if self._deadline is not None and time.monotonic() >= self._deadline:
                self.set("time limit")
            elif self._gone is not None and self._gone():
                self.set("client gone")
        return super().is_set()

    @property
    def timed_out(self) -> bool:
        return self.is_set() and self.reason == "time limit"
