"""The transformers engine: any seq2seq checkpoint that ``AutoModelForSeq2SeqLM`` loads."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from ..catalog import ModelSpec, ensure_local, finish_spec
from ..devices import pick_device
from ..results import ScoredText
from ..stopping import StopSignal, raise_if_stopped
from .base import GenerationOptions, HFTokenizerEngine, clean_output, register_engine

logger = logging.getLogger(__name__)

# Padded input lengths on a GPU: each step about 1.5x the last, so padding wastes at most a
# third of the (cheap) encoder work while the whole run sees about a dozen shapes.
_PAD_BUCKETS = (16, 24, 32, 48, 64, 96, 128, 192, 256, 384, 512, 768, 1024)


@register_engine("transformers")
class TransformersEngine(HFTokenizerEngine):
    """Loads once at construction; ``generate`` runs under ``torch.inference_mode``."""

    def __init__(self, spec: ModelSpec, device: str = "auto") -> None:
        import torch
        from transformers import AutoConfig, AutoModelForSeq2SeqLM, AutoTokenizer

        super().__init__(spec, device)
        path = ensure_local(spec)
        self.path = path
        kind, index = pick_device(device, torch.cuda.device_count)
        self._device = kind if index == 0 else f"{kind}:{index}"
        config = AutoConfig.from_pretrained(path)
        self.tokenizer = AutoTokenizer.from_pretrained(path)
        # We count tokens of texts longer than the window in order to split them; the
        # tokenizer's "longer than the maximum" warning would be noise, and we never truncate.
        self.tokenizer.model_max_length = 10**9
        vocab = self.tokenizer.get_vocab()
        self.spec = finish_spec(spec, config.model_type, vocab.__contains__)
        dtype = torch.float32
        if self._device.startswith("cuda"):
            # T5 overflows in float16 (its activations exceed 65504); bfloat16 keeps the range.
            dtype = torch.bfloat16 if self.spec.family == "t5" else torch.float16
        self.model = AutoModelForSeq2SeqLM.from_pretrained(path, dtype=dtype)
        self.model.to(self._device).eval()
        # Lengths come from each call (max/min_new_tokens); a checkpoint's own max_length and
        # min_length (distilbart: 142 and 56) would clash with them.
        self.model.generation_config.max_length = None
        self.model.generation_config.min_length = None
        conventions = self.spec.conventions
        if conventions.src_lang:
            self.tokenizer.src_lang = conventions.src_lang
        self._target_id: int | None = None
        if conventions.target_lang:
            token_id = self.tokenizer.convert_tokens_to_ids(conventions.target_lang)
            if token_id is None or token_id == self.tokenizer.unk_token_id:
                raise RuntimeError(
                    f"{spec.name}: tokenizer has no token {conventions.target_lang!r}")
            self._target_id = int(token_id)
        # Models with learned positions cannot read or write past them (T5 has none: relative).
        self._positions: int | None = getattr(config, "max_position_embeddings", None)
        logger.info("loaded %s (%s) from %s on %s", self.spec.name, self.spec.family, path,
                    self._device)

    @property
    def device(self) -> str:
        return self._device

    @property
    def precision(self) -> str:
        return str(self.model.dtype).removeprefix("torch.")

    def _generate(self, texts: Sequence[str], options: GenerationOptions,
                  token_ids: Sequence[Sequence[int]] | None, *,
                  scores: bool, stop: StopSignal | None = None) -> list[ScoredText]:
        import torch
        from transformers import LogitsProcessorList

        from .token_scores import ChosenTokenScores, eos_token_ids

        if not texts:
            return []
        # No truncation: callers split inputs to fit, and a silent cut would lose text.
        batch = self._pad(self.token_ids(texts, token_ids))
        max_new = self.bounded_new_tokens(options.max_new_tokens)
        kwargs: dict[str, Any] = {
            "num_beams": options.num_beams,
            "max_new_tokens": max_new,
            "min_new_tokens": options.min_new_tokens,
            "no_repeat_ngram_size": options.no_repeat_ngram_size,
            "repetition_penalty": options.repetition_penalty,
            "length_penalty": options.length_penalty,
            "do_sample": False,
        }
        if options.num_beams > 1:
            kwargs["early_stopping"] = True
        if self._target_id is not None:
            key = ("decoder_start_token_id" if self.spec.conventions.target_mode == "decoder_start"
                   else "forced_bos_token_id")
            kwargs[key] = self._target_id
        recorder = None
        if scores:
            recorder = ChosenTokenScores(options.num_beams,
                                         eos_token_ids(self.model.generation_config))
            kwargs["logits_processor"] = LogitsProcessorList([recorder])
            kwargs["return_dict_in_generate"] = True
        if stop is not None:
            kwargs["stopping_criteria"] = _stopping_criteria(stop)
        with torch.inference_mode():
            output = self.model.generate(**batch, **kwargs)
        raise_if_stopped(stop, "Stopped while the model was writing; nothing was kept.")
        sequences = output.sequences if recorder is not None else output
        # One transfer to the host, then plain lists: per-row tensor indexing is slow.
        decoded = self.tokenizer.batch_decode(sequences.tolist(), skip_special_tokens=True)
        texts_out = [clean_output(text, self.spec) for text in decoded]
        if recorder is None:
            return [ScoredText(text) for text in texts_out]
        # generate forces EOS as the last token allowed when the checkpoint asks for it.
        forced_eos = self.model.generation_config.forced_eos_token_id is not None
        means = recorder.means(sequences, getattr(output, "beam_indices", None),
                               forced_last=max_new if forced_eos else None)
        return [ScoredText(text, score) for text, score in zip(texts_out, means, strict=True)]

    def generate_hypotheses(self, texts: Sequence[str], options: GenerationOptions,
                            count: int, *, token_ids: Sequence[Sequence[int]] | None = None,
                            stop: StopSignal | None = None) -> list[list[str]]:
        import torch

        if not texts:
            return []
        batch = self._pad(self.token_ids(texts, token_ids))
        beams = max(options.num_beams, count)
        kwargs: dict[str, Any] = {
            "num_beams": beams, "num_return_sequences": count, "early_stopping": beams > 1,
            "max_new_tokens": self.bounded_new_tokens(options.max_new_tokens),
            "min_new_tokens": options.min_new_tokens,
            "no_repeat_ngram_size": options.no_repeat_ngram_size,
            "repetition_penalty": options.repetition_penalty,
            "length_penalty": options.length_penalty, "do_sample": False}
        if self._target_id is not None:
            key = ("decoder_start_token_id" if self.spec.conventions.target_mode == "decoder_start"
                   else "forced_bos_token_id")
            kwargs[key] = self._target_id
        if stop is not None:
            kwargs["stopping_criteria"] = _stopping_criteria(stop)
        with torch.inference_mode():
            output = self.model.generate(**batch, **kwargs)
        raise_if_stopped(stop, "Stopped while the model was writing; nothing was kept.")
        decoded = self.tokenizer.batch_decode(output.tolist(), skip_special_tokens=True)
        outputs = [clean_output(text, self.spec) for text in decoded]
        # generate returns each input's count sequences one after the other, best first.
        return [outputs[i * count:(i + 1) * count] for i in range(len(texts))]

    def _pad(self, token_ids: Sequence[Sequence[int]]) -> dict[str, Any]:
        """Input ids and attention mask, padded on the tokenizer's side, on the device."""
        import torch

        length = padded_length(max(len(ids) for ids in token_ids), self._device)
        pad = self.tokenizer.pad_token_id
        left = self.tokenizer.padding_side == "left"
        rows, masks = [], []
        for ids in token_ids:
            fill = length - len(ids)
            rows.append([pad] * fill + list(ids) if left else list(ids) + [pad] * fill)
            masks.append([0] * fill + [1] * len(ids) if left else [1] * len(ids) + [0] * fill)
        return {"input_ids": torch.tensor(rows, dtype=torch.long, device=self._device),
                "attention_mask": torch.tensor(masks, dtype=torch.long, device=self._device)}


def _stopping_criteria(stop: StopSignal) -> Any:
    """transformers' stopping criteria that end every row of a generate call once ``stop`` is
    set: a long batch stops within a decoding step, not when it is done."""
    import torch
    from transformers import StoppingCriteria, StoppingCriteriaList

    class _Stopped(StoppingCriteria):
        def __call__(self, input_ids: Any, scores: Any, **kwargs: Any) -> Any:
            return torch.full((input_ids.shape[0],), stop.is_set(), dtype=torch.bool,
                              device=input_ids.device)

    return StoppingCriteriaList([_Stopped()])


def padded_length(longest: int, device: str) -> int:
    """Padded input length of a batch: on a GPU, rounded up to one of a few sizes.

    Every new input shape costs a GPU extra work the first time (kernel selection, allocator
    growth); length-sorted batches would otherwise each bring a new one. A CPU pays per padded
    token instead, so it gets exactly the longest input.
    """
    if not device.startswith("cuda"):
        return longest
    for size in _PAD_BUCKETS:
        if size >= longest:
            return size
    return longest
