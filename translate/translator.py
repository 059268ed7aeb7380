"""Sentence translation over an engine: dedupe, split what is too long, batch by length."""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Sequence
from typing import Any, Protocol

from tqdm.auto import tqdm

from . import text as vtext
from .config import ModelConfig
from .engines import GenerationOptions
from .loading import BAR_FORMAT, LazyModel, ProgressCallback, model_identity
from .results import ScoredText
from .stopping import Cancelled, StopSignal, raise_if_stopped

logger = logging.getLogger(__name__)


# Output length bound, relative to the input: English from Vietnamese rarely needs more than
# twice the source's tokens; the margin covers very short inputs.
_OUTPUT_RATIO = 2.0
_OUTPUT_MARGIN = 16
# Batch limits by device. On a CPU, batches beyond ~32 sentences stop paying (and beam search
# multiplies memory), but an article's 18-30 sentences of up to ~120 tokens should go in one
# call: a straggler batch of two sentences costs nearly as much as one of sixteen. A GPU only
# fills up with tens of thousands of tokens per call (measured on an H200: 1,024 sentences per
# call gave 1.4x the rate of 256).
_BATCH_TOKENS = {"cpu": 4096, "cuda": 65536}
_MAX_BATCH = {"cpu": 32, "cuda": 1024}


class SentenceCache(Protocol):
    """Where translations of whole sentences (and their scores) can be remembered across runs."""

    def get_many(self, sentences: Sequence[str], signature: str) -> dict[str, ScoredText]: ...

    def put_many(self, translations: dict[str, ScoredText], signature: str) -> None: ...


class SentenceBatcher(Protocol):
    """How a translator's calls are run when it is given one: a server's request batcher
    (:class:`~translate.request_batcher.RequestBatcher`) joins them with other callers'
    sentences in shared model calls. It calls an unbatched translator itself."""

    def translate_scored(self, sentences: Sequence[str], *,
                         options: GenerationOptions | None = None,
                         progress: ProgressCallback | None = None,
                         stop: StopSignal | None = None) -> list[ScoredText]: ...


