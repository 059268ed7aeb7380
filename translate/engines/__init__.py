"""Engines behind one small interface; import this package to get the registry filled."""

from __future__ import annotations

import importlib.util
import logging
from typing import Any

from .base import Engine, GenerationOptions, engine_class, engine_names, register_engine

# Importing registers the engines; the heavy imports (torch, ctranslate2) happen on load.
from . import transformers_engine  # noqa: E402,F401  isort: skip
from . import ctranslate2_engine  # noqa: E402,F401  isort: skip

__all__ = ["Engine", "GenerationOptions", "engine_class", "engine_names", "register_engine",
           "create_engine", "ENGINE_CHOICES"]

logger = logging.getLogger(__name__)

ENGINE_CHOICES = ("auto", "transformers", "ctranslate2")


def create_engine(name: str, spec, device: str = "auto", **options: Any) -> Engine:
    """Load ``spec`` with the named engine; ``auto`` picks one (see :func:`auto_engine`)."""
    if name == "auto":
        return auto_engine(spec, device)
    return engine_class(name)(spec, device, **options)


def auto_engine(spec, device: str = "auto") -> Engine:
    """CTranslate2 when it is installed and the model has (or gets) a converted copy.

    The first use of a model converts it, with a one-line notice; a model CTranslate2 cannot
    convert or load runs with transformers instead, and the log says why.
    """
    from ..catalog import ModelUnavailableError

    if importlib.util.find_spec("ctranslate2") is None:
        return engine_class("transformers")(spec, device)
    try:
        return engine_class("ctranslate2")(spec, device)
    except ModelUnavailableError:
        raise  # transformers would not find the model either
    except Exception as exc:  # unsupported architecture, failed conversion, no GPU build...
        logger.warning("CTranslate2 cannot run %s (%s: %s); using transformers", spec.name,
                       type(exc).__name__, str(exc).splitlines()[0] if str(exc) else "")
        logger.debug("CTranslate2 failure", exc_info=True)
        return engine_class("transformers")(spec, device)
