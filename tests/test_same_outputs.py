"""Greedy float32 text through Translator.translate equals a plain per-sentence model.generate.

The translator tokenizes once, batches by length, pads itself and hands the ids to the engine;
none of that may change a word. The reference here is the loop a user would write with
transformers alone: one sentence per generate call, the family's conventions applied by hand.
"""

from __future__ import annotations

import importlib.util
import math
from pathlib import Path

import pytest

from tests.helpers import TRANSLATION_FAMILIES, lively_copy, record_generate_calls
from translate.engines import GenerationOptions
from translate.translator import Translator

SENTENCES = [
    "Hà Nội hôm nay có mưa rào, nhiệt độ cao nhất 28,5 độ C.",
    "Giá xăng tăng 320 đồng mỗi lít.",
    "Ông Nguyễn Văn A cho biết.",
    "Giá xăng tăng 320 đồng mỗi lít.",
    "  Thủ tướng yêu cầu các bộ, ngành khẩn trương hoàn thiện.  ",
    "Mưa.",
]
HAS_CT2 = importlib.util.find_spec("ctranslate2") is not None
ENGINES = ["transformers",
           pytest.param("ctranslate2", marks=pytest.mark.skipif(
               not HAS_CT2, reason="ctranslate2 is not installed"))]


@pytest.fixture(scope="module")
def lively(tiny_models, tmp_path_factory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("same-outputs")
    return {f: lively_copy(tiny_models[f], root / f, seed=1) for f in TRANSLATION_FAMILIES}


def plain_generate(model_dir: Path, conventions, sentences: list[str],
                   max_new_tokens: list[int]) -> list[str]:
    """One sentence per ``model.generate``, conventions written out by hand."""
    import torch
    from transformers import AutoModelForSeq2SeqLM, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(model_dir)
    model = AutoModelForSeq2SeqLM.from_pretrained(model_dir, dtype=torch.float32).eval()
    if conventions.src_lang:
        tokenizer.src_lang = conventions.src_lang
    extra = {}
    if conventions.target_lang:
        key = ("decoder_start_token_id" if conventions.target_mode == "decoder_start"
               else "forced_bos_token_id")
        extra[key] = tokenizer.convert_tokens_to_ids(conventions.target_lang)
    positions = getattr(model.config, "max_position_embeddings", None)
    outputs = []
    for sentence, bound in zip(sentences, max_new_tokens, strict=True):
        inputs = tokenizer(conventions.input_prefix + sentence.strip(), return_tensors="pt")
        with torch.inference_mode():
            generated = model.generate(**inputs, num_beams=1, do_sample=False,
                                       max_new_tokens=min(bound, positions - 2)
                                       if positions else bound, min_new_tokens=0,
                                       max_length=None, min_length=None, **extra)
        outputs.append(tokenizer.decode(generated[0], skip_special_tokens=True).strip())
    return outputs


@pytest.mark.slow  # 2 to 3.5 s of CPU per family and engine
@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("family", TRANSLATION_FAMILIES)
def test_translate_gives_the_plain_generate_text(lively, family, engine, monkeypatch):
    # float32 on both engines: int8 or float16 change outputs by design.
    translator = Translator(str(lively[family]), device="cpu", engine=engine, beams=1,
                            max_batch_size=3, compute_type="float32")
    calls = record_generate_calls(translator.engine, monkeypatch)
    got = translator.translate(SENTENCES, options=GenerationOptions(num_beams=1))

    assert translator.engine.name == engine and translator.engine.precision == "float32"
    assert len(calls) >= 2, "several padded batches, so padding is part of the comparison"
    # The translator bounds a batch's outputs at twice its longest input plus 16 tokens; the
    # reference gets the bound of the batch each sentence went in.
    counts = translator.engine.count_tokens([s.strip() for s in SENTENCES])
    bound_of = {}
    for batch in calls:
        longest = max(counts[[s.strip() for s in SENTENCES].index(p)] for p in batch)
        bound_of.update({p: math.ceil(longest * 2.0) + 16 for p in batch})
    expected = plain_generate(lively[family], translator.engine.spec.conventions, SENTENCES,
                              [bound_of[s.strip()] for s in SENTENCES])
    assert got == expected
    # The comparison means something only if outputs depend on the input.
    assert len(set(expected)) > 2
