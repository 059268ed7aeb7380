"""Sentences from many concurrent requests translated in shared batches.

A translator given a batcher (:meth:`Translator.batched`) sends its calls here: a server
thread per request calls :meth:`RequestBatcher.translate_scored` through it; one worker
thread gathers the sentences waiting when it is free, waits a short collection window (or
until a batch is full) for more, and makes one :meth:`Translator.translate` call for all of
them. Each request
gets its own answers back, in its own order. Rounds take sentences from the waiting requests in
turn, so a short request is never held up until a long one's whole text is done. Requests
with different decoding options never share a batch.

With a window of 0 batching is off: each request is translated alone, one at a time (the
baseline the load benchmark compares with).

One client's request fails only that client: when a shared batch fails, each of its requests'
sentences are translated again apart, and only the requests that fail alone get the failure.
A request whose ``stop`` is set (its client went away, or its time is up) leaves at once: its
waiting sentences are dropped, and a batch in flight whose every request has left stops at its
next step.
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
from .stopping import Cancelled, StopSignal
from .translator import ProgressCallback, Translator

logger = logging.getLogger(__name__)

# How often a caller waiting for its answers looks at its stop signal, in seconds.
STOP_POLL_S = 0.05


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
    stop: StopSignal | None = None
    left: bool = False  # its caller stopped waiting

    def finished(self) -> bool:
        return self.error is not None or len(self.answers) == self.total

    def gone(self) -> bool:
        """Whether nobody wants this request's answers any more: nothing more is done for it."""
        return self.left or (self.stop is not None and self.stop.is_set())


class _AllLeft:
    """A batch's stop signal: set once every request in the batch has left."""

    def __init__(self, requests: set[_Request]) -> None:
        self._requests = requests

    def is_set(self) -> bool:
        return all(request.gone() for request in self._requests)


_NOTHING = ScoredText("")


