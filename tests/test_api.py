"""The REST API as clients use it: ``vi2en serve`` started on a free port with tiny models,
driven with LibreTranslate's own Python client and plain HTTP. Tiny models: outputs are
nonsense, so tests check shape, routing and markup, not English."""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import docx
import pytest
from libretranslatepy import LibreTranslateAPI

from tests.api_helpers import (
    CHAR_LIMIT,
    GOOD_KEY,
    LIMITED_KEY,
    LIMITED_PER_MINUTE,
    MAX_BODY,
    get,
    multipart,
    post,
)
from tests.browser_helpers import MODEL_WAIT_MS
from tests.helpers import free_port  # noqa: F401  (kept importable for other branches' tests)

REPO = Path(__file__).resolve().parent.parent
SHORT = "Trời mưa to ở Hà Nội. Giao thông ùn tắc.\n\nGiá xăng tăng mạnh."
# A Mastodon post: paragraphs, a line break, a link with its hidden parts, a mention, a hashtag.
MASTODON_POST = (
    '<p>Hôm nay trời mưa to ở <a href="https://vnexpress.net/ha-noi?a=1&amp;b=2" '
    'rel="nofollow noopener" target="_blank"><span class="invisible">https://</span>'
    '<span class="ellipsis">vnexpress.net/ha-noi</span></a><br>Giao thông ùn tắc &amp; '
    'chậm.</p>\n<p><span class="h-card"><a href="https://m.social/@lan" class="u-url '
    'mention">@<span>lan</span></a></span> Giá xăng <strong>tăng</strong> mạnh. '
    '<a href="https://m.social/tags/xang" class="mention hashtag" rel="tag">#<span>xang</span>'
    '</a></p>')


# -- LibreTranslate's client ----------------------------------------------------------------------
def test_client_translates_a_string(server):
    english = LibreTranslateAPI(server).translate(SHORT, "vi", "en")
    assert isinstance(english, str) and english.strip()
    # Lines are kept: the blank line between the two paragraphs is still there.
    assert english.count("\n\n") == 1 and english != SHORT


def test_client_with_a_key_and_auto_source(server):
    english = LibreTranslateAPI(server, api_key=GOOD_KEY).translate(SHORT, "auto", "en")
    assert isinstance(english, str) and english.strip()


def test_client_detects_vietnamese_and_english(server):
    client = LibreTranslateAPI(server)
    assert client.detect(SHORT) == [{"language": "vi", "confidence": 100.0}]
    found = client.detect("The weather in Hanoi was rainy and traffic was slow today.")
    assert found[0]["language"] == "en"


def test_client_languages_pair(server):
    languages = {entry["code"]: entry for entry in LibreTranslateAPI(server).languages()}
    assert languages["vi"]["targets"] == ["en"]
    assert "en" in languages and languages["en"]["name"] == "English"


# -- a list, JSON and form ------------------------------------------------------------------------
def test_list_of_texts_answers_a_list_in_order(server):
    texts = ["Trời mưa to ở Hà Nội.", "Giá xăng tăng mạnh.", "Trời mưa to ở Hà Nội."]
    status, answer = post(server + "translate", {"q": texts, "source": "auto", "target": "en"})
    assert status == 200
    translated = answer["translatedText"]
    assert isinstance(translated, list) and len(translated) == 3
    assert all(t.strip() for t in translated)
    assert translated[0] == translated[2]  # the same text, the same answer
    assert answer["detectedLanguage"] == [{"language": "vi", "confidence": 100.0}] * 3
    # The same list as a form with a repeated q, as some clients send it.
    form = "&".join(f"q={urllib.request.quote(t)}" for t in texts) + "&source=vi&target=en"
    status, again = post(server + "translate", raw=form.encode(),
                         content_type="application/x-www-form-urlencoded")
    assert status == 200 and again["translatedText"] == translated


