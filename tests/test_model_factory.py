"""Tests for tests/model_factory.py: tiny offline models load and generate like the real ones."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests import model_factory as mf

# MarianTokenizer warns when sacremoses is missing; the real models behave the same.
pytestmark = pytest.mark.filterwarnings("ignore:Recommended. pip install sacremoses")

VI = "Hà Nội hôm nay trời nắng, nhiệt độ 28,5 độ C; ông Nguyễn Văn Đức nhận 1.500.000 đồng."
SENTENCEPIECE_FAMILIES = ("marian", "t5", "mbart50", "m2m100", "nllb", "pegasus")

# Class names the real Hub models load as under transformers 5 (BartTokenizer is an alias
# of RobertaTokenizer there, so the class *name* is RobertaTokenizer).
EXPECTED_TOKENIZER = {
    "marian": "MarianTokenizer",
    "t5": "T5Tokenizer",
    "mbart50": "MBart50Tokenizer",
    "m2m100": "M2M100Tokenizer",
    "nllb": "NllbTokenizer",
    "bart": "RobertaTokenizer",
    "pegasus": "PegasusTokenizer",
}
EXPECTED_MODEL = {
    "marian": "MarianMTModel",
    "t5": "T5ForConditionalGeneration",
    "mbart50": "MBartForConditionalGeneration",
    "m2m100": "M2M100ForConditionalGeneration",
    "nllb": "M2M100ForConditionalGeneration",
    "bart": "BartForConditionalGeneration",
    "pegasus": "PegasusForConditionalGeneration",
}


@pytest.fixture(autouse=True, scope="module")
def _quiet_transformers() -> Iterator[None]:
    """No "Loading weights" bars or length warnings on the console (tests must not print)."""
    from transformers.utils import logging as hf_logging

    level, bars = hf_logging.get_verbosity(), hf_logging.is_progress_bar_enabled()
    hf_logging.set_verbosity_error()
    hf_logging.disable_progress_bar()
    yield
    hf_logging.set_verbosity(level)
    if bars:
        hf_logging.enable_progress_bar()


@pytest.fixture(scope="module")
def tiny_root(tiny_models: dict[str, Path]) -> dict[str, Path]:
    # The session's models (conftest.py): build_all again would only cost time.
    return tiny_models


def _load(path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Any, Any]:
    from transformers import AutoModelForSeq2SeqLM, AutoTokenizer

    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("TRANSFORMERS_OFFLINE", "1")
    return AutoTokenizer.from_pretrained(path), AutoModelForSeq2SeqLM.from_pretrained(path)


def _encode_kwargs(family: str, tokenizer: Any) -> tuple[str, dict[str, Any]]:
    """Apply the family's source convention; return (input text, extra generate kwargs)."""
    text = VI
    extra: dict[str, Any] = {}
    if family == "t5":
        text = f"vi: {VI}"
    elif family == "mbart50":
        tokenizer.src_lang = "vi_VN"
        extra["forced_bos_token_id"] = tokenizer.convert_tokens_to_ids("en_XX")
    elif family == "m2m100":
        tokenizer.src_lang = "vi"
        extra["forced_bos_token_id"] = tokenizer.get_lang_id("en")
    elif family == "nllb":
        tokenizer.src_lang = "vie_Latn"
        extra["forced_bos_token_id"] = tokenizer.convert_tokens_to_ids("eng_Latn")
    return text, extra


