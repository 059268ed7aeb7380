"""LibreTranslate's observable behaviour, exactly, on a real ``vi2en serve`` (the one server of
tests/conftest.py): its routes and methods, its error strings word for word, fields from the
query string, its per-text limits and rate counting, the ``X-API-Key`` header, absolute file
links, real n-best alternatives; with deep-translator and libretranslatepy as real clients.
Status codes and bodies are compared exactly (our own explanation, where we give one, is the
separate ``hint`` field). Tiny models: the English is nonsense; shapes and words are tested."""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

import pytest
from deep_translator import LibreTranslator
from libretranslatepy import LibreTranslateAPI

from tests.api_helpers import (
    ALTERNATIVES_LIMIT,
    BATCH_KEY,
    BATCH_KEY_PER_MINUTE,
    BATCH_LIMIT,
    CHAR_LIMIT,
    GOOD_KEY,
)
from tests.api_helpers import multipart as _multipart

pytestmark = pytest.mark.slow

RAIN = "Trời mưa to ở Hà Nội."


def call(url: str, method: str = "POST", body: Any = None, *, raw: bytes | None = None,
         headers: dict[str, str] | None = None) -> tuple[int, Any]:
    """Status and JSON body of one request (JSON body unless ``raw``)."""
    data = raw if raw is not None else (None if body is None else json.dumps(body).encode())
    sent = dict(headers or {})
    if body is not None and raw is None:
        sent.setdefault("Content-Type", "application/json")
    request = urllib.request.Request(url, data=data, method=method, headers=sent)
    try:
        with urllib.request.urlopen(request, timeout=120) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


# -- routes -------------------------------------------------------------------------------------
def test_health_answers_ok(server):
    assert call(server + "health", "GET") == (200, {"status": "ok"})


def test_spec_describes_the_libretranslate_routes(server):
    status, spec = call(server + "spec", "GET")
    assert status == 200
    assert spec["openapi"].startswith("3.")
    assert {"/translate", "/detect", "/languages", "/translate_file", "/frontend/settings",
            "/health", "/suggest"} <= set(spec["paths"])
    assert "post" in spec["paths"]["/translate"] and "get" in spec["paths"]["/languages"]


@pytest.mark.parametrize(("method", "path"), [
    ("GET", "translate"), ("GET", "detect"), ("GET", "translate_file"), ("GET", "suggest"),
    ("POST", "languages"), ("POST", "health"), ("POST", "spec"), ("POST", "frontend/settings"),
    ("PUT", "translate"), ("DELETE", "languages"), ("GET", "v1/translate"),
    ("GET", "v1/summarize")])
def test_a_wrong_method_is_405(server, method, path):
    assert call(server + path, method) == (405, {"error": "Method Not Allowed"})


def test_suggestions_are_disabled(server):
    body = {"q": RAIN, "s": "It rains.", "source": "vi", "target": "en"}
    assert call(server + "suggest", body=body) == (
        403, {"error": "Suggestions are disabled on this server."})


# -- error strings --------------------------------------------------------------------------------
@pytest.mark.parametrize(("body", "error"), [
    ({"q": RAIN, "source": "vi", "target": "zz"}, "zz is not supported"),
    ({"q": "Hello.", "source": "en", "target": "en"}, "en is not supported"),
    ({"q": "Traffic was slow today in the city centre.", "source": "auto", "target": "en"},
     "en is not supported"),
    ({"q": [RAIN] * (BATCH_LIMIT + 1), "source": "vi", "target": "en"},
     f"Invalid request: request ({BATCH_LIMIT + 1}) exceeds text limit ({BATCH_LIMIT})"),
])
def test_libretranslate_error_words_with_our_hint_apart(server, body, error):
    status, answer = call(server + "translate", body=body)
    assert status == 400
    assert answer["error"] == error
    assert set(answer) == {"error", "hint"} and answer["hint"]


@pytest.mark.parametrize(("body", "answer"), [
    ({"q": "x" * (CHAR_LIMIT + 1), "source": "vi", "target": "en"},
     {"error": f"Invalid request: request ({CHAR_LIMIT + 1}) exceeds text limit "
               f"({CHAR_LIMIT})"}),
    ({"q": [RAIN, "x" * (CHAR_LIMIT + 5)], "source": "vi", "target": "en"},
     {"error": f"Invalid request: request ({CHAR_LIMIT + 5}) exceeds text limit "
               f"({CHAR_LIMIT})"}),
    ({"q": RAIN, "source": "vi", "target": "en", "alternatives": ALTERNATIVES_LIMIT + 1},
     {"error": f"Invalid request: alternatives parameter must be <= {ALTERNATIVES_LIMIT}"}),
    ({"q": RAIN, "source": "vi", "target": "en", "alternatives": "x"},
     {"error": "Invalid request: alternatives parameter is not a number"}),
    ({"source": "vi", "target": "en"}, {"error": "Invalid request: missing q parameter"}),
])
def test_limits_answer_exactly(server, body, answer):
    assert call(server + "translate", body=body) == (400, answer)


