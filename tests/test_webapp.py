"""The web page: handlers called directly, then the app served in-process and driven with
gradio_client, then ``python ui.py`` as a user starts it. Tiny models: outputs are nonsense."""

from __future__ import annotations

import dataclasses
import json
import logging
import os
import shutil
import socket
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from types import SimpleNamespace

import docx
import gradio as gr
import pytest
from gradio_client import Client
from gradio_client.exceptions import ValidationError

from tests.helpers import stop_process, wait_until_answering
from translate import exports, model_pool, web
from translate import text as vtext
from translate.catalog import ModelError
from translate.cli import build_parser, serve
from translate.cli.common import UsageError
from translate.config import ModelConfig
from translate.extract import ExtractionError
from translate.fetch import FetchError
from translate.model_pool import ModelPool
from translate.web import Handlers, WebConfig, build_app, launch
from translate.web import page as web_page

REPO = Path(__file__).resolve().parent.parent
SHORT = "Trời mưa to ở Hà Nội. Giao thông ùn tắc.\n\nGiá xăng tăng mạnh."
MAX_CHARS = 5000


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def config(tiny_translator_dir, tiny_summarizer_dir) -> WebConfig:
    return WebConfig(ModelConfig(model=str(tiny_translator_dir),
                                 summarizer=str(tiny_summarizer_dir), device="cpu", beams=1),
                     max_chars=MAX_CHARS)


@pytest.fixture(scope="module")
def handlers(config) -> Handlers:
    return Handlers(config)


# -- handlers, directly ---------------------------------------------------------------------------
@pytest.fixture(scope="module")
def translated(handlers) -> tuple[str, dict]:
    """SHORT through the translate handler, once for the tests that read it."""
    return handlers.translate(SHORT)


def test_translate_keeps_paragraphs_and_one_row_per_sentence(translated):
    english, state = translated
    paragraphs = vtext.segment(SHORT)
    assert english.strip() and english.count("\n\n") == len(paragraphs) - 1
    rows = exports.sentence_rows(state)
    assert [r[1] for r in rows] == [s for p in paragraphs for s in p]
    assert state["models"]["translation"]["name"] == "marian"


def test_summarize_records_an_edited_translation(handlers, translated):
    english, state = translated
    edited = english + "\n\nThe minister said prices would fall next year."
    summary, after = handlers.summarize(edited, "short", state)
    assert summary.strip()
    assert after["summary"] == summary and after["edited_translation"] == edited
    assert "summarization" in after["models"] and "translation" in after["models"]
    assert state["summary"] is None  # the session's old result is not changed in place
    _, unedited = handlers.summarize(english, "short", state)
    assert "edited_translation" not in unedited


def test_summarize_without_a_translation_first(handlers):
    summary, state = handlers.summarize("Prices rose. People worried. Shops closed early.")
    assert summary.strip() and state["translation"].startswith("Prices rose")


def test_process_gives_the_whole_result(handlers):
    result = handlers.process(SHORT, None, 1, "short")
    assert {"source", "translation", "summary", "paragraphs", "models", "timings"} <= set(result)
    assert result["summary"] is not None and "summarization" in result["models"]
    json.dumps(result)  # what the API returns must be JSON


def test_glossary_from_the_page(handlers):
    english, state = handlers.translate(SHORT, None, 1, "Hà Nội\tHanoi City\n")
    assert "Hanoi City" in english  # placed exactly, or kept and flagged if the model lost it
    with pytest.raises(gr.Error, match="glossary line 2: no tab"):
        handlers.translate(SHORT, None, 1, "Hà Nội\tHanoi\nxăng dầu")


@pytest.mark.parametrize("text", ["", "   \n\n ", None])
def test_empty_input_gets_a_friendly_message(handlers, text):
    with pytest.raises(gr.Error, match="Nothing to translate yet"):
        handlers.translate(text)
    with pytest.raises(gr.Error, match="Nothing to summarize yet"):
        handlers.summarize(text)


