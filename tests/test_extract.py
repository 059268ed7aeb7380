"""The input readers: documents (.txt, .md, .docx, .html) and batch records (JSONL, CSV).

Inputs come from strangers: arbitrary bytes give text or one line of our input error, a zip bomb
is refused without inflating it (memory measured in a child process), and valid input is read
back whole (hypothesis properties).
"""

from __future__ import annotations

import csv
import importlib.abc
import io
import json
import sys
import time
import zipfile
from datetime import timedelta
from pathlib import Path

import docx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.hostile_files import MAX_GROWTH_MB, MEMORY, patch_declared_size, run_child
from translate import extract
from translate.batch import BatchUsageError, InputReader, Source, parse_jsonl_line
from translate.catalog import tomllib  # tomli before Python 3.11
from translate.extract import (
    ExtractionError,
    NotUTF8Error,
    TooLongError,
    decode_loosely,
    decode_text,
    docx_to_text,
    html_to_text,
    looks_binary,
    read_document,
)
from translate.glossary import Glossary

REPO = Path(__file__).resolve().parent.parent
MB = 1024 * 1024
BOMB_INFLATED = 256 * MB  # a few hundred MB: the old reader needed GBs and minutes for it


# ------------------------------------------------------------------------------------------
# Builders
# ------------------------------------------------------------------------------------------


