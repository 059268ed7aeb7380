"""The transformers engine: any seq2seq checkpoint that ``AutoModelForSeq2SeqLM`` loads."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from ..catalog import ModelSpec, ensure_local, finish_spec
from .base import GenerationOptions, HFTokenizerEngine, clean_output, register_engine

logger = logging.getLogger(__name__)


def pick_device(requested: str = "auto") -> str:
    """``auto`` is CUDA when torch sees a GPU, else CPU."""
    import torch

    if requested in ("", "auto", None):
        return "cuda" if torch.cuda.is_available() else "cpu"
    if requested.startswith("cuda") and not torch.cuda.is_available():
        raise RuntimeError("device 'cuda' was asked for but torch sees no CUDA GPU")
    return requested


@register_engine("transformers")
class TransformersEngine(HFTokenizerEngine):
    """Loads once at construction; ``generate`` runs under ``torch.inference_mode``."""

    def __init__(self, spec: ModelSpec, device: str = "auto") -> None:
        import torch
        from transformers import AutoConfig, AutoModelForSeq2SeqLM, AutoTokenizer

        super().__init__(spec, device)
        path = ensure_local(spec)
        self.path = path
        self._device = pick_device(device)
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

    def generate(self, texts: Sequence[str], options: GenerationOptions) -> list[str]:
        import torch

        if not texts:
            return []
        # No truncation: callers split inputs to fit, and a silent cut would lose text.
        batch = self.tokenizer(self._inputs(texts), return_tensors="pt", padding=True,
                               truncation=False).to(self._device)
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
        with torch.inference_mode():
            output = self.model.generate(**batch, **kwargs)
        decoded = self.tokenizer.batch_decode(output, skip_special_tokens=True)
        return [clean_output(text, self.spec) for text in decoded]