def test_oversize_input_refused_with_the_limit(handlers):
    with pytest.raises(gr.Error, match=r"5,001 characters.*up to 5,000"):
        handlers.translate("a" * (MAX_CHARS + 1))
    with pytest.raises(gr.Error, match="up to 5,000"):
        handlers.process("a" * (MAX_CHARS + 1))


@pytest.fixture(scope="module")
def offering(config) -> Handlers:
    """A server that also offers three presets (``--models opus-mt,vinai,nllb-600m``)."""
    return Handlers(dataclasses.replace(config, models=("opus-mt", "vinai", "nllb-600m")))


def test_model_choices_show_licenses_and_mark_restricted(offering):
    labels = dict((value, label) for label, value in offering.pool.choices)
    assert list(labels) == [offering.pool.default_key, "opus-mt", "vinai", "nllb-600m"]
    assert "server default" in labels[offering.pool.default_key]
    assert "apache-2.0" in labels["opus-mt"].lower()
    assert "⚠ restricted" in labels["vinai"] and "⚠ restricted" in labels["nllb-600m"]
    assert "restricted" not in labels["opus-mt"]


def test_only_the_configured_model_is_offered_by_default(handlers, tiny_translator_dir,
                                                         monkeypatch):
    assert handlers.pool.choices == [(f"{tiny_translator_dir.name} · local model · license "
                                      "unknown (server default)", tiny_translator_dir.name)]
    created: list[object] = []
    monkeypatch.setattr(model_pool, "Translator",
                        SimpleNamespace(from_config=lambda *a, **k: created.append(a)))
    for preset in ("opus-mt", "nllb-3.3b", "VietAI/envit5-translation"):
        with pytest.raises(gr.Error) as info:
            handlers.translate(SHORT, preset)
        assert info.value.message == (f"'{preset}' is not one of this server's models "
                                      f"(it offers: {tiny_translator_dir.name})")
        with pytest.raises(gr.Error, match="not one of this server's models"):
            handlers.process(SHORT, preset)
    assert created == []  # nothing was even set up to load, let alone downloaded


def test_a_model_list_is_offered_once_each_under_names_without_paths(config,
                                                                      tiny_translator_dir):
    models = ("opus-mt", str(tiny_translator_dir), "Helsinki-NLP/opus-mt-vi-en", "opus-mt")
    pool = ModelPool(config.model_config, models)
    # The default's own folder and the preset's Hub id are the same models: listed once.
    assert [value for _, value in pool.choices] == [tiny_translator_dir.name, "opus-mt"]
    assert pool.default_key == tiny_translator_dir.name
    assert str(tiny_translator_dir.parent) not in json.dumps(pool.choices)


def test_two_model_folders_of_the_same_name_get_distinct_keys(config, tiny_models, tmp_path):
    other = tmp_path / "elsewhere" / Path(config.model_config.model).name
    shutil.copytree(tiny_models["t5"], other)
    pool = ModelPool(config.model_config, (str(other),))
    name = other.name
    assert [value for _, value in pool.choices] == [name, f"{name} (2)"]
    assert pool.pipeline(f"{name} (2)").translator.spec.local_path == other.resolve()
    assert pool.pipeline(name) is pool.default


def test_models_load_once_and_choices_do_not_reload(handlers):
    pool = handlers.pool
    shared = pool.pipeline(None)
    engine = shared.translator.engine
    view = handlers.host.pipeline(None, beams=3, summary_length="long")
    assert view.translator.engine is engine and view.translator.options.num_beams == 3
    # The view's translations go through the model's one request batcher.
    assert view.translator.batcher is handlers.host.batcher(None)
    assert handlers.host.pipeline(None).translator.batcher is view.translator.batcher
    assert shared.translator.batcher is None
    assert shared.translator.options.num_beams == 1  # the shared one is untouched
    assert view.summarizer.engine is pool.default.summarizer.engine
    assert view.summarizer.summary_length == "long"
    assert pool.default.summarizer.summary_length == "medium"
    assert pool.pipeline(None) is shared and pool.pipeline(None).translator.engine is engine