def docx_bytes(paragraphs: list[str]) -> bytes:
    document = docx.Document()
    for paragraph in paragraphs:
        document.add_paragraph(paragraph)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def write_docx_bomb(path: Path, inflated: int, part: str = "word/document.xml") -> Path:
    """A valid Word file whose ``part`` inflates to about ``inflated`` bytes of paragraphs,
    written in 1 MB pieces so the test itself stays small in memory."""
    source = zipfile.ZipFile(io.BytesIO(docx_bytes(["Hà Nội hôm nay có mưa."])))
    paragraph = ("<w:p><w:r><w:t>" + "Trời mưa to ở Hà Nội. " * 40 + "</w:t></w:r></w:p>").encode()
    piece = paragraph * (MB // len(paragraph))
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for info in source.infolist():
            if info.filename != "word/document.xml":
                out.writestr(info, source.read(info))
                continue
            head, tail = source.read(info).split(b"<w:body>")
            with out.open(part, "w") as stream:
                stream.write(head + b"<w:body>")
                written = 0
                while written < inflated:
                    stream.write(piece)
                    written += len(piece)
                stream.write(tail)
            if part != "word/document.xml":  # the real document part stays, small
                out.writestr(info, source.read(info))
    return path


def one_line_error(exc: BaseException) -> None:
    message = str(exc)
    assert message and "\n" not in message, repr(message)
    assert "Traceback" not in message


# ------------------------------------------------------------------------------------------
# Item 1: optional imports say what really failed; a fresh install reads HTML
# ------------------------------------------------------------------------------------------


class _BrokenImport(importlib.abc.MetaPathFinder):
    """``import trafilatura`` fails the way it did on a fresh venv (justext -> lxml)."""

    def find_spec(self, name, path=None, target=None):  # noqa: ANN001  (importlib's signature)
        if name == "trafilatura":
            raise ImportError("lxml.html.clean module is now a separate project "
                              "lxml_html_clean.\nInstall lxml[html-clean] or lxml_html_clean "
                              "directly.")
        return None


def test_html_reader_reports_the_real_import_error(monkeypatch):
    monkeypatch.delitem(sys.modules, "trafilatura", raising=False)
    monkeypatch.setattr(sys, "meta_path", [_BrokenImport(), *sys.meta_path])
    with pytest.raises(ExtractionError) as info:
        html_to_text("<p>Trời mưa.</p>")
    one_line_error(info.value)
    assert "lxml_html_clean" in str(info.value)
    assert "fails to import" in str(info.value)
    assert "pip install trafilatura" not in str(info.value)  # the old, wrong hint


def test_html_reader_without_trafilatura_gives_the_install_hint(monkeypatch):
    monkeypatch.setitem(sys.modules, "trafilatura", None)  # import fails as if not installed
    with pytest.raises(ExtractionError, match="not installed: pip install trafilatura") as info:
        html_to_text("<p>Trời mưa.</p>")
    one_line_error(info.value)


def test_html_cleaner_is_a_direct_dependency_and_ci_installs_as_a_user_does():
    """pip 23.2 (what `python3 -m venv` brings) does not match lxml's `html-clean` extra to
    justext's `html_clean`, so the package must be named; CI must not upgrade pip to hide it."""
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    names = {dep.split(">")[0].split("=")[0].split(";")[0].strip().lower().replace("-", "_")
             for dep in project["dependencies"]}
    assert "lxml_html_clean" in names
    ci = (REPO / ".ci" / "run").read_text(encoding="utf-8")
    commands = [line for line in ci.splitlines() if not line.lstrip().startswith("#")]
    assert not any("install" in line and "--upgrade pip" in line for line in commands)
    import lxml_html_clean  # noqa: F401
    import trafilatura  # noqa: F401


# ------------------------------------------------------------------------------------------
# Item 2: bounded reading; a zip bomb is refused, for the page and for batch
# ------------------------------------------------------------------------------------------


def test_docx_over_the_xml_limit_is_refused_by_its_declared_size(tmp_path):
    bomb = write_docx_bomb(tmp_path / "bomb.docx", 12 * MB)
    assert bomb.stat().st_size < MB
    with pytest.raises(ExtractionError, match=r"bomb\.docx: its XML parts inflate to 1\d\.\d MB"
                       ) as info:
        read_document(bomb)
    one_line_error(info.value)


def test_docx_member_lying_about_its_size_is_refused(tmp_path):
    bomb = write_docx_bomb(tmp_path / "liar.docx", 12 * MB)
    patch_declared_size(bomb, "word/document.xml", 1000)
    with zipfile.ZipFile(bomb) as archive:  # the lie holds: declared sizes look harmless
        assert archive.getinfo("word/document.xml").file_size == 1000
    with pytest.raises(ExtractionError, match="liar.docx") as info:
        read_document(bomb)
    one_line_error(info.value)


def test_xml_under_another_name_counts_as_xml(tmp_path):
    """python-docx parses a part by its content type, whatever its name: sniff the content."""
    bomb = write_docx_bomb(tmp_path / "disguised.docx", 12 * MB, part="word/media/image1.png")
    with pytest.raises(ExtractionError, match="XML parts inflate past 10.0 MB") as info:
        read_document(bomb)
    one_line_error(info.value)


def test_docx_with_too_many_parts_is_refused(tmp_path, monkeypatch):
    path = tmp_path / "many.docx"
    path.write_bytes(docx_bytes(["Đoạn một."]))
    monkeypatch.setattr(extract, "MAX_DOCX_MEMBERS", 3)
    with pytest.raises(ExtractionError, match="more than 3 parts"):
        read_document(path)


def test_oversize_files_and_pages_are_refused_not_cut(tmp_path, monkeypatch):
    monkeypatch.setattr(extract, "MAX_DOCUMENT_BYTES", 1000)
    big = tmp_path / "big.txt"
    big.write_text("Trời mưa. " * 200, encoding="utf-8")
    with pytest.raises(ExtractionError, match="big.txt is over"):
        read_document(big)
    monkeypatch.setattr(extract, "MAX_HTML_BYTES", 500)
    page = "<html><body><article>" + "<p>Trời mưa to ở Hà Nội.</p>" * 40 + "</article></body>"
    with pytest.raises(ExtractionError, match="pages up to"):
        html_to_text(page)


PAGE_CHILD = MEMORY + """
import gradio as gr
from translate.web import Handlers, WebConfig

model, good, bomb = sys.argv[1:4]
from translate.config import ModelConfig
handlers = Handlers(WebConfig(ModelConfig(model=model, summarizer=model, device="cpu", beams=1)))
assert handlers.load_file(good) == "Đoạn một."  # warm: every import the bomb's read needs
reset_peak()
before = memory_kb("VmRSS")
try:
    outcome = "read %d characters" % len(handlers.load_file(bomb))
except gr.Error as exc:
    outcome = exc.message
after = memory_kb("VmHWM")
print(json.dumps({"outcome": outcome, "growth_mb": (after - before) / 1024}))
"""

BATCH_CHILD = MEMORY + """
from translate.cli import main

good, bomb, out_good, out_bomb = sys.argv[1:5]
options = ["--beams", "1", "--no-checks"]
rc_good = main(["batch", good, "-o", out_good, *options])  # warm: models, imports
reset_peak()
before = memory_kb("VmRSS")
rc = main(["batch", bomb, "-o", out_bomb, *options])
after = memory_kb("VmHWM")
print(json.dumps({"rc_good": rc_good, "rc": rc, "growth_mb": (after - before) / 1024}))
"""


@pytest.fixture(scope="module")
def bomb_files(tmp_path_factory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("bomb")
    good = folder / "good.docx"
    good.write_bytes(docx_bytes(["Đoạn một."]))
    bomb = write_docx_bomb(folder / "bomb.docx", BOMB_INFLATED)
    assert bomb.stat().st_size < 20 * MB  # under the page's upload limit
    return good, bomb


@pytest.mark.slow
def test_docx_bomb_upload_is_refused_in_bounded_memory(bomb_files, tiny_translator_dir,
                                                       tmp_path):
    good, bomb = bomb_files
    result, _ = run_child(PAGE_CHILD, [str(tiny_translator_dir), str(good), str(bomb)],
                          tiny_translator_dir, tmp_path)
    assert result["outcome"].startswith("bomb.docx: its XML parts inflate to"), result
    assert "\n" not in result["outcome"]
    assert result["growth_mb"] < MAX_GROWTH_MB, result


@pytest.mark.slow
def test_docx_bomb_in_batch_is_an_error_record_in_bounded_memory(bomb_files,
                                                                 tiny_translator_dir,
                                                                 tmp_path):
    good, bomb = bomb_files
    out = tmp_path / "out.jsonl"
    result, stderr = run_child(BATCH_CHILD, [str(good), str(bomb), str(tmp_path / "good.jsonl"),
                                             str(out)], tiny_translator_dir, tmp_path)
    assert result["rc_good"] == 0, stderr
    assert result["rc"] == 1, stderr
    assert result["growth_mb"] < MAX_GROWTH_MB, result
    records = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert len(records) == 1 and records[0]["id"] == str(bomb)
    assert records[0]["translation"] is None
    assert "bomb.docx" in records[0]["error"] and "inflate" in records[0]["error"]
    assert "0 documents done, 1 failed" in stderr  # the run finished and said so


# ------------------------------------------------------------------------------------------
# Item 3: properties over the readers
# ------------------------------------------------------------------------------------------

PROPERTY = settings(max_examples=60, deadline=timedelta(seconds=5),
                    suppress_health_check=[HealthCheck.function_scoped_fixture,
                                           HealthCheck.too_slow])
DOCUMENT_SUFFIXES = [".txt", ".md", ".docx", ".html"]
# Text a user can type: no control characters but tab and line ends, no lone surrogates.
typed_text = st.text(st.characters(blacklist_categories=("Cs", "Cc"),
                                   whitelist_characters="\t\n\r"), max_size=300)
VIETNAMESE_WORDS = ("Hà Nội", "mưa", "giao thông", "ùn tắc", "giá xăng", "tăng", "mạnh",
                    "người dân", "thành phố", "hôm nay", "Chính phủ", "quyết định", "đường")
sentence = st.lists(st.sampled_from(VIETNAMESE_WORDS), min_size=12, max_size=25).map(
    lambda words: " ".join(words).capitalize() + ".")


def _read_bytes(tmp_path: Path, suffix: str, data: bytes) -> str:
    path = tmp_path / f"input{suffix}"
    path.write_bytes(data)
    return read_document(path)


@pytest.fixture(scope="module")
def valid_docx() -> bytes:
    return docx_bytes(["Hà Nội hôm nay có mưa.", "Giao thông ùn tắc."])


@PROPERTY
@given(suffix=st.sampled_from(DOCUMENT_SUFFIXES), data=st.binary(max_size=2000))
def test_any_bytes_as_a_document_give_text_or_one_line_error(tmp_path, suffix, data):
    try:
        text = _read_bytes(tmp_path, suffix, data)
    except ExtractionError as exc:
        one_line_error(exc)
    else:
        assert isinstance(text, str)


@PROPERTY
@given(edits=st.lists(st.tuples(st.integers(min_value=0), st.integers(0, 255)), max_size=8),
       cut=st.one_of(st.none(), st.integers(min_value=0)))
def test_damaged_docx_gives_text_or_one_line_error(tmp_path, valid_docx, edits, cut):
    """Bytes near a valid .docx reach deep into zip and XML parsing, unlike random bytes."""
    data = bytearray(valid_docx)
    for position, value in edits:
        data[position % len(data)] = value
    if cut is not None:
        data = data[:cut % len(data)]
    try:
        text = _read_bytes(tmp_path, ".docx", bytes(data))
    except ExtractionError as exc:
        one_line_error(exc)
    else:
        assert isinstance(text, str)


@PROPERTY
@given(text=st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"),
                   max_size=300).filter(lambda t: not t.startswith("\ufeff")),
       suffix=st.sampled_from([".txt", ".md"]), bom=st.booleans())
def test_utf8_text_is_read_back_whole(tmp_path, text, suffix, bom):
    """Any text but a NUL (the mark of a binary file) and a leading BOM (taken as one)."""
    data = (b"\xef\xbb\xbf" if bom else b"") + text.encode("utf-8")
    assert _read_bytes(tmp_path, suffix, data) == text
    assert decode_text(data) == text


@pytest.mark.slow  # more than 2 s of CPU
@PROPERTY
@given(paragraphs=st.lists(typed_text.map(lambda t: t.replace("\r", "")), max_size=8))
def test_docx_paragraphs_are_all_read_back(paragraphs):
    expected = [p.strip() for p in paragraphs if p.strip()]
    assert docx_to_text(docx_bytes(paragraphs)) == "\n\n".join(expected)


@PROPERTY
@given(paragraphs=st.lists(sentence, min_size=3, max_size=6, unique=True))
def test_html_article_paragraphs_survive(tmp_path, paragraphs):
    body = "".join(f"<p>{p}</p>" for p in paragraphs)
    page = (f"<html><head><title>Tin tức</title></head><body><nav><a href='/'>Trang chủ</a>"
            f"</nav><article><h1>Tin mới</h1>{body}</article><footer>Bản quyền</footer>"
            "</body></html>")
    text = _read_bytes(tmp_path, ".html", page.encode("utf-8"))
    for paragraph in paragraphs:
        assert paragraph in text.split("\n\n")


@pytest.mark.slow  # more than 2 s of CPU
@PROPERTY
@given(text=st.text(st.characters(blacklist_categories=("Cs",))), record_id=st.text(),
       ascii_only=st.booleans(), lineno=st.integers(1, 5))
def test_jsonl_line_with_a_text_field_yields_that_text(text, record_id, ascii_only, lineno):
    raw = json.dumps({"id": record_id, "text": text}, ensure_ascii=ascii_only).encode("utf-8",
                                                                                      "surrogatepass")
    record = parse_jsonl_line(raw, lineno)
    assert record is not None and record.error is None, record
    assert record.text == text


@PROPERTY
@given(data=st.binary(max_size=300), lineno=st.integers(1, 5))
def test_any_bytes_as_a_jsonl_line_give_a_record_or_nothing(data, lineno):
    record = parse_jsonl_line(data, lineno)
    if record is None:  # a blank line (after a BOM on the first line) holds no record
        line = data.decode("utf-8")
        assert (line.removeprefix("\ufeff") if lineno == 1 else line).strip() == ""
    elif record.error is not None:
        assert "\n" not in record.error and record.text is None


def _reader(tmp_path: Path, suffix: str, data: bytes) -> list:
    path = tmp_path / f"input{suffix}"
    path.write_bytes(data)
    kind = "jsonl" if suffix == ".jsonl" else "csv"
    return list(InputReader([Source(path, kind, path.name)]))


@PROPERTY
@given(texts=st.lists(st.text(st.characters(blacklist_categories=("Cs",))), min_size=1,
                      max_size=6))
def test_jsonl_and_csv_files_yield_every_text(tmp_path, texts):
    lines = [json.dumps({"id": f"d{i}", "text": t}, ensure_ascii=False)
             for i, t in enumerate(texts)]
    records = _reader(tmp_path, ".jsonl", "\n".join(lines).encode("utf-8"))
    assert [(r.id, r.text) for r in records] == [(f"d{i}", t) for i, t in enumerate(texts)]

    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer)
    writer.writerow(["id", "text"])
    writer.writerows([f"d{i}", t] for i, t in enumerate(texts))
    records = _reader(tmp_path, ".csv", buffer.getvalue().encode("utf-8"))
    assert [(r.id, r.text, r.error) for r in records] == [(f"d{i}", t, None)
                                                          for i, t in enumerate(texts)]


