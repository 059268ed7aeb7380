"""Sentence checks run beside translation, in worker processes.

The checks are pure Python: 0.1 ms a sentence of real news on one core, 0.8 ms on a random
model's digit-laden output (benchmarks/check_workers.py), i.e. a tenth of a GPU's 2,000
sentences/s spent serially in the translating process, holding its GIL. In worker processes
they do neither; :class:`CheckRunner` hands them out in chunks and gives back a pending
result, so the caller goes on translating the next window while this one is checked.

Workers are spawned, not forked: the translating process has engine threads running, and a
fork copies their locks in whatever state they are in. A worker's log records (a crashed
check is logged at ERROR) are relayed into this process's loggers, so they reach the log
that the CLI configured, like any other record.
"""

from __future__ import annotations

import logging
import logging.handlers
import multiprocessing
import os
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

from .checks import SentenceChecks
from .errors import InputError
from .results import Flag

logger = logging.getLogger(__name__)

SentenceCheck = Callable[[str, str], list[Flag]]
# Pairs per task: small enough that every worker gets a share of a small window. 64 was no
# faster on 8,000 pairs with 2 workers (16,257 against 15,480 pairs/s).
CHUNK = 16
# Pools replaced after a worker died, before the checks stay in this process.
MAX_RESTARTS = 2
# Enough for the fastest GPU rate we target (2,000 sentences/s) on digit-heavy output, at
# ~1,200 sentences/s a worker; more would take cores from the GPU's feeding process.
MAX_AUTO_WORKERS = 8


def available_cores() -> int:
    """The cores this process may run on: more check workers than that only queue."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def auto_workers(device: str, cores: int | None = None) -> int:
    """Check workers for ``check_workers="auto"``: on a GPU, a core each for up to
    :data:`MAX_AUTO_WORKERS`, one core left to feed the GPU; on a CPU none, since every core
    already translates and the checks cost under 5% of a sentence's time there."""
    if device != "cuda":
        return 0
    cores = available_cores() if cores is None else cores
    return max(0, min(MAX_AUTO_WORKERS, cores - 1))


def check_worker_count(workers: int) -> int:
    """``workers`` if it is a sensible count: 0 to the cores available (a typo such as 1000
    would otherwise start a process per task)."""
    cores = available_cores()
    if not 0 <= workers <= cores:
        raise InputError(f"check workers must be between 0 and the {cores} core(s) available, "
                         f"not {workers}")
    return workers


def _check_chunk(check: SentenceCheck, pairs: list[tuple[str, str]]) -> list[list[Flag]]:
    # A check may prepare for the whole chunk first (SentenceChecks embeds it in one batch).
    prepare = getattr(check, "prepare", None)
    if prepare is not None:
        prepare(pairs)
    return [check(source, translation) for source, translation in pairs]


def _start_worker(records: multiprocessing.Queue, level: int) -> None:
    """In each worker: every log record goes back to the parent, which decides."""
    # One thread each: the workers are the parallelism. The similarity model's OpenMP would
    # otherwise start a thread per core in every worker (read when it loads, later).
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    root = logging.getLogger()
    root.handlers[:] = [logging.handlers.QueueHandler(records)]
    root.setLevel(level)


class _Relay(logging.Handler):
    """Hands a worker's record to the logger of the same name here."""

    def emit(self, record: logging.LogRecord) -> None:
        logging.getLogger(record.name).handle(record)


