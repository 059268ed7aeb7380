"""The CTranslate2 engine: a converted copy of the model, int8 on CPU, float16 on a GPU.

Tokenization stays with the model's own Hugging Face tokenizer (saved next to the converted
model), so inputs, language codes and decoded text are exactly those of the transformers engine;
only the network runs in CTranslate2. A model without a converted copy is converted on first
use (:mod:`translate.convert`), once.
"""

from __future__ import annotations

import json
import logging
import math
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ..catalog import ModelSpec, finish_spec
from ..config import SettingError
from ..devices import pick_device
from ..results import ScoredText
from ..stopping import StopSignal, raise_if_stopped
from .base import GenerationOptions, HFTokenizerEngine, clean_output, register_engine
from .memory import cap_malloc_arenas

logger = logging.getLogger(__name__)

# Sentences x beams decoded together on a CPU; CTranslate2 splits larger batches (sorted by
# length, so the pieces carry little padding).
_CPU_MAX_HYPOTHESES = 32


def default_threads() -> int:
    """Threads for one model when none are configured: the cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def pick_compute_type(requested: str | None, device: str, family: str | None = None) -> str:
    """``auto``: int8 on CPU; int8_float16 on a GPU, float16 where int8 is not supported.

    T5 overflows float16 (its activations exceed 65504), so on a GPU it gets bfloat16 (with
    int8 weights where supported). None means ``auto``.
    """
    import ctranslate2

    supported = ctranslate2.get_supported_compute_types(device)
    if requested not in ("", "auto", None):
        if requested not in supported:
            raise SettingError(f"compute type '{requested}' is not supported on {device}; "
                             f"supported: {', '.join(sorted(supported))}")
        return requested
    if device == "cpu":
        preferred: tuple[str, ...] = ("int8",)
    elif family == "t5":
        preferred = ("int8_bfloat16", "bfloat16")
    else:
        preferred = ("int8_float16", "float16")
    for choice in preferred + ("float32",):
        if choice in supported:
            return choice
    return "default"


@register_engine("ctranslate2")
class CTranslate2Engine(HFTokenizerEngine):
    """Loads (converting first if needed) once at construction.

    ``compute_type``: ``auto``, a CTranslate2 compute type, or None for ``auto`` (int8 on CPU,
    int8_float16 on a GPU); ``threads``: the CPU threads of this model (default:
    :func:`default_threads`; :class:`~translate.config.ModelConfig` passes ``$VI2EN_THREADS``);
    ``intra_threads``: threads for one batch (default: on a CPU one per worker with
    ``threads`` workers, on a GPU ``threads``); ``convert``: convert a model that has no
    converted copy (else raise).
    """

    # The ModelConfig settings this engine takes (engines.create_engine passes them on).
    config_options = frozenset({"compute_type", "threads"})

    def __init__(self, spec: ModelSpec, device: str = "auto", *, compute_type: str | None = None,
                 threads: int | None = None, intra_threads: int | None = None,
                 convert: bool = True) -> None:
        import ctranslate2
        from transformers import AutoTokenizer

        from .. import convert as conversion

        super().__init__(spec, device)
        self._device, device_index = pick_device(device, ctranslate2.get_cuda_device_count)
        if self._device == "cpu":
            # Before anything starts threads (a first-use conversion, our workers), since an
            # arena that a thread already owns stays.
            cap_malloc_arenas()
        self.compute_type = pick_compute_type(compute_type, self._device, _family_hint(spec))
        # The copy to load: the one in the wanted weight type, else any other (CTranslate2
        # converts weight types on load), else a fresh conversion.
        wanted = self.compute_type if self.compute_type in conversion.QUANTIZATIONS else "float32"
        others = [q for q in conversion.QUANTIZATIONS if q != wanted]
        path = conversion.find_converted(spec, [wanted, *others])
        if path is None:
            if not convert:
                raise RuntimeError(f"{spec.name} has no CTranslate2 copy; run "
                                   f"`vi2en models convert {spec.local_path or spec.name}`")
            path = conversion.convert_model(spec, wanted, notice=True)
        self.path = path
        hf_dir = path / conversion.HF_SUBDIR
        hf_config = json.loads((hf_dir / "config.json").read_text(encoding="utf-8"))
        ct2_config = json.loads((path / "config.json").read_text(encoding="utf-8"))
        self.tokenizer = AutoTokenizer.from_pretrained(hf_dir)
        # We count tokens of over-long texts in order to split them, and never truncate.
        self.tokenizer.model_max_length = 10**9
        vocab = self.tokenizer.get_vocab()
        # Our own maps between ids and CTranslate2's token strings: a slow (Python)
        # tokenizer's convert_* methods cost more than the lookups themselves.
        self._token_to_id: dict[str, int] = vocab
        self._id_to_token: dict[int, str] = {i: t for t, i in vocab.items()}
        self.spec = finish_spec(spec, hf_config.get("model_type"), vocab.__contains__)
        conventions = self.spec.conventions
        if conventions.src_lang:
            self.tokenizer.src_lang = conventions.src_lang
        generation = _read_json(hf_dir / "generation_config.json")
        self._prefix = self._target_prefix(conventions, generation, vocab)
        if conventions.target_mode == "decoder_start" and conventions.target_lang \
                and ct2_config.get("decoder_start_token") is not None:
            raise RuntimeError(f"{path} starts decoding with {ct2_config['decoder_start_token']!r}"
                               f" but {self.spec.name} starts with {conventions.target_lang!r}; "
                               "convert it again with `vi2en models convert --force`")
        # transformers forces EOS as the last token allowed (forced_eos_token_id); one token
        # less here gives the same text, since EOS is never shown.
        self._forced_eos = generation.get("forced_eos_token_id") is not None
        self._positions: int | None = hf_config.get("max_position_embeddings")
        threads = intra_threads or threads or default_threads()
        if self._device == "cpu" and intra_threads is None:
            # One worker per core, each decoding its share of a batch with one thread: on 2
            # cores the 18-sentence article took 0.52 s against 1.08 s for one worker with 2
            # threads (whose per-op synchronisation costs about what the second core gives).
            # The weights are shared between the workers.
            self.inter_threads, self.intra_threads = threads, 1
        else:
            self.inter_threads, self.intra_threads = 1, threads
        # On a CPU, beam search gains nothing from more than ~32 hypotheses at once (measured
        # on opus-mt's shape: batch 4 x beam 4 as fast as 32 x 4) but its memory grows with
        # them; a GPU wants them all.
        self.max_hypotheses = _CPU_MAX_HYPOTHESES if self._device == "cpu" else 0
        self.translator = ctranslate2.Translator(
            str(path), device=self._device, device_index=device_index,
            compute_type=self.compute_type, inter_threads=self.inter_threads,
            intra_threads=self.intra_threads)
        if self._device == "cuda":
            self._check_device()
        logger.info("loaded %s (%s) from %s on %s, %s, %d worker(s) x %d thread(s)",
                    self.spec.name, self.spec.family, path, self._device, self.compute_type,
                    self.inter_threads, self.intra_threads)

    def _target_prefix(self, conventions: Any, generation: dict[str, Any],
                       vocab: dict[str, int]) -> list[str] | None:
        """Tokens every output starts with: the target language, or the checkpoint's BOS."""
        if conventions.target_lang:
            if conventions.target_lang not in vocab:
                raise RuntimeError(f"{self.spec.name}: tokenizer has no token "
                                   f"{conventions.target_lang!r}")
            return [conventions.target_lang]
        forced = generation.get("forced_bos_token_id")
        if forced is not None:
            # BART's checkpoints force <s> after the decoder start token.
            return [self.tokenizer.convert_ids_to_tokens(int(forced))]
        return None

    @property
    def precision(self) -> str:
        return self.compute_type

    @property
    def device(self) -> str:
        return self._device

    def _generate(self, texts: Sequence[str], options: GenerationOptions,
                  token_ids: Sequence[Sequence[int]] | None, *,
                  scores: bool, stop: StopSignal | None = None) -> list[ScoredText]:
        if not texts:
            return []
        tokens = self._id_to_token
        source = [[tokens[i] for i in ids] for ids in self.token_ids(texts, token_ids)]
        max_new = self.bounded_new_tokens(options.max_new_tokens)
        if self._forced_eos:
            max_new -= 1
        min_new = min(options.min_new_tokens, max_new)
        prefix = [list(self._prefix) for _ in texts] if self._prefix else None
        beams = max(1, options.num_beams)
        # CTranslate2 calls back on each step of greedy decoding only; beam search stops when
        # its batch is done.
        watch = ({"callback": lambda step: stop.is_set()}
                 if stop is not None and beams == 1 else {})
        max_batch = 0  # a GPU takes the whole batch at once
        if self.max_hypotheses:
            # CTranslate2 sorts the batch by length and gives each worker a share.
            share = math.ceil(len(source) / self.inter_threads)
            max_batch = max(1, min(self.max_hypotheses // beams, share))
        results = self.translator.translate_batch(
            source, target_prefix=prefix, beam_size=beams, max_batch_size=max_batch,
            max_decoding_length=max(1, max_new), min_decoding_length=max(0, min_new),
            no_repeat_ngram_size=options.no_repeat_ngram_size,
            repetition_penalty=options.repetition_penalty,
            length_penalty=options.length_penalty,
            # No truncation: callers split inputs to fit, and a silent cut would lose text.
            max_input_length=0, return_scores=scores, **watch)
        raise_if_stopped(stop, "Stopped while the model was writing; nothing was kept.")
        decoded = self.tokenizer.batch_decode([self._ids_of(r.hypotheses[0]) for r in results],
                                              skip_special_tokens=True)
        return [ScoredText(clean_output(text, self.spec),
                           _mean_log_prob(r, options.length_penalty) if scores else None)
                for text, r in zip(decoded, results, strict=True)]

    def generate_hypotheses(self, texts: Sequence[str], options: GenerationOptions,
                            count: int, *, token_ids: Sequence[Sequence[int]] | None = None,
                            stop: StopSignal | None = None) -> list[list[str]]:
        if not texts:
            return []
        tokens = self._id_to_token
        source = [[tokens[i] for i in ids] for ids in self.token_ids(texts, token_ids)]
        max_new = self.bounded_new_tokens(options.max_new_tokens) - (1 if self._forced_eos
                                                                      else 0)
        prefix = [list(self._prefix) for _ in texts] if self._prefix else None
        results = self.translator.translate_batch(
            source, target_prefix=prefix, beam_size=max(options.num_beams, count),
            num_hypotheses=count, max_decoding_length=max(1, max_new),
            min_decoding_length=max(0, min(options.min_new_tokens, max_new)),
            no_repeat_ngram_size=options.no_repeat_ngram_size,
            repetition_penalty=options.repetition_penalty,
            length_penalty=options.length_penalty, max_input_length=0)
        raise_if_stopped(stop, "Stopped while the model was writing; nothing was kept.")
        decoded = self.tokenizer.batch_decode(
            [self._ids_of(h) for r in results for h in r.hypotheses], skip_special_tokens=True)
        outputs = iter(clean_output(text, self.spec) for text in decoded)
        return [[next(outputs) for _ in r.hypotheses] for r in results]

    def _ids_of(self, tokens: Sequence[str]) -> list[int]:
        known = self._token_to_id
        if all(t in known for t in tokens):
            return [known[t] for t in tokens]
        return self.tokenizer.convert_tokens_to_ids(list(tokens))

    def _check_device(self) -> None:
        """Run one tiny input, so that missing CUDA libraries show up now, not mid-job.

        CTranslate2 loads cuBLAS on first use; a wheel built for CUDA 12 on a machine with
        another CUDA fails there ("libcublas.so.12 is not found").
        """
        source = [self._id_to_token[i] for i in self.encode(["Xin chào."])[0]]
        self.translator.translate_batch([source], beam_size=1, max_decoding_length=2,
                                        max_input_length=0)


def _family_hint(spec: ModelSpec) -> str | None:
    """The family before anything is loaded: the catalog's, or a local config's model type."""
    if spec.family:
        return spec.family
    if spec.local_path is None:
        return None
    for config in (spec.local_path / "config.json", spec.local_path / "hf" / "config.json"):
        model_type = _read_json(config).get("model_type")
        if model_type in ("t5", "mt5"):
            return "t5"  # the only family whose compute type differs
    return None


def _read_json(path: Path) -> dict[str, Any]:
    if not path.is_file():
        return {}
    return json.loads(path.read_text(encoding="utf-8"))


def _mean_log_prob(result: Any, length_penalty: float) -> float:
    """The best hypothesis's mean log-probability per token.

    CTranslate2 returns the sum of the chosen tokens' log-probabilities divided by
    ``length ** length_penalty`` (measured: greedy and beam alike, the length being the
    hypothesis's tokens); with any other penalty than 1 this undoes it.
    """
    score = float(result.scores[0])
    if length_penalty == 1:
        return score
    return score * max(1, len(result.hypotheses[0])) ** (length_penalty - 1)