@pytest.mark.parametrize("family", mf.FAMILIES)
def test_tiny_model_loads_and_generates(
    family: str, tiny_root: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    tokenizer, model = _load(tiny_root[family], monkeypatch)
    assert type(tokenizer).__name__ == EXPECTED_TOKENIZER[family]
    assert type(model).__name__ == EXPECTED_MODEL[family]
    assert model.config.vocab_size >= len(tokenizer)

    text, extra = _encode_kwargs(family, tokenizer)
    batch = tokenizer([text, text[:30]], return_tensors="pt", padding=True)
    out = model.generate(**batch, max_new_tokens=8, min_length=0, num_beams=1, **extra)
    assert out.shape[0] == 2 and out.shape[1] <= 9 + 1
    if "forced_bos_token_id" in extra:
        assert out[0, 1].item() == extra["forced_bos_token_id"]
    decoded = tokenizer.batch_decode(out, skip_special_tokens=True)
    assert all(isinstance(s, str) for s in decoded)


@pytest.mark.parametrize("family", SENTENCEPIECE_FAMILIES)
def test_vietnamese_round_trip(
    family: str, tiny_root: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    tokenizer, _ = _load(tiny_root[family], monkeypatch)
    text, _ = _encode_kwargs(family, tokenizer)
    ids = tokenizer(text).input_ids
    assert tokenizer.unk_token_id not in ids
    assert tokenizer.decode(ids, skip_special_tokens=True) == text


def test_bart_round_trip(tiny_root: dict[str, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    tokenizer, model = _load(tiny_root["bart"], monkeypatch)
    ids = tokenizer(VI).input_ids
    assert ids[0] == 0 and ids[-1] == 2  # <s> ... </s>
    assert tokenizer.decode(ids, skip_special_tokens=True) == VI
    # v5 keeps generation-only ids (forced_bos_token_id) in generation_config, not config.
    assert model.generation_config.forced_bos_token_id == 0
    assert model.generation_config.decoder_start_token_id == 2


def test_conventions(tiny_root: dict[str, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    marian_tok, marian = _load(tiny_root["marian"], monkeypatch)
    assert marian.config.decoder_start_token_id == marian_tok.pad_token_id
    assert marian_tok.pad_token_id == len(marian_tok) - 1  # opus-mt: <pad> is the last id

    mbart_tok, _ = _load(tiny_root["mbart50"], monkeypatch)
    assert {"vi_VN", "en_XX"} <= set(mbart_tok.get_vocab())
    assert mbart_tok.convert_tokens_to_ids("en_XX") != mbart_tok.unk_token_id

    m2m_tok, _ = _load(tiny_root["m2m100"], monkeypatch)
    assert m2m_tok.convert_tokens_to_ids("__en__") == m2m_tok.get_lang_id("en")
    assert "__en__" in m2m_tok.all_special_tokens  # so skip_special_tokens drops it

    nllb_tok, _ = _load(tiny_root["nllb"], monkeypatch)
    nllb_tok.src_lang = "vie_Latn"
    ids = nllb_tok("Xin chào").input_ids
    assert ids[0] == nllb_tok.convert_tokens_to_ids("vie_Latn") != nllb_tok.unk_token_id

    pegasus_tok, _ = _load(tiny_root["pegasus"], monkeypatch)
    n_id = pegasus_tok.convert_tokens_to_ids("<n>")
    assert n_id != pegasus_tok.unk_token_id
    assert n_id in pegasus_tok("First sentence.<n>Second sentence.").input_ids

    t5_tok, _ = _load(tiny_root["t5"], monkeypatch)
    assert t5_tok.decode(t5_tok("en: Hello").input_ids, skip_special_tokens=True) == "en: Hello"


def test_custom_corpus_and_seed(tmp_path: Path) -> None:
    corpus = ["Xin chào các bạn.", "Hello friends."] * 5
    a = mf.build_model("marian", tmp_path / "a", corpus=corpus, seed=1)
    b = mf.build_model("marian", tmp_path / "b", corpus=corpus, seed=1)
    assert (a / "model.safetensors").read_bytes() == (b / "model.safetensors").read_bytes()
    with pytest.raises(ValueError):
        mf.build_model("nllb", tmp_path / "c", size="real")
    with pytest.raises(ValueError):
        mf.build_model("gpt2", tmp_path / "d")


@pytest.mark.slow
def test_real_size_marian_generates(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = mf.build_model("marian", tmp_path / "marian", size="real")
    tokenizer, model = _load(path, monkeypatch)
    assert model.config.vocab_size == 53685 == len(tokenizer)
    assert model.config.d_model == 512 and model.config.encoder_layers == 6
    batch = tokenizer([VI], return_tensors="pt")
    out = model.generate(**batch, min_new_tokens=5, max_new_tokens=5, num_beams=1)
    assert out.shape[1] == 6
    assert isinstance(tokenizer.batch_decode(out, skip_special_tokens=True)[0], str)
