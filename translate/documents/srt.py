"""Subtitles (.srt): each cue's text is a unit, its lines the pieces (so a cue keeps its
number of lines); cue numbers, timings, blank lines and styling tags (``<i>``, ``{\\an8}``)
are copied as they are. A block without a timing line is not a cue and is left untouched."""

from __future__ import annotations

import itertools
import logging
import re

from ..extract import ExtractionError
from .base import register_format
from .plain import lines, split_line
from .text_files import TextDocument

logger = logging.getLogger(__name__)

TIMING_RE = re.compile(r"^\s*\d+:\d{2}:\d{2}[,.]\d{1,3}\s*-->\s*\d+:\d{2}:\d{2}[,.]\d{1,3}")
TAG_RE = re.compile(r"</?[A-Za-z][^>\n]{0,500}>|\{\\[^}\n]{0,500}\}")  # bounded: no rescans


def tagged(line: str) -> list[tuple[str, bool]]:
    """A cue line as (text, is_piece) parts: tags fixed, text between them pieces."""
    lead, core, trail = split_line(line)
    parts: list[tuple[str, bool]] = [(lead, False)]
    position = 0
    for match in TAG_RE.finditer(core):
        parts += [(core[position:match.start()], True), (match.group(0), False)]
        position = match.end()
    parts.append((core[position:], True))
    # The line ending is a whitespace piece: it keeps the cue's lines apart in its text.
    parts.append((trail, True))
    return parts


@register_format(".srt")
class SubtitleDocument(TextDocument):
    output_suffix = ".srt"

    def __init__(self, data: bytes, name: str, max_chars: int | None = None) -> None:
        super().__init__(data, name, max_chars)
        block: list[str] = []
        cues = 0
        for line in itertools.chain(lines(self.source), [""]):
            if line.strip():
                block.append(line)
                continue
            cues += self._block(block)
            block = []
            self.fixed(line)
        if not cues:
            raise ExtractionError(f"{name} holds no subtitle cues (number, then a timing "
                                  "line like 00:00:01,000 --> 00:00:02,000)")

    def _block(self, block: list[str]) -> int:
        """One block between blank lines; whether it was a cue."""
        timing = next((i for i, line in enumerate(block[:2]) if TIMING_RE.match(line)), None)
        if timing is None:
            if block:
                logger.warning("an .srt block without a timing line was left as it is: %r",
                               block[0][:60])
            for line in block:
                self.fixed(line)
            return 0
        for line in block[:timing + 1]:
            self.fixed(line)
        self.unit([part for line in block[timing + 1:] for part in tagged(line)])
        return 1
