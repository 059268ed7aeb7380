"""Real documents of every format vi2en translates, built with the formats' own tools
(python-docx, python-pptx, reportlab) or written as their specifications say (.odt, .md,
.srt, .html): headings, headers and footers, a table, bold runs, an image, notes and comments
where the format has them. Texts are Vietnamese news sentences written for these tests."""

from __future__ import annotations

import io
import zipfile

# Paragraph texts; a bold run sits inside the second one.
TITLE = "Mưa lớn ở Hà Nội"
LEAD = ("Trời mưa to ở Hà Nội từ sáng sớm. ", "Giao thông ùn tắc", " trên nhiều tuyến phố.")
BODY = "Giá xăng tăng mạnh trong tuần này."
CELLS = [["Tỉnh", "Lượng mưa"], ["Hà Nội", "Rất nhiều"], ["Hải Phòng", "Vừa phải"]]
HEADER = "Báo tin tức hôm nay"
FOOTER = "Trang tin của thành phố"
NOTE = "Theo số liệu của trung tâm khí tượng."
COMMENT = "Cần kiểm tra lại con số này."


def png_bytes() -> bytes:
    """A small real PNG (a red and blue square)."""
    from PIL import Image

    image = Image.new("RGB", (8, 8), (200, 30, 30))
    for x in range(4):
        for y in range(4):
            image.putpixel((x, y), (20, 40, 220))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def docx_document() -> bytes:
    """Heading, a paragraph with a bold run, a table, an image, a header, a footer, a
    comment and a footnote."""
    import docx
    from docx.shared import Cm

    document = docx.Document()
    section = document.sections[0]
    section.header.paragraphs[0].text = HEADER
    section.footer.paragraphs[0].text = FOOTER
    document.add_heading(TITLE, level=1)
    paragraph = document.add_paragraph()
    for index, text in enumerate(LEAD):
        run = paragraph.add_run(text)
        run.bold = index == 1
    body = document.add_paragraph(BODY)
    document.add_comment(body.runs, text=COMMENT, author="vi2en tests", initials="VT")
    table = document.add_table(rows=len(CELLS), cols=2)
    for row, values in zip(table.rows, CELLS, strict=True):
        for cell, value in zip(row.cells, values, strict=True):
            cell.text = value
    document.add_picture(io.BytesIO(png_bytes()), width=Cm(1))
    buffer = io.BytesIO()
    document.save(buffer)
    return _with_footnote(buffer.getvalue())


_W = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
_FOOTNOTES = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<w:footnotes {_W}>'
              '<w:footnote w:type="separator" w:id="-1"><w:p><w:r><w:separator/></w:r></w:p>'
              '</w:footnote><w:footnote w:type="continuationSeparator" w:id="0"><w:p><w:r>'
              '<w:continuationSeparator/></w:r></w:p></w:footnote><w:footnote w:id="1"><w:p>'
              '<w:r><w:footnoteRef/></w:r><w:r><w:t xml:space="preserve"> '
              f'{NOTE}</w:t></w:r></w:p></w:footnote></w:footnotes>')


