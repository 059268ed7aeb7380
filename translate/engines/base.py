"""The engine interface: one loaded seq2seq model that turns a batch of texts into outputs.

An engine hides the runtime (transformers, CTranslate2) and the model family's conventions
(input prefixes, source language, target language token, output prefixes, Pegasus's ``<n>``).
Everything above it (batching, splitting, caching, quality checks) is shared by all engines.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, replace
from typing import Any

from ..catalog import ModelSpec
from ..config import SettingError
from ..results import ScoredText
from ..stopping import StopSignal

_ENGINES: dict[str, type[Engine]] = {}


@dataclass(frozen=True)
class GenerationOptions:
    """Decoding settings for one generate call."""

    num_beams: int = 4
    max_new_tokens: int = 256
    min_new_tokens: int = 0
    no_repeat_ngram_size: int = 0
    repetition_penalty: float = 1.0
    length_penalty: float = 1.0

    def with_options(self, **changes: Any) -> GenerationOptions:
        return replace(self, **changes)

    def signature(self) -> str:
        """A compact record of the settings, for caches and result metadata."""
        return "|".join(f"{k}={v}" for k, v in asdict(self).items())

    @classmethod
    def from_mapping(cls, values: dict[str, Any]) -> GenerationOptions:
        known = {k: v for k, v in values.items() if k in cls.__dataclass_fields__}
        return cls(**known)


class Engine(ABC):
    """A loaded model. Subclasses register with :func:`register_engine`."""

    name: str = ""
    # The ModelConfig settings (compute_type, threads) this engine's constructor takes;
    # create_engine gives an engine only those.
    config_options: frozenset[str] = frozenset()

    def __init__(self, spec: ModelSpec, device: str = "auto") -> None:
        self.spec = spec
        self.requested_device = device

    @property
    @abstractmethod
    def device(self) -> str:
        """The device actually used ("cpu", "cuda")."""

    @property
    def max_input_tokens(self) -> int:
        return self.spec.max_input_tokens

    @property
    def precision(self) -> str:
        """Numeric format the model runs in ("float32", "int8", ...): it changes outputs."""
        return "float32"

    @property
    def identity(self) -> str:
        """Engine, device and precision: what besides the model decides the exact output."""
        return f"{self.name}/{self.device}/{self.precision}"

    @abstractmethod
    def encode(self, texts: Sequence[str]) -> list[list[int]]:
        """Model token ids of each text, conventions (prefix, special tokens) included.

        Callers tokenize once and hand the ids back to :meth:`generate`.
        """

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        """Input length of each text in model tokens, conventions (prefix) included."""
        return [len(ids) for ids in self.encode(texts)]

    def generate(self, texts: Sequence[str], options: GenerationOptions, *,
                 token_ids: Sequence[Sequence[int]] | None = None,
                 stop: StopSignal | None = None) -> list[str]:
        """One output per input text, in order, with the family's conventions undone.

        ``token_ids``, when given, are :meth:`encode`'s ids of ``texts``; the texts are then
        not tokenized again. ``stop`` is looked at while decoding where the runtime allows it
        (every step; CTranslate2 only in greedy decoding): once it is set the call ends early
        and raises :class:`~translate.stopping.Cancelled`, returning nothing.
        """
        return [out.text for out in self._generate(texts, options, token_ids, scores=False,
                                                   stop=stop)]

    def generate_scored(self, texts: Sequence[str], options: GenerationOptions, *,
                        token_ids: Sequence[Sequence[int]] | None = None,
                        stop: StopSignal | None = None) -> list[ScoredText]:
        """:meth:`generate`, each output with the model's score for it: the mean
        log-probability of the output tokens the search chose (what the translation checks
        compare across a document's sentences)."""
        return self._generate(texts, options, token_ids, scores=True, stop=stop)

    def generate_hypotheses(self, texts: Sequence[str], options: GenerationOptions,
                            count: int, *, token_ids: Sequence[Sequence[int]] | None = None,
                            stop: StopSignal | None = None) -> list[list[str]]:
        """The ``count`` best outputs of each text (n-best from the beam, best first; the
        beam is widened to ``count`` when narrower), conventions undone."""
        raise NotImplementedError(f"the {self.name} engine gives one output per text")

    @abstractmethod
    def _generate(self, texts: Sequence[str], options: GenerationOptions,
                  token_ids: Sequence[Sequence[int]] | None, *,
                  scores: bool, stop: StopSignal | None = None) -> list[ScoredText]:
        """The outputs of :meth:`generate`, with scores when ``scores`` (else None)."""


class HFTokenizerEngine(Engine):
    """An engine that tokenizes with the model's own Hugging Face tokenizer.

    Subclasses set ``tokenizer`` and ``_positions`` (the model's learned position limit, or
    None for relative positions) while loading.
    """

    tokenizer: Any
    _positions: int | None = None

    @property
    def max_input_tokens(self) -> int:
        limit = self.spec.max_input_tokens
        return min(limit, self._positions) if self._positions else limit

    def bounded_new_tokens(self, requested: int) -> int:
        """Output length a model with learned positions can actually write."""
        return min(requested, self._positions - 2) if self._positions else requested

    def _inputs(self, texts: Sequence[str]) -> list[str]:
        prefix = self.spec.conventions.input_prefix
        return [prefix + text for text in texts]

    def encode(self, texts: Sequence[str]) -> list[list[int]]:
        if not texts:
            return []
        # One batched call: a fast tokenizer encodes the whole list in Rust at once.
        return self.tokenizer(self._inputs(texts), add_special_tokens=True)["input_ids"]

    def token_ids(self, texts: Sequence[str],
                  token_ids: Sequence[Sequence[int]] | None) -> Sequence[Sequence[int]]:
        """The caller's ids of ``texts`` when it has them, else a fresh encoding."""
        if token_ids is None:
            return self.encode(texts)
        if len(token_ids) != len(texts):
            raise ValueError(f"{len(token_ids)} token id lists for {len(texts)} texts")
        return token_ids


def register_engine(name: str) -> Callable[[type[Engine]], type[Engine]]:
    """Class decorator adding an engine to the registry under ``name``."""

    def decorate(cls: type[Engine]) -> type[Engine]:
        cls.name = name
        _ENGINES[name] = cls
        return cls

    return decorate


def engine_names() -> list[str]:
    """The registered engines: with ``auto``, the choices of every front end."""
    return sorted(_ENGINES)


def engine_class(name: str) -> type[Engine]:
    """The engine registered as ``name``; an unknown name is the user's to fix."""
    try:
        return _ENGINES[name]
    except KeyError:
        valid = ", ".join(["auto", *engine_names()])
        raise SettingError(f"unknown engine '{name}'; choose from: {valid}") from None


def clean_output(text: str, spec: ModelSpec) -> str:
    """Undo a family's output conventions on decoded text."""
    conventions = spec.conventions
    if conventions.newline_token:
        text = "\n".join(line.strip() for line in text.split(conventions.newline_token))
    text = text.strip()
    prefix = conventions.output_prefix.strip()
    if prefix and text.lower().startswith(prefix.lower()):
        text = text[len(prefix):].lstrip()
    return text
