"""The translation model's sentence scores: what both engines compute, kept through the
translator, its cache, the request batcher, the glossary and the retry, and the
``low_confidence`` flag judged within a document. Real (tiny) models throughout."""

from __future__ import annotations

import importlib.util
import sqlite3
import threading
from pathlib import Path

import pytest

from tests.helpers import EXAMPLE_ARTICLE, REPO, lively_copy, record_generate_calls
from translate import text as vtext
from translate.cache import SQLiteSentenceCache
from translate.checks import STRICT_CHECKS_ENV, check_confidence
from translate.checks import confidence as confidence_check
from translate.engines import GenerationOptions
from translate.glossary import Glossary
from translate.pipeline import _RETRY_CHANGES, Pipeline
from translate.results import ScoredText
from translate.service import TranslationService
from translate.translator import Translator

HAS_CT2 = importlib.util.find_spec("ctranslate2") is not None
NEEDS_CT2 = pytest.mark.skipif(not HAS_CT2, reason="ctranslate2 is not installed")
ENGINES = ["transformers", pytest.param("ctranslate2", marks=NEEDS_CT2)]
SENTENCES = [
    "Hà Nội hôm nay có mưa rào, nhiệt độ cao nhất 28,5 độ C.",
    "Giá xăng tăng 320 đồng mỗi lít.",
    "Ông Nguyễn Văn An, Bộ trưởng Bộ Tài chính, cho biết ngân sách năm 2024 tăng 12%.",
    "Trời mưa.",
]


@pytest.fixture(scope="module")
def lively(tiny_models, tmp_path_factory) -> dict[str, Path]:
    """Tiny models whose outputs and scores depend on the input (see lively_copy)."""
    root = tmp_path_factory.mktemp("lively-scores")
    return {f: lively_copy(tiny_models[f], root / f, seed=1) for f in ("marian", "t5", "nllb")}


def _scores(outputs: list[ScoredText]) -> list[float]:
    scores = [out.score for out in outputs]
    assert all(isinstance(s, float) for s in scores), scores
    return scores  # type: ignore[return-value]


# -- the engines ---------------------------------------------------------------------------------

@pytest.mark.parametrize("beams", [1, 3])
def test_transformers_scores_are_generates_own_token_scores(lively, beams):
    """The score equals the mean of what transformers itself reports for the chosen tokens
    when asked to keep every step's scores (output_scores=True): an independent path."""
    import torch

    translator = Translator(str(lively["t5"]), device="cpu", engine="transformers")
    engine = translator.engine
    options = GenerationOptions(num_beams=beams, max_new_tokens=12)
    ours = _scores(engine.generate_scored(SENTENCES, options))

    batch = engine._pad(engine.encode(SENTENCES))
    with torch.inference_mode():
        out = engine.model.generate(**batch, num_beams=beams, max_new_tokens=12, do_sample=False,
                                    early_stopping=beams > 1, return_dict_in_generate=True,
                                    output_scores=True)
    steps = engine.model.compute_transition_scores(
        out.sequences, out.scores, out.get("beam_indices"), normalize_logits=beams == 1)
    eos = engine.model.generation_config.eos_token_id
    expected = []
    for i, row in enumerate(steps.tolist()):
        tokens = out.sequences[i, 1:].tolist()
        length = (int((out.beam_indices[i] >= 0).sum()) if beams > 1
                  else (tokens.index(eos) + 1 if eos in tokens else len(tokens)))
        expected.append(sum(row[:length]) / length)
    assert ours == pytest.approx(expected, abs=1e-4)
    assert len({round(s, 3) for s in ours}) > 1, "scores that differ by input"


@NEEDS_CT2
@pytest.mark.parametrize("beams", [1, 3])
@pytest.mark.parametrize("family", ["marian", "t5", "nllb"])
def test_both_engines_give_the_same_score_for_the_same_output(lively, family, beams):
    # float32 on both: int8 changes outputs by design.
    options = GenerationOptions(num_beams=beams, max_new_tokens=16)
    outputs = {}
    for engine in ("transformers", "ctranslate2"):
        translator = Translator(str(lively[family]), device="cpu", engine=engine,
                                compute_type="float32")
        assert translator.engine.precision == "float32"
        outputs[engine] = translator.engine.generate_scored(SENTENCES, options)
    hf, ct2 = outputs["transformers"], outputs["ctranslate2"]
    assert [o.text for o in hf] == [o.text for o in ct2]
    assert _scores(hf) == pytest.approx(_scores(ct2), abs=1e-3)
    assert all(s < 0 for s in _scores(hf))


