"""OpenDocument text (.odt): paragraphs and headings of the body, tables, notes, comments,
text boxes, and the page headers and footers (in styles.xml); pictures and styles copied
byte for byte.

ODF writes text as mixed content: a paragraph's own text, then spans, links, fields, notes
and frames, each followed by more of the paragraph's text (its ``tail``). The pieces of a
paragraph are its own text and its spans' and links' text; a note, frame or comment nested in
it holds paragraphs of its own, which are units of their own. Fields (page number, date) are
left for the application.
"""

from __future__ import annotations

import re
from typing import Any

from .base import Unit, register_format
from .zipped import ZipDocument, pieces_setter

TEXT = "{urn:oasis:names:tc:opendocument:xmlns:text:1.0}"
OFFICE = "{urn:oasis:names:tc:opendocument:xmlns:office:1.0}"
PARAGRAPHS = (f"{TEXT}p", f"{TEXT}h")
# Inline elements whose text is the paragraph's own text.
INLINE = frozenset({f"{TEXT}span", f"{TEXT}a", f"{TEXT}meta", f"{TEXT}ruby-base"})
# Where text is read in each part: the body; the master pages' headers and footers.
SCOPES = {"content.xml": f"{OFFICE}body", "styles.xml": f"{OFFICE}master-styles"}


def _slots(paragraph: Any) -> list[tuple[Any, str]]:
    slots: list[tuple[Any, str]] = []

    def walk(element: Any) -> None:
        if element.text:
            slots.append((element, "text"))
        for child in element:
            if child.tag in INLINE:
                walk(child)
            if child.tail:
                slots.append((child, "tail"))

    walk(paragraph)
    return slots


@register_format(".odt")
class OpenDocumentText(ZipDocument):
    """``text:p`` and ``text:h`` of content.xml's body and styles.xml's master pages."""

    output_suffix = ".odt"
    main_part = "content.xml"
    text_parts = re.compile(r"content\.xml|styles\.xml")

    def read_units(self, part: str, root: Any) -> list[Unit]:
        units: list[Unit] = []
        for scope in root.iter(SCOPES[part]):
            for paragraph in scope.iter(*PARAGRAPHS):
                slots = _slots(paragraph)
                if slots:
                    units.append(Unit([getattr(e, w) for e, w in slots],
                                      pieces_setter(slots)))
        return units
