"""The batch pipeline, built in one place for the local job and for every Ray actor.

Both take a :class:`PipelineSettings` (plain values that travel to Ray's workers) and get the
same translator, sentence cache, checks and glossary from :class:`BatchPipeline`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ..config import ModelConfig
from .errors import BatchUsageError

if TYPE_CHECKING:  # loading models: imported when a pipeline is built
    from ..cache import SQLiteSentenceCache
    from ..glossary import Glossary
    from ..pipeline import Pipeline


@dataclass(frozen=True)
class PipelineSettings:
    """What a batch pipeline is made of (models, cache, checks, glossary), picklable."""

    models: ModelConfig = field(default_factory=ModelConfig)
    # The sentence cache file: "" for the default ($VI2EN_CACHE or the user's cache folder),
    # None for no cache.
    cache: str | None = ""
    check_quality: bool = True
    glossary: Glossary | None = None
    # Processes that run the checks while the next window translates: "auto" (up to 8 beside
    # a GPU, none on a CPU), or a count (0: in the job's own process).
    check_workers: int | str = "auto"


class BatchPipeline:
    """The pipeline of a batch job and its sentence cache, open until :meth:`close`.

    A cache that cannot be opened is a :class:`BatchUsageError` (one line for the user)."""

    def __init__(self, settings: PipelineSettings) -> None:
        from ..cache import CacheError, SQLiteSentenceCache
        from ..pipeline import Pipeline
        from ..translator import Translator

        self.settings = settings
        self.cache: SQLiteSentenceCache | None = None
        if settings.cache is not None:
            try:
                self.cache = SQLiteSentenceCache(settings.cache or None)
            except CacheError as exc:
                raise BatchUsageError(f"{exc} (use --no-cache or --cache PATH)") from None
        try:
            models = settings.models
            self.pipeline: Pipeline = Pipeline.from_config(
                models, translator=Translator.from_config(models, cache=self.cache),
                check_quality=settings.check_quality, glossary=settings.glossary,
                check_workers=settings.check_workers)
        except BaseException:
            self.close()
            raise

    def close(self) -> None:
        """Stop the check workers and close the cache (models stay loaded)."""
        pipeline = getattr(self, "pipeline", None)
        if pipeline is not None:
            pipeline.close()
        if self.cache is not None:
            self.cache.close()
            self.cache = None

    def __enter__(self) -> BatchPipeline:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
