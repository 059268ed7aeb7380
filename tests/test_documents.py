"""Documents translated in their own format (translate/documents/), without a model: the
library takes any ``translate(list[str]) -> list[str]``, so these tests hand it a function
that answers English-looking text, and check the written file with independent readers
(tests/document_checks.py). The same checks run on the tiny model's output through the
server, the page and batch in tests/test_documents_served.py."""

from __future__ import annotations

import io
import json
import zipfile

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.document_checks import check_translated
from tests.document_factory import BUILDERS, docx_document, odt_document, pptx_document
from tests.hostile_files import MAX_GROWTH_MB, MEMORY, run_child, zip_bomb
from translate.documents import (
    DOCUMENT_SUFFIXES,
    distribute,
    open_document,
    read_text,
    translate_units,
    translated_name,
)
from translate.extract import ExtractionError

MB = 1024 * 1024
ENGLISH = "Heavy rain fell over the capital and traffic slowed on many streets today"


def english(texts: list[str]) -> list[str]:
    """A stand-in for the model at the floor layer: one English sentence per unit."""
    return [f"{ENGLISH} ({i})" for i, _ in enumerate(texts)]


def translated(suffix: str, data: bytes) -> bytes:
    document = open_document(data, "bai-bao" + suffix)
    translate_units(document, english)
    sink = io.BytesIO()
    document.save(sink)
    return sink.getvalue()


@pytest.mark.parametrize("suffix", list(BUILDERS))
def test_every_format_comes_back_translated_with_its_structure(suffix):
    source = BUILDERS[suffix]()
    check_translated(suffix, source, translated(suffix, source))


@pytest.mark.parametrize("suffix", list(BUILDERS))
def test_reading_again_gives_the_same_units(suffix):
    source = BUILDERS[suffix]()
    first = open_document(source, "a" + suffix)
    again = open_document(translated(suffix, source), "a" + first.output_suffix)
    extra = 1 if suffix == ".pdf" else 0  # the .docx of a PDF starts with the note
    assert len(again.units) == len(first.units) + extra
    assert all(ENGLISH in u.text for u in again.units[extra:])


def test_translated_names_keep_the_original():
    assert translated_name("report.docx") == "report.en.docx"
    assert translated_name("bài báo.srt") == "bài báo.en.srt"
    assert translated_name("scan.pdf", ".docx") == "scan.en.docx"


def test_the_readers_accept_every_new_suffix(tmp_path):
    assert {".pptx", ".odt", ".srt", ".pdf"} <= set(DOCUMENT_SUFFIXES)
    for suffix in (".pptx", ".odt", ".srt", ".pdf"):
        path = tmp_path / f"bai{suffix}"
        path.write_bytes(BUILDERS[suffix]())
        text = read_text(path)
        assert "Giá xăng tăng mạnh" in text and "\n\n" in text


# -- putting a unit's English back into its pieces ------------------------------------------------
def test_distribute_keeps_shares_and_whitespace():
    pieces = ["Trời mưa to ở Hà Nội. ", "Giao thông ùn tắc", " trên nhiều tuyến phố."]
    out = distribute(pieces, "Heavy rain in Hanoi. Traffic jams on many streets.")
    assert " ".join("".join(out).split()) == "Heavy rain in Hanoi. Traffic jams on many streets."
    assert all(piece.strip() for piece in out)  # each run holds some English
    assert out[0].endswith(" ") and out[2].startswith(" ")


def test_distribute_separates_words_of_a_split_run():
    # Word splits a word over runs ("H" + "à Nội"); the English words stay apart.
    assert " ".join("".join(distribute(["H", "à Nội hôm nay"], "Hanoi today is rainy"))
                    .split()) == "Hanoi today is rainy"
    assert "".join(distribute(["H", "à Nội hôm nay"], "Hanoi today is rainy")).count(" ") == 3


@settings(max_examples=200, deadline=None)
@given(pieces=st.lists(st.text(alphabet="ab ơ\t", max_size=8), min_size=1, max_size=6),
       words=st.lists(st.text(alphabet="xyz.", min_size=1, max_size=6), max_size=12))
