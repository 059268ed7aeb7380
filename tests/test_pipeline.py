"""Article in, result out, through tiny real models."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from translate import Pipeline, PipelineResult
from translate import text as vtext
from translate.checks import guard, numbers, summary
from translate.summarizer import Summarizer, length_bounds


@pytest.fixture(scope="module")
def pipeline(tiny_translator_dir, tiny_summarizer_dir) -> Pipeline:
    # transformers named: the default, auto, would take CTranslate2 where it is installed.
    return Pipeline(str(tiny_translator_dir), str(tiny_summarizer_dir), device="cpu",
                    engine="transformers", beams=1)


@pytest.mark.slow  # more than 2 s of CPU
def test_example_article_end_to_end(pipeline, example_text):
    result = pipeline.run(example_text)
    assert isinstance(result, PipelineResult)
    paragraphs = vtext.split_paragraphs(vtext.normalize(example_text))
    assert len(result.paragraphs) == len(paragraphs)
    assert all(s.translation.strip() for s in result.sentences)
    assert result.translation.count("\n\n") == len(paragraphs) - 1
    assert result.summary
    assert set(result.models) == {"translation", "summarization"}
    assert result.models["translation"].engine == "transformers"
    assert {"segment_s", "translate_s", "summarize_s"} <= set(result.timings)


@pytest.mark.slow  # more than 2 s of CPU
def test_sources_hold_all_of_the_input(pipeline, example_text):
    result = pipeline.translate(example_text)
    joined = "".join(s.source for s in result.sentences)
    assert _nospace(joined) == _nospace(vtext.normalize(example_text))


@pytest.mark.slow  # more than 2 s of CPU
def test_json_has_the_documented_shape(pipeline, example_text):
    data = json.loads(pipeline.run(example_text).to_json())
    assert {"source", "translation", "summary", "paragraphs", "models", "timings"} <= set(data)
    sentence = data["paragraphs"][0]["sentences"][0]
    assert set(sentence) == {"source", "translation", "score", "flags"}
    assert set(data["models"]["translation"]) >= {"name", "hub_id", "revision", "engine",
                                                  "device"}


@pytest.mark.slow  # more than 2 s of CPU
def test_shared_article_keeps_paragraphs_and_caption(pipeline, shared_article):
    result = pipeline.translate(shared_article)
    blocks = [b for b in shared_article.split("\n\n") if b.strip()]
    assert len(result.paragraphs) == len(blocks)
    assert any(s.source == "Ảnh: RIA Novosti" for s in result.sentences)


@pytest.mark.slow  # about 2 s of CPU (1.5-1.9 s measured)
def test_translate_many_matches_one_by_one(pipeline):
    docs = ["Trời mưa to ở Hà Nội. Giao thông ùn tắc.", "Giá xăng tăng mạnh.\n\nDân lo lắng."]
    together = pipeline.translate_many(docs)
    alone = [pipeline.translate(d) for d in docs]
    # Random weights run to the output bound, which depends on the batch; compare structure.
    shape = [[[s.source for s in p.sentences] for p in r.paragraphs] for r in together]
    assert shape == [[[s.source for s in p.sentences] for p in r.paragraphs] for r in alone]
    assert shape == [[["Trời mưa to ở Hà Nội.", "Giao thông ùn tắc."]],
                     [["Giá xăng tăng mạnh."], ["Dân lo lắng."]]]
    assert all(s.translation for r in together for s in r.sentences)


@pytest.mark.slow  # more than 2 s of CPU
def test_long_sentence_without_punctuation_is_fully_covered(pipeline):
    words = "chính phủ đã phê duyệt kế hoạch phát triển hạ tầng giao thông vùng".split()
    sentence = " ".join(words[i % len(words)] for i in range(400))
    result = pipeline.translate(sentence)
    assert len(result.paragraphs) == 1
    assert "".join(s.source for s in result.sentences).replace(" ", "") == \
        sentence.replace(" ", "")
    assert all(s.translation.strip() for s in result.sentences)


def test_summary_of_a_short_text_is_returned_as_is(tiny_summarizer_dir):
    summarizer = Summarizer(str(tiny_summarizer_dir), device="cpu")
    summary = summarizer.summarize("The metro opened today. Thousands rode it.")
    assert summary.text == "The metro opened today. Thousands rode it."
    assert summary.note and "as is" in summary.note


def test_summary_of_text_longer_than_the_window_is_map_reduced(tiny_summarizer_dir):
    summarizer = Summarizer(str(tiny_summarizer_dir), device="cpu", summary_length="short")
    text = " ".join(f"Line {i} of the metro opened on Monday after years of delay, officials said."
                    for i in range(60))
    assert summarizer.engine.count_tokens([text])[0] > summarizer.engine.max_input_tokens
    summary = summarizer.summarize(text)
    assert summary.rounds >= 1 and summary.chunks >= 2
    assert summary.text.strip()
    assert "window" in (summary.note or "")


def _crash(text: str) -> list:
    raise RuntimeError("extractor bug")


def test_a_crashing_check_becomes_a_check_error_flag_and_an_error_log(pipeline, monkeypatch,
                                                                      caplog):
    monkeypatch.delenv(guard.STRICT_CHECKS_ENV)  # production behaviour
    monkeypatch.setattr(numbers, "extract_vi_quantities", _crash)
    monkeypatch.setattr(numbers, "extract_en_quantities", _crash)
    monkeypatch.setattr(summary, "extract_en_quantities", _crash)
    with caplog.at_level("ERROR", logger="translate.checks.guard"):
        result = pipeline.run("Giá xăng tăng 5%. Trời mưa.")
    assert len(result.sentences) == 2
    for sentence in result.sentences:
        assert [f.kind for f in sentence.flags].count("check_error") == 1, sentence.flags
    assert result.summary
    assert [f.kind for f in result.summary_flags].count("check_error") == 1
    errors = [r for r in caplog.records if r.levelname == "ERROR"]
    # One per check run (a looping sentence is checked again after its retry).
    assert {r.getMessage().split(" check")[0] for r in errors} == {"the numbers", "the summary"}
    assert all("extractor bug" in r.exc_text for r in errors)


def test_a_crashing_check_raises_in_strict_mode(pipeline, monkeypatch):
    monkeypatch.setattr(numbers, "extract_vi_quantities", _crash)
    with pytest.raises(RuntimeError, match="extractor bug"):
        pipeline.translate("Giá xăng tăng 5%.")


def test_a_looping_summary_is_flagged(pipeline, monkeypatch):
    loop = " ".join(["person"] * 12 + ["gr"] * 12)
    monkeypatch.setattr(pipeline.summarizer.engine, "generate",
                        lambda texts, options: [loop for _ in texts])
    result = pipeline.translate("Trời mưa.")
    # A translation long enough to be summarized by the model, not returned as is.
    result.paragraphs[0].sentences[0].translation = " ".join(
        f"Line {i} of the metro opened on Monday after years of delay." for i in range(40))
    pipeline.add_summary(result)
    assert result.summary == loop
    kinds = [f.kind for f in result.summary_flags]
    assert kinds.count("repetition") == 1, result.summary_flags
    assert "person" in result.summary_flags[kinds.index("repetition")].detail


@pytest.mark.parametrize("length", ["short", "medium", "long"])
def test_length_bounds_never_ask_min_above_max(length):
    low, high = length_bounds(length)
    assert 0 <= low <= high


@given(st.integers(min_value=1, max_value=2000))
def test_property_max_words_bounds(max_words):
    low, high = length_bounds(max_words=max_words)
    assert 0 <= low <= high


def test_bad_summary_length_is_refused():
    with pytest.raises(ValueError, match="short, medium, long"):
        length_bounds("tiny")


paragraph_text = st.lists(
    st.sampled_from(["Trời mưa.", "TS. Lê Văn A nói vậy.", "Giá tăng 28,5%.", "Ảnh: TTXVN",
                     "“Tốt lắm!” ông nói.", "Xe buýt chạy chậm"]),
    min_size=1, max_size=4).map(" ".join)


@pytest.mark.slow  # more than 2 s of CPU
@settings(max_examples=10, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(paragraph_text, min_size=1, max_size=4))
def test_property_one_paragraph_per_paragraph(pipeline, paragraphs):
    result = pipeline.translate("\n\n".join(paragraphs))
    assert len(result.paragraphs) == len(paragraphs)
    assert all(len(p.sentences) >= 1 for p in result.paragraphs)
    assert all(s.translation for s in result.sentences)


def _nospace(text: str) -> str:
    return "".join(text.split())


def test_from_config_carries_every_model_setting(tiny_translator_dir, tiny_summarizer_dir):
    from translate.config import ModelConfig
    from translate.translator import Translator

    config = ModelConfig(model=str(tiny_translator_dir), summarizer=str(tiny_summarizer_dir),
                         device="cpu", engine="transformers", beams=3, summary_length="short",
                         max_words=30, compute_type="int8", threads=2)
    built = Pipeline.from_config(config, check_quality=False)
    assert built.translator.spec.local_path == tiny_translator_dir
    assert built.summarizer.spec.local_path == tiny_summarizer_dir
    assert built.translator.options.num_beams == 3
    assert (built.summarizer.summary_length, built.summarizer.max_words) == ("short", 30)
    for part in (built.translator, built.summarizer):
        assert (part.engine_name, part.device_request, part.loaded) == ("transformers", "cpu",
                                                                        False)
        # The engine's own settings travel with the model, to the engine it loads.
        assert part.engine_options == {"compute_type": "int8", "threads": 2}
    assert built.check_quality is False
    summarizer = Summarizer.from_config(config)
    assert (summarizer.summary_length, summarizer.max_words, summarizer.engine_name) == (
        "short", 30, "transformers")
    assert Translator.from_config(config, max_batch_size=2).max_batch_size == 2
    # One default everywhere: the Python API picks the engine as the CLI does.
    default = Pipeline(str(tiny_translator_dir), str(tiny_summarizer_dir))
    assert (default.translator.engine_name, default.summarizer.engine_name) == ("auto", "auto")
    assert ModelConfig().engine == "auto"
