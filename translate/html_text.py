"""Translate the text of an HTML fragment and keep its markup byte for byte.

Mastodon, CMS plugins and browser extensions send HTML (``<p>…<br>…</p>``, links, mentions).
Only text nodes are translated; every tag, attribute, comment and entity outside text nodes is
copied from the input unchanged. Text that a translation would damage is copied too: the
content of ``script``/``style``/``code``/``pre``…, elements marked ``translate="no"`` or with
class ``notranslate``, Mastodon's mentions and hashtags, and nodes with no letters at all.

Each text node is translated on its own, with its leading and trailing whitespace kept.

Fragments come from strangers, so they are read in one linear pass (:func:`text_nodes`), once
per request (:class:`HtmlFragment`): Python's ``html.parser`` is quadratic on unclosed tags.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

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
# Elements whose content is text up to their own end tag, never markup (HTML's raw text and
# escapable raw text elements); "plaintext" runs to the end.
RAW_TEXT_TAGS = frozenset({"script", "style", "xmp", "iframe", "noembed", "noframes"})
ESCAPABLE_RAW_TEXT_TAGS = frozenset({"title", "textarea"})
# HTML's whitespace, and the pieces of a tag (WHATWG HTML, "13.2.5 Tokenization").
_SPACE = "\t\n\f\r "
_SPACE_RE = re.compile(r"[\t\n\f\r ]*")
_TAG_NAME_RE = re.compile(r"[^\t\n\f\r />]*")
_ATTRIBUTE_NAME_RE = re.compile(r"[^\t\n\f\r />][^\t\n\f\r />=]*")  # it may start with "="
_UNQUOTED_VALUE_RE = re.compile(r"[^\t\n\f\r >]*")
_COMMENT_END_RE = re.compile(r"--!?>")


@dataclass(frozen=True)
class TextNode:
    """A run of text between two pieces of markup: ``raw[start:end]`` of the fragment."""

    start: int
    end: int
    text: str  # entities decoded
    translatable: bool


@dataclass(frozen=True)
class _Tag:
    end: int  # just past its ">", or the fragment's end for a tag that never closes
    name: str
    attributes: dict[str, str]
    self_closing: bool


def _scan_tag(fragment: str, start: int, attributes: bool) -> _Tag:
    """The start or end tag whose name begins at ``start``, read as a browser reads it: the
    first ">" outside a quoted attribute value ends it. Each character is looked at once."""
    size = len(fragment)
    at = _TAG_NAME_RE.match(fragment, start).end()
    name = fragment[start:at].lower()
    found: dict[str, str] = {}
    while at < size:
        char = fragment[at]
        if char == ">":
            return _Tag(at + 1, name, found, False)
        if char in _SPACE:
            at = _SPACE_RE.match(fragment, at).end()
            continue
        if char == "/":
            if fragment.startswith(">", at + 1):
                return _Tag(at + 2, name, found, True)
            at += 1
            continue
        key_end = _ATTRIBUTE_NAME_RE.match(fragment, at).end()
        key, value = fragment[at:key_end].lower(), ""
        at = _SPACE_RE.match(fragment, key_end).end()
        if fragment.startswith("=", at):
            at = _SPACE_RE.match(fragment, at + 1).end()
            if at < size and fragment[at] in "\"'":
                close = fragment.find(fragment[at], at + 1)
                if close < 0:
                    break  # the value, and the tag, run to the end
                value, at = fragment[at + 1:close], close + 1
            else:
                value_end = _UNQUOTED_VALUE_RE.match(fragment, at).end()
                value, at = fragment[at:value_end], value_end
        if attributes:
            found.setdefault(key, html.unescape(value))
    return _Tag(size, name, found, False)  # a tag cut off by the end: markup, never text


def _markup_end(fragment: str, at: int) -> int:
    """Where a comment, declaration or bogus comment starting with "<" at ``at`` ends (its
    end, or the fragment's end when it never closes)."""
    size = len(fragment)
    if fragment.startswith("<!--", at):
        if fragment.startswith(">", at + 4):
            return at + 5  # "<!-->"
        if fragment.startswith("->", at + 4):
            return at + 6  # "<!--->"
        end = _COMMENT_END_RE.search(fragment, at + 4)  # the nearest, found once
        return size if end is None else end.end()
    close = fragment.find(">", at + 2)  # <!DOCTYPE …>, <![CDATA[…]>, <?…>, </1…>
    return size if close < 0 else close + 1


def _raw_text_end(fragment: str, start: int, name: str) -> int:
    """Where the content of a raw text element starting at ``start`` ends: at its own end
    tag (in any case), else at the fragment's end."""
    if name == "plaintext":
        return len(fragment)
    end_tag = re.compile(rf"</{name}[\t\n\f\r />]", re.IGNORECASE).search(fragment, start)
    return len(fragment) if end_tag is None else end_tag.start()


class _OpenElements:
    """The elements open at a point, and how many of them forbid translation: kept up to
    date on each tag, so that a deep or never-closed nesting costs nothing per text node."""

    def __init__(self) -> None:
        self._stack: list[tuple[str, bool]] = []
        self._count: dict[str, int] = {}
        self._forbidding = 0

    @property
    def translatable(self) -> bool:
        return self._forbidding == 0

    def open(self, name: str, forbids: bool) -> None:
        self._stack.append((name, forbids))
        self._count[name] = self._count.get(name, 0) + 1
        self._forbidding += forbids

    def close(self, name: str) -> None:
        """Close ``name`` and whatever was left open inside it; a stray end tag closes none."""
        if not self._count.get(name):
            return
        while True:
            top, forbids = self._stack.pop()
            self._count[top] -= 1
            self._forbidding -= forbids
            if top == name:
                return


def _forbids(name: str, attributes: dict[str, str]) -> bool:
    classes = set(attributes.get("class", "").split())
    return (name in SKIPPED_TAGS or attributes.get("translate", "").lower() == "no"
            or bool(classes & SKIPPED_CLASSES))


def _starts_tag(fragment: str, at: int) -> bool:
    """Whether the character at ``at`` is an ASCII letter, the start of a tag name."""
    char = fragment[at:at + 1]
    return char.isascii() and char.isalpha()


def text_nodes(fragment: str) -> list[TextNode]:
    """Every text node of an HTML fragment, in order, with its position in the fragment.

    One pass, linear in the fragment's length whatever it holds (Python's html.parser rescans
    an unclosed tag from each "<": ~400 CPU-s for ``"<a " * 33_333``). Tags, comments and
    declarations are found as a browser's tokenizer finds them; a node runs from its first
    character to the next piece of markup, and a "<" that opens nothing is part of the text
    around it. A tag or comment cut off by the fragment's end is markup to the end.
    """
    nodes: list[TextNode] = []
    open_elements = _OpenElements()
    text_start = at = 0

    def text_until(end: int, decode: bool = True) -> None:
        if end > text_start:
            raw = fragment[text_start:end]
            text = html.unescape(raw) if decode else raw
            nodes.append(TextNode(text_start, end, text, open_elements.translatable
                                  and bool(_LETTER_RE.search(text))))

    while (at := fragment.find("<", at)) >= 0:
        closing = fragment.startswith("/", at + 1)
        if _starts_tag(fragment, at + 2 if closing else at + 1):
            tag = _scan_tag(fragment, at + (2 if closing else 1), attributes=not closing)
            text_until(at)
            text_start = at = tag.end
            if closing:
                open_elements.close(tag.name)
            elif not (tag.self_closing or tag.name in VOID_TAGS):
                open_elements.open(tag.name, _forbids(tag.name, tag.attributes))
                decoded = tag.name in ESCAPABLE_RAW_TEXT_TAGS
                if decoded or tag.name in RAW_TEXT_TAGS or tag.name == "plaintext":
                    at = _raw_text_end(fragment, at, tag.name)
                    text_until(at, decode=decoded)
                    text_start = at
        elif fragment.startswith(("<!", "<?"), at) or (closing and at + 2 < len(fragment)):
            # A comment, a declaration, or what a browser reads as a comment ("<?xml …>",
            # "</1>"); "</>" is dropped by browsers, markup too.
            end = at + 3 if fragment.startswith("</>", at) else _markup_end(fragment, at)
            text_until(at)
            text_start = at = end
        else:
            at += 1  # "5 < 6", or "<" or "</" at the very end: text
    text_until(len(fragment))
    return nodes


@dataclass(frozen=True)
class HtmlFragment:
    """A fragment read once: the text to translate, and the fragment with answers put back."""

    source: str
    nodes: tuple[TextNode, ...]  # the translatable ones, in order

    @classmethod
    def parse(cls, fragment: str) -> HtmlFragment:
        return cls(fragment, tuple(n for n in text_nodes(fragment) if n.translatable))

    @property
    def texts(self) -> list[str]:
        """The decoded text of each translatable node, whitespace trimmed."""
        return [n.text.strip() for n in self.nodes]

    @property
    def prose(self) -> str:
        """The text a translation would change, one node per line (for language detection)."""
        return "\n".join(self.texts)

    def render(self, answers: Sequence[str]) -> str:
        """The fragment with each translatable node's text replaced by its answer (escaped),
        the node's leading and trailing whitespace and all markup kept byte for byte."""
        if len(answers) != len(self.nodes):
            raise ValueError(f"{len(self.nodes)} text nodes sent, {len(answers)} "
                             "translations back")
        fragment = self.source
        parts: list[str] = []
        position = 0
        for node, answer in zip(self.nodes, answers, strict=True):
            raw = fragment[node.start:node.end]
            leading = raw[:len(raw) - len(raw.lstrip())]
            trailing = raw[len(raw.rstrip()):]
            parts.append(fragment[position:node.start])
            parts.append(leading + html.escape(answer, quote=False) + trailing)
            position = node.end
        parts.append(fragment[position:])
        return "".join(parts)


def prose(fragment: str) -> str:
    """The text a translation would change (translatable nodes), one node per line."""
    return HtmlFragment.parse(fragment).prose


def translate_html(fragment: str, translate: Callable[[Sequence[str]], list[str]]) -> str:
    """The fragment with its translatable text nodes replaced by ``translate``'s answers.

    ``translate`` gets the decoded text of every translatable node (whitespace trimmed) in one
    call, so the caller can batch them; answers are escaped back into the markup.
    """
    parsed = HtmlFragment.parse(fragment)
    if not parsed.nodes:
        return fragment
    return parsed.render(translate(parsed.texts))