def test_a_mastodon_request(server):
    """As Mastodon sends it: JSON, a list of HTML posts, no key (null), source auto."""
    posts = [MASTODON_POST, "<p>Giá xăng tăng mạnh.</p>"]
    status, answer = post(server + "translate", {"q": posts, "source": "auto", "target": "en",
                                                  "format": "html", "api_key": None})
    assert status == 200
    assert [a.startswith("<p>") and a.endswith("</p>") for a in answer["translatedText"]] == \
        [True, True]
    assert [d["language"] for d in answer["detectedLanguage"]] == ["vi", "vi"]


# -- HTML -----------------------------------------------------------------------------------------
def test_html_keeps_markup_byte_for_byte(server):
    status, answer = post(server + "translate", {"q": MASTODON_POST, "source": "vi",
                                                  "target": "en", "format": "html"})
    assert status == 200
    out = answer["translatedText"]
    tags = re.compile(r"<[^>]*>")
    assert tags.findall(out) == tags.findall(MASTODON_POST)
    # Line breaks between tags, the link's hidden parts, the mention and hashtag: unchanged.
    assert "</p>\n<p>" in out
    for kept in ('<span class="invisible">https://</span>',
                 '<span class="ellipsis">vnexpress.net/ha-noi</span>',
                 '@<span>lan</span>', '#<span>xang</span>'):
        assert kept in out
    # The prose was translated: no Vietnamese sentence of the post is left.
    text_between = [t for t in tags.split(out) if t.strip()]
    assert "Hôm nay trời mưa to ở " not in text_between
    assert "Giá xăng " not in "".join(text_between)


