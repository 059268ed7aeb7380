"""One model configuration for every front end and job: which models, where, how.

Every way of starting vi2en (the CLI, the web page and its API, a batch job, a Ray actor,
``vi2en eval``) builds its :class:`~translate.pipeline.Pipeline` from a :class:`ModelConfig`,
so a setting has one name, one default and one place where the environment is read.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from typing import Any

DEVICES = ("auto", "cpu", "cuda")
ENGINES = ("auto", "transformers", "ctranslate2")
SUMMARY_LENGTHS = ("short", "medium", "long")
# How long a server's first waiting sentence waits for other requests' sentences to share its
# batch (seconds): a few milliseconds cost one request little and let many share a batch.
DEFAULT_WINDOW_S = 0.005
# How long one request to a server (page or API) may take, waiting included, before it is
# stopped and refused: the whole default limit of 100,000 characters with a real-size model on a
# 2-core CPU takes a few minutes.
DEFAULT_TIME_LIMIT_S = 600.0

# Environment variables that give a setting its default (the CLI's options override them).
ENVIRONMENT = {
    "model": "VI2EN_MODEL",
    "summarizer": "VI2EN_SUMMARIZER",
    "device": "VI2EN_DEVICE",
    "engine": "VI2EN_ENGINE",
    "compute_type": "VI2EN_COMPUTE_TYPE",
}


@dataclass(frozen=True)
class ModelConfig:
    """The models and how they run. ``None`` means the catalog's or the engine's default."""

    model: str | None = None
    summarizer: str | None = None
    device: str = "auto"
    engine: str = "auto"
    beams: int | None = None
    summary_length: str = "medium"
    max_words: int | None = None
    compute_type: str | None = None
    threads: int | None = None

    def __post_init__(self) -> None:
        if self.device.partition(":")[0] not in DEVICES:
            raise ValueError(f"unknown device '{self.device}'; use one of {', '.join(DEVICES)}")
        if self.engine not in ENGINES:
            raise ValueError(f"unknown engine '{self.engine}'; use one of {', '.join(ENGINES)}")
        if self.summary_length not in SUMMARY_LENGTHS:
            raise ValueError(f"unknown summary length '{self.summary_length}'; "
                             f"use one of {', '.join(SUMMARY_LENGTHS)}")
        for name in ("beams", "max_words", "threads"):
            value = getattr(self, name)
            if value is not None and value < 1:
                raise ValueError(f"{name} must be at least 1 (got {value})")

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **settings: Any) -> ModelConfig:
        """Defaults from ``VI2EN_*`` variables, then ``settings`` (``None`` values ignored)."""
        environ = os.environ if environ is None else environ
        values: dict[str, Any] = {key: environ[var] for key, var in ENVIRONMENT.items()
                                  if environ.get(var)}
        values.update({k: v for k, v in settings.items() if v is not None})
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(values) - known)
        if unknown:
            raise TypeError(f"unknown ModelConfig setting(s): {', '.join(unknown)}")
        return cls(**values)

    def with_(self, **changes: Any) -> ModelConfig:
        """A copy with some settings changed (``None`` values ignored)."""
        return replace(self, **{k: v for k, v in changes.items() if v is not None})
