"""The values every layer passes around: a check's :class:`Flag` and the pipeline's results.

No logic and no imports from the package: checks, glossary, pipeline, batch and front ends
all use these without depending on each other.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

__all__ = ["Flag", "ModelInfo", "ParagraphResult", "PipelineResult", "ScoredText", "SentenceResult",
           "Signature"]


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


# The signature's keys, in the order its line is written: what decides a result's text.
SIGNATURE_KEYS = ("model", "engine", "precision", "beams", "summarizer", "summary_engine",
                  "summary_precision", "length", "glossary", "checks", "version")
# The keys a summary adds to its translation's signature (taken off with the summary).
SUMMARY_KEYS = ("summarizer", "summary_engine", "summary_precision", "length")


@dataclass(frozen=True)
class Signature:
    """How a result was made, after sacrebleu's signature: ``str()`` is the compact line
    (``model:opus-mt-vi-en@1a2b|engine:ctranslate2|precision:int8|beams:4|…``), :meth:`to_dict`
    the values behind it, :meth:`parse` reads a line back. Keys that do not apply (no summary:
    no ``summarizer``, ``length``) are left out. Built by ``pipeline.make_signature`` only."""

    values: tuple[tuple[str, str], ...] = ()

    @classmethod
    def of(cls, **values: str | None) -> Signature:
        """From ``SIGNATURE_KEYS`` values (None: does not apply), kept in the keys' order."""
        unknown = set(values) - set(SIGNATURE_KEYS)
        if unknown:
            raise ValueError(f"unknown signature key(s): {', '.join(sorted(unknown))}")
        return cls(tuple((k, str(values[k])) for k in SIGNATURE_KEYS
                         if values.get(k) is not None))

    @classmethod
    def parse(cls, line: str) -> Signature:
        """A line written by ``str()`` back into its values; ValueError if it is not one."""
        pairs: list[tuple[str, str]] = []
        for part in line.split("|") if line else ():
            key, colon, value = part.partition(":")
            if not colon or key not in SIGNATURE_KEYS:
                raise ValueError(f"not a vi2en signature: {line[:200]!r}")
            pairs.append((key, _unescape(value)))
        return cls(tuple(pairs))

    def to_dict(self) -> dict[str, str]:
        return dict(self.values)

    def __str__(self) -> str:
        return "|".join(f"{k}:{_escape(v)}" for k, v in self.values)

    def without(self, *keys: str) -> Signature:
        """The same signature less some keys (a summary taken off its translation)."""
        return Signature(tuple((k, v) for k, v in self.values if k not in keys))

    def differences(self, other: Signature, *, ignore: tuple[str, ...] = ()) -> list[str]:
        """The keys whose values differ (one side may lack a key), in the keys' order."""
        mine, theirs = self.to_dict(), other.to_dict()
        return [k for k in SIGNATURE_KEYS
                if k not in ignore and mine.get(k) != theirs.get(k)]


def _escape(value: str) -> str:
    # A folder path may hold the separators: escaped so that parse() gives it back exactly.
    return value.replace("%", "%25").replace("|", "%7C")


def _unescape(value: str) -> str:
    return re.sub("%(25|7C)", lambda m: "%" if m.group(1) == "25" else "|", value)


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
    """Everything a front end shows: text, per-sentence detail, flags, models, timings, and the
    signature of the settings that made it."""

    source: str
    paragraphs: list[ParagraphResult]
    models: dict[str, ModelInfo]
    timings: dict[str, float] = field(default_factory=dict)
    summary: str | None = None
    summary_note: str | None = None
    summary_flags: list[Flag] = field(default_factory=list)
    signature: Signature = field(default_factory=Signature)  # the settings that made it

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
            "signature": str(self.signature),
            "signature_info": self.signature.to_dict(),
        }

    def to_json(self, indent: int | None = 2) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=indent)