@PROPERTY
@given(suffix=st.sampled_from([".jsonl", ".csv"]), header=st.booleans(),
       data=st.binary(max_size=600))
def test_any_bytes_as_jsonl_or_csv_give_records_or_one_line_error(tmp_path, suffix, header,
                                                                  data):
    if header and suffix == ".csv":
        data = b"id,text\n" + data
    try:
        records = _reader(tmp_path, suffix, data)
    except BatchUsageError as exc:
        assert suffix == ".csv"  # a CSV file that cannot be read at all stops the job (exit 2)
        one_line_error(exc)
        return
    for record in records:
        assert (record.text is None) != (record.error is None), record
        if record.error is not None:
            assert "\n" not in record.error


# ------------------------------------------------------------------------------------------
# One decoder and one binary sniff for every text input
# ------------------------------------------------------------------------------------------

# Line 1 is UTF-8 (16 bytes with its newline); line 2 is in the legacy Vietnamese code page,
# whose "à" (byte 0xE0, position 17) is no UTF-8.
LEGACY_LINE_2 = "Hà Nội mưa.\n".encode() + "Cà Mau\tCa Mau\n".encode("cp1258")
BINARY = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256))


def test_not_utf8_is_refused_with_the_line_of_the_first_bad_byte():
    with pytest.raises(NotUTF8Error) as caught:
        decode_text(LEGACY_LINE_2, "tin.txt")
    assert (caught.value.line, caught.value.position) == (2, 17)
    assert str(caught.value) == ("tin.txt is not UTF-8 text (invalid byte on line 2, "
                                 "position 17); save it as UTF-8")
    with pytest.raises(NotUTF8Error, match=r"^x is not UTF-8 text \(invalid byte at position 1\)"):
        decode_text("Cà".encode("cp1258"), "x")


