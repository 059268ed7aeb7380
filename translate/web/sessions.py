"""Per browser session: the jobs Cancel can stop, and the last failure the notice shows."""

from __future__ import annotations

import contextlib
import threading
from collections import OrderedDict
from collections.abc import Iterator


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
    def job(self, session: str, stop: threading.Event | None = None
            ) -> Iterator[threading.Event]:
        """A job of this session; the event (``stop``, or a new one) is set when the visitor
        cancels it."""
        stop = threading.Event() if stop is None else stop
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

