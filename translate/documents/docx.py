"""Word documents (.docx): the text of the body, tables, headers, footers, footnotes,
endnotes and comments; images, styles, numbering and settings copied byte for byte."""

from __future__ import annotations

import re
from typing import Any

from .base import Unit, register_format
from .zipped import ZipDocument, ooxml_units

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
XML_SPACE = "{http://www.w3.org/XML/1998/namespace}space"


def _keep_spaces(element: Any) -> None:
    # Word drops a run's leading and trailing spaces unless told to keep them.
    element.set(XML_SPACE, "preserve")


@register_format(".docx")
class WordDocument(ZipDocument):
    """Paragraphs (``w:p``) of every part with text; a table cell's paragraphs are units of
    their own, so cells stay cells."""

    output_suffix = ".docx"
    main_part = "word/document.xml"
    text_parts = re.compile(
        r"word/(document|header\d*|footer\d*|footnotes|endnotes|comments)\.xml")

    def read_units(self, part: str, root: Any) -> list[Unit]:
        return ooxml_units(root, f"{W}p", f"{W}t", on_set=_keep_spaces)
