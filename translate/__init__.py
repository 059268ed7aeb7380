"""vi2en: Vietnamese news in, English out.

    from translate import Pipeline
    result = Pipeline().run(text)
    result.translation, result.summary, result.paragraphs[0].sentences[0].flags
"""

from __future__ import annotations

__version__ = "0.1.0"

from .catalog import ModelError, ModelSpec, ModelUnavailableError  # noqa: E402
from .pipeline import ParagraphResult, Pipeline, PipelineResult, SentenceResult  # noqa: E402
from .summarizer import Summarizer, Summary  # noqa: E402
from .translator import Translator  # noqa: E402

__all__ = ["ModelError", "ModelSpec", "ModelUnavailableError", "ParagraphResult", "Pipeline",
           "PipelineResult", "SentenceResult", "Summarizer", "Summary", "Translator",
           "__version__"]
