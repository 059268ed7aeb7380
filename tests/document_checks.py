"""What a translated document must be, checked with readers independent of vi2en's
(python-docx, python-pptx, lxml, pypdf, regular expressions): every text run changed, every
non-text part byte-identical, and the counts of paragraphs, cells, slides and cues unchanged."""

from __future__ import annotations

import io
import re
import zipfile

from lxml import etree

from tests.document_factory import PDF_PARAGRAPHS, SRT_TIMINGS

LETTER_RE = re.compile(r"[^\W\d_]")
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
TEXT = "{urn:oasis:names:tc:opendocument:xmlns:text:1.0}"
TABLE = "{urn:oasis:names:tc:opendocument:xmlns:table:1.0}"
# The zip members that hold text, per format: every other member must come back unchanged.
TEXT_MEMBERS = {
    ".docx": re.compile(r"word/(document|header\d*|footer\d*|footnotes|endnotes|comments)\.xml"),
    ".pptx": re.compile(r"ppt/(slides/slide\d+|notesSlides/notesSlide\d+)\.xml"),
    ".odt": re.compile(r"content\.xml|styles\.xml"),
}


def changed(before: str, after: str) -> bool:
    """A text with letters was translated: the tiny model never echoes Vietnamese back."""
    return not LETTER_RE.search(before) or before != after


def check_translated(suffix: str, source: bytes, translated: bytes) -> None:
    """Assert that ``translated`` is ``source`` (a document of ``suffix``) translated."""
    CHECKS[suffix](source, translated)


def _zip_members_kept(suffix: str, source: bytes, translated: bytes) -> None:
    before, after = zipfile.ZipFile(io.BytesIO(source)), zipfile.ZipFile(io.BytesIO(translated))
    assert before.namelist() == after.namelist()  # same members, same order
    for info in before.infolist():
        if not TEXT_MEMBERS[suffix].fullmatch(info.filename):
            assert before.read(info) == after.read(info.filename), info.filename
            assert after.getinfo(info.filename).compress_type == info.compress_type


def _runs_changed(before_runs: list[str], after_runs: list[str], where: str) -> None:
    assert len(before_runs) == len(after_runs), where
    for old, new in zip(before_runs, after_runs, strict=True):
        assert changed(old, new), f"{where}: run {old!r} kept"


def _docx(source: bytes, translated: bytes) -> None:
    import docx

    _zip_members_kept(".docx", source, translated)
    before, after = docx.Document(io.BytesIO(source)), docx.Document(io.BytesIO(translated))

    def paragraphs(document: docx.document.Document) -> list:
        found = list(document.paragraphs)
        for table in document.tables:
            for row in table.rows:
                for cell in row.cells:
                    found += cell.paragraphs
        for section in document.sections:
            found += section.header.paragraphs + section.footer.paragraphs
        for comment in document.comments:
            found += comment.paragraphs
        return found

    old, new = paragraphs(before), paragraphs(after)
    assert len(old) == len(new) and len(before.tables) == len(after.tables)
    assert len(before.inline_shapes) == len(after.inline_shapes) == 1
    for p_old, p_new in zip(old, new, strict=True):
        _runs_changed([r.text for r in p_old.runs], [r.text for r in p_new.runs], "docx")
        assert [bool(r.bold) for r in p_old.runs] == [bool(r.bold) for r in p_new.runs]
    assert any(r.bold for p in new for r in p.runs)  # the bold run is still bold

    def footnote_runs(data: bytes) -> list[str]:
        xml = zipfile.ZipFile(io.BytesIO(data)).read("word/footnotes.xml")
        return [t.text or "" for t in etree.fromstring(xml).iter(f"{W}t")]

    assert footnote_runs(source)
    _runs_changed(footnote_runs(source), footnote_runs(translated), "footnote")


def _pptx(source: bytes, translated: bytes) -> None:
    from pptx import Presentation

    _zip_members_kept(".pptx", source, translated)
    before = Presentation(io.BytesIO(source))
    after = Presentation(io.BytesIO(translated))
    assert len(before.slides) == len(after.slides)
    pictures = 0
    for s_old, s_new in zip(before.slides, after.slides, strict=True):
        assert len(s_old.shapes) == len(s_new.shapes)
        for old, new in zip(s_old.shapes, s_new.shapes, strict=True):
            frames = []
            if old.has_text_frame:
                frames.append((old.text_frame, new.text_frame))
            if old.has_table:
                frames += [(c_old.text_frame, c_new.text_frame)
                           for r_old, r_new in zip(old.table.rows, new.table.rows, strict=True)
                           for c_old, c_new in zip(r_old.cells, r_new.cells, strict=True)]
            if old.shape_type == 13:  # a picture
                pictures += 1
                assert old.image.blob == new.image.blob
            for f_old, f_new in frames:
                assert len(f_old.paragraphs) == len(f_new.paragraphs)
                for p_old, p_new in zip(f_old.paragraphs, f_new.paragraphs, strict=True):
                    _runs_changed([r.text for r in p_old.runs], [r.text for r in p_new.runs],
                                  "pptx")
        if s_old.has_notes_slide:
            assert changed(s_old.notes_slide.notes_text_frame.text,
                           s_new.notes_slide.notes_text_frame.text)
    assert pictures == 1