def test_concurrent_first_requests_load_the_model_once(config):
    pool = ModelPool(config.model_config)
    with ThreadPoolExecutor(max_workers=3) as executor:
        engines = list(executor.map(lambda _: pool.pipeline(None).translator.engine, range(3)))
    assert all(e is engines[0] for e in engines)


def test_a_model_that_fails_to_load_is_one_line_without_its_path(config, tiny_translator_dir,
                                                                  tmp_path, caplog):
    broken = tmp_path / "broken"
    shutil.copytree(tiny_translator_dir, broken)
    handlers = Handlers(dataclasses.replace(config, models=(str(broken),)))
    (broken / "config.json").write_text("{not json", encoding="utf-8")  # spoiled after start
    with caplog.at_level(logging.ERROR, logger="translate.web"):
        with pytest.raises(gr.Error) as info:
            handlers.translate(SHORT, "broken")
    assert info.value.message == ("the translation model 'broken' could not be loaded; the "
                                  "details are in the server log")
    assert any(r.exc_info and str(broken) in str(r.exc_info[1]) for r in caplog.records)


def test_unknown_or_unavailable_model_is_one_line(offering, models_dir):
    with pytest.raises(gr.Error, match="not one of this server's models"):
        offering.translate(SHORT, "/etc")
    with pytest.raises(gr.Error) as info:  # offline, and not in the (empty) local store
        offering.translate(SHORT, "opus-mt")
    # Said to a visitor, who cannot run commands on the server (issue 20).
    assert "This server has not got the model 'opus-mt'" in info.value.message
    assert "vi2en models download" not in info.value.message and "\n" not in info.value.message


def test_unexpected_failure_is_one_line_and_logged(handlers, caplog):
    with caplog.at_level(logging.ERROR, logger="translate.web"):
        with pytest.raises(gr.Error, match=r"Something went wrong") as info:
            handlers.render({"paragraphs": [{"no sentences": []}]})
    # No exception text for the visitor (it may name server paths): the log has it.
    assert "KeyError" not in info.value.message and "\n" not in info.value.message
    assert any(r.exc_info and isinstance(r.exc_info[1], KeyError) for r in caplog.records)


def test_uploads_of_each_type(handlers, tmp_path, example_text):
    txt = tmp_path / "a.txt"
    txt.write_text(SHORT, encoding="utf-8")
    assert handlers.load_file(str(txt)) == SHORT
    md = tmp_path / "a.md"
    md.write_text("# Tiêu đề\n\nNội dung.", encoding="utf-8")
    assert "Nội dung." in handlers.load_file(str(md))
    document = docx.Document()
    document.add_paragraph("Đoạn một.")
    document.add_paragraph("Đoạn hai.")
    document.save(str(tmp_path / "a.docx"))
    assert handlers.load_file(str(tmp_path / "a.docx")) == "Đoạn một.\n\nĐoạn hai."
    paragraphs = "".join(f"<p>{p}</p>" for p in example_text.split("\n\n"))
    (tmp_path / "a.html").write_text(f"<html><body><nav>Menu chính</nav><article>{paragraphs}"
                                     "</article></body></html>", encoding="utf-8")
    page = handlers.load_file(str(tmp_path / "a.html"))
    assert example_text.split("\n\n")[0][:50] in page and "Menu chính" not in page
    (tmp_path / "a.xlsx").write_bytes(b"PK\x03\x04")
    with pytest.raises(gr.Error, match="unsupported file type"):
        handlers.load_file(str(tmp_path / "a.xlsx"))
    (tmp_path / "a.pdf").write_bytes(b"%PDF-1.4")  # a PDF cut short: one line saying so
    with pytest.raises(gr.Error, match="a.pdf is not a readable PDF"):
        handlers.load_file(str(tmp_path / "a.pdf"))
    (tmp_path / "latin1.txt").write_bytes("Hà Nội".encode("cp1258", errors="replace"))
    with pytest.raises(gr.Error, match="not UTF-8"):
        handlers.load_file(str(tmp_path / "latin1.txt"))


