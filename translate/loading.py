"""A model argument held until first use, then loaded once."""

from __future__ import annotations

from dataclasses import dataclass

from .catalog import ModelSpec, resolve_spec
from .engines import Engine, create_engine


@dataclass(frozen=True)
class ModelInfo:
    """What produced a result: recorded in every result."""

    name: str
    hub_id: str | None
    revision: str | None
    engine: str
    device: str
    license: str | None = None

    def to_dict(self) -> dict[str, str | None]:
        return {"name": self.name, "hub_id": self.hub_id, "revision": self.revision,
                "engine": self.engine, "device": self.device, "license": self.license}


class LazyModel:
    """Holds a model argument and loads its engine on first use, once."""

    task = "translation"

    def __init__(self, model: str | None, *, device: str, engine: str) -> None:
        self.spec: ModelSpec = resolve_spec(model, self.task)
        self.device_request = device
        self.engine_name = engine
        self._engine: Engine | None = None

    @property
    def engine(self) -> Engine:
        if self._engine is None:
            self._engine = create_engine(self.engine_name, self.spec, self.device_request)
            self.spec = self._engine.spec
        return self._engine

    @property
    def loaded(self) -> bool:
        return self._engine is not None

    def info(self) -> ModelInfo:
        engine = self._engine
        return ModelInfo(name=self.spec.name, hub_id=self.spec.hub_id,
                         revision=self.spec.revision,
                         engine=engine.name if engine else self.engine_name,
                         device=engine.device if engine else self.device_request,
                         license=self.spec.license)