def test_the_character_limit_is_per_text_not_per_batch(server):
    texts = ["Giá xăng tăng. " * (CHAR_LIMIT // 16)] * 3  # each under the limit, together over
    assert sum(map(len, texts)) > CHAR_LIMIT
    status, answer = call(server + "translate", body={"q": texts, "source": "vi",
                                                       "target": "en"})
    assert status == 200, answer
    assert len(answer["translatedText"]) == 3


def test_a_file_of_an_unknown_format(server):
    body, content_type = _multipart("a.exe", b"MZ", {"source": "vi", "target": "en"})
    status, answer = call(server + "translate_file", raw=body,
                          headers={"Content-Type": content_type})
    assert status == 400
    assert answer["error"] == "Invalid request: file format not supported"
    assert ".exe" in answer["hint"]


# -- fields and keys ------------------------------------------------------------------------------
def test_fields_in_the_query_string_with_an_empty_body(server):
    query = urllib.parse.urlencode({"q": RAIN, "source": "vi", "target": "en"})
    status, answer = call(server + "translate?" + query, raw=b"")
    assert status == 200 and set(answer) == {"translatedText"}
    assert answer["translatedText"].strip() and answer["translatedText"] != RAIN


def test_deep_translator_translates_and_batches(server):
    client = LibreTranslator(source="vi", target="en", api_key=GOOD_KEY, custom_url=server)
    english = client.translate(RAIN)
    assert isinstance(english, str) and english.strip() and english != RAIN
    batch = client.translate_batch([RAIN, "Giá xăng tăng mạnh."])
    assert len(batch) == 2 and all(b.strip() for b in batch)


def test_deep_translator_with_a_wrong_key_is_refused(server):
    from deep_translator.exceptions import AuthorizationException

    client = LibreTranslator(source="vi", target="en", api_key="stolen", custom_url=server)
    with pytest.raises(AuthorizationException):
        client.translate(RAIN)


@pytest.mark.parametrize("path", ["translate", "detect", "v1/translate"])
def test_the_x_api_key_header_on_every_route(server, path):
    body = {"text": RAIN} if path.startswith("v1") else {"q": RAIN, "source": "vi",
                                                          "target": "en"}
    assert call(server + path, body=body, headers={"X-API-Key": "stolen"}) == (
        403, {"error": "Invalid API key"})
    status, _ = call(server + path, body=body, headers={"X-API-Key": GOOD_KEY})
    assert status == 200


def test_a_list_counts_one_request_per_text(server):
    """A key allowed 5 requests a minute: a list of 4 texts uses 4, one text the last one,
    and the next request is refused (LibreTranslate's count)."""
    def send(q: Any) -> int:
        return call(server + "translate", body={"q": q, "source": "vi", "target": "en"},
                    headers={"X-API-Key": BATCH_KEY})[0]

    assert BATCH_KEY_PER_MINUTE == 5
    assert [send([RAIN] * 4), send(RAIN), send(RAIN)] == [200, 200, 429]
    status, answer = call(server + "translate", body={"q": RAIN, "source": "vi",
                                                       "target": "en"},
                          headers={"X-API-Key": BATCH_KEY})
    assert (status, answer) == (429, {"error": f"Slowdown: {BATCH_KEY_PER_MINUTE} per 1 minute"})


# -- files ----------------------------------------------------------------------------------------
def test_translated_file_url_is_absolute_on_the_servers_own_address(server):
    body, content_type = _multipart("tin.txt", RAIN.encode(), {"source": "vi", "target": "en"})
    status, answer = call(server + "translate_file", raw=body,
                          headers={"Content-Type": content_type,
                                   "Host": "attacker.example"})
    assert status == 200, answer
    url = answer["translatedFileUrl"]
    assert url.startswith(server + "download_file/") and url.endswith("/tin.en.txt")
    with urllib.request.urlopen(url, timeout=60) as response:
        assert response.read().decode("utf-8").strip() != RAIN


# -- clients --------------------------------------------------------------------------------------
def test_libretranslatepy_sees_the_pair_and_translates(server):
    client = LibreTranslateAPI(server, api_key=GOOD_KEY)
    assert [(lang["code"], lang["targets"]) for lang in client.languages()] == [
        ("vi", ["en"]), ("en", [])]
    assert client.translate(RAIN, "vi", "en").strip()
