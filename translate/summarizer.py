"""English summaries, map-reduce for texts longer than the model's window."""

from __future__ import annotations

import logging
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from tqdm.auto import tqdm

from . import text as vtext
from .config import DEFAULT_SUMMARY_LENGTH, SUMMARY_LENGTHS, ModelConfig
from .engines import GenerationOptions
from .errors import InputError
from .loading import BAR_FORMAT, LazyModel, ProgressCallback, model_identity
from .results import Flag
from .stopping import StopSignal, raise_if_stopped

logger = logging.getLogger(__name__)

_TOKENS_PER_WORD = 1.3
_MAX_ROUNDS = 8
# Shortest summary of one chunk worth asking for, in tokens.
_MIN_CHUNK_SUMMARY = 24
_CHUNK_BATCH = 4


@dataclass(frozen=True)
class Summary:
    """A summary and how it was made."""

    text: str
    note: str | None = None
    rounds: int = 0  # map-reduce rounds before the final pass
    chunks: int = 1  # pieces the input was cut into in the first round
    flags: tuple[Flag, ...] = ()  # checks against the text summarized (Pipeline.summarize)


def length_bounds(summary_length: str = DEFAULT_SUMMARY_LENGTH,
                  max_words: int | None = None) -> tuple[int, int]:
    """(min_new_tokens, max_new_tokens) for a length name or a word limit; min never above max."""
    if max_words is not None:
        if max_words < 1:
            raise InputError("max_words must be at least 1")
        high = max(4, math.ceil(max_words * _TOKENS_PER_WORD))
        return high // 2, high
    try:
        return SUMMARY_LENGTHS[summary_length]
    except KeyError:
        raise InputError(f"unknown summary length '{summary_length}'; "
                         f"choose from: {', '.join(SUMMARY_LENGTHS)}") from None