def test_generate_without_scores_is_unchanged(lively):
    translator = Translator(str(lively["marian"]), device="cpu", engine="transformers")
    options = GenerationOptions(num_beams=2, max_new_tokens=10)
    plain = translator.engine.generate(SENTENCES, options)
    scored = translator.engine.generate_scored(SENTENCES, options)
    assert plain == [o.text for o in scored]


# -- kept on the way up --------------------------------------------------------------------------

@pytest.mark.slow  # more than 2 s of CPU
@pytest.mark.parametrize("engine", ENGINES)
def test_each_sentence_result_has_its_score_in_the_json(lively, engine, example_text,
                                                        monkeypatch):
    monkeypatch.setattr("translate.pipeline.needs_retry", lambda flags: False)
    translator = Translator(str(lively["marian"]), device="cpu", engine=engine, beams=1)
    result = Pipeline(translator=translator).translate(example_text)
    sources = [s.source for s in result.sentences]
    expected = _scores(translator.translate_scored(sources))
    assert [s.score for s in result.sentences] == pytest.approx(expected, abs=1e-4)
    listed = [s["score"] for p in result.to_dict()["paragraphs"] for s in p["sentences"]]
    assert listed == [round(s.score, 4) for s in result.sentences]


def test_cached_sentences_keep_their_score(lively, tmp_path):
    path = tmp_path / "cache.sqlite"
    with SQLiteSentenceCache(path) as cache:
        translator = Translator(str(lively["marian"]), device="cpu", engine="transformers",
                                beams=1, cache=cache)
        first = translator.translate_scored(SENTENCES)
    with SQLiteSentenceCache(path) as cache:  # another run
        translator = Translator(str(lively["marian"]), device="cpu", engine="transformers",
                                beams=1, cache=cache)
        calls = record_generate_calls(translator.engine)
        again = translator.translate_scored(SENTENCES)
        result = Pipeline(translator=translator, check_quality=False).translate(SENTENCES[0])
    assert calls == [] and cache.hits == len(SENTENCES) + 1
    assert again == first and all(o.score is not None for o in again)
    assert result.sentences[0].score == first[0].score


# The schema a cache had before scores were kept (vi2en at acaf2ca).
OLD_SCHEMA = """
CREATE TABLE signatures (id INTEGER PRIMARY KEY, signature TEXT NOT NULL UNIQUE);
CREATE TABLE translations (
    signature_id INTEGER NOT NULL, source TEXT NOT NULL, translation TEXT NOT NULL,
    PRIMARY KEY (signature_id, source)) WITHOUT ROWID;
"""


def test_a_cache_from_before_scores_is_upgraded_with_its_translations(lively, tmp_path):
    path = tmp_path / "old.sqlite"
    translator = Translator(str(lively["marian"]), device="cpu", engine="transformers",
                            beams=1)
    db = sqlite3.connect(path)
    db.executescript(OLD_SCHEMA)
    db.execute("INSERT INTO signatures (id, signature) VALUES (1, ?)", (translator.signature(),))
    db.execute("INSERT INTO translations VALUES (1, ?, 'It rains.')", (SENTENCES[3],))
    db.commit()
    db.close()

    with SQLiteSentenceCache(path) as cache, SQLiteSentenceCache(path) as other:
        assert cache.get_many([SENTENCES[3]], translator.signature()) == {
            SENTENCES[3]: ScoredText("It rains.", None)}
        translator.cache = cache
        result = Pipeline(translator=translator, check_quality=False).translate(
            f"{SENTENCES[3]} {SENTENCES[1]}")
        other.put_many({"Mưa.": ScoredText("Rain.", -0.25)}, "sig")
        assert other.get_many(["Mưa."], "sig") == {"Mưa.": ScoredText("Rain.", -0.25)}
    old, new = result.sentences
    assert (old.translation, old.score) == ("It rains.", None)
    assert result.to_dict()["paragraphs"][0]["sentences"][0]["score"] is None
    assert new.score is not None  # translated now, its score stored
    columns = [row[1] for row in sqlite3.connect(path).execute("PRAGMA table_info(translations)")]
    assert columns == ["signature_id", "source", "translation", "score"]
    with SQLiteSentenceCache(path) as cache:
        assert cache.get_many([SENTENCES[1]], translator.signature())[SENTENCES[1]] == \
            ScoredText(new.translation, new.score)