def test_distribute_loses_no_word_and_keeps_blank_pieces(pieces, words):
    out = distribute(pieces, " ".join(words))
    assert len(out) == len(pieces)
    if any(p.strip() for p in pieces):
        assert "".join(out).split() == words
    for old, new in zip(pieces, out, strict=True):
        if not old.strip():
            assert new == old


# -- hostile files --------------------------------------------------------------------------------
BOMBS = {".docx": (docx_document, "word/document.xml"),
         ".pptx": (pptx_document, "ppt/slides/slide2.xml"),
         ".odt": (odt_document, "content.xml")}


@pytest.mark.parametrize("suffix", list(BOMBS))
def test_zip_formats_refuse_a_bomb_by_its_size(suffix, tmp_path):
    build, part = BOMBS[suffix]
    bomb = zip_bomb(build(), part, 12 * MB, tmp_path / f"bomb{suffix}")
    assert bomb.stat().st_size < MB
    with pytest.raises(ExtractionError, match=rf"bomb\{suffix}: its XML parts inflate to 1\d"):
        open_document(bomb.read_bytes(), bomb.name)


BOMB_CHILD = MEMORY + """
from pathlib import Path

import gradio as gr
from translate.config import ModelConfig
from translate.web import Handlers, WebConfig

model, good, *bombs = sys.argv[1:]
handlers = Handlers(WebConfig(ModelConfig(model=model, summarizer=model, device="cpu", beams=1)))
handlers.load_file(good)  # warm: every import a read needs
outcomes, growth = [], 0.0
for bomb in bombs:
    # The upload box's read, and the translated-file download (the kept document's bytes).
    for step in (handlers.load_file,
                 lambda path: handlers.translate_file(Path(path).name, Path(path).read_bytes())):
        reset_peak()
        before = memory_kb("VmRSS")
        try:
            outcome = "read %r" % (step(bomb),)
        except gr.Error as exc:
            outcome = exc.message
        growth = max(growth, (memory_kb("VmHWM") - before) / 1024)
        outcomes.append(outcome)
print(json.dumps({"outcomes": outcomes, "growth_mb": growth}))
"""


@pytest.mark.slow
def test_zip_bombs_on_the_page_are_refused_in_bounded_memory(tiny_translator_dir, tmp_path):
    good = tmp_path / "good.pptx"
    good.write_bytes(pptx_document())
    bombs = [zip_bomb(build(), part, 256 * MB, tmp_path / f"bomb{suffix}")
             for suffix, (build, part) in BOMBS.items() if suffix != ".docx"]
    result, _ = run_child(BOMB_CHILD, [str(tiny_translator_dir), str(good),
                                       *map(str, bombs)], tiny_translator_dir, tmp_path)
    assert len(result["outcomes"]) == 4
    for outcome, bomb in zip(result["outcomes"], [b for b in bombs for _ in range(2)],
                             strict=True):
        assert outcome.startswith(f"{bomb.name}: its XML parts inflate"), outcome
    assert result["growth_mb"] < MAX_GROWTH_MB, result


@settings(max_examples=60, deadline=None)
@given(suffix=st.sampled_from([".pptx", ".odt", ".srt", ".pdf", ".docx", ".md", ".html"]),
       data=st.binary(max_size=3000))
def test_any_bytes_give_a_document_or_one_line_error(suffix, data):
    try:
        open_document(data, "input" + suffix)
    except ExtractionError as exc:
        assert str(exc) and "\n" not in str(exc)


