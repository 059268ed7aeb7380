"""A model argument held until first use, then loaded once."""

from __future__ import annotations

import copy
import threading
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from typing import TypeVar

from .catalog import ModelSpec, folder_identity, resolve_spec
from .engines import Engine, check_engine, create_engine
from .results import ModelInfo  # a value of the floor; re-exported for older imports
from .stopping import StopSignal, raise_if_stopped

V = TypeVar("V", bound="LazyModel")

# How the models report progress: called with (done, total) as work finishes, distinct
# sentences for a translator (once at the start, then after each batch), parts for a
# summarizer. It may raise to stop the job there (the page's Cancel).
ProgressCallback = Callable[[int, int], None]
# How their progress bars read on a terminal: "translating: 7 of 18 sentences [00:41<01:05]".
BAR_FORMAT = "{desc}: {n_fmt} of {total_fmt} {unit} [{elapsed}<{remaining}]"


def model_identity(spec: ModelSpec) -> str:
    """Hub id and revision, or for a local folder its path and the folder's identity."""
    if spec.local_path is None:
        return f"{spec.hub_id or spec.name}@{spec.revision}"
    return f"{spec.local_path}@{folder_identity(spec.local_path)}"


# How often a caller waiting for its turn at the model looks at its stop signal, in seconds.
TURN_POLL_S = 0.05


class ModelTurns:
    """How many model calls may run at once across the models sharing it: a server's
    (:class:`~translate.serving.host.ModelHost`), 1 on a CPU, whose every call already uses
    every core, a few on a GPU. However many jobs run at once (page visitors, API clients),
    the machine runs this many model calls; the others wait their turn, and a job whose stop
    is set leaves the wait."""

    def __init__(self, at_once: int) -> None:
        if at_once < 1:
            raise ValueError("at least one model call must be allowed at once")
        self.at_once = at_once
        self._free = threading.BoundedSemaphore(at_once)

    @contextmanager
    def turn(self, stop: StopSignal | None = None) -> Iterator[None]:
        """Hold one turn for the calls in the block; :class:`~translate.stopping.Cancelled`
        if ``stop`` is set before a turn comes."""
        while not self._free.acquire(timeout=TURN_POLL_S if stop is not None else None):
            raise_if_stopped(stop, "Stopped while waiting for the model; nothing was kept.")
        try:
            yield
        finally:
            self._free.release()


class _EngineSlot:
    """One model's engine, loaded on first use, once, even when threads ask together; shared
    by a model object and every view of it (:meth:`LazyModel._view`)."""

    def __init__(self, spec: ModelSpec, device: str, engine: str,
                 options: dict[str, object]) -> None:
        self.spec = spec
        self.device_request = device
        self.engine_name = engine
        self.engine_options = options  # compute_type, threads: the engine takes what it uses
        self.engine: Engine | None = None
        self.turns: ModelTurns | None = None  # None: calls are not bounded (a library user's)
        self._lock = threading.Lock()

    def load(self) -> Engine:
        if self.engine is None:
            with self._lock:
                if self.engine is None:  # a failed load leaves it empty: tried again next time
                    engine = create_engine(self.engine_name, self.spec, self.device_request,
                                           **self.engine_options)
                    self.spec = engine.spec  # the family and conventions, known once loaded
                    self.engine = engine
        return self.engine


class LazyModel:
    """Holds a model argument and loads its engine on first use, once.

    ``engine``: ``auto`` or a registered engine (checked now, not at first use);
    ``compute_type`` and ``threads``: the engine's settings (None: its defaults)."""

    task = "translation"

    def __init__(self, model: str | None, *, device: str, engine: str,
                 compute_type: str | None = None, threads: int | None = None) -> None:
        check_engine(engine)
        self._slot = _EngineSlot(resolve_spec(model, self.task), device, engine,
                                 {"compute_type": compute_type, "threads": threads})

    @property
    def spec(self) -> ModelSpec:
        return self._slot.spec

    @property
    def device_request(self) -> str:
        return self._slot.device_request

    @property
    def engine_name(self) -> str:
        return self._slot.engine_name

    @property
    def engine_options(self) -> dict[str, object]:
        """The engine settings from the configuration (compute_type, threads; None: default)."""
        return dict(self._slot.engine_options)

    def load(self) -> Engine:
        """Load the model now (it loads on first use anyway); the engine, loaded once."""
        return self._slot.load()

    @property
    def engine(self) -> Engine:
        return self._slot.load()

    @property
    def loaded(self) -> bool:
        return self._slot.engine is not None

    def share_turns(self, turns: ModelTurns) -> None:
        """Bound this model's calls (and every view's) with the other models sharing
        ``turns``."""
        self._slot.turns = turns

    def turn(self, stop: StopSignal | None = None) -> AbstractContextManager[None]:
        """Where one model call runs: a turn of the shared :class:`ModelTurns`, if any."""
        turns = self._slot.turns
        return nullcontext() if turns is None else turns.turn(stop)

    def _view(self: V) -> V:
        """A shallow copy sharing the engine (loaded or not): per-request settings changed on
        it never reload the model nor touch the original."""
        return copy.copy(self)

    def info(self) -> ModelInfo:
        engine = self._slot.engine
        return ModelInfo(name=self.spec.name, hub_id=self.spec.hub_id,
                         revision=self.spec.revision,
                         engine=engine.name if engine else self.engine_name,
                         device=engine.device if engine else self.device_request,
                         license=self.spec.license)
