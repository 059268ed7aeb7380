"""Engines behind one small interface; import this package to get the registry filled."""

from __future__ import annotations

from .base import Engine, GenerationOptions, engine_class, engine_names, register_engine

# Importing registers the engine; the heavy imports (torch, transformers) happen on load.
from . import transformers_engine  # noqa: E402,F401  isort: skip

__all__ = ["Engine", "GenerationOptions", "engine_class", "engine_names", "register_engine",
           "create_engine"]


def create_engine(name: str, spec, device: str = "auto") -> Engine:
    """Load ``spec`` with the named engine."""
    return engine_class(name)(spec, device)