class RequestBatcher:
    """Shared batches for concurrent callers of one translator (and its cache)."""

    def __init__(self, translator: Translator, *, window_s: float = DEFAULT_WINDOW_S,
                 max_batch: int | None = None) -> None:
        if window_s < 0:
            raise ValueError("the collection window cannot be negative")
        # The batcher calls the model itself: a translator given a batcher would call back.
        self.translator = translator.batched(None) if getattr(translator, "batcher",
                                                              None) else translator
        self.window_s = window_s
        self._max_batch = max_batch
        self._pending: deque[_Request] = deque()
        self._condition = threading.Condition()
        self._alone = threading.Lock()  # batching off: one request at a time
        self._worker: threading.Thread | None = None
        self._free_since = 0.0  # when the worker last finished a batch
        self.batches = 0  # model rounds so far, for logs and benchmarks
        self.sentences = 0  # sentences those rounds carried

    @property
    def enabled(self) -> bool:
        return self.window_s > 0

    @property
    def max_batch(self) -> int:
        return self._max_batch or self.translator.max_batch_size

    def translate(self, sentences: Sequence[str], *, options: GenerationOptions | None = None,
                  progress: ProgressCallback | None = None,
                  stop: StopSignal | None = None) -> list[str]:
        """Translations of ``sentences``, one for one (the same contract as the translator's).

        Once ``stop`` is set the call raises :class:`~translate.stopping.Cancelled` within
        :data:`STOP_POLL_S` seconds, and this request's sentences not yet translated are
        dropped.
        """
        return [out.text for out in self.translate_scored(sentences, options=options,
                                                          progress=progress, stop=stop)]

    def translate_scored(self, sentences: Sequence[str], *,
                         options: GenerationOptions | None = None,
                         progress: ProgressCallback | None = None,
                         stop: StopSignal | None = None) -> list[ScoredText]:
        """:meth:`translate` with each translation's score (as the translator's)."""
        unique = [s for s in dict.fromkeys(sentences) if s.strip()]
        if not unique:
            return [ScoredText("") for _ in sentences]
        if not self.enabled:
            while not self._alone.acquire(timeout=STOP_POLL_S if stop is not None else -1):
                if stop is not None and stop.is_set():
                    raise Cancelled("Stopped before the model was free; nothing was kept.")
            try:
                return self.translator.translate_scored(sentences, options=options,
                                                        progress=progress, stop=stop)
            finally:
                self._alone.release()
        request = _Request(options, deque(unique), len(unique), time.monotonic(), stop=stop)
        if progress is not None:
            progress(0, len(unique))  # at once: the model may be busy with others for a while
        with self._condition:
            self._ensure_worker()
            self._pending.append(request)
            self._condition.notify_all()
        reported = 0
        watching = stop is not None or progress is not None
        while not request.done.wait(STOP_POLL_S if watching else None):
            if stop is not None and stop.is_set():
                break
            if progress is not None and len(request.answers) != reported:
                # As each shared batch answers some of this request's sentences (the page's
                # progress bar; its callback may stop the job, as between a translator's batches).
                reported = len(request.answers)
                try:
                    progress(reported, len(unique))
                except BaseException:
                    self._leave(request)
                    raise
        if not request.finished():  # stopped before its answers were all in
            self._leave(request)
            raise Cancelled(f"Stopped after {len(request.answers)} of {request.total} "
                            "sentences; nothing was kept.")
        if request.error is not None:
            raise request.error
        if progress is not None:
            progress(len(unique), len(unique))
        return [request.answers.get(s, _NOTHING) for s in sentences]

    def _leave(self, request: _Request) -> None:
        """A caller that stopped waiting: its sentences still waiting are dropped."""
        with self._condition:
            request.left = True
            request.waiting.clear()
            if request in self._pending:
                self._pending.remove(request)
        logger.info("a request left with %d of its %d sentences translated; the rest dropped",
                    len(request.answers), request.total)

    # -- the worker ------------------------------------------------------------------------------
    def _ensure_worker(self) -> None:
        if self._worker is None or not self._worker.is_alive():
            self._worker = threading.Thread(target=self._run, name="vi2en-batcher", daemon=True)
            self._worker.start()

    def _waiting_count(self, options: GenerationOptions | None) -> int:
        return sum(len(r.waiting) for r in self._pending if r.options == options and not r.gone())

    def _run(self) -> None:
        while True:
            with self._condition:
                for gone in [r for r in self._pending if r.gone()]:
                    self._pending.remove(gone)  # its caller leaves at its next look
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
            if not batch:  # the requests waiting left during the window
                continue
            self._translate(batch, owners, options)
            self._free_since = time.monotonic()

    def _take(self, options: GenerationOptions | None
              ) -> tuple[list[str], list[tuple[_Request, str]]]:
        """Up to a batch of distinct sentences, one from each waiting request in turn (lock
        held). A sentence two requests both sent is translated once for both."""
        batch: dict[str, None] = {}
        owners: list[tuple[_Request, str]] = []
        requests = [r for r in self._pending
                    if r.options == options and r.waiting and not r.gone()]
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
        requests = {request for request, _ in owners}
        outputs: dict[str, ScoredText] = {}
        errors: dict[_Request, BaseException] = {}
        try:
            outputs = dict(zip(batch, self.translator.translate_scored(
                batch, options=options, stop=_AllLeft(requests)), strict=True))
        except Cancelled:
            pass  # every request of the batch left: nobody wants its answers
        except Exception as exc:
            if len(requests) == 1:
                errors = {request: exc for request in requests}
            else:
                # One request's text may have failed them all: try each request's sentences
                # apart, so that only a request that fails alone fails.
                logger.warning("a shared batch of %d sentences from %d requests failed (%s: "
                               "%s); translating each request's sentences apart", len(batch),
                               len(requests), type(exc).__name__, exc)
                outputs, errors = self._apart(owners, options)
        self.batches += 1
        self.sentences += len(batch)
        with self._condition:
            for request, sentence in owners:
                if request in errors:
                    request.error = errors[request]
                elif sentence in outputs:
                    request.answers[sentence] = outputs[sentence]
            for request in requests:
                if request.finished():
                    request.done.set()
                if (request.finished() or request.gone()) and request in self._pending:
                    self._pending.remove(request)
            logger.debug("batch of %d sentences from %d request(s)", len(batch), len(requests))

    def _apart(self, owners: list[tuple[_Request, str]], options: GenerationOptions | None
               ) -> tuple[dict[str, ScoredText], dict[_Request, BaseException]]:
        """Each request's sentences of a failed batch translated on their own."""
        outputs: dict[str, ScoredText] = {}
        errors: dict[_Request, BaseException] = {}
        mine: dict[_Request, list[str]] = {}
        for request, sentence in owners:
            mine.setdefault(request, []).append(sentence)
        for request, sentences in mine.items():
            if request.gone():
                continue
            try:
                outputs.update(zip(sentences, self.translator.translate_scored(
                    sentences, options=options, stop=_AllLeft({request})), strict=True))
            except Cancelled:
                continue
            except Exception as exc:
                logger.exception("a request's %d sentences failed on their own", len(sentences))
                errors[request] = exc
        return outputs, errors