def test_url_field_refuses_loopback_by_default(handlers):
    with pytest.raises(gr.Error, match="private, loopback or link-local"):
        handlers.load_url("http://127.0.0.1:9/article.html")
    with pytest.raises(gr.Error, match="only http and https"):
        handlers.load_url("file:///etc/passwd")


def test_render_table_flags_and_downloads(handlers, translated):
    state = json.loads(json.dumps(translated[1]))
    for paragraph in state["paragraphs"]:  # the tiny model's output gets flagged: set our own
        for sentence in paragraph["sentences"]:
            sentence["flags"] = []
    state["paragraphs"][0]["sentences"][0]["flags"] = [
        {"kind": "number", "detail": "<b>1.500</b> missing"}] + [
        {"kind": "number", "detail": "20 in translation but not in source"}] * 4
    summary, state = handlers.summarize("Prices rose. People worried. Shops closed early. "
                                        "Roads were flooded.", "short", state)
    table, line, *downloads, shown_json = handlers.render(state)
    assert table.count("<tr class=") == 3 and table.count('class="flagged"') == 1
    assert "&lt;b&gt;1.500&lt;/b&gt;" in table and "<b>1.500" not in table  # escaped
    # Identical flags on one sentence: once, with their count.
    assert table.count('class="flag"') == 2
    assert "number: 20 in translation but not in source ×4" in table
    assert line.startswith("**1 of 3 sentences flagged for review**")
    assert "No sentence is flagged" not in table
    assert shown_json == state
    paths = [Path(d["value"]) for d in downloads]
    assert [p.suffix for p in paths] == [".md", ".json", ".docx"]
    markdown = paths[0].read_text(encoding="utf-8")
    assert "## Summary" in markdown and summary.strip()[:20] in markdown
    assert "## Sentences to check" in markdown
    assert json.loads(paths[1].read_text(encoding="utf-8"))["summary"] == summary
    cells = [c.text for row in docx.Document(str(paths[2])).tables[0].rows for c in row.cells]
    assert cells[:2] == ["Vietnamese", "English"]
    assert "Trời mưa to ở Hà Nội. Giao thông ùn tắc." in cells
    empty_table, empty_line, *_ = handlers.render(None)
    assert "<tr" not in empty_table and empty_line == ""


def test_without_summary_keeps_the_translation_only(handlers, translated):
    _, state = translated
    _, summarized = handlers.summarize("Prices rose. People worried. Shops closed early.",
                                       "short", state)
    summary, kept, table, line, *_ = handlers.without_summary(summarized)
    assert summary == "" and kept["translation"] == state["translation"]
    assert "summary" not in kept and "summarization" not in kept["models"]
    assert "<tr" in table and "Summary" not in exports.to_markdown(kept)
    english, summary, cleared_state, table, line, *downloads, shown_json = handlers.cleared()
    assert (english, summary, cleared_state, line, shown_json) == ("", "", None, "", None)
    assert "<tr" not in table and all(d["interactive"] is False for d in downloads)


def _glossary_error(tsv: str) -> Exception:
    """The error the glossary parser raises for ``tsv``."""
    from translate.glossary import Glossary

    try:
        Glossary.from_tsv(tsv)
    except Exception as exc:
        return exc
    raise AssertionError(f"{tsv!r} was accepted")


