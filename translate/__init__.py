"""vi2en: Vietnamese news in, English out.

    from translate import Pipeline
    result = Pipeline().run(text)
    result.translation, result.summary, result.paragraphs[0].sentences[0].flags

The names below load on first use, so that ``import translate.text`` stays light (no torch, no
transformers, none of the rest of the package).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

# Public name -> the module that defines it.
_EXPORTS = {
    "ModelError": "catalog",
    "ModelSpec": "catalog",
    "ModelUnavailableError": "catalog",
    "ParagraphResult": "pipeline",
    "Pipeline": "pipeline",
    "PipelineResult": "pipeline",
    "SentenceResult": "pipeline",
    "Summarizer": "summarizer",
    "Summary": "summarizer",
    "Translator": "translator",
}

__all__ = ["ModelError", "ModelSpec", "ModelUnavailableError", "ParagraphResult", "Pipeline",
           "PipelineResult", "SentenceResult", "Summarizer", "Summary", "Translator",
           "__version__"]

if TYPE_CHECKING:  # pragma: no cover
    from .catalog import ModelError, ModelSpec, ModelUnavailableError
    from .pipeline import ParagraphResult, Pipeline, PipelineResult, SentenceResult
    from .summarizer import Summarizer, Summary
    from .translator import Translator


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'translate' has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __all__