class Translator(LazyModel):
    """Vietnamese sentences in, English sentences out, one for one."""

    task = "translation"

    def __init__(self, model: str | None = None, *, device: str = "auto",
                 engine: str = "auto", beams: int | None = None,
                 batch_tokens: int | None = None, max_batch_size: int | None = None,
                 cache: SentenceCache | None = None, show_progress: bool = False,
                 compute_type: str | None = None, threads: int | None = None) -> None:
        super().__init__(model, device=device, engine=engine, compute_type=compute_type,
                         threads=threads)
        base = GenerationOptions.from_mapping(self.spec.generation)
        self.options = base.with_options(num_beams=beams) if beams else base
        self._batch_tokens = batch_tokens
        self._max_batch_size = max_batch_size
        self.cache = cache
        self.show_progress = show_progress
        # The batching strategy (None: this translator calls its engine itself).
        self.batcher: SentenceBatcher | None = None

    @classmethod
    def from_config(cls, config: ModelConfig, **runtime: Any) -> Translator:
        """The translator ``config`` describes; ``runtime``: cache, show_progress, batching."""
        return cls(config.model, device=config.device, engine=config.engine,
                   beams=config.beams, compute_type=config.compute_type,
                   threads=config.threads, **runtime)

    def with_options(self, *, beams: int | None = None) -> Translator:
        """A view decoding with other settings, sharing the loaded model (and its cache)."""
        if not beams or beams == self.options.num_beams:
            return self
        view = self._view()
        view.options = self.options.with_options(num_beams=beams)
        return view

    def batched(self, batcher: SentenceBatcher | None) -> Translator:
        """A view whose calls go through ``batcher`` (shared with other callers), sharing
        the loaded model; views of it (:meth:`with_options`) keep the batcher."""
        view = self._view()
        view.batcher = batcher
        return view

    @property
    def batch_tokens(self) -> int:
        """Padded tokens per generate call: a GPU is fed much larger batches than a CPU."""
        if self._batch_tokens is None:
            return _BATCH_TOKENS["cuda" if self.engine.device.startswith("cuda") else "cpu"]
        return self._batch_tokens

    @property
    def max_batch_size(self) -> int:
        if self._max_batch_size is None:
            return _MAX_BATCH["cuda" if self.engine.device.startswith("cuda") else "cpu"]
        return self._max_batch_size

    def signature(self, options: GenerationOptions | None = None) -> str:
        """Identity of the translations this translator makes: model, revision and decoding
        (the sentence cache's key; a result's signature is :meth:`settings`)."""
        opts = options or self.options
        return f"{model_identity(self.spec)}|{self.engine.identity}|{opts.signature()}"

    def settings(self) -> dict[str, str]:
        """The translator's part of a result's signature (``pipeline.make_signature``): the
        model's identity, the engine and its precision (loads the model), the beams. Not the
        device: the same precision gives the same output on either."""
        engine = self.engine
        return {"model": model_identity(self.spec), "engine": engine.name,
                "precision": engine.precision, "beams": str(self.options.num_beams)}

    def split_to_fit(self, sentence: str) -> list[str]:
        """Pieces of a sentence that each fit the model's input window."""
        engine = self.engine
        return vtext.split_long(sentence, engine.max_input_tokens,
                                lambda piece: engine.count_tokens([piece])[0])

    def translate(self, sentences: Sequence[str], *, options: GenerationOptions | None = None,
                  progress: ProgressCallback | None = None,
                  stop: StopSignal | None = None) -> list[str]:
        """Translate each sentence; identical sentences are translated once.

        ``stop`` is checked before each batch: once set, :class:`~translate.stopping.Cancelled`
        is raised and nothing of this call is kept (or cached).
        """
        return [out.text for out in self.translate_scored(sentences, options=options,
                                                          progress=progress, stop=stop)]

    def translate_scored(self, sentences: Sequence[str], *,
                         options: GenerationOptions | None = None,
                         progress: ProgressCallback | None = None,
                         stop: StopSignal | None = None) -> list[ScoredText]:
        """:meth:`translate`, each translation with the model's score for it (cached ones
        keep theirs); an empty sentence gets an empty text and no score."""
        options = options or self.options
        if self.batcher is not None:
            return self.batcher.translate_scored(sentences, options=options, progress=progress,
                                                 stop=stop)
        unique = [s for s in dict.fromkeys(sentences) if s.strip()]
        done: dict[str, ScoredText] = {}
        if self.cache is not None and unique:
            done.update(self.cache.get_many(unique, self.signature(options)))
        todo = [s for s in unique if s not in done]
        if progress is not None and unique:
            progress(len(done), len(unique))  # at once: a first batch may take minutes
        if todo:
            counted = None if progress is None else (
                lambda finished, _: progress(len(done) + finished, len(unique)))
            fresh = self._translate_unique(todo, options, counted, stop)
            done.update(fresh)
            if self.cache is not None:
                self.cache.put_many(fresh, self.signature(options))
        return [done.get(s, _NOTHING) for s in sentences]

    def _translate_unique(self, sentences: list[str], options: GenerationOptions,
                          progress: ProgressCallback | None,
                          stop: StopSignal | None = None) -> dict[str, ScoredText]:
        pieces_of, token_ids = self._prepare(sentences)
        pieces = list(dict.fromkeys(p for ps in pieces_of.values() for p in ps))
        by_sentence = None
        if progress is not None:
            # Counted in sentences (a long one is translated in pieces): those all done.
            def by_sentence(outputs: dict[str, ScoredText]) -> None:
                progress(sum(1 for ps in pieces_of.values() if all(p in outputs for p in ps)),
                         len(pieces_of))
        outputs = self._run_batches(pieces, token_ids, options, by_sentence, stop)
        empty = [p for p in pieces if not outputs[p].text.strip()]
        if empty:
            # An empty output would drop the sentence without a trace: ask again, this time
            # forbidding an immediate end of sequence.
            logger.info("%d piece(s) came back empty; retrying with min_new_tokens", len(empty))
            again = self._run_batches(empty, token_ids, options.with_options(min_new_tokens=1),
                                      None, stop)
            outputs.update({p: t for p, t in again.items() if t.text.strip()})
        return {s: joined([outputs[p] for p in ps]) for s, ps in pieces_of.items()}

    def _prepare(self, sentences: list[str]) -> tuple[dict[str, list[str]],
                                                      dict[str, Sequence[int]]]:
        """Each sentence's pieces, and each distinct piece's token ids, tokenized once.

        All sentences are tokenized in one batched call; only the few longer than the input
        window are split (which counts tokens piece by piece) and their pieces tokenized.
        """
        engine = self.engine
        limit = engine.max_input_tokens
        stripped = [s.strip() for s in sentences]
        pieces_of: dict[str, list[str]] = {}
        token_ids: dict[str, Sequence[int]] = {}
        too_long: list[str] = []
        for sentence, text, ids in zip(sentences, stripped, engine.encode(stripped), strict=True):
            if len(ids) <= limit:
                pieces_of[sentence] = [text]
                token_ids.setdefault(text, ids)
            else:
                pieces_of[sentence] = []  # keeps the sentences' order
                too_long.append(sentence)
        for sentence in too_long:
            pieces_of[sentence] = self.split_to_fit(sentence)
        fresh = list(dict.fromkeys(p for s in too_long for p in pieces_of[s] if p not in token_ids))
        token_ids.update(zip(fresh, engine.encode(fresh), strict=True))
        return pieces_of, token_ids

    def batches(self, pieces: Sequence[str], lengths: dict[str, int]) -> list[list[str]]:
        """Length-sorted batches under the token budget (padding counted)."""
        ordered = sorted(pieces, key=lambda p: lengths[p], reverse=True)
        batches: list[list[str]] = []
        current: list[str] = []
        for piece in ordered:
            longest = lengths[current[0]] if current else lengths[piece]
            if current and (len(current) + 1 > self.max_batch_size
                            or (len(current) + 1) * longest > self.batch_tokens):
                batches.append(current)
                current = []
            current.append(piece)
        if current:
            batches.append(current)
        return batches

    def _run_batches(self, pieces: Sequence[str], token_ids: dict[str, Sequence[int]],
                     options: GenerationOptions,
                     progress: Callable[[dict[str, ScoredText]], None] | None,
                     stop: StopSignal | None = None) -> dict[str, ScoredText]:
        outputs: dict[str, ScoredText] = {}
        lengths = {p: len(token_ids[p]) for p in pieces}
        batches = self.batches(pieces, lengths)
        total = len(pieces)
        # A fixed output length (min = max, as benchmarks ask) is kept as given.
        fixed = options.min_new_tokens >= options.max_new_tokens
        with tqdm(total=total, unit="sentences", desc="translating", leave=False,
                  bar_format=BAR_FORMAT, disable=not self.show_progress) as bar:
            for batch in batches:
                if stop is not None and stop.is_set():
                    raise Cancelled(f"Stopped after {len(outputs)} of {total} sentences; "
                                    "nothing was kept.")
                # Batches are sorted longest first.
                batch_options = _bounded(options, lengths[batch[0]], fixed)
                with self.turn(stop):
                    translated = self.engine.generate_scored(
                        batch, batch_options, token_ids=[token_ids[p] for p in batch], stop=stop)
                outputs.update(zip(batch, translated, strict=True))
                bar.update(len(batch))
                if progress is not None:
                    progress(outputs)
        return outputs


    def hypotheses(self, sentences: Sequence[str], count: int, *,
                   options: GenerationOptions | None = None,
                   stop: StopSignal | None = None) -> list[list[str]]:
        """Up to ``count`` translations of each sentence, best first: the beam's n-best (the
        beam widened to ``count`` when narrower), for a client that asks for alternatives.
        A sentence translated in pieces gets its pieces' k-th outputs joined. Not cached:
        the cache keeps one translation per sentence. An empty sentence gets ``[""]``."""
        options = options or self.options
        unique = [s for s in dict.fromkeys(sentences) if s.strip()]
        if not unique:
            return [[""] for _ in sentences]
        self.load()
        pieces_of, token_ids = self._prepare(unique)
        pieces = list(dict.fromkeys(p for ps in pieces_of.values() for p in ps))
        lengths = {p: len(token_ids[p]) for p in pieces}
        fixed = options.min_new_tokens >= options.max_new_tokens
        outputs: dict[str, list[str]] = {}
        for batch in self.batches(pieces, lengths):
            raise_if_stopped(stop, "Stopped before the model was free; nothing was kept.")
            with self.turn(stop):
                found = self.engine.generate_hypotheses(
                    batch, _bounded(options, lengths[batch[0]], fixed), count,
                    token_ids=[token_ids[p] for p in batch], stop=stop)
            outputs.update(zip(batch, found, strict=True))
        by_sentence = {}
        for sentence, ps in pieces_of.items():
            most = max(len(outputs[p]) for p in ps)
            by_sentence[sentence] = [" ".join(t for t in (outputs[p][min(k, len(outputs[p]) - 1)]
                                                          for p in ps) if t)
                                     for k in range(most)]
        return [by_sentence.get(s, [""]) for s in sentences]


def _bounded(options: GenerationOptions, longest: int, fixed: bool) -> GenerationOptions:
    """A batch's options with its output bound: twice its longest input and a margin, or the
    fixed length asked for (min = max, as benchmarks ask)."""
    bound = (options.max_new_tokens if fixed
             else math.ceil(longest * _OUTPUT_RATIO) + _OUTPUT_MARGIN)
    return options.with_options(max_new_tokens=max(bound, options.min_new_tokens))


_NOTHING = ScoredText("")


def joined(pieces: Sequence[ScoredText]) -> ScoredText:
    """A sentence translated in pieces (it was longer than the model's window): their texts
    joined, and their scores averaged by the length of each piece's text (a stand-in for its
    token count), so a long piece weighs more; no score if a piece has none."""
    texts = [p for p in pieces if p.text]
    if len(texts) == 1:
        return texts[0]
    text = " ".join(p.text for p in texts)
    scores = [p.score for p in texts if p.score is not None]
    if not texts or len(scores) < len(texts):
        return ScoredText(text)
    weight = sum(len(p.text) for p in texts)
    return ScoredText(text, sum(s * len(p.text) for s, p in zip(scores, texts, strict=True))
                      / weight)