def test_binary_sniff_and_bom():
    assert looks_binary(BINARY) and not looks_binary("Hà Nội\tmưa\n".encode())
    assert not looks_binary(b"a" * 8192 + b"\x00")  # only the start of a file is looked at
    with pytest.raises(ExtractionError, match="^logo.png looks like a binary file, not text$"):
        decode_text(BINARY, "logo.png")
    assert decode_text("\ufeffHà Nội".encode()) == "Hà Nội"
    # Past a file's start, a BOM is a character (a JSONL line after the first).
    assert decode_text("\ufeffHà Nội".encode(), bom=False) == "\ufeffHà Nội"
    # CSV rows: a bad byte is kept (as a lone surrogate) for its row's error; NULs pass.
    assert decode_loosely(b"\xef\xbb\xbfa,\xe0\x00") == "a,\udce0\x00"


def test_every_text_input_reads_through_the_one_decoder(tmp_path, capsys):
    """A document, a JSONL line, the CLI's input and a glossary refuse the same bytes alike."""
    from translate.cli import main

    legacy, binary = tmp_path / "legacy.txt", tmp_path / "logo.txt"
    legacy.write_bytes(LEGACY_LINE_2)
    binary.write_bytes(BINARY)
    with pytest.raises(NotUTF8Error, match="^legacy.txt is not UTF-8 text .*line 2"):
        read_document(legacy)
    with pytest.raises(ExtractionError, match="^logo.txt looks like a binary file"):
        read_document(binary)

    record = parse_jsonl_line(b'{"id": "a", "text": "C\xe0 Mau"}', 3, label="in.jsonl")
    assert record is not None
    assert record.error == ("in.jsonl line 3 is not UTF-8 text (invalid byte at position 22); "
                            "save it as UTF-8")
    record = parse_jsonl_line(b'{"id": "a", "text": "\x00"}', 1, label="in.jsonl")
    assert record is not None
    assert record.error == "in.jsonl line 1 looks like a binary file, not text"

    # The CLI reads documents through the one reader: the file is named by its name.
    for path, message in ((legacy, f"{legacy.name} is not UTF-8 text (invalid byte on line 2"),
                          (binary, f"{binary.name} looks like a binary file, not text")):
        assert main(["segment", str(path)]) == 2
        assert message in capsys.readouterr().err

    legacy_tsv, binary_tsv = tmp_path / "legacy.tsv", tmp_path / "logo.tsv"
    legacy_tsv.write_bytes(LEGACY_LINE_2)
    binary_tsv.write_bytes(BINARY)
    with pytest.raises(ValueError) as caught:
        Glossary.load(legacy_tsv)
    assert str(caught.value) == f"glossary {legacy_tsv}: line 2 is not UTF-8"
    with pytest.raises(ValueError) as caught:
        Glossary.load(binary_tsv)
    assert str(caught.value) == f"glossary {binary_tsv} looks like a binary file, not text"