@pytest.mark.parametrize(("error", "title"), [
    (FetchError("the server answered 404 Not Found"), "Could not fetch the page"),
    (ExtractionError("a.docx is not a readable .docx file"), "Could not read the file"),
    (_glossary_error("a\tb\n\nHà Nội\tHanoi\nno tab"), "Glossary line 4 has no tab"),
    (_glossary_error("a\tb\tc"), "Glossary line 1 has 3 columns"),
    (_glossary_error("Hà Nội\tHanoi\nHà Nội\tHa Noi"), "Glossary line 2 repeats a term"),
    # A plain ValueError is a bug, whatever its words.
    (ValueError("glossary line 3: no tab"), "Something went wrong"),
    (ModelError("'x' is not one of this server's models"), "Model not usable"),
    (web.Cancelled("stopped"), "Cancelled"),
    (KeyError("x"), "Something went wrong"),
])
def test_failure_titles_say_what_failed(error, title):
    assert web.failure_title(error) == title


def test_errors_carry_a_title_and_the_plain_message(handlers):
    with pytest.raises(gr.Error) as info:
        handlers.translate("a" * (MAX_CHARS + 1))
    assert info.value.title == "Text too long"
    with pytest.raises(gr.Error) as info:
        handlers.translate(SHORT, None, 1, "Hà Nội\tHanoi\n\nxăng dầu")
    assert info.value.title == "Glossary line 3 has no tab"
    assert "<TAB>" in info.value.message and "&lt;" not in info.value.message


def test_a_cancelled_job_stops_between_batches(handlers, monkeypatch):
    import threading

    stop = threading.Event()
    calls: list[tuple[int, int]] = []

    def progress(value, desc=None, unit=None):  # a gr.Progress stand-in; cancel on first batch
        if isinstance(value, tuple):
            calls.append(value)
            stop.set()

    text = "\n\n".join(f"Câu số {i} nói về giá xăng." for i in range(40))
    monkeypatch.setattr(handlers.pool.pipeline(None).translator, "_max_batch_size", 4)
    with pytest.raises(gr.Error, match="Stopped after") as info:
        handlers.translate(text, progress=progress, stop=stop)
    assert info.value.title == "Cancelled" and len(calls) == 1
    with pytest.raises(gr.Error) as info:
        handlers.summarize("Prices rose. People worried.", stop=stop)
    assert info.value.title == "Cancelled"


def test_page_sessions_cancel_their_own_jobs_and_keep_one_failure():
    sessions = web.PageSessions()
    with sessions.job("a") as a_job, sessions.job("b") as b_job:
        assert sessions.cancel("a") == 1
        assert a_job.is_set() and not b_job.is_set()
    assert sessions.cancel("a") == 0  # finished jobs are forgotten
    sessions.fail("a", "Text too long", "first")
    sessions.fail("a", "Nothing to translate", "second")
    assert sessions.last_failure("a") == ("Nothing to translate", "second")
    assert sessions.last_failure("a") is None
    for i in range(web.PageSessions.MAX_SESSIONS + 10):
        sessions.fail(str(i), "t", "m")
    assert sessions.last_failure("0") is None and sessions.last_failure(str(i)) == ("t", "m")


def test_docx_holds_characters_word_cannot(tmp_path):
    state = {"paragraphs": [{"sentences": [{"source": "Xin chào.", "translation": "Hi\x15 there",
                                            "flags": []}]}], "summary": "S\x00um."}
    path = exports.write_docx(state, tmp_path / "x.docx")
    texts = [c.text for row in docx.Document(str(path)).tables[0].rows for c in row.cells]
    assert "Hi\ufffd there" in texts


def test_example_button_hidden_without_the_example(config, handlers, monkeypatch, tmp_path):
    monkeypatch.setattr(web_page, "EXAMPLE_FILE", tmp_path / "missing.txt")
    app = build_app(config, handlers)
    button = next(b for b in app.blocks.values() if getattr(b, "elem_id", None) == "example-btn")
    assert button.visible is False


