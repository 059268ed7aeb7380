"""Translator mechanics on a tiny Marian: batching, order, dedupe, splitting, caching."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.helpers import record_generate_calls
from translate.engines import GenerationOptions
from translate.results import ScoredText
from translate.translator import Translator

SENTENCES = [
    "Thủ tướng yêu cầu các bộ ngành đẩy nhanh tiến độ giải ngân vốn đầu tư công.",
    "Mưa lớn.",
    "Giá vàng trong nước tăng lên 85,5 triệu đồng mỗi lượng vào sáng nay.",
    "Hà Nội có 1.500.000 học sinh.",
    "Mưa lớn.",
]


@pytest.fixture(scope="module")
def translator(tiny_translator_dir) -> Translator:
    return Translator(str(tiny_translator_dir), device="cpu", beams=1, max_batch_size=2)


def test_one_translation_per_sentence_in_order(translator, monkeypatch):
    calls = record_generate_calls(translator.engine, monkeypatch)
    out = translator.translate(SENTENCES)
    assert len(out) == len(SENTENCES)
    assert out[1] == out[4]  # identical sentences, identical translations
    sent = [s for batch in calls for s in batch]
    assert sorted(sent) == sorted(set(SENTENCES)), "each distinct sentence generated once"
    # Batches depend on lengths, not on input order, so a permutation permutes the outputs.
    assert translator.translate(SENTENCES[::-1]) == out[::-1]


def test_batches_are_length_sorted_and_within_budget(translator):
    lengths = dict(zip(SENTENCES, translator.engine.count_tokens(SENTENCES), strict=True))
    batches = translator.batches(list(dict.fromkeys(SENTENCES)), lengths)
    flat = [s for b in batches for s in b]
    assert [lengths[s] for s in flat] == sorted((lengths[s] for s in flat), reverse=True)
    assert all(len(b) <= translator.max_batch_size for b in batches)


def test_output_length_is_bounded_by_input_length(translator, monkeypatch):
    seen: list[GenerationOptions] = []
    real = translator.engine.generate_scored

    def spy(texts, options, **kwargs):
        seen.append(options)
        return real(texts, options, **kwargs)

    monkeypatch.setattr(translator.engine, "generate_scored", spy)
    translator.translate(["Mưa."])
    short_bound = seen[-1].max_new_tokens
    translator.translate([SENTENCES[0] * 3])
    assert short_bound < seen[-1].max_new_tokens < 10 * translator.engine.count_tokens(
        [SENTENCES[0] * 3])[0]


def test_long_sentence_is_cut_to_fit_and_fully_translated(translator, monkeypatch):
    words = ("người dân thành phố đang chờ đợi tuyến tàu điện ngầm mới được hoàn thành "
             "sau nhiều năm trì hoãn").split()
    # 400 words, no punctuation; numbers keep the cut pieces distinct (identical ones are deduped)
    sentence = " ".join(str(i) if i % 10 == 0 else words[i % len(words)] for i in range(400))
    window = translator.engine.max_input_tokens
    assert translator.engine.count_tokens([sentence])[0] > window
    calls = record_generate_calls(translator.engine, monkeypatch)
    [out] = translator.translate([sentence])
    pieces = [s for batch in calls for s in batch]
    assert len(pieces) > 1
    assert all(translator.engine.count_tokens([p])[0] <= window for p in pieces)
    assert sorted(" ".join(pieces).split()) == sorted(sentence.split()), "no word lost"
    assert " ".join(translator.split_to_fit(sentence)).split() == sentence.split()
    assert out.strip()


def test_empty_and_blank_sentences_give_empty_strings(translator):
    assert translator.translate(["", "  "]) == ["", ""]
    assert translator.translate([]) == []


class DictCache:
    """The SentenceCache protocol over a dict (any store can serve as the cache)."""

    def __init__(self) -> None:
        self.store: dict[tuple[str, str], ScoredText] = {}

    def get_many(self, sentences, signature):
        return {s: self.store[(signature, s)] for s in sentences if (signature, s) in self.store}

    def put_many(self, translations, signature):
        self.store.update({(signature, s): t for s, t in translations.items()})


def test_cache_is_consulted_before_the_model(tiny_translator_dir, monkeypatch):
    cache = DictCache()
    translator = Translator(str(tiny_translator_dir), device="cpu", beams=1, cache=cache)
    first = translator.translate(SENTENCES)
    calls = record_generate_calls(translator.engine, monkeypatch)
    assert translator.translate(SENTENCES) == first
    assert calls == []
    # One entry per distinct sentence, under this translator's signature, holding its output.
    assert set(cache.store) == {(translator.signature(), s) for s in SENTENCES}
    assert [cache.store[(translator.signature(), s)].text for s in SENTENCES] == first


@settings(max_examples=15, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.sampled_from(SENTENCES + ["Trời nắng.", "Tôi đi học.", "", "  "]),
                max_size=8))
def test_property_one_output_per_input(translator, sentences):
    out = translator.translate(sentences)
    assert len(out) == len(sentences)
    # Blank in, blank out; text in, text out; the same sentence always the same output.
    assert [bool(t.strip()) for t in out] == [bool(s.strip()) for s in sentences]
    assert len({(s, t) for s, t in zip(sentences, out, strict=True)}) == len(set(sentences))