# ------------------------------------------------------------------------------------------
# Issue 22, item 9: a document stops being read as soon as its text passes the limit
# ------------------------------------------------------------------------------------------


def write_docx_of_paragraphs(path: Path, paragraph: bytes, xml_bytes: int) -> Path:
    """A small .docx whose body is ``paragraph`` repeated to about ``xml_bytes`` of XML (under
    the 10 MB XML limit with the other parts): each costs python-docx ~30 µs to read."""
    source = zipfile.ZipFile(io.BytesIO(docx_bytes(["x"])))
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for info in source.infolist():
            data = source.read(info)
            if info.filename == "word/document.xml":
                head, tail = data.split(b"<w:body>")
                data = head + b"<w:body>" + paragraph * (xml_bytes // len(paragraph)) + tail
            out.writestr(info.filename, data, zipfile.ZIP_DEFLATED)
    return path


@pytest.mark.slow
@pytest.mark.parametrize(("paragraph", "words"), [
    (b"<w:p><w:r><w:t>a</w:t></w:r></w:p>", "more than 100,000 characters"),
    (b"<w:p><w:pPr/></w:p>", "more than 100,000 paragraphs")],  # no text to count at all
    ids=["tiny-paragraphs", "empty-paragraphs"])
def test_a_long_docx_is_refused_as_soon_as_its_text_passes_the_limit(tmp_path, paragraph,
                                                                     words):
    """9.5 MB of XML in a 50-70 KB file: main read all of it, 31 CPU-s of tiny paragraphs
    and 42 of empty ones (AMD EPYC, 2 cores), before the length was checked."""
    path = write_docx_of_paragraphs(tmp_path / "long.docx", paragraph, 9_500_000)
    assert path.stat().st_size < 100_000
    started = time.process_time()
    with pytest.raises(TooLongError, match=f"^long.docx has {words}") as info:
        read_document(path, max_chars=100_000)
    spent = time.process_time() - started
    one_line_error(info.value)
    assert spent < 6, f"{spent:.1f} CPU-s"  # about 1 s here, most of it python-docx's parse


def test_documents_over_the_limit_are_refused_and_those_within_read_whole(tmp_path):
    text = "Trời mưa to ở Hà Nội. Giao thông ùn tắc."
    (tmp_path / "a.txt").write_text(text, encoding="utf-8")
    (tmp_path / "a.docx").write_bytes(docx_bytes([text, text]))
    assert read_document(tmp_path / "a.txt", max_chars=len(text)) == text
    assert read_document(tmp_path / "a.docx", max_chars=2 * len(text) + 2) == f"{text}\n\n{text}"
    with pytest.raises(TooLongError, match=f"^a.txt has more than {len(text) - 1} characters"):
        read_document(tmp_path / "a.txt", max_chars=len(text) - 1)
    with pytest.raises(TooLongError, match="^a.docx has more than"):
        read_document(tmp_path / "a.docx", max_chars=2 * len(text) + 1)
    page = tmp_path / "a.html"
    page.write_text(f"<html><body><article><p>{text}</p><p>{text} Giá xăng tăng.</p>"
                    "</article></body></html>", encoding="utf-8")
    assert read_document(page, max_chars=1000).startswith(text)
    with pytest.raises(TooLongError, match="^a.html has more than 20 characters"):
        read_document(page, max_chars=20)


def test_a_text_file_far_over_the_limit_is_refused_unread(tmp_path, monkeypatch):
    """Past 4 bytes a character (UTF-8's most) the file is refused before it is decoded."""
    big = tmp_path / "big.txt"
    big.write_bytes(b"\xff" * 1000)  # not UTF-8: decoding it would say so instead
    with pytest.raises(TooLongError, match="^big.txt has more than 100 characters"):
        read_document(big, max_chars=100)
    with pytest.raises(NotUTF8Error):
        read_document(big, max_chars=1000)


def test_docx_text_is_python_docx_paragraph_text():
    """Runs, tabs, line breaks, hyperlinks: read as python-docx's Paragraph.text reads them."""
    document = docx.Document()
    first = document.add_paragraph("Giá xăng ")
    run = first.add_run("tăng")
    run.add_tab()
    run.add_text("mạnh")
    run.add_break()
    first.add_run("hôm nay.").bold = True
    document.add_paragraph("")
    link = document.add_paragraph("Xem ")
    link._p.append(docx.oxml.parse_xml(
        '<w:hyperlink xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
        "<w:r><w:t>Hà Nội</w:t></w:r><w:r><w:tab/><w:t>mới</w:t></w:r></w:hyperlink>"))
    link.add_run(" nhé.")
    buffer = io.BytesIO()
    document.save(buffer)
    expected = [p.text.strip() for p in docx.Document(io.BytesIO(buffer.getvalue())).paragraphs
                if p.text.strip()]
    assert expected == ["Giá xăng tăng\tmạnh\nhôm nay.", "Xem Hà Nội\tmới nhé."]
    assert docx_to_text(buffer.getvalue()) == "\n\n".join(expected)
