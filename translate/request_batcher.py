"""Sentences from many concurrent requests translated in shared batches.

A server thread per request calls :meth:`RequestBatcher.translate`; one worker thread gathers
the sentences waiting when it is free, waits a short collection window (or until a batch is
full) for more, and makes one :meth:`Translator.translate` call for all of them. Each request
gets its own answers back, in its own order. Rounds take sentences from the waiting requests in
turn, so a short request is never held up until a long one's whole text is done. Requests
with different decoding options never share a batch.

With a window of 0 batching is off: each request is translated alone, one at a time (the
baseline the load benchmark compares with).
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field

from .config import DEFAULT_WINDOW_S
from .engines import GenerationOptions
from .results import ScoredText
from .translator import ProgressCallback, Translator

logger = logging.getLogger(__name__)


@dataclass(eq=False)
class _Request:
    """One caller's unique sentences: those not yet sent, and the answers so far."""

    options: GenerationOptions | None
    waiting: deque[str]
    total: int
    arrived: float
    answers: dict[str, ScoredText] = field(default_factory=dict)
    error: BaseException | None = None
    done: threading.Event = field(default_factory=threading.Event)

    def finished(self) -> bool:
        return self.error is not None or len(self.answers) == self.total


_NOTHING = ScoredText("")


class RequestBatcher:
    """Shared batches for concurrent callers of one translator (and its cache)."""

    def __init__(self, translator: Translator, *, window_s: float = DEFAULT_WINDOW_S,
                 max_batch: int | None = None) -> None:
        if window_s < 0:
            raise ValueError("the collection window cannot be negative")
        self.translator = translator
        self.window_s = window_s
        self._max_batch = max_batch
        self._pending: deque[_Request] = deque()
        self._condition = threading.Condition()
        self._alone = threading.Lock()  # batching off: one request at a time
        self._worker: threading.Thread | None = None
        self._free_since = 0.0  # when the worker last finished a batch
        self.batches = 0  # model rounds so far, for logs and benchmarks

    @property
    def enabled(self) -> bool:
        return self.window_s > 0

    @property
    def max_batch(self) -> int:
        return self._max_batch or self.translator.max_batch_size

    def translate(self, sentences: Sequence[str], *, options: GenerationOptions | None = None,
                  progress: ProgressCallback | None = None) -> list[str]:
        """Translations of ``sentences``, one for one (the same contract as the translator's)."""
        return [out.text for out in self.translate_scored(sentences, options=options,
                                                          progress=progress)]

    def translate_scored(self, sentences: Sequence[str], *,
                         options: GenerationOptions | None = None,
                         progress: ProgressCallback | None = None) -> list[ScoredText]:
        """:meth:`translate` with each translation's score (as the translator's)."""
        unique = [s for s in dict.fromkeys(sentences) if s.strip()]
        if not unique:
            return [ScoredText("") for _ in sentences]
        if not self.enabled:
            with self._alone:
                return self.translator.translate_scored(sentences, options=options,
                                                        progress=progress)
        request = _Request(options, deque(unique), len(unique), time.monotonic())
        with self._condition:
            self._ensure_worker()
            self._pending.append(request)
            self._condition.notify_all()
        request.done.wait()
        if request.error is not None:
            raise request.error
        if progress is not None:
            progress(len(unique), len(unique))
        return [request.answers.get(s, _NOTHING) for s in sentences]

    # -- the worker ------------------------------------------------------------------------------
    def _ensure_worker(self) -> None:
        if self._worker is None or not self._worker.is_alive():
            self._worker = threading.Thread(target=self._run, name="vi2en-batcher", daemon=True)
            self._worker.start()

    def _waiting_count(self, options: GenerationOptions | None) -> int:
        return sum(len(r.waiting) for r in self._pending if r.options == options)

    def _run(self) -> None:
        while True:
            with self._condition:
                while not self._pending:
                    self._condition.wait()
                options = self._pending[0].options
                # Collect until a batch is full or the window closes: the window opens when the
                # oldest request arrived or, if later, when the last batch ended, so clients
                # answered by that batch have a moment to send their next request and join.
                deadline = max(self._pending[0].arrived, self._free_since) + self.window_s
                while self._waiting_count(options) < self.max_batch:
                    left = deadline - time.monotonic()
                    if left <= 0:
                        break
                    self._condition.wait(left)
                batch, owners = self._take(options)
            self._translate(batch, owners, options)
            self._free_since = time.monotonic()

    def _take(self, options: GenerationOptions | None
              ) -> tuple[list[str], list[tuple[_Request, str]]]:
        """Up to a batch of distinct sentences, one from each waiting request in turn (lock
        held). A sentence two requests both sent is translated once for both."""
        batch: dict[str, None] = {}
        owners: list[tuple[_Request, str]] = []
        requests = [r for r in self._pending if r.options == options and r.waiting]
        while requests and len(batch) < self.max_batch:
            for request in list(requests):
                if len(batch) >= self.max_batch and request.waiting[0] not in batch:
                    continue
                sentence = request.waiting.popleft()
                batch[sentence] = None
                owners.append((request, sentence))
                if not request.waiting:
                    requests.remove(request)
            if len(batch) >= self.max_batch:
                break
        return list(batch), owners

    def _translate(self, batch: list[str], owners: list[tuple[_Request, str]],
                   options: GenerationOptions | None) -> None:
        error: BaseException | None = None
        try:
            outputs = dict(zip(batch, self.translator.translate_scored(batch, options=options),
                               strict=True))
        except Exception as exc:  # every request in the batch gets the failure, none hangs
            logger.exception("a shared batch of %d sentences failed", len(batch))
            outputs, error = {}, exc
        self.batches += 1
        with self._condition:
            for request, sentence in owners:
                if error is not None:
                    request.error = error
                else:
                    request.answers[sentence] = outputs[sentence]
            finished = {request for request, _ in owners if request.finished()}
            for request in finished:
                request.done.set()
                self._pending.remove(request)
            logger.debug("batch of %d sentences from %d request(s)", len(batch),
                         len({request for request, _ in owners}))


class BatchingTranslator:
    """A translator whose calls go through a :class:`RequestBatcher`.

    Drop-in for a :class:`Pipeline`'s translator: engine, info and signature are the shared
    translator's; ``options`` may differ (a request's beams), and then so do its batches.
    """

    def __init__(self, batcher: RequestBatcher, options: GenerationOptions | None = None) -> None:
        self._batcher = batcher
        self._translator = batcher.translator
        self.options = options or batcher.translator.options

    def translate(self, sentences: Sequence[str], *, options: GenerationOptions | None = None,
                  progress: ProgressCallback | None = None) -> list[str]:
        return self._batcher.translate(sentences, options=options or self.options,
                                       progress=progress)

    def translate_scored(self, sentences: Sequence[str], *,
                         options: GenerationOptions | None = None,
                         progress: ProgressCallback | None = None) -> list[ScoredText]:
        return self._batcher.translate_scored(sentences, options=options or self.options,
                                              progress=progress)

    def __getattr__(self, name: str) -> object:
        return getattr(self._translator, name)