class CheckRunner:
    """Runs a sentence check over (source, translation) pairs; ``workers=0``: in this
    process, at :meth:`submit`. Workers start on first use and stop at :meth:`close`."""

    def __init__(self, workers: int, check: SentenceCheck | None = None) -> None:
        self.workers = check_worker_count(workers)
        self.check = SentenceChecks() if check is None else check
        self._pool: ProcessPoolExecutor | None = None
        self._listener: logging.handlers.QueueListener | None = None
        self._lock = threading.Lock()
        self._deaths = 0  # pools lost to a dead worker

    def submit(self, sources: Sequence[str], translations: Sequence[str]) -> PendingChecks:
        """Flags for each pair, in order, from the result's ``result()``. A check that raises
        (strict mode) raises from there."""
        pairs = list(zip(sources, translations, strict=True))
        for _ in range(2):  # a pool found broken (a worker died since) is replaced once
            if not self.workers or not pairs:
                break
            pool = self._started()
            try:
                return PendingChecks(self, pairs, parts=self._submit_parts(pool, pairs),
                                     pool=pool)
            except BrokenProcessPool:
                self._restart(pool)
        try:
            return PendingChecks(self, pairs, done=_check_chunk(self.check, pairs))
        except Exception as exc:  # given back at result(), as from a worker
            return PendingChecks(self, pairs, error=exc)

    def _submit_parts(self, pool: ProcessPoolExecutor,
                      pairs: list[tuple[str, str]]) -> list[Future[list[list[Flag]]]]:
        return [pool.submit(_check_chunk, self.check, pairs[i:i + CHUNK])
                for i in range(0, len(pairs), CHUNK)]

    def _restart(self, broken: ProcessPoolExecutor) -> bool:
        """Drop a pool whose worker died (killed, out of memory); the next use starts one.
        Whether this call dropped it (not another thread before).

        Workers that die again at once cannot start here at all (a spawned worker imports
        the program's main script, which fails for a script read from stdin); after
        :data:`MAX_RESTARTS` such deaths the checks run in this process from then on.
        """
        with self._lock:
            if self._pool is not broken:
                return False
            listener, self._pool, self._listener = self._listener, None, None
            self._deaths += 1
            if self._deaths > MAX_RESTARTS and self.workers:
                logger.warning("check workers keep dying; checking in this process from now "
                               "on (see the errors above)")
                self.workers = 0
        broken.shutdown(wait=False, cancel_futures=True)
        if listener is not None:
            listener.stop()
        return True

    def _started(self) -> ProcessPoolExecutor:
        with self._lock:
            if self._pool is None:
                context = multiprocessing.get_context("spawn")
                records: multiprocessing.Queue = context.Queue()
                self._listener = logging.handlers.QueueListener(records, _Relay())
                self._listener.start()
                level = logging.getLogger("translate").getEffectiveLevel()
                self._pool = ProcessPoolExecutor(self.workers, mp_context=context,
                                                 initializer=_start_worker,
                                                 initargs=(records, level))
                logger.info("checking sentences in %d worker process(es)", self.workers)
            return self._pool

    def close(self) -> None:
        """Stop the workers (after the tasks already given); a later submit starts new ones."""
        with self._lock:
            pool, listener, self._pool, self._listener = self._pool, self._listener, None, None
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)
        if listener is not None:
            listener.stop()

    def __enter__(self) -> CheckRunner:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class PendingChecks:
    """The flags of submitted pairs, once the workers have them."""

    def __init__(self, runner: CheckRunner, pairs: list[tuple[str, str]], *,
                 parts: list[Future[list[list[Flag]]]] | None = None,
                 pool: ProcessPoolExecutor | None = None,
                 done: list[list[Flag]] | None = None, error: Exception | None = None) -> None:
        self.runner = runner
        self.pairs = pairs
        self.parts = parts or []
        self.pool = pool
        self._done = done
        self._error = error

    def result(self, timeout: float | None = None) -> list[list[Flag]]:
        """Each pair's flags, in order (waiting at most ``timeout`` seconds for each chunk).

        A worker that died (killed, out of memory) loses no check: this process checks the
        pairs itself, with a warning, and the runner starts new workers for the next window.
        """
        if self._error is not None:
            raise self._error
        if self._done is None:
            try:
                self._done = [flags for part in self.parts for flags in part.result(timeout)]
            except BrokenProcessPool as exc:
                first = self.pool is not None and self.runner._restart(self.pool)
                # One warning per dead pool; its other windows only say so in the debug log.
                logger.log(logging.WARNING if first else logging.DEBUG,
                           "a check worker died (%s); checking these %d sentences here",
                           exc, len(self.pairs))
                self._done = _check_chunk(self.runner.check, self.pairs)
        return self._done
