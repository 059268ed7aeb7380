"""One serving object: the page's handlers and the REST API's go through one
:class:`~translate.serving.host.ModelHost`, so their translations share model calls; the API
may choose any model of the server's list; ``/translate`` runs no sentence checks (it returns
none) while ``/v1/translate`` returns them. In process, with real tiny models and the real
handlers of both doors; the engine's own ``generate_scored`` is wrapped only to count calls."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from translate.api import Api, V1Translate
from translate.api_settings import ApiSettings
from translate.catalog import ModelError
from translate.config import ModelConfig
from translate.serving.host import BatchingOptions, ModelHost
from translate.web import Handlers, WebConfig

PAGE_TEXT = "Trời mưa to ở Hà Nội. Giao thông ùn tắc."
API_TEXT = "Giá xăng tăng mạnh trong tuần này."


def _host(translator_dir, summarizer_dir, models: tuple[str, ...] = (),
          window_s: float = 0.05) -> tuple[ModelHost, WebConfig]:
    config = WebConfig(ModelConfig(model=str(translator_dir), summarizer=str(summarizer_dir),
                                   device="cpu", engine="transformers", beams=1),
                       models=models)
    return ModelHost(config.model_config, models,
                     batching=BatchingOptions(window_s=window_s)), config


def _count_calls(monkeypatch: pytest.MonkeyPatch, host: ModelHost,
                 model: str | None = None) -> list[list[str]]:
    """The texts of each call of the model's real generate_scored, in order."""
    engine = host.pool.pipeline(model).translator.engine
    real = engine.generate_scored
    calls: list[list[str]] = []

    def counted(texts: Any, *args: Any, **kwargs: Any) -> Any:
        calls.append(list(texts))
        return real(texts, *args, **kwargs)

    monkeypatch.setattr(engine, "generate_scored", counted)
    return calls


@pytest.mark.slow  # the page built and served in-process beside the API (about 9 s)
def test_one_generate_call_serves_the_page_and_the_api_together(
        tiny_translator_dir, tiny_summarizer_dir, monkeypatch):
    # A long window: both requests arrive within it, whichever thread starts first.
    host, config = _host(tiny_translator_dir, tiny_summarizer_dir, window_s=2.0)
    host.preload()
    page = Handlers(config, host)
    api = Api(host, ApiSettings(), max_chars=10_000)
    page.translate("Xin chào.")  # first uses (segmenter, checks) are not what is timed here
    calls = _count_calls(monkeypatch, host)
    answers: dict[str, Any] = {}
    start = threading.Barrier(2)

    def from_the_page() -> None:
        start.wait()
        answers["page"] = page.translate(PAGE_TEXT)

    def from_the_api() -> None:
        start.wait()
        answers["api"] = api.translate({"q": API_TEXT, "source": "vi", "target": "en"})

    threads = [threading.Thread(target=from_the_page), threading.Thread(target=from_the_api)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    english, result = answers["page"]
    assert english.strip() and len(result["paragraphs"][0]["sentences"]) == 2
    assert answers["api"]["translatedText"].strip()
    # The first model call held the page's two sentences and the API's one.
    assert sorted(calls[0]) == sorted(["Trời mưa to ở Hà Nội.", "Giao thông ùn tắc.", API_TEXT])
    assert host.batcher(None).batches >= 1


def test_translate_runs_no_checks_and_v1_returns_them(tiny_translator_dir,
                                                      tiny_summarizer_dir):
    host, _ = _host(tiny_translator_dir, tiny_summarizer_dir)
    api = Api(host, ApiSettings(), max_chars=10_000)
    shared = host.pool.pipeline(None)
    answer = api.translate({"q": [PAGE_TEXT, API_TEXT], "source": "vi", "target": "en"})
    assert len(answer["translatedText"]) == 2
    assert shared._checks.runner is None  # no sentence check was ever started
    full = api.v1_translate(V1Translate(text=PAGE_TEXT))
    sentences = [s for p in full["paragraphs"] for s in p["sentences"]]
    assert len(sentences) == 2 and all("flags" in s for s in sentences)
    assert shared._checks.runner is not None  # /v1/translate ran them


def test_the_api_chooses_any_model_of_the_list(tiny_models, tiny_summarizer_dir, monkeypatch):
    other = tiny_models["nllb"]
    host, _ = _host(tiny_models["marian"], tiny_summarizer_dir, models=(str(other),))
    api = Api(host, ApiSettings(), max_chars=10_000)
    calls = _count_calls(monkeypatch, host, other.name)
    answer = api.translate({"q": API_TEXT, "source": "vi", "target": "en",
                            "model": other.name})
    assert answer["translatedText"].strip() and calls and calls[0] == [API_TEXT]
    assert host.batcher(other.name).batches == 1
    assert not host.translator_loaded(None)  # the default model was never needed
    with pytest.raises(ModelError, match="not one of this server's models"):
        api.translate({"q": API_TEXT, "source": "vi", "target": "en", "model": "gpt-5"})