def test_serve_command_and_ui_share_options():
    args = build_parser().parse_args(["serve", "--port", "8123", "--auth", "ann:pw",
                                      "--allow-private-urls", "--max-chars", "500"])
    assert (args.port, args.auth, args.allow_private_urls, args.max_chars) == (
        8123, "ann:pw", True, 500)
    config = serve.web_config_from_args(args)
    assert config.max_chars == 500 and config.allow_private_urls
    assert config.models == ()  # the configured model only
    args = build_parser().parse_args(["serve", "--models", " opus-mt, vinai,,"])
    assert serve.web_config_from_args(args).models == ("opus-mt", "vinai")
    args = build_parser().parse_args(["serve", "--models", "opus-mt,no-such-model"])
    with pytest.raises(ModelError, match="unknown translation model 'no-such-model'"):
        serve.web_config_from_args(args)
    assert serve.parse_auth("ann:p:w") == ("ann", "p:w")
    with pytest.raises(UsageError, match="USER:PASS"):
        serve.parse_auth("ann")
    with pytest.raises(UsageError, match="max-chars"):
        serve.web_config_from_args(build_parser().parse_args(["serve", "--max-chars", "0"]))


def test_serve_options_follow_the_model_configuration(monkeypatch):
    # One request limit, defined once: the serving option's default is the page's.
    assert build_parser().parse_args(["serve"]).max_chars == WebConfig().max_chars
    assert WebConfig().model_config.engine == "auto"
    monkeypatch.setenv("VI2EN_ENGINE", "transformers")
    monkeypatch.setenv("VI2EN_DEVICE", "cpu")
    config = serve.web_config_from_args(build_parser().parse_args(["serve", "--beams", "3"]))
    assert (config.model_config.engine, config.model_config.device,
            config.model_config.beams) == ("transformers", "cpu", 3)
    config = serve.web_config_from_args(build_parser().parse_args(["serve", "--engine", "auto"]))
    assert config.model_config.engine == "auto"  # an option beats the environment


# -- served in-process, driven with gradio_client -------------------------------------------------
@pytest.fixture(scope="module")
def client(config, handlers) -> Iterator[Client]:
    app = build_app(config, handlers)
    port = free_port()
    launch(app, host="127.0.0.1", port=port, prevent_thread_lock=True, quiet=True)
    try:
        yield Client(f"http://127.0.0.1:{port}/", verbose=False)
    finally:
        app.close()


@pytest.mark.slow  # the page served on a port
def test_client_sees_the_named_endpoints(client):
    endpoints = client.view_api(return_format="dict", print_info=False)["named_endpoints"]
    assert {"/translate", "/summarize", "/process"} <= set(endpoints)
    translate_params = endpoints["/translate"]["parameters"]
    assert translate_params[0]["label"] == "Vietnamese article"
    assert not translate_params[0]["parameter_has_default"]
    assert all(p["parameter_has_default"] for p in translate_params[1:])
    assert len(endpoints["/translate"]["returns"]) == 1  # the English, nothing else
    assert len(endpoints["/summarize"]["returns"]) == 1
    assert len(endpoints["/process"]["returns"]) == 1


@pytest.mark.slow  # the page served on a port
def test_client_translate_then_summarize_then_process(client):
    english = client.predict(SHORT, api_name="/translate")
    assert isinstance(english, str) and english.strip() and "\n\n" in english
    summary = client.predict(english + " Roads flooded. Schools shut. Trains stopped.",
                             length="short", api_name="/summarize")
    assert isinstance(summary, str) and summary.strip()
    result = client.predict(SHORT, length="short", api_name="/process")
    assert result["translation"].strip() and result["summary"] is not None
    assert len(result["paragraphs"]) == 2


@pytest.mark.slow  # the page served on a port
def test_client_empty_and_oversize_input(client):
    with pytest.raises(Exception, match="Nothing to translate yet"):
        client.predict("", api_name="/translate")
    with pytest.raises(Exception, match="Nothing to summarize yet"):
        client.predict("  ", api_name="/summarize")
    with pytest.raises(Exception, match=r"accepts up to 5,000"):
        client.predict("a" * (MAX_CHARS + 1), api_name="/process")


