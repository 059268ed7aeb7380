"""Each catalog family through the transformers engine, with its conventions."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.helpers import SUMMARY_FAMILIES, TRANSLATION_FAMILIES
from translate.catalog import ModelSpec, resolve_spec
from translate.engines import GenerationOptions, create_engine, engine_class
from translate.engines.base import clean_output

SENTENCES = ["Hà Nội hôm nay có mưa rào, nhiệt độ cao nhất 28,5 độ C.",
             "Giá xăng tăng 320 đồng mỗi lít."]


@pytest.fixture(scope="module")
def engines(tiny_models: dict[str, Path]):
    loaded = {}
    for family in TRANSLATION_FAMILIES:
        loaded[family] = create_engine("transformers",
                                       resolve_spec(str(tiny_models[family]), "translation"), "cpu")
    for family in SUMMARY_FAMILIES:
        loaded[family] = create_engine("transformers",
                                       resolve_spec(str(tiny_models[family]), "summarization"),
                                       "cpu")
    return loaded


@pytest.mark.parametrize("family", TRANSLATION_FAMILIES + SUMMARY_FAMILIES)
def test_family_is_recognised_and_generates_one_output_per_input(engines, family):
    engine = engines[family]
    assert engine.spec.family == family
    outputs = engine.generate(SENTENCES, GenerationOptions(num_beams=2, max_new_tokens=6))
    assert len(outputs) == len(SENTENCES)
    assert all(isinstance(o, str) for o in outputs)


def test_t5_input_is_prefixed(engines):
    engine = engines["t5"]
    raw = len(engine.tokenizer(SENTENCES[0])["input_ids"])
    prefixed = len(engine.tokenizer("vi: " + SENTENCES[0])["input_ids"])
    assert prefixed > raw
    assert engine.count_tokens([SENTENCES[0]]) == [prefixed]


def _spy_generate(engine, monkeypatch) -> dict:
    seen: dict = {}
    real = engine.model.generate

    def spy(*args, **kwargs):
        seen.update(kwargs)
        seen["output"] = real(*args, **kwargs)
        return seen["output"]

    monkeypatch.setattr(engine.model, "generate", spy)
    return seen


@pytest.mark.parametrize("family,token,key", [
    ("mbart50", "en_XX", "decoder_start_token_id"),
    ("nllb", "eng_Latn", "forced_bos_token_id"),
    ("m2m100", "__en__", "forced_bos_token_id"),
])
def test_target_language_token_starts_decoding(engines, monkeypatch, family, token, key):
    engine = engines[family]
    seen = _spy_generate(engine, monkeypatch)
    engine.generate(SENTENCES[:1], GenerationOptions(num_beams=1, max_new_tokens=4))
    target_id = engine.tokenizer.convert_tokens_to_ids(token)
    assert seen[key] == target_id
    first_tokens = seen["output"][0, :2].tolist()
    assert target_id in first_tokens


@pytest.mark.parametrize("family,code", [("mbart50", "vi_VN"), ("nllb", "vie_Latn"),
                                         ("m2m100", "__vi__")])
def test_source_language_code_is_in_the_input(engines, family, code):
    engine = engines[family]
    ids = engine.tokenizer(SENTENCES[0])["input_ids"]
    assert engine.tokenizer.convert_tokens_to_ids(code) in ids


def test_generation_never_truncates_the_input(engines, monkeypatch):
    engine = engines["marian"]
    seen = _spy_generate(engine, monkeypatch)
    long_input = " ".join(SENTENCES * 8)
    engine.generate([long_input], GenerationOptions(num_beams=1, max_new_tokens=2))
    assert seen["input_ids"].shape[1] == engine.count_tokens([long_input])[0]


def test_fixed_output_length_is_honoured(engines):
    engine = engines["marian"]
    seen = _spy_generate(engine, pytest.MonkeyPatch())
    engine.generate(SENTENCES[:1], GenerationOptions(num_beams=1, max_new_tokens=7,
                                                     min_new_tokens=7))
    # decoder start token + 7 new tokens
    assert seen["output"].shape[1] == 8


def test_clean_output_strips_prefix_and_pegasus_newlines():
    t5 = ModelSpec(name="t", task="translation", family="t5",
                   conventions=resolve_spec("envit5", "translation").conventions)
    assert clean_output("en: The rain stopped.", t5) == "The rain stopped."
    assert clean_output("The rain stopped.", t5) == "The rain stopped."
    pegasus = resolve_spec("pegasus-cnn", "summarization")
    assert clean_output("First line.<n>Second line.", pegasus) == "First line.\nSecond line."


def test_unknown_engine_lists_the_valid_ones():
    with pytest.raises(ValueError, match="transformers"):
        engine_class("onnx")


@pytest.mark.parametrize(("engine_name", "beams"), [("transformers", 2), ("ctranslate2", 1)])
def test_a_stop_ends_a_generate_call_within_a_step(tiny_translator_dir, engine_name, beams):
    """A batch in the model stops at its next decoding step once its client is gone (CPU
    time, a fraction of the whole call's), and nothing of it comes back."""
    import threading
    import time

    from translate.stopping import Cancelled

    engine = create_engine(engine_name, resolve_spec(str(tiny_translator_dir), "translation"),
                           "cpu")
    fixed = GenerationOptions(num_beams=beams, min_new_tokens=100, max_new_tokens=100)
    started = time.process_time()
    assert len(engine.generate(SENTENCES, fixed)) == 2
    whole = time.process_time() - started
    stop = threading.Event()
    stop.set()
    started = time.process_time()
    with pytest.raises(Cancelled, match="Stopped while the model was writing"):
        engine.generate(SENTENCES, fixed, stop=stop)
    stopped = time.process_time() - started
    assert stopped < whole / 4, f"stopped after {stopped:.2f} CPU-s of {whole:.2f}"
