"""The values every layer passes around: a check's :class:`Flag` and the pipeline's results.

No logic and no imports from the package: checks, glossary, pipeline, batch and front ends
all use these without depending on each other.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .loading import ModelInfo

__all__ = ["Flag", "ParagraphResult", "PipelineResult", "ScoredText", "SentenceResult"]


@dataclass(frozen=True)
class Flag:
    """One problem found by a check: a machine kind, one human-readable line, and where in the
    Vietnamese sentence the problem lies (character offsets [start, end) of ``source``), if known.

    ``kind`` is a :class:`~translate.checks.kinds.FlagKind` (a ``str``; not imported here, since
    the checks import this module), or its plain string when read back from JSON."""

    kind: str
    detail: str
    span: tuple[int, int] | None = None

    def to_dict(self) -> dict[str, Any]:
        """Plain dict for JSON output (``span`` only when known)."""
        out: dict[str, Any] = {"kind": str(self.kind), "detail": self.detail}
        if self.span is not None:
            out["span"] = list(self.span)
        return out


@dataclass(frozen=True)
class ScoredText:
    """A translation model's output and its sentence score: the mean log-probability of the
    output's tokens (natural log, at most 0; nearer 0 when the model was surer), or None when
    unknown (a cache entry from before scores were kept)."""

    text: str
    score: float | None = None


@dataclass
class SentenceResult:
    source: str
    translation: str
    flags: list[Flag] = field(default_factory=list)
    score: float | None = None  # see ScoredText; None when no model translated it

    def to_dict(self) -> dict[str, Any]:
        score = None if self.score is None else round(self.score, 4)
        return {"source": self.source, "translation": self.translation, "score": score,
                "flags": [f.to_dict() for f in self.flags]}


@dataclass
class ParagraphResult:
    sentences: list[SentenceResult]

    @property
    def source(self) -> str:
        return " ".join(s.source for s in self.sentences)

    @property
    def translation(self) -> str:
        return " ".join(s.translation for s in self.sentences if s.translation)

    def to_dict(self) -> dict[str, Any]:
        return {"sentences": [s.to_dict() for s in self.sentences]}


@dataclass
class PipelineResult:
    """Everything a front end shows: text, per-sentence detail, flags, models, timings."""

    source: str
    paragraphs: list[ParagraphResult]
    models: dict[str, ModelInfo]
    timings: dict[str, float] = field(default_factory=dict)
    summary: str | None = None
    summary_note: str | None = None
    summary_flags: list[Flag] = field(default_factory=list)

    @property
    def translation(self) -> str:
        """The English, one paragraph per source paragraph."""
        return "\n\n".join(p.translation for p in self.paragraphs)

    @property
    def sentences(self) -> list[SentenceResult]:
        return [s for p in self.paragraphs for s in p.sentences]

    @property
    def flag_count(self) -> int:
        return sum(len(s.flags) for s in self.sentences) + len(self.summary_flags)

    def to_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "translation": self.translation,
            "summary": self.summary,
            "summary_note": self.summary_note,
            "summary_flags": [f.to_dict() for f in self.summary_flags],
            "paragraphs": [p.to_dict() for p in self.paragraphs],
            "models": {task: info.to_dict() for task, info in self.models.items()},
            "timings": {k: round(v, 4) for k, v in self.timings.items()},
        }

    def to_json(self, indent: int | None = 2) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=indent)