# -- errors ---------------------------------------------------------------------------------------
@pytest.mark.parametrize(("body", "status", "words"), [
    ({"source": "vi", "target": "en"}, 400, "missing q"),
    ({"q": "", "source": "vi", "target": "en"}, 400, "missing q"),
    ({"q": "Trời mưa.", "target": "en"}, 400, "missing source"),
    ({"q": "Trời mưa.", "source": "vi", "target": "en", "format": "xml"}, 400, "xml format"),
    ({"q": 42, "source": "vi", "target": "en"}, 400, "q must be"),
    ({"q": ["a", 1], "source": "vi", "target": "en"}, 400, "q must be"),
    ({"q": "Trời mưa.", "source": "vi", "target": "en", "alternatives": "x"}, 400,
     "alternatives"),
    ({"q": "Trời mưa.", "source": "vi", "target": "en", "api_key": "stolen"}, 403,
     "Invalid API key"),
    ({"q": "mưa " * (CHAR_LIMIT // 4 + 1), "source": "vi", "target": "en"}, 400,
     "exceeds text limit"),
])
def test_refusals_are_libretranslate_errors(server, body, status, words):
    got, answer = post(server + "translate", body)
    assert got == status
    assert set(answer) == {"error"} and words in answer["error"]
    assert "\n" not in answer["error"] and "Traceback" not in answer["error"]


def test_bad_json_and_wrong_shapes(server):
    status, answer = post(server + "translate", raw=b"{not json")
    assert (status, answer) == (400, {"error": "Invalid JSON format"})
    status, answer = post(server + "translate", raw=b'["a list"]')
    assert status == 400 and "error" in answer
    status, answer = post(server + "v1/translate", {"summary": True})
    assert status == 400 and "text" in answer["error"]
    status, answer = post(server + "v1/translate", {"text": "Trời mưa.", "api_key": "stolen"})
    assert (status, answer) == (403, {"error": "Invalid API key"})
    status, answer = post(server + "v1/translate", {"text": "Trời mưa.", "summary": True,
                                                     "summary_length": "huge"})
    assert status == 400 and "huge" in answer["error"]
    status, answer = post(server + "v1/translate", {"text": "Trời mưa.", "beams": 99})
    assert status == 400 and "beams" in answer["error"]


def test_body_over_the_limit_is_413(server):
    status, answer = post(server + "translate", {"q": "a" * (MAX_BODY + 10), "source": "vi",
                                                  "target": "en"})
    assert status == 413 and "too large" in answer["error"]


def test_a_key_over_its_rate_is_429(server):
    body = {"q": "Trời mưa.", "source": "vi", "target": "en", "api_key": LIMITED_KEY}
    codes = [post(server + "translate", body)[0] for _ in range(LIMITED_PER_MINUTE + 1)]
    assert codes == [200] * LIMITED_PER_MINUTE + [429]
    status, answer = post(server + "translate", body)
    assert status == 429 and answer["error"].startswith("Slowdown")
    # Other clients are not held back by that key's limit.
    assert post(server + "translate", {**body, "api_key": GOOD_KEY})[0] == 200


def test_frontend_settings_show_the_limits(server):
    settings = json.loads(get(server + "frontend/settings"))
    assert settings["charLimit"] == CHAR_LIMIT
    assert settings["apiKeys"] is True and settings["keyRequired"] is False
    assert ".docx" in settings["supportedFilesFormat"]
    assert settings["language"]["source"]["code"] == "vi"
    assert settings["language"]["target"]["code"] == "en"


# -- files ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("kind", ["txt", "docx"])
def test_translate_file(server, tmp_path, kind):
    if kind == "docx":
        document = docx.Document()
        for paragraph in SHORT.split("\n\n"):
            document.add_paragraph(paragraph)
        path = tmp_path / "bai-bao.docx"
        document.save(str(path))
        data = path.read_bytes()
    else:
        data = SHORT.encode("utf-8")
    body, content_type = multipart(f"bai-bao.{kind}", data, {"source": "vi", "target": "en"})
    status, answer = post(server + "translate_file", raw=body, content_type=content_type)
    assert status == 200, answer
    # Relative (this server has no --public-url): resolved as a browser does.
    assert answer["translatedFileUrl"].startswith(server + "download_file/")
    assert answer["translatedFileUrl"].endswith(f"/bai-bao.en.{kind}")  # its own format
    translated = get(urllib.parse.urljoin(server, answer["translatedFileUrl"]))
    if kind == "docx":
        paragraphs = [p.text for p in docx.Document(io.BytesIO(translated)).paragraphs]
        assert len(paragraphs) == 2 and all(paragraphs)  # two paragraphs, as sent
    else:
        english = translated.decode("utf-8")
        assert english.strip() and english.count("\n\n") == 1  # two paragraphs, as sent


def test_translate_file_refuses_other_types(server):
    body, content_type = multipart("photo.png", b"\x89PNG\r\n", {"source": "vi",
                                                                  "target": "en"})
    status, answer = post(server + "translate_file", raw=body, content_type=content_type)
    assert status == 400 and "not supported" in answer["error"]


# -- ours -----------------------------------------------------------------------------------------
def test_v1_translate_is_the_cli_json(server, tiny_translator_dir, tiny_summarizer_dir):
    status, answer = post(server + "v1/translate", {"text": SHORT, "summary": True})
    assert status == 200
    env = {**os.environ, "VI2EN_MODEL": str(tiny_translator_dir),
           "VI2EN_SUMMARIZER": str(tiny_summarizer_dir), "VI2EN_DEVICE": "cpu"}
    cli = subprocess.run([sys.executable, "-m", "translate", "translate", "--json", "--summary",
                          "--beams", "1", "-q"], input=SHORT.encode(), env=env,
                         capture_output=True, check=True, cwd=REPO)
    expected = json.loads(cli.stdout)
    for result in (answer, expected):
        result.pop("timings")
    assert answer == expected


@pytest.mark.slow
def test_v1_translate_gives_each_sentence_its_score_and_flag_spans(server):
    text = "Trời mưa to ở Hà Nội.\n\nGiá xăng tăng mạnh."
    status, answer = post(server + "v1/translate", {"text": text, "glossary": "Hà Nội\tHanoi"})
    assert status == 200
    first, second = [s for p in answer["paragraphs"] for s in p["sentences"]]
    assert all(isinstance(s["score"], float) and s["score"] < 0 for s in (first, second))
    # The tiny model never copies a placeholder: the term is lost, and the flag says where.
    [lost] = [f for f in first["flags"] if f["kind"] == "glossary"]
    start, end = lost["span"]
    assert first["source"][start:end] == "Hà Nội"
    assert all("span" not in f for f in second["flags"])


def test_a_bad_glossary_is_a_400_in_libretranslates_shape(server):
    status, answer = post(server + "v1/translate",
                          {"text": "Trời mưa.", "glossary": "Hà Nội\tHanoi\nxăng dầu"})
    assert (status, answer) == (400, {"error": "glossary line 2: no tab; expected "
                                               "'Vietnamese term<TAB>English rendering'"})


def test_v1_summarize_and_the_schema(server):
    status, answer = post(server + "v1/summarize",
                          {"text": "Prices rose. People worried. Shops closed early.",
                           "summary_length": "short"})
    assert status == 200 and answer["summary"].strip()
    # A result's names (as /v1/translate's summary_note, summary_flags), and for one release
    # the old ones beside them, with the same values.
    assert set(answer) == {"summary", "summary_note", "summary_flags", "note", "flags",
                           "signature", "signature_info"}
    assert (answer["note"], answer["flags"]) == (answer["summary_note"], answer["summary_flags"])
    status, old = post(server + "v1/summarize",
                       {"text": "Prices rose. People worried.", "length": "short"})
    assert status == 200 and old["summary"].strip()  # the old request name still works
    schema = json.loads(get(server + "openapi.json"))
    for path in ("/translate", "/detect", "/languages", "/frontend/settings", "/translate_file",
                 "/v1/translate", "/v1/summarize"):
        assert path in schema["paths"], path
    assert b"swagger" in get(server + "docs").lower()


def test_the_page_is_served_on_the_same_port(server):
    page = get(server).decode("utf-8")
    assert "vi2en" in page


@pytest.mark.browser
def test_the_mounted_page_translates_in_a_browser(server, browser):  # noqa: F811
    """The page beside the API still works in Chromium: paste, Translate, English back."""
    from playwright.sync_api import expect

    page = browser.new_page(viewport={"width": 1280, "height": 900})
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(server, wait_until="domcontentloaded")
    expect(page).to_have_title("vi2en — Vietnamese news to English")
    page.locator("#source textarea").fill(SHORT)
    page.locator("#translate-btn").click()
    expect(page.locator("#english textarea")).not_to_have_value("", timeout=MODEL_WAIT_MS)
    expect(page.locator("#side-by-side table.vi2en-table tbody tr")).to_have_count(3)
    assert errors == []


# -- the keys file and options (no server) --------------------------------------------------------
def test_keys_file_and_its_mistakes(tmp_path):
    from translate.api_settings import load_api_keys

    good = tmp_path / "keys.txt"
    good.write_text("# comment\nabc\n\ndef 10  # Mastodon\n", encoding="utf-8")
    assert load_api_keys(good) == {"abc": None, "def": 10}
    bad = tmp_path / "bad.txt"
    bad.write_text("abc\ndef ten\n", encoding="utf-8")
    with pytest.raises(ValueError, match="line 2"):
        load_api_keys(bad)
    empty = tmp_path / "empty.txt"
    empty.write_text("# nothing\n", encoding="utf-8")
    with pytest.raises(ValueError, match="no API keys"):
        load_api_keys(empty)


@pytest.mark.slow  # starts vi2en serve
@pytest.mark.parametrize(("options", "words"), [
    (["--require-api-key"], "needs --api-keys"),
    (["--api-keys", "/nonexistent/keys.txt"], "no such API keys file"),
    (["--batch-window", "-1"], "cannot be negative"),
])
def test_serve_refuses_bad_api_options_in_one_line(options, words):
    done = subprocess.run([sys.executable, "-m", "translate", "serve", *options],
                          capture_output=True, text=True, cwd=REPO, timeout=120)
    assert done.returncode == 2
    assert words in done.stderr and "Traceback" not in done.stderr
