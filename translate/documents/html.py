"""Web pages (.html, .htm): text nodes translated as ``format=html`` translates them
(:mod:`translate.html_text`): every tag, attribute, comment, script and entity outside the
text nodes is copied byte for byte; each text node is a unit of its own."""

from __future__ import annotations

import html

from ..extract import MAX_HTML_BYTES
from ..html_text import text_nodes
from .base import register_format
from .text_files import TextDocument


@register_format(".html", ".htm")
class HtmlDocument(TextDocument):
    output_suffix = ".html"

    def __init__(self, data: bytes, name: str) -> None:
        super().__init__(data, name, limit=MAX_HTML_BYTES)
        self.output_suffix = name[name.rfind("."):].lower()  # .htm stays .htm
        source = self.source
        position = 0
        for node in text_nodes(source):
            if not node.translatable:
                continue
            self.fixed(source[position:node.start])
            index = len(self.parts)
            self.parts.append(source[node.start:node.end])
            self._node_unit(index, node.text)
            position = node.end
        self.fixed(source[position:])

    def _node_unit(self, index: int, decoded: str) -> None:
        from .base import Unit

        parts = self.parts

        def apply(texts: list[str]) -> None:
            parts[index] = html.escape(texts[0], quote=False)

        self.units.append(Unit([decoded], apply))