def test_shared_batches_give_each_request_its_own_scores(lively):
    translator = Translator(str(lively["marian"]), device="cpu", engine="transformers",
                            beams=1)
    expected = {s: o.score for s, o in zip(SENTENCES, translator.translate_scored(SENTENCES),
                                           strict=True)}
    service = TranslationService(Pipeline(translator=translator, check_quality=False),
                                 batch_window_s=0.2)
    texts = [SENTENCES[0] + "\n\n" + SENTENCES[1], SENTENCES[2],
             SENTENCES[3] + "\n\n" + SENTENCES[0]]
    results: dict[int, object] = {}

    def run(i: int) -> None:
        results[i] = service.translate_article(texts[i])

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(texts))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert service.batcher.batches < len(texts), "the requests shared a batch"
    for i in range(len(texts)):
        for sentence in results[i].sentences:  # type: ignore[attr-defined]
            assert sentence.score == pytest.approx(expected[sentence.source], abs=1e-4)


@pytest.mark.slow  # more than 2 s of CPU
def test_glossary_sentences_keep_the_score_of_what_the_model_wrote(lively):
    translator = Translator(str(lively["marian"]), device="cpu", engine="transformers",
                            beams=1)
    glossary = Glossary.from_tsv("Bộ Tài chính\tMinistry of Finance\nHà Nội\tHanoi\n")
    result = Pipeline(translator=translator, glossary=glossary, check_quality=False).translate(
        "\n\n".join(SENTENCES))
    masked = [glossary.mask(s.source).text for s in result.sentences]
    assert "ZX1" in masked[0] and "ZX1" in masked[2]
    assert [s.score for s in result.sentences] == pytest.approx(
        _scores(translator.translate_scored(masked)), abs=1e-4)


def test_a_retried_sentence_keeps_the_score_of_the_output_kept(lively, monkeypatch):
    # The tiny model's outputs loop, so sentences are retried with safer decoding (5 beams).
    translator = Translator(str(lively["marian"]), device="cpu", engine="transformers",
                            beams=1)
    engine = translator.engine
    original = engine.generate_scored
    made: dict[tuple[int, str], ScoredText] = {}  # (beams, input) -> what the engine gave

    def spy(texts, options, **kwargs):
        outputs = original(texts, options, **kwargs)
        made.update(((options.num_beams, t), o) for t, o in zip(texts, outputs, strict=True))
        return outputs

    monkeypatch.setattr(engine, "generate_scored", spy)
    result = Pipeline(translator=translator).translate("\n\n".join(SENTENCES[:3]))
    retried = [s for s in result.sentences if any(f.kind == "retried" for f in s.flags)]
    assert retried, "some sentence was retried"
    for sentence in retried:
        [note] = [f.detail for f in sentence.flags if f.kind == "retried"]
        beams = _RETRY_CHANGES["num_beams"] if "retried with safer decoding" in note else 1
        assert made[(beams, sentence.source)] == ScoredText(sentence.translation, sentence.score)


# -- low_confidence ------------------------------------------------------------------------------

def _pool() -> list[str]:
    """Real Vietnamese sentences: the example article's and the news-style pairs'."""
    lines = (REPO / "benchmarks" / "data" / "news_pairs.vi").read_text(encoding="utf-8")
    candidates = [line for line in lines.splitlines() if line.strip()
                  and not line.startswith("#")]
    candidates += [s for p in vtext.segment(EXAMPLE_ARTICLE.read_text(encoding="utf-8"))
                   for s in p]
    # Only those that are one sentence each, so that a document of them segments back.
    return [s for s in dict.fromkeys(candidates) if vtext.segment(s) == [[s]]]


def _short_fixed_output(translator: Translator) -> None:
    """Random weights never end a sentence: a fixed 20 tokens keeps the tests quick."""
    translator.options = translator.options.with_options(num_beams=1, max_new_tokens=20,
                                                  min_new_tokens=20)


