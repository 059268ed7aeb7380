"""The models a server offers: one shared pipeline per translation model, loaded on first use,
once, and cheap per-request views over them. The web page and the REST API share one pool.

Only the server's list of models (``ModelConfig.model`` first, then the extra ``models``) is
offered or ever loaded: on a public server each model costs disk, memory and load time. Each
is known by a key that never shows a local path (a directory is known by its folder name).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TypeVar

from .catalog import ModelError, ModelSpec, ModelUnavailableError, local_path, presets, resolve_spec
from .config import ModelConfig
from .loading import ModelTurns
from .pipeline import Pipeline
from .summarizer import Summarizer
from .translator import Translator

logger = logging.getLogger(__name__)

T = TypeVar("T")


@dataclass(frozen=True)
class OfferedModel:
    """A translation model on the server's list."""

    key: str  # what visitors and API clients name it by: never a local path
    argument: str | None  # what the translator is given: preset, Hub id or directory
    label: str


def _identity(spec: ModelSpec) -> str:
    """What makes two model arguments the same model (a preset named by its Hub id is it)."""
    if spec.local_path is not None:
        return f"dir:{spec.local_path}"
    return f"preset:{spec.name}" if spec.name in presets("translation") else f"hub:{spec.hub_id}"


def _label(key: str, spec: ModelSpec, *, default: bool) -> str:
    """A menu's text: name, license (⚠ when restricted), size, where it comes from."""
    if spec.local_path is not None:
        parts = [key, "local model", spec.license or "license unknown"]
    elif spec.name in presets("translation"):
        parts = [key, spec.license or "license unknown"]
    else:
        parts = [key, "Hub model", spec.license or "license unknown"]
    if spec.params:
        parts.append(spec.params)
    label = " · ".join(parts)
    if spec.restricted:
        label += f" ⚠ restricted: {spec.restricted}"
    if default:
        label += " (server default)"
    elif local_path(spec) is None:
        label += " (downloads on first use)"
    return label


def guarded_load(load: Callable[[], T], what: str) -> T:
    """Load a model; a failure reaches the visitor as one line without the server's paths
    (loaders name the files they could not read), the detail goes to the log."""
    try:
        return load()
    except ModelUnavailableError:
        raise  # names the model and how to fetch it; no path
    except Exception:
        logger.exception("the %s failed to load", what)
        raise ModelError(f"the {what} could not be loaded; the details are in the server "
                         "log") from None


class ModelPool:
    """Pipelines by translation model, each created once and loaded on first use, once; all
    share one summarizer. Per-request views over them (beams, summary length, batching) are
    made by :class:`~translate.serving.host.ModelHost`: never a reload, never mixed."""

    def __init__(self, config: ModelConfig, models: Sequence[str] = (), *,
                 turns: ModelTurns | None = None) -> None:
        self.config = config
        # Shared by every model of the pool: a server's bound on model calls at once.
        self.turns = turns
        self.default = Pipeline.from_config(config)
        if turns is not None:
            self.default.translator.share_turns(turns)
            self.default.summarizer.share_turns(turns)
        self.offered = self._offered(tuple(models))
        self.default_key = self.offered[0].key
        self.choices = [(m.label, m.key) for m in self.offered]
        self._by_key = {m.key: m for m in self.offered}
        self._pipelines: dict[str, Pipeline] = {self.default_key: self.default}
        self._lock = threading.Lock()  # guards the dict

    def _offered(self, models: tuple[str, ...]) -> list[OfferedModel]:
        """The configured model first, then each other model of the list, once."""
        arguments: list[str | None] = [self.config.model, *models]
        specs = [self.default.translator.spec, *(resolve_spec(a, "translation") for a in models)]
        offered: list[OfferedModel] = []
        seen: set[str] = set()
        for argument, spec in zip(arguments, specs, strict=True):
            identity = _identity(spec)
            if identity in seen:
                continue
            seen.add(identity)
            key, taken = spec.name, {m.key for m in offered}
            number = 2
            while key in taken:  # two folders of the same name, or one named like a preset
                key, number = f"{spec.name} ({number})", number + 1
            offered.append(OfferedModel(key=key, argument=argument,
                                        label=_label(key, spec, default=not offered)))
        return offered

    def pipeline(self, model: str | None) -> Pipeline:
        """The shared pipeline for a model of the server's list, its translator loaded."""
        key = model or self.default_key
        offered = self._by_key.get(key)
        if offered is None:
            shown = key if len(key) <= 60 else key[:57] + "…"
            raise ModelError(f"'{shown}' is not one of this server's models (it offers: "
                             f"{', '.join(self._by_key)})")
        what = f"translation model '{key}'"
        with self._lock:
            pipeline = self._pipelines.get(key)
            if pipeline is None:
                # Reading the folder's config.json can fail too: one line, without its path.
                translator = guarded_load(lambda: Translator.from_config(
                    self.config.with_options(model=offered.argument)), what)
                if self.turns is not None:
                    translator.share_turns(self.turns)
                pipeline = Pipeline(translator=translator, summarizer=self.config.summarizer,
                                    device=self.config.device, engine=self.config.engine)
                pipeline.summarizer = self.default.summarizer  # one summarizer for all
                self._pipelines[key] = pipeline
        guarded_load(pipeline.translator.load, what)  # once; a failed load is tried again
        return pipeline

    def translator_loaded(self, model: str | None) -> bool:
        pipeline = self._pipelines.get(model or self.default_key)
        return pipeline is not None and pipeline.translator.loaded

    def summarizer(self, summary_length: str | None = None) -> Summarizer:
        """The shared summarizer, loaded, with this request's summary length."""
        shared = self.default.summarizer
        guarded_load(shared.load, f"summarization model '{shared.spec.name}'")
        return shared.with_options(summary_length=summary_length or None)

    def summarizing(self, summary_length: str | None = None) -> Pipeline:
        """The default pipeline, its summarizer loaded, for summarizing English text."""
        self.summarizer()
        return self.default.with_options(summary_length=summary_length or None)