@pytest.mark.slow  # the page served on a port
def test_client_gets_the_plain_message(client):
    with pytest.raises(Exception) as info:
        client.predict(SHORT, None, 1, "Hà Nội\tHanoi\nxăng dầu", api_name="/translate")
    assert "glossary line 2: no tab" in str(info.value)
    assert "<TAB>" in str(info.value) and "&lt;" not in str(info.value)


@pytest.mark.slow  # the page served on a port
def test_client_cannot_pick_a_model_outside_the_list(client, tiny_translator_dir):
    for endpoint in ("/translate", "/process"):
        for model in ("/etc", "opus-mt", "nllb-3.3b"):
            # Refused before it is queued, naming the parameter and the choices.
            with pytest.raises(ValidationError) as info:
                client.predict(SHORT, model, api_name=endpoint)
            message = str(info.value)
            assert "- model: " in message and f"one of {tiny_translator_dir.name}" in message


@pytest.mark.slow  # the page served on a port
def test_no_local_path_in_the_page_config_or_the_api_schema(client, tiny_translator_dir,
                                                            tiny_summarizer_dir):
    with urllib.request.urlopen(client.src.rstrip("/") + "/config", timeout=10) as response:
        page_config = response.read().decode("utf-8")
    schema = json.dumps(client.view_api(return_format="dict", print_info=False))
    models_root = str(tiny_translator_dir.parent)
    assert models_root == str(tiny_summarizer_dir.parent)
    assert models_root not in page_config and models_root not in schema
    assert f'"{tiny_translator_dir.name}"' in page_config  # the dropdown is there, by name


# -- `python ui.py`, as a user starts it
@pytest.mark.slow  # starts ui.py's server
def test_ui_py_answers_on_its_port(tiny_translator_dir, tiny_summarizer_dir, tmp_path):
    port = free_port()
    env = {**os.environ, "VI2EN_MODEL": str(tiny_translator_dir),
           "VI2EN_SUMMARIZER": str(tiny_summarizer_dir), "VI2EN_DEVICE": "cpu",
           "GRADIO_ANALYTICS_ENABLED": "False"}
    log = tmp_path / "ui.log"  # a file, not a pipe: a full pipe would stall the server
    with log.open("wb") as sink:
        process = subprocess.Popen([sys.executable, "ui.py", "--port", str(port),
                                    "--beams", "1"], cwd=REPO, env=env, stdout=sink,
                                   stderr=subprocess.STDOUT)
    try:
        url = f"http://127.0.0.1:{port}/"
        wait_until_answering(process, url, log)  # ui.py serves what vi2en serve does
        with urllib.request.urlopen(url, timeout=30) as response:
            page = response.read().decode("utf-8")
        assert "vi2en" in page
        # Gradio's start-up hint names our option, not its launch() argument.
        started = log.read_text(encoding="utf-8", errors="replace")
        assert "use --share" in started and "share=True" not in started
        client = Client(url, verbose=False)
        english = client.predict(SHORT, api_name="/translate")
        assert english.strip()
        assert client.predict(english, api_name="/summarize").strip()
    finally:
        stop_process(process)


@pytest.mark.slow  # ui.py in a subprocess
def test_ui_py_on_a_busy_port_says_so_in_one_line(tiny_translator_dir, tiny_summarizer_dir):
    env = {**os.environ, "VI2EN_MODEL": str(tiny_translator_dir),
           "VI2EN_SUMMARIZER": str(tiny_summarizer_dir), "VI2EN_DEVICE": "cpu",
           "GRADIO_ANALYTICS_ENABLED": "False"}
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = subprocess.run([sys.executable, "ui.py", "--port", str(port)], cwd=REPO, env=env,
                              capture_output=True, text=True, timeout=180)
    assert done.returncode != 0
    assert done.stderr.strip() == f"vi2en: error: port {port} is busy; use --port", done.stderr
