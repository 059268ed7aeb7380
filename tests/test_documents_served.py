"""Files back in their own format through every door: ``POST /translate_file`` of a real
``vi2en serve``, the page's handler for an upload, and ``vi2en batch --translated-files``;
and LibreTranslate's language identification on ``/detect`` and ``source=auto``. Tiny
models: the English is nonsense, but it differs from the Vietnamese, which is what the
checks (tests/document_checks.py) look for."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

from tests.api_helpers import get, multipart, post
from tests.browser_helpers import DESKTOP, MODEL_WAIT_MS
from tests.document_checks import check_translated
from tests.document_factory import BUILDERS, docx_document, odt_document, pptx_document
from tests.hostile_files import zip_bomb
from translate.config import ModelConfig
from translate.web import Handlers, WebConfig

REPO = Path(__file__).resolve().parent.parent
MB = 1024 * 1024
OUTPUT_SUFFIX = {".pdf": ".docx"}
FRENCH = "Le ministre a déclaré que les prix de l'essence baisseraient la semaine prochaine."


def download(base: str, url: str) -> tuple[bytes, str]:
    """A translatedFileUrl fetched as a client does: relative ones against the server."""
    with urllib.request.urlopen(urllib.parse.urljoin(base, url), timeout=60) as response:
        return response.read(), response.headers.get("content-type", "")


# -- the REST API ---------------------------------------------------------------------------------
@pytest.mark.slow
@pytest.mark.parametrize("suffix", list(BUILDERS))
def test_translate_file_answers_the_document_in_its_own_format(server, suffix):
    source = BUILDERS[suffix]()
    body, content_type = multipart(f"bai-bao{suffix}", source, {"source": "vi", "target": "en"})
    status, answer = post(server + "translate_file", raw=body, content_type=content_type)
    assert status == 200, answer
    url = answer["translatedFileUrl"]
    assert url.endswith(f"/bai-bao.en{OUTPUT_SUFFIX.get(suffix, suffix)}")
    translated, media = download(server, url)
    assert media.split(";")[0] in ("application/vnd.openxmlformats-officedocument."
                                   "wordprocessingml.document",
                                   "application/vnd.openxmlformats-officedocument."
                                   "presentationml.presentation",
                                   "application/vnd.oasis.opendocument.text", "text/html",
                                   "text/markdown", "text/plain", "application/x-subrip")
    check_translated(suffix, source, translated)


@pytest.mark.slow
def test_translate_file_keeps_a_vietnamese_name(server):
    body, content_type = multipart("Bản tin sáng.srt", BUILDERS[".srt"](),
                                    {"source": "vi", "target": "en"})
    status, answer = post(server + "translate_file", raw=body, content_type=content_type)
    assert status == 200, answer
    name = urllib.parse.unquote(answer["translatedFileUrl"].rsplit("/", 1)[1])
    assert name == "Bản_tin_sáng.en.srt"
    check_translated(".srt", BUILDERS[".srt"](), download(server, answer["translatedFileUrl"])[0])


@pytest.mark.slow
@pytest.mark.parametrize(("suffix", "build", "part"), [
    (".docx", docx_document, "word/document.xml"), (".pptx", pptx_document,
                                                     "ppt/slides/slide2.xml"),
    (".odt", odt_document, "content.xml")])
def test_translate_file_refuses_a_zip_bomb(server, tmp_path, suffix, build, part):
    bomb = zip_bomb(build(), part, 12 * MB, tmp_path / f"bomb{suffix}")
    body, content_type = multipart(bomb.name, bomb.read_bytes(),
                                    {"source": "vi", "target": "en"})
    status, answer = post(server + "translate_file", raw=body, content_type=content_type)
    assert status == 400
    assert answer["error"].startswith(f"bomb{suffix}: its XML parts inflate to")


@pytest.mark.slow
def test_frontend_settings_list_the_new_formats(server):
    formats = json.loads(get(server + "frontend/settings"))["supportedFilesFormat"]
    assert {".docx", ".pptx", ".odt", ".html", ".md", ".txt", ".srt", ".pdf"} <= set(formats)


# -- language identification ----------------------------------------------------------------------
@pytest.mark.slow
def test_detect_ranks_candidates_as_libretranslate(server):
    status, found = post(server + "detect", {"q": FRENCH})
    assert status == 200 and found[0]["language"] == "fr"
    assert all(set(d) == {"language", "confidence"} for d in found) and len(found) <= 3
    confidences = [d["confidence"] for d in found]
    assert confidences == sorted(confidences, reverse=True)
    status, found = post(server + "detect", {"q": "Trời mưa to ở Hà Nội. Giao thông ùn tắc."})
    assert (status, found) == (200, [{"language": "vi", "confidence": 100.0}])


@pytest.mark.slow
def test_auto_source_refuses_other_languages_in_libretranslate_words(server):
    status, answer = post(server + "translate", {"q": FRENCH, "source": "auto", "target": "en"})
    # LibreTranslate's words exactly; ours only in the separate hint.
    assert (status, answer["error"], set(answer)) == (400, "fr is not supported",
                                                      {"error", "hint"})
    status, answer = post(server + "translate", {"q": ["Giá xăng tăng mạnh.", "Trời mưa to."],
                                                 "source": "auto", "target": "en"})
    assert status == 200
    # Each item detected on its own (a list is not one text).
    assert [d["language"] for d in answer["detectedLanguage"]] == ["vi", "vi"]
    assert all(90 <= d["confidence"] <= 100 for d in answer["detectedLanguage"])
    body, content_type = multipart("tin.txt", FRENCH.encode(), {"source": "auto",
                                                                 "target": "en"})
    status, answer = post(server + "translate_file", raw=body, content_type=content_type)
    assert (status, answer["error"]) == (400, "fr is not supported")


# -- the page -------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def handlers(tiny_translator_dir, tiny_summarizer_dir) -> Handlers:
    return Handlers(WebConfig(ModelConfig(model=str(tiny_translator_dir),
                                          summarizer=str(tiny_summarizer_dir), device="cpu",
                                          beams=1)))


@pytest.mark.slow
@pytest.mark.parametrize("suffix", list(BUILDERS))
def test_the_page_translates_an_uploaded_file_in_its_format(handlers, tmp_path, suffix):
    source = BUILDERS[suffix]()
    upload = tmp_path / f"bài báo{suffix}"  # Gradio keeps the uploaded file's own name
    upload.write_bytes(source)
    assert "Giá xăng tăng mạnh" in handlers.load_file(str(upload))  # the source box
    translated = handlers.translate_file(upload.name, source, None, 1)
    assert translated.name == f"bài_báo.en{OUTPUT_SUFFIX.get(suffix, suffix)}"
    check_translated(suffix, source, translated.read_bytes())


def test_the_page_offers_no_file_when_the_text_is_not_the_uploads(handlers, tmp_path):
    assert handlers.translate_file(None) is None
    upload = tmp_path / "bai.srt"
    upload.write_bytes(BUILDERS[".srt"]())
    data = upload.read_bytes()
    # The example or a fetched page replaced the upload's text in the source box.
    assert handlers.translate_file("bai.srt", data, None, 1, "Một bài báo khác.") is None
    text = handlers.load_file(str(upload))
    assert handlers.translate_file("bai.srt", data, None, 1, text).name == "bai.en.srt"


# -- batch ----------------------------------------------------------------------------------------
def run_batch(args: list[str], model: Path, cwd: Path) -> subprocess.CompletedProcess:
    env = dict(os.environ, VI2EN_MODEL=str(model), VI2EN_DEVICE="cpu",
               VI2EN_ENGINE="transformers", HF_HUB_OFFLINE="1", PYTHONPATH=str(REPO))
    return subprocess.run([sys.executable, "-m", "translate", "batch", *args, "--beams", "1",
                           "--no-checks", "--no-cache"], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=600)


@pytest.mark.slow
def test_batch_writes_translated_files_beside_the_jsonl(tiny_translator_dir, tmp_path):
    inputs = tmp_path / "bai"
    inputs.mkdir()
    for suffix, build in BUILDERS.items():
        (inputs / f"tin{suffix}").write_bytes(build())
    done = run_batch(["bai", "-o", "out/batch.jsonl", "--translated-files"],
                     tiny_translator_dir, tmp_path)
    assert done.returncode == 0, done.stderr[-3000:]
    records = [json.loads(line) for line in
               (tmp_path / "out" / "batch.jsonl").read_text(encoding="utf-8").splitlines()]
    written = {r["id"]: r["translated_file"] for r in records}
    # tin.docx and tin.pdf would both be tin.en.docx: the later one is numbered.
    assert sorted(written.values()) == sorted(
        ["tin.en.docx", "tin-2.en.docx", "tin.en.html", "tin.en.md", "tin.en.odt",
         "tin.en.pptx", "tin.en.srt", "tin.en.txt"])
    for record_id, name in written.items():
        suffix = Path(record_id).suffix
        check_translated(suffix, BUILDERS[suffix](), (tmp_path / "out" / name).read_bytes())
    # The record holds the same English as the file: all its units, one paragraph each.
    record = next(r for r in records if r["id"].endswith(".txt"))
    lines = (tmp_path / "out" / "tin.en.txt").read_text(encoding="utf-8").splitlines()
    assert record["translation"].split("\n\n") == [line.strip() for line in lines
                                                     if line.strip()]
    manifest = (tmp_path / "out" / ".vi2en-translated-files").read_text(encoding="utf-8")
    assert sorted(manifest.split()) == sorted(written.values())


@pytest.mark.slow
def test_batch_never_replaces_a_file_it_did_not_write(tiny_translator_dir, tmp_path):
    (tmp_path / "bai").mkdir()
    (tmp_path / "bai" / "tin.srt").write_bytes(BUILDERS[".srt"]())
    (tmp_path / "dich").mkdir()
    mine = tmp_path / "dich" / "tin.en.srt"
    mine.write_text("my own subtitles\n", encoding="utf-8")
    done = run_batch(["bai", "-o", "out.jsonl", "--translated-files", "dich"],
                     tiny_translator_dir, tmp_path)
    assert done.returncode == 2 and "was not written by vi2en batch" in done.stderr
    assert mine.read_text(encoding="utf-8") == "my own subtitles\n"
    assert not (tmp_path / "out.jsonl").exists()  # refused before any work
    done = run_batch(["bai", "-o", "out.jsonl", "--translated-files", "bai"],
                     tiny_translator_dir, tmp_path)
    assert done.returncode == 2 and "among the inputs" in done.stderr


@pytest.mark.slow
@pytest.mark.browser
def test_the_page_offers_the_uploaded_file_translated(served, browser, tmp_path):
    from playwright.sync_api import expect

    source = BUILDERS[".docx"]()
    upload = tmp_path / "bai-bao.docx"
    upload.write_bytes(source)
    page = browser.new_page(viewport=DESKTOP)
    page.goto(served, wait_until="domcontentloaded")
    page.get_by_text("Upload a file or fetch a web page").click()
    page.locator("#upload input[type=file]").set_input_files(str(upload))
    expect(page.locator("#source textarea")).to_have_value(re.compile("Giá xăng tăng mạnh"),
                                                           timeout=60_000)
    offered = page.locator("#download-translated-file")
    expect(offered).to_be_hidden()  # nothing translated yet
    page.locator("#translate-btn").click()
    expect(offered).to_be_visible(timeout=MODEL_WAIT_MS)
    expect(offered).to_contain_text("bai-bao.en.docx")
    with page.expect_download() as event:
        offered.click()
    saved = tmp_path / "downloaded.docx"
    event.value.save_as(saved)
    check_translated(".docx", source, saved.read_bytes())
    page.locator("#clear-btn").click()  # a new job or source takes the offer away
    expect(offered).to_be_hidden(timeout=30_000)
    page.close()
