"""Markdown (.md): the text of paragraphs, headings, list items, quotes and table cells,
with every piece of markup copied as it is: block markers (``#``, ``>``, ``-``, ``1.``),
emphasis (``**``, ``_``, ``~~``), links' and images' targets, inline code, HTML tags, URLs,
fenced and indented code, front matter, link definitions and table rules.

A paragraph's lines (Markdown joins them into one) are one unit, so a sentence wrapped over
two lines is translated whole and the English keeps the paragraph's number of lines; a table
cell is a unit of its own.
"""

from __future__ import annotations

import re

from .base import register_format
from .plain import lines
from .text_files import TextDocument

FENCE_RE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
HEADING_RE = re.compile(r"^( {0,3}#{1,6}(?:[ \t]+|$))(.*?)((?:[ \t]+#+)?[ \t]*)$")
RULE_RE = re.compile(r"^ {0,3}(?:(?:[-*_][ \t]*){3,}|=+[ \t]*)$")
# Quote markers, then a list marker with an optional task box.
PREFIX_RE = re.compile(r"^((?: {0,3}>[ \t]?)*)((?: {0,3}(?:[-+*]|\d{1,9}[.)])[ \t]+)"
                       r"(?:\[[ xX]\][ \t]+)?)?")
TABLE_RULE_RE = re.compile(r"^ {0,3}\|?[ \t]*:?-+:?[ \t]*(?:\|[ \t]*:?-+:?[ \t]*)*\|?[ \t]*$")
LINK_DEFINITION_RE = re.compile(r"^ {0,3}\[[^\]]+\]:[ \t]")
HTML_BLOCK_RE = re.compile(r"^ {0,3}</?[A-Za-z!]")
INDENTED_CODE_RE = re.compile(r"^(?: {4}|\t)")
# Inline markup: code spans, images, link targets and brackets, autolinks, HTML tags, bare
# URLs, emphasis markers (an underscore only at a word's edge: snake_case is text). Every
# repetition is bounded: a stranger's line of a million "![" or backticks must cost a scan,
# not a scan per character.
_SPAN = 500
INLINE_MARKUP_RE = re.compile(
    rf"``[^\n]{{0,{_SPAN}}}?``|`[^`\n]{{0,{_SPAN}}}`"
    rf"|!\[[^\]\n]{{0,{_SPAN}}}\](?:\([^)\n]{{0,{_SPAN}}}\)|\[[^\]\n]{{0,{_SPAN}}}\])"
    rf"|\](?:\([^)\n]{{0,{_SPAN}}}\)|\[[^\]\n]{{0,{_SPAN}}}\])?|\["
    rf"|<(?:https?://|mailto:)[^>\n]{{0,{_SPAN}}}>|</?[A-Za-z][^>\n]{{0,{_SPAN}}}>"
    r"|https?://[^\s)>\]]+"
    r"|\*{1,3}|~~|(?<!\w)_{1,3}|_{1,3}(?!\w)")
_CELL_SPLIT_RE = re.compile(r"(?<!\\)\|")


def inline(text: str) -> list[tuple[str, bool]]:
    """Inline content as (text, is_piece) parts: markup fixed, text between it pieces."""
    parts: list[tuple[str, bool]] = []
    position = 0
    for match in INLINE_MARKUP_RE.finditer(text):
        parts += [(text[position:match.start()], True), (match.group(0), False)]
        position = match.end()
    parts.append((text[position:], True))
    return parts


def _ending(line: str) -> tuple[str, str]:
    """The line's content and its trailing whitespace with the line ending."""
    body = line.rstrip(" \t\r\n")
    return body, line[len(body):]


@register_format(".md", ".markdown")
class MarkdownDocument(TextDocument):
    output_suffix = ".md"

    def __init__(self, data: bytes, name: str, max_chars: int | None = None) -> None:
        super().__init__(data, name, max_chars)
        self.output_suffix = name[name.rfind("."):].lower()
        self._paragraph: list[tuple[str, bool]] = []
        self._in_list = False
        source = list(lines(self.source))
        index = self._front_matter(source)
        fence: str | None = None
        while index < len(source):
            line = source[index]
            index += 1
            if fence is not None:  # inside fenced code until the same fence closes it
                self.fixed(line)
                if line.strip().startswith(fence):
                    fence = None
                continue
            if (opened := FENCE_RE.match(line)) is not None:
                self._flush()
                self.fixed(line)
                fence = opened.group(1)
                continue
            if "|" in line and index < len(source) and TABLE_RULE_RE.match(source[index]):
                index = self._table(source, index - 1)
                continue
            self._line(line)
        self._flush()

    def _front_matter(self, source: list[str]) -> int:
        """YAML front matter (``---`` … ``---``) is data: copied; where the text begins."""
        if not source or source[0].strip() != "---":
            return 0
        for end in range(1, len(source)):
            if source[end].strip() in ("---", "..."):
                for line in source[:end + 1]:
                    self.fixed(line)
                return end + 1
        return 0

    def _line(self, line: str) -> None:
        if not line.strip():
            self._flush()
            self._in_list = False
            self.fixed(line)
            return
        if RULE_RE.match(line) or LINK_DEFINITION_RE.match(line) or (
                not self._paragraph and (HTML_BLOCK_RE.match(line) or (
                    INDENTED_CODE_RE.match(line) and not self._in_list))):
            self._flush()  # (a setext underline ends its heading's paragraph)
            self.fixed(line)
            return
        if (heading := HEADING_RE.match(line.rstrip("\r\n"))) is not None:
            self._flush()
            self.unit([(heading.group(1), False), *inline(heading.group(2)),
                       (heading.group(3) + line[len(line.rstrip("\r\n")):], True)])
            return
        prefix = PREFIX_RE.match(line)
        quote, marker = (prefix.group(1) or "", prefix.group(2) or "") if prefix else ("", "")
        if marker:
            self._flush()  # a new list item
            self._in_list = True
        body, ending = _ending(line[len(quote) + len(marker):])
        lead = body[:len(body) - len(body.lstrip())]
        self._paragraph += [(quote + marker + lead, False), *inline(body.lstrip()),
                            (ending, True)]

    def _flush(self) -> None:
        if self._paragraph:
            self.unit(self._paragraph)
            self._paragraph = []

    def _table(self, source: list[str], start: int) -> int:
        """A table from its header row at ``start``: each cell a unit, the rule line and the
        pipes copied; where the lines after the table begin."""
        self._flush()
        index = start
        while index < len(source) and "|" in source[index] and source[index].strip():
            line = source[index]
            if index == start + 1:
                self.fixed(line)
            else:
                self._row(line)
            index += 1
        return index

    def _row(self, line: str) -> None:
        body, ending = _ending(line)
        position = 0
        for match in [*_CELL_SPLIT_RE.finditer(body), None]:
            end = match.start() if match is not None else len(body)
            cell = body[position:end]
            core = cell.strip()
            lead = cell[:len(cell) - len(cell.lstrip())]
            self.unit([(lead, False), *inline(core), (cell[len(lead) + len(core):], False)])
            if match is not None:
                self.fixed(match.group(0))
                position = match.end()
        self.fixed(ending)
