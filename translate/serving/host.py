"""The server's models, shared by every door: :class:`ModelHost`, built once by ``vi2en serve``
(and ``python ui.py``) and handed to the web page and the REST API alike.

It owns the model pool (each translation model of ``--models`` loaded once, on first use), one
request batcher per loaded model, the bound on model calls at once (``--concurrency``: 1 on a
CPU), and the per-request view of a model (beams, summary length, whether sentence checks run)
translated through that model's batcher, so a page visitor's sentences and API clients' share
model calls.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from dataclasses import dataclass

from ..config import DEFAULT_WINDOW_S, ModelConfig
from ..engines import model_calls_at_once
from ..loading import ModelTurns
from ..model_pool import ModelPool
from ..pipeline import Pipeline
from ..request_batcher import RequestBatcher
from ..service import TranslationService
from ..summarizer import Summarizer

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class BatchingOptions:
    """How requests share model calls (``vi2en serve --batch-window``)."""

    window_s: float = DEFAULT_WINDOW_S  # 0: batching off, one request at a time
    max_batch: int | None = None  # sentences per model call; None: the translator's own


class ModelHost:
    """Translation and summarization for every client of one server, over shared models."""

    def __init__(self, config: ModelConfig, models: Sequence[str] = (), *,
                 batching: BatchingOptions | None = None,
                 model_calls: int | None = None) -> None:
        # However many jobs run at once (page visitors and API clients alike), the machine
        # runs this many model calls: each model's batcher makes one at a time, and the
        # summarizer's wait their turn with them. None: chosen from the device.
        self.turns = ModelTurns(model_calls or model_calls_at_once(config.device))
        self.pool = ModelPool(config, models, turns=self.turns)
        self.batching = batching or BatchingOptions()
        self._batchers: dict[str, RequestBatcher] = {}
        self._lock = threading.Lock()  # guards the dict

    # -- what the server offers -------------------------------------------------------------------
    @property
    def config(self) -> ModelConfig:
        return self.pool.config

    @property
    def choices(self) -> list[tuple[str, str]]:
        """The translation models a visitor may choose: (label, key), the default first."""
        return self.pool.choices

    @property
    def default_key(self) -> str:
        return self.pool.default_key

    def translator_loaded(self, model: str | None = None) -> bool:
        return self.pool.translator_loaded(model)

    @property
    def summarizer_loaded(self) -> bool:
        return self.pool.default.summarizer.loaded

    # -- per request -------------------------------------------------------------------------------
    def batcher(self, model: str | None = None) -> RequestBatcher:
        """The request batcher of a model of the list (made with its pipeline, loaded)."""
        key = model or self.default_key
        shared = self.pool.pipeline(key)  # refuses a model not on the list; loads it once
        with self._lock:
            batcher = self._batchers.get(key)
            if batcher is None:
                batcher = RequestBatcher(shared.translator, window_s=self.batching.window_s,
                                         max_batch=self.batching.max_batch)
                self._batchers[key] = batcher
        return batcher

    def pipeline(self, model: str | None = None, *, beams: float | None = None,
                 summary_length: str | None = None, checks: bool = True) -> Pipeline:
        """The shared pipeline of ``model`` with this request's settings, its translations
        batched with every other request's for that model: the one per-request view, for
        the page and the API alike. ``checks=False``: no sentence checks (a caller that
        does not return them); True: as the server runs them."""
        batcher = self.batcher(model)
        return self.pool.pipeline(model).with_options(
            beams=int(beams) if beams else None, summary_length=summary_length or None,
            checks=None if checks else False, batcher=batcher)

    def service(self, model: str | None = None, *, beams: float | None = None,
                summary_length: str | None = None,
                checks: bool = True) -> TranslationService:
        """Texts, documents and articles translated over :meth:`pipeline`."""
        return TranslationService(self.pipeline(model, beams=beams,
                                                summary_length=summary_length, checks=checks))

    def summarizer(self, summary_length: str | None = None) -> Summarizer:
        """The shared summarizer, loaded, with this request's summary length."""
        return self.pool.summarizer(summary_length)

    def summarizing(self, summary_length: str | None = None) -> Pipeline:
        """The default pipeline, its summarizer loaded, for summarizing English text."""
        return self.pool.summarizing(summary_length)

    # -- start-up ----------------------------------------------------------------------------------
    def preload(self, *, summarizer: bool = False) -> None:
        """Load the default translation model (and the summarizer) now rather than on the
        first request (``vi2en serve --preload``)."""
        self.batcher(None)
        if summarizer:
            self.pool.summarizer()
        logger.info("models loaded")
