"""One serving object: the page's handlers and the REST API's go through one
:class:`~translate.serving.host.ModelHost`, so their translations share model calls; the API
may choose any model of the server's list; ``/translate`` runs no sentence checks (it returns
none) while ``/v1/translate`` returns them. In process, with real tiny models and the real
handlers of both doors; the engine's own ``generate_scored`` is wrapped only to count calls."""

from __future__ import annotations

import shutil
import threading
import time
from typing import Any

import pytest

from translate.api import Api, V1Summarize, V1Translate
from translate.api_settings import ApiSettings
from translate.catalog import ModelError
from translate.config import ModelConfig
from translate.serving.host import BatchingOptions, ModelHost
from translate.stopping import Cancelled
from translate.translator import Translator
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


def _watch_overlap(monkeypatch: pytest.MonkeyPatch, engine: Any, method: str,
                   running: dict[str, int], lock: threading.Lock) -> None:
    """Count the engine's calls in progress (``running["now"]``, the most at once in
    ``running["most"]``); each call lasts at least 0.2 s so that others try to overlap it."""
    real = getattr(engine, method)

    def watched(*args: Any, **kwargs: Any) -> Any:
        with lock:
            running["now"] += 1
            running["most"] = max(running["most"], running["now"])
            running["calls"] += 1
        try:
            time.sleep(0.2)
            return real(*args, **kwargs)
        finally:
            with lock:
                running["now"] -= 1

    monkeypatch.setattr(engine, method, watched)


def test_model_calls_take_turns_across_models_and_the_summarizer(
        tiny_models, tiny_summarizer_dir, monkeypatch):
    """Jobs run at once (two translation models' batchers, an API summary, a page summary);
    the machine runs one model call at a time (a CPU's bound), and every job finishes."""
    other = tiny_models["nllb"]
    config = WebConfig(ModelConfig(model=str(tiny_models["marian"]),
                                   summarizer=str(tiny_summarizer_dir), device="cpu",
                                   engine="transformers", beams=1), models=(str(other),))
    host = ModelHost(config.model_config, config.models, model_calls=1)
    assert host.turns.at_once == 1
    host.preload(summarizer=True)
    running, lock = {"now": 0, "most": 0, "calls": 0}, threading.Lock()
    for model in (None, other.name):
        _watch_overlap(monkeypatch, host.pool.pipeline(model).translator.engine,
                       "generate_scored", running, lock)
    _watch_overlap(monkeypatch, host.summarizer().engine, "generate", running, lock)
    page, api = Handlers(config, host), Api(host, ApiSettings(), max_chars=10_000)
    english = " ".join(["The flood reached the old town on Monday night."] * 40)
    jobs = {
        "marian": lambda: api.translate({"q": API_TEXT, "source": "vi", "target": "en"}),
        "nllb": lambda: api.translate({"q": PAGE_TEXT, "source": "vi", "target": "en",
                                       "model": other.name}),
        "api summary": lambda: api.v1_summarize(V1Summarize(text=english)),
        "page summary": lambda: page.summarize(english),
    }
    done: dict[str, Any] = {}
    start = threading.Barrier(len(jobs))

    def run(name: str) -> None:
        start.wait()
        done[name] = jobs[name]()

    threads = [threading.Thread(target=run, args=(name,)) for name in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert set(done) == set(jobs)
    assert running["calls"] >= len(jobs) and running["most"] == 1


def test_a_job_waiting_for_its_turn_leaves_when_stopped(tiny_translator_dir,
                                                        tiny_summarizer_dir):
    host, _ = _host(tiny_translator_dir, tiny_summarizer_dir, window_s=0)
    host.preload()
    translator = host.pool.pipeline(None).translator
    stop = threading.Event()
    with host.turns.turn():  # the machine's one turn, held by another job
        threading.Timer(0.3, stop.set).start()
        began = time.monotonic()
        with pytest.raises(Cancelled, match="waiting for the model"):
            translator.translate([API_TEXT], stop=stop)
        assert 0.25 < time.monotonic() - began < 5
    assert translator.translate([API_TEXT])[0].strip()  # the turn was given back


def test_a_library_user_s_model_has_no_turns(tiny_translator_dir):
    """Only a server bounds model calls: a Translator made by hand calls its engine at once."""
    translator = Translator(str(tiny_translator_dir), device="cpu", engine="transformers")
    assert translator._slot.turns is None
    with translator.turn():  # a no-op
        pass


@pytest.mark.slow  # the page launched in-process, two gradio_client clients (about 10 s)
def test_two_page_visitors_jobs_share_one_model_call(tiny_translator_dir, tiny_summarizer_dir,
                                                     monkeypatch):
    """The page runs several visitors' jobs at once (their model calls take turns in the
    host), so two visitors who press Translate together are served by one model call."""
    from gradio_client import Client

    from tests.helpers import serving_page
    from translate.web import build_app

    host, config = _host(tiny_translator_dir, tiny_summarizer_dir, window_s=2.0)
    host.preload()
    Handlers(config, host).translate("Xin chào.")  # first uses are not what is counted
    calls = _count_calls(monkeypatch, host)
    with serving_page(build_app(config, Handlers(config, host))) as url:
        visitors = [Client(url, verbose=False) for _ in range(2)]
        jobs = [visitor.submit(text=text, beams=1.0, glossary="", api_name="/translate")
                for visitor, text in zip(visitors, (PAGE_TEXT, API_TEXT), strict=True)]
        answers = [job.result(timeout=300) for job in jobs]
    assert all(answer[0].strip() for answer in answers)
    assert sorted(calls[0]) == sorted(["Trời mưa to ở Hà Nội.", "Giao thông ùn tắc.", API_TEXT])


def test_preload_refuses_to_start_with_a_model_that_cannot_load(tiny_translator_dir,
                                                                 tiny_summarizer_dir, tmp_path,
                                                                 capsys):
    """``vi2en serve --preload`` loads both models before serving: a summarizer whose weights
    are damaged stops the start with one line (without --preload the first summary would)."""
    from tests.helpers import free_port
    from translate.cli import main

    broken = tmp_path / "broken-summarizer"
    shutil.copytree(tiny_summarizer_dir, broken)
    (broken / "model.safetensors").write_bytes(b"not weights")
    code = main(["serve", "--preload", "--no-page", "--port", str(free_port()), "--model",
                 str(tiny_translator_dir), "--summarizer", str(broken), "--device", "cpu"])
    err = capsys.readouterr().err
    assert code != 0
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1 and "summarization model" in lines[0], err
    assert "Traceback" not in err and str(broken) not in err


def test_preload_loads_the_models_before_the_first_request(vi2en_serve):
    served = vi2en_serve("--preload", "--verbose", "--no-page")
    try:
        # Nothing was asked of the server yet but /languages (its start-up check).
        assert "models loaded" in served.output()
    finally:
        served.stop()


def test_model_calls_at_once_come_from_the_device_or_concurrency(tiny_translator_dir,
                                                                  tiny_summarizer_dir):
    from translate.cli import build_parser
    from translate.cli.serve import web_config_from_args
    from translate.engines import model_calls_at_once

    assert (model_calls_at_once("cpu"), model_calls_at_once("cuda:0")) == (1, 2)
    host, config = _host(tiny_translator_dir, tiny_summarizer_dir)
    assert host.turns.at_once == 1  # device="cpu"
    args = build_parser().parse_args(["serve", "--concurrency", "3", "--model",
                                      str(tiny_translator_dir), "--device", "cpu"])
    config = web_config_from_args(args)
    assert Handlers(config).host.turns.at_once == 3