def _with_footnote(data: bytes) -> bytes:
    """python-docx cannot add footnotes: the part, its relationship, its content type and a
    reference after the body paragraph, as Word writes them."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out_buffer = io.BytesIO()
    with zipfile.ZipFile(out_buffer, "w", zipfile.ZIP_DEFLATED) as out:
        for info in source.infolist():
            content = source.read(info)
            if info.filename == "[Content_Types].xml":
                content = content.replace(b"</Types>", (
                    b'<Override PartName="/word/footnotes.xml" ContentType="application/'
                    b'vnd.openxmlformats-officedocument.wordprocessingml.footnotes+xml"/>'
                    b"</Types>"))
            elif info.filename == "word/_rels/document.xml.rels":
                content = content.replace(b"</Relationships>", (
                    b'<Relationship Id="rIdFootnotes" Type="http://schemas.openxmlformats.org'
                    b'/officeDocument/2006/relationships/footnotes" Target="footnotes.xml"/>'
                    b"</Relationships>"))
            elif info.filename == "word/document.xml":
                marker = BODY.encode()
                content = content.replace(marker + b"</w:t></w:r>", marker + (
                    b'</w:t></w:r><w:r><w:footnoteReference w:id="1"/></w:r>'), 1)
            out.writestr(info, content)
        out.writestr("word/footnotes.xml", _FOOTNOTES.encode())
    return out_buffer.getvalue()


def pptx_document() -> bytes:
    """A title slide, a slide with a bold run, a table and a picture, and speaker notes."""
    from pptx import Presentation
    from pptx.util import Cm

    presentation = Presentation()
    first = presentation.slides.add_slide(presentation.slide_layouts[0])
    first.shapes.title.text = TITLE
    first.placeholders[1].text = HEADER
    slide = presentation.slides.add_slide(presentation.slide_layouts[5])
    slide.shapes.title.text = BODY
    box = slide.shapes.add_textbox(Cm(1), Cm(4), Cm(20), Cm(3)).text_frame
    paragraph = box.paragraphs[0]
    for index, text in enumerate(LEAD):
        run = paragraph.add_run()
        run.text = text
        run.font.bold = index == 1
    table = slide.shapes.add_table(len(CELLS), 2, Cm(1), Cm(8), Cm(12), Cm(4)).table
    for r, values in enumerate(CELLS):
        for c, value in enumerate(values):
            table.cell(r, c).text = value
    slide.shapes.add_picture(io.BytesIO(png_bytes()), Cm(15), Cm(1), Cm(2), Cm(2))
    slide.notes_slide.notes_text_frame.text = NOTE
    buffer = io.BytesIO()
    presentation.save(buffer)
    return buffer.getvalue()


_ODF_NS = ('xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
           'xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0" '
           'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
           'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
           'xmlns:draw="urn:oasis:names:tc:opendocument:xmlns:drawing:1.0" '
           'xmlns:fo="urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0" '
           'xmlns:xlink="http://www.w3.org/1999/xlink" '
           'xmlns:dc="http://purl.org/dc/elements/1.1/" '
           'xmlns:svg="urn:oasis:names:tc:opendocument:xmlns:svg-compatible:1.0"')


def odt_document() -> bytes:
    """Heading, a paragraph with a bold span, a note, a comment, a table, an image, and a
    header and footer on the master page (styles.xml)."""
    cells = "".join(
        "<table:table-row>" + "".join(
            f"<table:table-cell><text:p>{value}</text:p></table:table-cell>"
            for value in row) + "</table:table-row>" for row in CELLS)
    content = (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<office:document-content {_ODF_NS} '
        'office:version="1.3"><office:automatic-styles><style:style style:name="Bold" '
        'style:family="text"><style:text-properties fo:font-weight="bold"/></style:style>'
        '</office:automatic-styles><office:body><office:text>'
        f'<text:h text:outline-level="1">{TITLE}</text:h>'
        f'<text:p>{LEAD[0]}<text:span text:style-name="Bold">{LEAD[1]}</text:span>'
        f'{LEAD[2]}</text:p>'
        f'<text:p>{BODY}<text:note text:id="n1" text:note-class="footnote">'
        '<text:note-citation>1</text:note-citation><text:note-body>'
        f'<text:p>{NOTE}</text:p></text:note-body></text:note>'
        '<office:annotation><dc:creator>vi2en tests</dc:creator>'
        f'<text:p>{COMMENT}</text:p></office:annotation></text:p>'
        f'<table:table table:name="T1"><table:table-column table:number-columns-repeated="2"/>'
        f'{cells}</table:table>'
        '<text:p><draw:frame draw:name="image1" svg:width="1cm" svg:height="1cm">'
        '<draw:image xlink:href="Pictures/image1.png" xlink:type="simple"/></draw:frame>'
        '</text:p></office:text></office:body></office:document-content>')
    styles = (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<office:document-styles {_ODF_NS} '
        'office:version="1.3"><office:master-styles><style:master-page style:name="Standard">'
        f'<style:header><text:p>{HEADER}</text:p></style:header>'
        f'<style:footer><text:p>{FOOTER}</text:p></style:footer>'
        '</style:master-page></office:master-styles></office:document-styles>')
    manifest = (
        '<?xml version="1.0" encoding="UTF-8"?>\n<manifest:manifest xmlns:manifest='
        '"urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.3">'
        '<manifest:file-entry manifest:full-path="/" manifest:media-type='
        '"application/vnd.oasis.opendocument.text"/>'
        '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
        '<manifest:file-entry manifest:full-path="styles.xml" manifest:media-type="text/xml"/>'
        '<manifest:file-entry manifest:full-path="Pictures/image1.png" '
        'manifest:media-type="image/png"/></manifest:manifest>')
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        # The mimetype comes first and uncompressed, as ODF requires.
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.text",
                         zipfile.ZIP_STORED)
        archive.writestr("content.xml", content, zipfile.ZIP_DEFLATED)
        archive.writestr("styles.xml", styles, zipfile.ZIP_DEFLATED)
        archive.writestr("Pictures/image1.png", png_bytes(), zipfile.ZIP_STORED)
        archive.writestr("META-INF/manifest.xml", manifest, zipfile.ZIP_DEFLATED)
    return buffer.getvalue()


def html_document() -> bytes:
    return (
        "<!DOCTYPE html>\n<html lang=\"vi\"><head><meta charset=\"utf-8\">"
        f"<title>{TITLE}</title><style>td {{ padding: 2px; }}</style></head>\n<body>"
        f"<header>{HEADER}</header>\n<h1>{TITLE}</h1>\n"
        f"<p>{LEAD[0]}<b>{LEAD[1]}</b>{LEAD[2]}</p>\n<p>{BODY} <!-- ghi chú --></p>\n"
        "<table>" + "".join("<tr>" + "".join(f"<td>{v}</td>" for v in row) + "</tr>"
                            for row in CELLS)
        + "</table>\n<img src=\"anh.png\" alt=\"ảnh\">\n"
        f"<script>var x = 'không dịch';</script>\n<footer>{FOOTER}</footer></body></html>\n"
    ).encode("utf-8")


def markdown_document() -> bytes:
    return (
        "---\ntitle: tin\n---\n"
        f"# {TITLE}\n\n"
        f"{LEAD[0]}**{LEAD[1]}**\n{LEAD[2].strip()} Xem [bài gốc](https://vnexpress.net/a_b).\n\n"
        f"- {BODY}\n- {NOTE}\n\n"
        f"> {COMMENT}\n\n"
        "| " + " | ".join(CELLS[0]) + " |\n|---|---|\n"
        + "".join("| " + " | ".join(row) + " |\n" for row in CELLS[1:])
        + "\n![ảnh](anh.png)\n\n```python\nprint('không dịch')\n```\n"
    ).encode("utf-8")


def text_document() -> bytes:
    return (f"{TITLE}\r\n\r\n{''.join(LEAD)}\r\n{BODY}\r\n\r\n    {NOTE}\r\n").encode()


SRT_TIMINGS = ["00:00:01,000 --> 00:00:03,200", "00:00:03,500 --> 00:00:06,000",
               "00:00:06,100 --> 00:00:09,999"]


def srt_document() -> bytes:
    cues = [f"{TITLE}", f"{LEAD[0].strip()}\n<i>{LEAD[1]}</i>{LEAD[2]}", f"- {BODY}\n- {NOTE}"]
    blocks = [f"{n}\n{timing}\n{text}\n" for n, (timing, text)
              in enumerate(zip(SRT_TIMINGS, cues, strict=True), start=1)]
    return ("\ufeff" + "\n".join(blocks)).encode("utf-8")


PDF_PARAGRAPHS = [TITLE + ".", "".join(LEAD), BODY, NOTE]


def pdf_document() -> bytes:
    """Two pages of text in DejaVu Sans (embedded, so Vietnamese letters are in the text
    layer) and a picture."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(TTFont("DejaVuSans", _dejavu()))
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A4)
    for page in (PDF_PARAGRAPHS[:2], PDF_PARAGRAPHS[2:]):
        pdf.setFont("DejaVuSans", 11)
        y = 780
        for paragraph in page:
            pdf.drawString(60, y, paragraph)
            y -= 40
        pdf.drawImage(ImageReader(io.BytesIO(png_bytes())), 60, y - 40, 30, 30)
        pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def _dejavu() -> str:
    """DejaVu Sans from the system (CI installs fonts-dejavu-core) or matplotlib."""
    import glob

    for pattern in ("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
                    "/usr/share/fonts/**/DejaVuSans.ttf"):
        found = glob.glob(pattern, recursive=True)
        if found:
            return found[0]
    import os

    import pytest

    if os.environ.get("CI", "").lower() == "true":  # CI installs it: missing is a failure
        pytest.fail("no DejaVuSans.ttf in CI; .ci/run installs fonts-dejavu-core")
    pytest.skip("no DejaVuSans.ttf on this machine (apt-get install fonts-dejavu-core)")
    raise AssertionError  # unreachable


BUILDERS = {".docx": docx_document, ".pptx": pptx_document, ".odt": odt_document,
            ".html": html_document, ".md": markdown_document, ".txt": text_document,
            ".srt": srt_document, ".pdf": pdf_document}