def _low(result) -> list[str]:
    return [s.source for s in result.sentences if any(f.kind == "low_confidence"
                                                      for f in s.flags)]


@pytest.mark.parametrize("engine", ENGINES)
def test_a_sentence_the_model_is_far_less_sure_of_is_flagged(lively, engine, monkeypatch):
    monkeypatch.setattr("translate.pipeline.needs_retry", lambda flags: False)
    translator = Translator(str(lively["marian"]), device="cpu", engine=engine)
    _short_fixed_output(translator)
    pool = _pool()
    assert len(pool) >= 60
    # The engine's own scores pick a document: nine sentences it is sure of, one it is not.
    scored = sorted(zip(_scores(translator.translate_scored(pool)), pool, strict=True))
    doubtful, sure = scored[0], scored[-9:]
    assert sure[0][0] - doubtful[0] > 1.0, (doubtful, sure)
    document = [s for _, s in sure[:4]] + [doubtful[1]] + [s for _, s in sure[4:]]
    result = Pipeline(translator=translator).translate("\n\n".join(document))
    assert [s.source for s in result.sentences] == document
    assert _low(result) == [doubtful[1]]
    [flag] = [f for f in result.sentences[4].flags if f.kind == "low_confidence"]
    assert f"{doubtful[0]:.2f}" in flag.detail and flag.span is None
    # The same sentences in a short text: too few to say what is usual, no flag.
    short = Pipeline(translator=translator).translate("\n\n".join(document[2:7]))
    assert _low(short) == []


@pytest.mark.parametrize("engine", ENGINES)
def test_an_article_without_an_outlier_gets_no_low_confidence(lively, tiny_models, engine,
                                                              example_text, monkeypatch):
    monkeypatch.setattr("translate.pipeline.needs_retry", lambda flags: False)
    for model in (lively["marian"], tiny_models["marian"]):  # scores spread out, and alike
        translator = Translator(str(model), device="cpu", engine=engine)
        _short_fixed_output(translator)
        result = Pipeline(translator=translator).translate(example_text)
        assert len(result.sentences) >= 10 and all(s.score for s in result.sentences)
        assert _low(result) == []


def test_a_crash_in_the_confidence_check_is_a_check_error(lively, monkeypatch, caplog):
    translator = Translator(str(lively["marian"]), device="cpu", engine="transformers")
    _short_fixed_output(translator)
    pipeline = Pipeline(translator=translator)
    monkeypatch.setattr("translate.pipeline.needs_retry", lambda flags: False)

    def broken(values):
        raise RuntimeError("median bug")

    monkeypatch.setattr(confidence_check, "median", broken)
    text = " ".join(_pool()[:9])
    with pytest.raises(RuntimeError, match="median bug"):  # the test suite runs strict
        pipeline.translate(text)
    monkeypatch.delenv(STRICT_CHECKS_ENV)
    with caplog.at_level("ERROR", logger="translate.checks.guard"):
        result = pipeline.translate(text)
    for sentence in result.sentences:
        errors = [f for f in sentence.flags if f.kind == "check_error"]
        assert len(errors) == 1 and "confidence check failed" in errors[0].detail
    assert any("median bug" in (r.exc_text or "") for r in caplog.records)


def test_check_confidence_on_scores():
    usual = [-0.62, -0.55, -0.71, -0.6, -0.66, -0.58, -0.69, -0.63, -0.57]
    flags = check_confidence(usual[:4] + [-1.9] + usual[4:])
    assert [i for i, f in enumerate(flags) if f] == [4]
    assert flags[4][0].kind == "low_confidence" and "-1.90" in flags[4][0].detail
    # A dip that is an outlier by its z-score but under half a nat per token: no flag.
    assert not any(check_confidence(usual + [-0.95]))
    # Unscored sentences (cached before scores were kept) are neither judged nor counted.
    with_gaps = check_confidence([None, *usual[:7], None, -2.5])
    assert [i for i, f in enumerate(with_gaps) if f] == [9]
    assert not any(check_confidence([None] * 3 + usual[:6] + [-2.5]))  # 7 scored: too few
    # Higher than usual is no problem; all alike is no problem.
    assert not any(check_confidence(usual + [-0.01]))
    assert not any(check_confidence([-6.4] * 12))
