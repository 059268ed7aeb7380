"""Plain text (.txt): one unit per line, as ``/translate`` treats text. A line is a
paragraph in the articles people save (a hard-wrapped paragraph is translated line by line);
indentation, blank lines and line endings (LF or CRLF) are kept."""

from __future__ import annotations

import re
from collections.abc import Iterator

from .base import register_format
from .text_files import TextDocument

_LINE_RE = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)?")


def split_line(line: str) -> tuple[str, str, str]:
    """Leading whitespace, content, trailing whitespace with the line ending."""
    body = line.rstrip("\r\n")
    core = body.strip()
    lead = body[:len(body) - len(body.lstrip())]
    return lead, core, line[len(lead) + len(core):]


def lines(text: str) -> Iterator[str]:
    """Lines with their endings, one at a time (a reader over its limit stops early)."""
    return (m.group(0) for m in _LINE_RE.finditer(text) if m.group(0))


@register_format(".txt", ".text")
class PlainTextDocument(TextDocument):
    output_suffix = ".txt"

    def __init__(self, data: bytes, name: str, max_chars: int | None = None) -> None:
        super().__init__(data, name, max_chars)
        for line in lines(self.source):
            lead, core, trail = split_line(line)
            self.unit([(lead, False), (core, True), (trail, False)])
