"""PowerPoint presentations (.pptx): the text of every slide (text boxes, tables, shapes,
SmartArt) and the speaker notes; pictures, layouts, masters and themes copied byte for byte.
Slide numbers and dates (``a:fld``) are left for PowerPoint to fill in."""

from __future__ import annotations

import re
from typing import Any

from .base import Unit, register_format
from .zipped import ZipDocument, ooxml_units

A = "{http://schemas.openxmlformats.org/drawingml/2006/main}"


@register_format(".pptx")
class PowerPointDocument(ZipDocument):
    """Paragraphs (``a:p``) of the slides, their notes and SmartArt data."""

    output_suffix = ".pptx"
    main_part = "ppt/presentation.xml"
    text_parts = re.compile(
        r"ppt/(slides/slide\d+|notesSlides/notesSlide\d+|diagrams/data\d+)\.xml")

    def read_units(self, part: str, root: Any) -> list[Unit]:
        return ooxml_units(root, f"{A}p", f"{A}t", skipped=frozenset({f"{A}fld"}))