def _odt(source: bytes, translated: bytes) -> None:
    _zip_members_kept(".odt", source, translated)
    after_zip = zipfile.ZipFile(io.BytesIO(translated))
    first = after_zip.infolist()[0]  # ODF: the mimetype first, stored
    assert first.filename == "mimetype" and first.compress_type == zipfile.ZIP_STORED
    for part in ("content.xml", "styles.xml"):
        old = etree.fromstring(zipfile.ZipFile(io.BytesIO(source)).read(part))
        new = etree.fromstring(after_zip.read(part))
        assert [e.tag for e in old.iter()] == [e.tag for e in new.iter()]  # same elements
        counted = (f"{TEXT}p", f"{TEXT}h", f"{TABLE}table-cell")
        assert [len(list(old.iter(t))) for t in counted] == [len(list(new.iter(t)))
                                                             for t in counted]
        for e_old, e_new in zip(old.iter(), new.iter(), strict=True):
            if e_old.tag in (f"{TEXT}p", f"{TEXT}h", f"{TEXT}span"):
                for where in ("text", "tail") if e_old.tag == f"{TEXT}span" else ("text",):
                    assert changed(getattr(e_old, where) or "", getattr(e_new, where) or "")


TAG_RE = re.compile(r"<[^>]*>")


def _html(source: bytes, translated: bytes) -> None:
    old, new = source.decode(), translated.decode()
    assert TAG_RE.findall(old) == TAG_RE.findall(new)  # every tag byte for byte
    assert re.search(r"<script>.*?</script>", old).group(0) in new
    texts_old, texts_new = TAG_RE.split(old), TAG_RE.split(new)
    assert len(texts_old) == len(texts_new)
    code = ("var x = 'không dịch';", "td { padding: 2px; }")  # a script and a style
    for a, b in zip(texts_old, texts_new, strict=True):
        if a in code:
            assert b == a
        else:
            assert changed(a.strip(), b.strip()), a


MARKUP_RE = re.compile(r"\*\*|^#+ |^- |^> |\||^---$|^```.*$|\]\(https?://[^)]*\)|!\[[^\]]*\]\([^)]*\)",
                       re.M)


def _markdown(source: bytes, translated: bytes) -> None:
    old, new = source.decode(), translated.decode()
    assert old.count("\n") == new.count("\n")
    assert MARKUP_RE.findall(old) == MARKUP_RE.findall(new)
    assert "```python\nprint('không dịch')\n```" in new and "title: tin" in new
    code = False
    for line_old, line_new in zip(old.splitlines(), new.splitlines(), strict=True):
        code = code != line_old.startswith("```")
        prose = MARKUP_RE.sub("", line_old).strip(" |")
        if not code and prose and not line_old.startswith(("title:", "```", "|---")):
            assert changed(prose, MARKUP_RE.sub("", line_new).strip(" |")), line_old


def _text(source: bytes, translated: bytes) -> None:
    old, new = source.decode(), translated.decode()
    assert old.count("\r\n") == new.count("\r\n") and "\n" not in new.replace("\r\n", "")
    for line_old, line_new in zip(old.split("\r\n"), new.split("\r\n"), strict=True):
        indent = len(line_old) - len(line_old.lstrip())
        assert line_new[:indent] == line_old[:indent]
        assert changed(line_old.strip(), line_new.strip())


def _srt(source: bytes, translated: bytes) -> None:
    assert translated.startswith(b"\xef\xbb\xbf")  # the BOM kept
    old, new = source.decode("utf-8-sig"), translated.decode("utf-8-sig")
    blocks_old, blocks_new = old.split("\n\n"), new.split("\n\n")
    assert len(blocks_old) == len(blocks_new) == len(SRT_TIMINGS)
    for number, (a, b) in enumerate(zip(blocks_old, blocks_new, strict=True), start=1):
        lines_old, lines_new = a.strip("\n").split("\n"), b.strip("\n").split("\n")
        assert lines_new[:2] == [str(number), SRT_TIMINGS[number - 1]]  # untouched
        assert len(lines_old) == len(lines_new)  # the cue keeps its lines
        assert TAG_RE.findall(a) == TAG_RE.findall(b)
        for line_old, line_new in zip(lines_old[2:], lines_new[2:], strict=True):
            assert changed(TAG_RE.sub("", line_old), TAG_RE.sub("", line_new))


def _pdf(source: bytes, translated: bytes) -> None:
    import docx

    document = docx.Document(io.BytesIO(translated))
    texts = [p.text for p in document.paragraphs if p.text.strip()]
    assert "layout" in texts[0] and "not kept" in texts[0]  # the note comes first
    assert len(texts[1:]) == len(PDF_PARAGRAPHS)  # one paragraph per PDF paragraph
    for old, new in zip(PDF_PARAGRAPHS, texts[1:], strict=True):
        assert changed(old, new)


CHECKS = {".docx": _docx, ".pptx": _pptx, ".odt": _odt, ".html": _html, ".md": _markdown,
          ".txt": _text, ".srt": _srt, ".pdf": _pdf}
