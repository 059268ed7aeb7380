"""Translate the text of an HTML fragment and keep its markup byte for byte.

Mastodon, CMS plugins and browser extensions send HTML (``<p>…<br>…</p>``, links, mentions).
Only text nodes are translated; every tag, attribute, comment and entity outside text nodes is
copied from the input unchanged. Text that a translation would damage is copied too: the
content of ``script``/``style``/``code``/``pre``…, elements marked ``translate="no"`` or with
class ``notranslate``, Mastodon's mentions and hashtags, and nodes with no letters at all.

Each text node is translated on its own, with its leading and trailing whitespace kept.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from html.parser import HTMLParser

# Elements whose text is code, data or layout, never prose.
SKIPPED_TAGS = frozenset({"script", "style", "code", "pre", "kbd", "samp", "var", "textarea",
                          "svg", "math", "template"})
# Classes marking text not to translate: the HTML convention and Mastodon's links.
SKIPPED_CLASSES = frozenset({"notranslate", "mention", "hashtag", "invisible", "ellipsis",
                             "h-card", "u-url"})
# Elements without an end tag: they never enclose text.
VOID_TAGS = frozenset({"area", "base", "br", "col", "embed", "hr", "img", "input", "link",
                       "meta", "param", "source", "track", "wbr"})
_LETTER_RE = re.compile(r"[^\W\d_]")


@dataclass(frozen=True)
class TextNode:
    """A run of text between two pieces of markup: ``raw[start:end]`` of the fragment."""

    start: int
    end: int
    text: str  # entities decoded
    translatable: bool


class _TextNodes(HTMLParser):
    """Positions of the text nodes of a fragment, and whether each may be translated."""

    def __init__(self, fragment: str) -> None:
        super().__init__(convert_charrefs=True)
        self._line_starts = [0] + [m.end() for m in re.finditer("\n", fragment)]
        self._open: list[bool] = []  # per open element: does it forbid translation?
        # (offset, decoded text or None for markup, translatable) in document order.
        self.events: list[tuple[int, str | None, bool]] = []

    def _offset(self) -> int:
        line, column = self.getpos()
        return self._line_starts[line - 1] + column

    def _markup(self) -> None:
        self.events.append((self._offset(), None, False))

    @staticmethod
    def _skipped(tag: str, attrs: list[tuple[str, str | None]]) -> bool:
        values = dict(attrs)
        classes = set((values.get("class") or "").split())
        return (tag in SKIPPED_TAGS or (values.get("translate") or "").lower() == "no"
                or bool(classes & SKIPPED_CLASSES))

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._markup()
        if tag not in VOID_TAGS:
            self._open.append(self._skipped(tag, attrs))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._markup()

    def handle_endtag(self, tag: str) -> None:
        self._markup()
        if tag not in VOID_TAGS and self._open:
            self._open.pop()

    def handle_comment(self, data: str) -> None:
        self._markup()

    def handle_decl(self, decl: str) -> None:
        self._markup()

    def handle_pi(self, data: str) -> None:
        self._markup()

    def unknown_decl(self, data: str) -> None:
        self._markup()

    def handle_data(self, data: str) -> None:
        self.events.append((self._offset(), data, not any(self._open)))


def text_nodes(fragment: str) -> list[TextNode]:
    """Every text node of an HTML fragment, in order, with its position in the fragment.

    A node runs from its first character to the next piece of markup; a stray "<" that opens
    no tag is part of the text around it.
    """
    parser = _TextNodes(fragment)
    parser.feed(fragment)
    parser.close()
    nodes: list[TextNode] = []
    events = parser.events + [(len(fragment), None, False)]
    run: list[tuple[int, str, bool]] = []
    for offset, data, allowed in events:
        if data is not None:
            run.append((offset, data, allowed))
            continue
        if run:
            text = "".join(d for _, d, _ in run)
            translatable = all(a for _, _, a in run) and bool(_LETTER_RE.search(text))
            nodes.append(TextNode(run[0][0], offset, text, translatable))
            run = []
    return nodes


def prose(fragment: str) -> str:
    """The text a translation would change (translatable nodes), one node per line."""
    return "\n".join(n.text.strip() for n in text_nodes(fragment) if n.translatable)


def translate_html(fragment: str, translate: Callable[[Sequence[str]], list[str]]) -> str:
    """The fragment with its translatable text nodes replaced by ``translate``'s answers.

    ``translate`` gets the decoded text of every translatable node (whitespace trimmed) in one
    call, so the caller can batch them; answers are escaped back into the markup.
    """
    nodes = [n for n in text_nodes(fragment) if n.translatable]
    if not nodes:
        return fragment
    answers = translate([n.text.strip() for n in nodes])
    if len(answers) != len(nodes):
        raise ValueError(f"{len(nodes)} text nodes sent, {len(answers)} translations back")
    parts: list[str] = []
    position = 0
    for node, answer in zip(nodes, answers, strict=True):
        raw = fragment[node.start:node.end]
        leading = raw[:len(raw) - len(raw.lstrip())]
        trailing = raw[len(raw.rstrip()):]
        parts.append(fragment[position:node.start])
        parts.append(leading + html.escape(answer, quote=False) + trailing)
        position = node.end
    parts.append(fragment[position:])
    return "".join(parts)