@pytest.mark.parametrize("suffix", [".docx", ".pptx", ".odt"])
def test_damaged_zip_documents_give_one_line_errors(suffix):
    valid = BUILDERS[suffix]()
    for cut in (len(valid) // 3, len(valid) - 30):
        with pytest.raises(ExtractionError) as caught:
            open_document(valid[:cut], "cut" + suffix)
        assert "\n" not in str(caught.value)
    other = {".docx": pptx_document, ".pptx": odt_document, ".odt": docx_document}[suffix]()
    with pytest.raises(ExtractionError, match=f"is not a {suffix} file"):
        open_document(other, "renamed" + suffix)


def test_xml_entities_are_not_expanded():
    valid = docx_document()
    laughs = (b'<?xml version="1.0"?><!DOCTYPE w [<!ENTITY a "Tr\xe1\xbb\x9di m\xc6\xb0a">'
              b'<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>'
              b'<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/'
              b'main"><w:body><w:p><w:r><w:t>&b;</w:t></w:r></w:p></w:body></w:document>')
    source, out = zipfile.ZipFile(io.BytesIO(valid)), io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for info in source.infolist():
            archive.writestr(info, laughs if info.filename == "word/document.xml"
                             else source.read(info))
    document = open_document(out.getvalue(), "laughs.docx")
    assert "Trời mưa" not in document.text  # the entity was never expanded


def test_a_pdf_without_text_and_an_srt_without_cues_are_refused():
    from reportlab.pdfgen import canvas

    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer)
    pdf.rect(10, 10, 100, 100)  # a drawing, no text: what a scan looks like to a reader
    pdf.showPage()
    pdf.save()
    with pytest.raises(ExtractionError, match="no text layer"):
        open_document(buffer.getvalue(), "scan.pdf")
    with pytest.raises(ExtractionError, match="no subtitle cues"):
        open_document("Trời mưa to.\n".encode(), "notes.srt")
    with pytest.raises(ExtractionError, match="unsupported file type '.xlsx'"):
        open_document(b"PK", "sheet.xlsx")


# -- Markdown, subtitles, text: what must not change ----------------------------------------------
def test_markdown_code_links_and_tables_stay():
    source = ("Xem `vi2en batch` và [trang này](https://vnexpress.net/a_b) hoặc "
              "<https://x.vn>.\n\n    mã thụt lề\n\n| a | b |\n|:--|--:|\n| Hà Nội | 3 |\n\n"
              "[ref]: https://vnexpress.net\n").encode()
    out = translated(".md", source).decode()
    for kept in ("`vi2en batch`", "](https://vnexpress.net/a_b)", "<https://x.vn>",
                 "    mã thụt lề\n", "|:--|--:|", "| 3 |", "[ref]: https://vnexpress.net\n"):
        assert kept in out, kept
    assert "Hà Nội" not in out and "Xem" not in out


def test_srt_cue_without_timing_is_left_and_said(caplog):
    source = "1\n00:00:01,000 --> 00:00:02,000\nTrời mưa.\n\nghi chú lạc\n".encode()
    out = translated(".srt", source).decode()
    assert out.endswith("\n\nghi chú lạc\n") and "Trời mưa" not in out
    assert "without a timing line" in caplog.text


def test_documents_record_their_units_as_json_safe_text():
    for suffix, build in BUILDERS.items():
        document = open_document(build(), "a" + suffix)
        assert json.loads(json.dumps(document.text)) == document.text
        assert "\n\n" in document.text and "  " not in document.text


@pytest.mark.parametrize("suffix", [".pptx", ".odt"])
def test_a_member_lying_about_its_size_is_refused(suffix, tmp_path):
    from tests.hostile_files import patch_declared_size

    build, part = BOMBS[suffix]
    bomb = zip_bomb(build(), part, 12 * MB, tmp_path / f"liar{suffix}")
    patch_declared_size(bomb, part, 1000)
    with zipfile.ZipFile(bomb) as archive:  # the lie holds: declared sizes look harmless
        assert archive.getinfo(part).file_size == 1000
    # zipfile inflates no more than declared, and the cut member fails its checksum.
    with pytest.raises(ExtractionError, match=rf"liar\{suffix} is not a readable \{suffix}"):
        open_document(bomb.read_bytes(), bomb.name)


@pytest.mark.parametrize("suffix", list(BUILDERS))
def test_a_document_over_the_text_limit_is_refused(suffix):
    with pytest.raises(ExtractionError, match="holds more than 60 characters of text"):
        open_document(BUILDERS[suffix](), "long" + suffix, max_chars=60)
    assert open_document(BUILDERS[suffix](), "short" + suffix, max_chars=10_000).units


def test_reading_a_huge_text_stops_at_the_limit():
    import time

    started = time.process_time()
    with pytest.raises(ExtractionError, match="holds more than"):
        open_document("Trời mưa.\n".encode() * 2_000_000, "huge.txt", max_chars=100_000)
    # A 22 MB file read to its 100,000th character: a small fraction of a full read (which
    # takes over 20 s of CPU here); generous for a loaded machine.
    assert time.process_time() - started < 10