class Summarizer(LazyModel):
    """English text in, English summary out."""

    task = "summarization"

    def __init__(self, model: str | None = None, *, device: str = "auto",
                 engine: str = "auto", summary_length: str = DEFAULT_SUMMARY_LENGTH,
                 max_words: int | None = None, show_progress: bool = False,
                 compute_type: str | None = None, threads: int | None = None) -> None:
        super().__init__(model, device=device, engine=engine, compute_type=compute_type,
                         threads=threads)
        length_bounds(summary_length, max_words)  # fail early on a bad length
        self.summary_length = summary_length
        self.max_words = max_words
        self.options = GenerationOptions.from_mapping(self.spec.generation)
        self.show_progress = show_progress

    @classmethod
    def from_config(cls, config: ModelConfig, **runtime: Any) -> Summarizer:
        """The summarizer ``config`` describes; ``runtime``: show_progress."""
        return cls(config.summarizer, device=config.device, engine=config.engine,
                   summary_length=config.summary_length, max_words=config.max_words,
                   compute_type=config.compute_type, threads=config.threads, **runtime)

    def with_options(self, *, summary_length: str | None = None,
                     max_words: int | None = None) -> Summarizer:
        """A view with another summary length, sharing the loaded model."""
        if summary_length is None and max_words is None:
            return self
        length_bounds(summary_length or self.summary_length, max_words)  # a bad one fails here
        view = self._view()
        view.summary_length = summary_length or self.summary_length
        view.max_words = max_words if max_words is not None else self.max_words
        return view

    def settings(self) -> dict[str, str]:
        """The summarizer's part of a result's signature (``pipeline.make_signature``): the
        model's identity, its engine and precision (loads the model), the summary length (a
        word limit as ``120words``)."""
        engine = self.engine
        length = self.summary_length if self.max_words is None else f"{self.max_words}words"
        return {"summarizer": model_identity(self.spec), "summary_engine": engine.name,
                "summary_precision": engine.precision, "length": length}

    def summarize(self, text: str, *, summary_length: str | None = None,
                  max_words: int | None = None,
                  progress: ProgressCallback | None = None,
                  stop: StopSignal | None = None) -> Summary:
        """Summarize ``text``; a text already short enough comes back as is, with a note.

        ``progress(done, total)`` counts the model's parts of the work: each chunk of each
        map-reduce round, then the final pass (a round found needed adds its chunks to the
        total). It is called at the start and after each batch, and may raise to stop there.
        ``stop`` is checked before each batch of chunks (:class:`Cancelled` once set).
        """
        low, high = length_bounds(summary_length or self.summary_length,
                                  max_words if max_words is not None else self.max_words)
        sentences = vtext.english_sentences(text)
        if not sentences:
            return Summary("", note="nothing to summarize")
        words = sum(len(s.split()) for s in sentences)
        if words <= high / _TOKENS_PER_WORD:
            return Summary(" ".join(sentences),
                           note="the text is already about as short as the summary asked for; "
                                "returned as is")
        engine = self.engine
        window = engine.max_input_tokens
        rounds, first_chunks = 0, 1
        current = sentences
        parts = _Parts(progress, self.show_progress)
        while engine.count_tokens([" ".join(current)])[0] > window:
            chunks = self._chunks(current, window)
            first_chunks = first_chunks if rounds else len(chunks)
            parts.add(len(chunks))
            # Share the window among the chunks so that one round usually suffices; halve the
            # share on later rounds so the loop always shrinks the text.
            longest = SUMMARY_LENGTHS[DEFAULT_SUMMARY_LENGTH][1]
            share = min(longest, window // len(chunks)) // (2 ** rounds)
            partial = self._generate(chunks, low=0, high=max(_MIN_CHUNK_SUMMARY, share),
                                     done=parts.done, stop=stop)
            rounds += 1
            logger.info("summary round %d: %d chunks -> %d characters", rounds, len(chunks),
                        sum(map(len, partial)))
            current = vtext.english_sentences(" ".join(partial)) or partial
            if rounds >= _MAX_ROUNDS:
                raise RuntimeError(f"summary did not fit the model window after {rounds} rounds")
        joined = " ".join(current)
        input_tokens = engine.count_tokens([joined])[0]
        # A minimum above half the input would make the "summary" pad itself out.
        low = min(low, input_tokens // 2, high)
        summary = self._generate([joined], low=low, high=high, done=parts.done, stop=stop)[0]
        parts.close()
        note = (f"the text was longer than the model's window ({window} tokens): summarized in "
                f"{first_chunks} parts over {rounds} round(s), then condensed") if rounds else None
        return Summary(summary, note=note, rounds=rounds, chunks=first_chunks)

    def _chunks(self, sentences: list[str], window: int) -> list[str]:
        """Consecutive sentences packed into pieces that fit the window."""
        engine = self.engine
        # Leave room for special tokens and tokenization differences once joined.
        budget = max(8, window - 8)
        pieces: list[str] = []
        for sentence in sentences:
            pieces.extend(vtext.split_long(sentence, budget,
                                           lambda s: engine.count_tokens([s])[0]))
        counts = engine.count_tokens(pieces)
        chunks: list[str] = []
        current: list[str] = []
        used = 0
        for piece, count in zip(pieces, counts, strict=True):
            if current and used + count > budget:
                chunks.append(" ".join(current))
                current, used = [], 0
            current.append(piece)
            used += count
        if current:
            chunks.append(" ".join(current))
        return chunks

    def _generate(self, texts: list[str], *, low: int, high: int,
                  done: Callable[[int], None] = lambda n: None,
                  stop: StopSignal | None = None) -> list[str]:
        options = self.options.with_options(min_new_tokens=min(low, high), max_new_tokens=high)
        results: list[str] = []
        # Chunks are all about a window long, so small batches waste little on padding.
        for start in range(0, len(texts), _CHUNK_BATCH):
            batch = texts[start:start + _CHUNK_BATCH]
            raise_if_stopped(stop, "Stopped while summarizing; nothing was kept.")
            watch = {} if stop is None else {"stop": stop}
            with self.turn(stop):
                results.extend(self.engine.generate(batch, options, **watch))
            done(len(batch))
        return results


class _Parts:
    """The parts of one summary (chunks of each round, then the final pass), counted for a
    callback and a terminal's progress bar."""

    def __init__(self, progress: ProgressCallback | None, show: bool) -> None:
        self.progress = progress
        self.finished = 0
        self.total = 1  # the final pass
        self.bar = tqdm(total=1, unit="parts", desc="summarizing", leave=False,
                        bar_format=BAR_FORMAT, disable=not show)
        self._report()

    def add(self, parts: int) -> None:
        """A map-reduce round of this many chunks is needed."""
        self.total += parts
        self.bar.total = self.total
        self.bar.refresh()
        self._report()

    def done(self, parts: int) -> None:
        self.finished += parts
        self.bar.update(parts)
        self._report()

    def _report(self) -> None:
        if self.progress is not None:
            self.progress(self.finished, self.total)

    def close(self) -> None:
        self.bar.close()
