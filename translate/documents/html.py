"""Web pages (.html, .htm): the text of the page translated and every byte outside its text
nodes copied as it is (tags, attributes, comments, scripts, entities), as ``format=html``
does (:mod:`translate.html_text` finds the nodes and says which may be translated).

Text nodes joined only by inline markup (``<b>``, ``<a>``, ``<span>``…) are one unit, so
"Giá xăng <b>tăng</b> mạnh" is translated as one sentence and the English spread over the
three nodes; a block boundary, a line break, a comment or a node that must not be translated
(code, ``translate="no"``, a mention) ends a unit.
"""

from __future__ import annotations

import html
import re

from ..extract import MAX_HTML_BYTES
from ..html_text import TextNode, text_nodes
from .base import Unit, register_format
from .text_files import TextDocument

INLINE_TAGS = frozenset({"a", "abbr", "b", "bdi", "bdo", "cite", "data", "dfn", "em", "font",
                         "i", "mark", "q", "s", "small", "span", "strong", "sub", "sup",
                         "time", "u"})
_TAG_RE = re.compile(r"<\s*/?\s*([A-Za-z][A-Za-z0-9-]*)[^>]{0,2000}>")
_LETTER_RE = re.compile(r"[^\W\d_]")


def _inline_only(markup: str) -> bool:
    """Whether the markup between two text nodes is only inline tags."""
    rest = _TAG_RE.sub(lambda m: "" if m.group(1).lower() in INLINE_TAGS else "\0", markup)
    return not rest.strip()


@register_format(".html", ".htm")
class HtmlDocument(TextDocument):
    output_suffix = ".html"

    def __init__(self, data: bytes, name: str, max_chars: int | None = None) -> None:
        super().__init__(data, name, max_chars, limit=MAX_HTML_BYTES)
        self.output_suffix = name[name.rfind("."):].lower()  # .htm stays .htm
        source = self.source
        self._end = 0  # where the text copied so far ends
        group: list[TextNode] = []
        for node in text_nodes(source):
            # A node with letters that may not be translated (code, a mention) ends a unit;
            # one without letters (a figure between bold tags) belongs to it.
            usable = node.translatable or not _LETTER_RE.search(node.text)
            if group and (not usable or not _inline_only(source[group[-1].end:node.start])):
                self._group(group)
                group = []
            if usable:
                group.append(node)
        self._group(group)
        self.fixed(source[self._end:])

    def _group(self, group: list[TextNode]) -> None:
        """Text nodes joined by inline markup, as one unit."""
        source = self.source
        if not group:
            return
        self.fixed(source[self._end:group[0].start])
        indices: list[int] = []
        for index, node in enumerate(group):
            if index:
                self.parts.append(source[group[index - 1].end:node.start])
            indices.append(len(self.parts))
            self.parts.append(source[node.start:node.end])
        self._end = group[-1].end
        parts = self.parts

        def apply(texts: list[str]) -> None:
            for i, text in zip(indices, texts, strict=True):
                parts[i] = html.escape(text, quote=False)

        unit = Unit([node.text for node in group], apply)
        if unit.translatable:
            self.add(unit)
