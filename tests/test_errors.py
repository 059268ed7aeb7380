"""Typed errors (translate.errors): the library raises them, each front end maps them once, by
class and attributes, never by message text; anything else is a bug everywhere."""

from __future__ import annotations

import asyncio
import json

import pytest

from translate.errors import InputError, ModelError, ModelUnavailable, Vi2enError, one_line
from translate.glossary import Glossary, GlossaryError

BAD_GLOSSARY = "Hà Nội\tHanoi\n\nxăng dầu"  # line 3 has no tab


def _api_answer(exc: BaseException) -> tuple[int, dict]:
    """What the API's one error mapping (api.errors.guarded) answers for ``exc``."""
    from translate.api.errors import guarded

    async def handler():
        raise exc

    response = asyncio.run(guarded(handler)())
    return response.status_code, json.loads(response.body)


def test_the_same_input_error_is_exit_2_a_400_and_invalid_input(capsys):
    from translate import web
    from translate.cli import exit_code

    error = InputError("the column 'text' is missing\nsecond line for the log", line=4)
    assert exit_code(error) == 2
    assert _api_answer(error) == (400, {"error": "the column 'text' is missing"})
    assert web.failure_title(error) == "Invalid input"


def test_a_plain_value_error_is_a_bug_in_every_front_end(caplog):
    from translate import web
    from translate.cli import exit_code

    bug = ValueError("glossary line 3: no tab")  # reads like a glossary error; is not one
    assert exit_code(bug) == 1
    status, answer = _api_answer(bug)
    assert status == 500 and "internal error" in answer["error"] and "glossary" not in \
        answer["error"]
    assert web.failure_title(bug) == "Something went wrong"


@pytest.mark.parametrize(("error", "code", "status", "title"), [
    (ModelUnavailable("not downloaded"), 3, 503, "Model not available"),
    (ModelError("not a model folder"), 2, 400, "Model not usable"),
    (Vi2enError("something we refuse"), 1, 500, "Something went wrong"),
])
def test_each_kind_of_error_has_one_code_one_status_one_title(error, code, status, title):
    from translate import web
    from translate.cli import exit_code

    assert (exit_code(error), _api_answer(error)[0], web.failure_title(error)) == (
        code, status, title)


def test_a_glossary_error_carries_its_line_and_problem():
    with pytest.raises(GlossaryError) as caught:
        Glossary.from_tsv(BAD_GLOSSARY)
    assert (caught.value.line, caught.value.problem) == (3, "has no tab")
    assert isinstance(caught.value, InputError)
    with pytest.raises(GlossaryError) as caught:
        Glossary.from_tsv("Hà Nội\tHanoi\tthủ đô")
    assert (caught.value.line, caught.value.problem, caught.value.position) == (
        1, "has 3 columns", len("Hà Nội\tHanoi"))


def test_the_page_titles_a_glossary_error_from_its_attributes_not_its_words():
    from translate import web

    # The message says nothing the title could be parsed from: the title comes from the
    # error's line and problem.
    error = GlossaryError(7, "repeats a term", "see the other one", message="no numbers here")
    assert web.failure_title(error) == "Glossary line 7 repeats a term"


def test_cli_maps_a_glossary_error_to_exit_2_and_one_line(tmp_path, capsys):
    from translate.cli import main

    article = tmp_path / "a.txt"
    article.write_text("Trời mưa.\n", encoding="utf-8")
    glossary = tmp_path / "terms.tsv"
    glossary.write_text(BAD_GLOSSARY, encoding="utf-8")
    assert main(["translate", str(article), "--glossary", str(glossary)]) == 2
    assert capsys.readouterr().err.splitlines() == [
        f"vi2en: error: {glossary}: glossary line 3: no tab; expected "
        "'Vietnamese term<TAB>English rendering'"]


def test_one_line_is_the_first_line_that_says_something():
    assert one_line(ValueError("\n  first\nsecond")) == "first"
    assert one_line(KeyError()) == "KeyError"
    assert one_line("") == ""


def test_library_errors_keep_their_names_and_their_place_in_the_hierarchy():
    from translate.batch import BatchUsageError, NotOurOutputError
    from translate.cache import CacheError
    from translate.catalog import ModelError as CatalogModelError
    from translate.catalog import ModelUnavailableError
    from translate.config import SettingError
    from translate.detect import DetectorUnavailable
    from translate.devices import DeviceUnavailableError
    from translate.errors import MissingDependency, OutputError
    from translate.evaluate import MissingDependencyError
    from translate.extract import ExtractionError, NotUTF8Error, TooLongError
    from translate.fetch import FetchError
    from translate.outputs import OutputError as OutputsOutputError
    from translate.text import InvalidTextError

    for cls in (SettingError, ExtractionError, TooLongError, NotUTF8Error, FetchError,
                InvalidTextError, BatchUsageError, GlossaryError):
        assert issubclass(cls, InputError), cls
    assert issubclass(ModelUnavailableError, ModelUnavailable) and CatalogModelError is ModelError
    assert issubclass(DeviceUnavailableError, ModelUnavailable)
    assert OutputsOutputError is OutputError and issubclass(CacheError, OutputError)
    assert issubclass(NotOurOutputError, OutputError)
    assert issubclass(MissingDependencyError, MissingDependency)
    assert issubclass(DetectorUnavailable, MissingDependency)
    not_utf8 = NotUTF8Error("x.txt", b"ok\n\xff", 3)
    assert (not_utf8.line, not_utf8.position) == (2, 3)


def test_a_bad_variable_is_one_line_and_exit_2_before_any_work(tmp_path, capsys, monkeypatch):
    from translate.cli import main

    article = tmp_path / "a.txt"
    article.write_text("Trời mưa.\n", encoding="utf-8")
    monkeypatch.setenv("VI2EN_SIMILARITY", "yes")  # read by a check, deep in the library
    assert main(["segment", str(article)]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.splitlines() == [
        "vi2en: error: VI2EN_SIMILARITY: use 1 (on) or 0 (off), not 'yes'"]
