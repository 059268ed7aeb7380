"""What a front end shows or offers for download, built from a result's dict
(:meth:`PipelineResult.to_dict`): sentence rows, an HTML side-by-side table, Markdown, JSON and a
bilingual .docx.

Working from the dict (not the dataclass) lets a web page keep the result in session state and
add to it later (a summary of an edited translation) without rebuilding anything.
"""

from __future__ import annotations

import html
import json
import logging
import re
from pathlib import Path
from typing import Any, NamedTuple

logger = logging.getLogger(__name__)

# Characters XML 1.0 (so Word) cannot hold; a model can emit them.
_NOT_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")

Span = tuple[int, int, str]  # start, end (offsets into the source sentence), what was found


class Row(NamedTuple):
    """One source sentence as a front end shows it."""

    number: int  # from 1
    source: str
    translation: str
    flags: list[str]  # "kind: detail", identical ones grouped
    spans: list[Span]  # the parts of ``source`` that flags point at


def span_of(flag: dict[str, Any], source: str) -> tuple[int, int] | None:
    """A flag's ``span`` if it is a real part of ``source`` (two whole numbers, start before
    end, inside the sentence), else None: a malformed span is ignored, never shown wrongly."""
    span = flag.get("span")
    if not isinstance(span, (list, tuple)) or len(span) != 2:
        return None
    start, end = span
    if type(start) is not int or type(end) is not int or not 0 <= start < end <= len(source):
        return None
    return start, end


def flag_line(flag: dict[str, Any], source: str = "") -> str:
    """A flag as "kind: detail", followed by the part of the source it points at (in
    quotation marks) when the detail does not already quote it: what a plain-text reader
    has instead of the highlight."""
    line = f"{flag['kind']}: {flag['detail']}"
    span = span_of(flag, source)
    if span is not None:
        excerpt = source[span[0]:span[1]]
        if excerpt not in str(flag["detail"]):
            line += f" [“{excerpt}”]"
    return line


def grouped_flags(flags: list[dict[str, Any]], source: str = "") -> list[str]:
    """A sentence's flags as :func:`flag_line`, identical ones once with their count ("… ×4"),
    in the order they first appear."""
    counts: dict[str, int] = {}
    for flag in flags:
        line = flag_line(flag, source)
        counts[line] = counts.get(line, 0) + 1
    return [line if n == 1 else f"{line} ×{n}" for line, n in counts.items()]


def sentence_rows(result: dict[str, Any]) -> list[Row]:
    """One row per source sentence, in order, numbered from 1; identical flags grouped."""
    rows: list[Row] = []
    for paragraph in result.get("paragraphs", []):
        for sentence in paragraph["sentences"]:
            source, flags = sentence["source"], sentence.get("flags", [])
            spans = [(*span, f"{f['kind']}: {f['detail']}") for f in flags
                     if (span := span_of(f, source)) is not None]
            rows.append(Row(len(rows) + 1, source, sentence["translation"],
                            grouped_flags(flags, source), spans))
    return rows


def highlighted(source: str, spans: list[Span]) -> str:
    """``source`` escaped for HTML, each flagged span in a ``<mark>`` whose title says why;
    overlapping spans become one mark with both reasons."""
    merged: list[tuple[int, int, list[str]]] = []
    for start, end, note in sorted(spans):
        if merged and start < merged[-1][1]:
            last_start, last_end, notes = merged[-1]
            merged[-1] = (last_start, max(last_end, end), notes + [note])
        else:
            merged.append((start, end, [note]))
    parts: list[str] = []
    position = 0
    for start, end, notes in merged:
        title = html.escape("; ".join(dict.fromkeys(notes)))
        parts.append(html.escape(source[position:start]))
        parts.append(f'<mark class="vi2en-span" title="{title}">'
                     f"{html.escape(source[start:end])}</mark>")
        position = end
    parts.append(html.escape(source[position:]))
    return "".join(parts)


def flag_summary(result: dict[str, Any]) -> str:
    """One line: how many sentences, how many flagged, what the summary needs checking."""
    rows = sentence_rows(result)
    if not rows:
        return ""
    flagged = sum(1 for r in rows if r.flags)
    line = (f"**{flagged} of {len(rows)} sentences flagged for review**" if flagged
            else f"{len(rows)} sentences · none flagged")
    summary_flags = result.get("summary_flags") or []
    if summary_flags:
        line += f" · the summary has {len(summary_flags)} claim(s) the translation does not support"
    if result.get("summary_note"):
        line += f" · summary: {result['summary_note']}"
    return line


def table_html(result: dict[str, Any]) -> str:
    """The side-by-side table (source | translation | flags); flagged rows carry a marker and
    the class ``flagged``, and the parts of the Vietnamese a flag points at are marked
    (``mark.vi2en-span``). Every cell is escaped: the text comes from users and models."""
    rows = sentence_rows(result)
    if not rows:
        return '<p class="vi2en-empty">The side-by-side table appears here after translation.</p>'
    # Shown only when the page filters the table to flagged rows and there are none.
    none_flagged = ("" if any(r.flags for r in rows) else
                    '<p class="vi2en-none-flagged">No sentence is flagged.</p>')
    body = []
    for number, source, translation, flags, spans in rows:
        flagged = bool(flags)
        notes = "".join(f'<div class="flag"><span class="vi2en-marker">⚠</span> '
                        f"{html.escape(f)}</div>" for f in flags)
        body.append(f'<tr class="{"flagged" if flagged else "ok"}">'
                    f'<td class="num" data-label="#">{number}</td>'
                    f'<td class="src" lang="vi" data-label="Vietnamese">'
                    f"{highlighted(source, spans)}</td>"
                    f'<td class="tr" lang="en" data-label="English">{html.escape(translation)}</td>'
                    f'<td class="flags" data-label="Flags">{notes}</td></tr>')
    return ('<div class="vi2en-table-wrap"><table class="vi2en-table">'
            '<thead><tr><th class="num">#</th><th class="src">Vietnamese</th>'
            '<th class="tr">English</th><th class="flags">Flags</th></tr></thead><tbody>'
            + "".join(body) + "</tbody></table>" + none_flagged + "</div>")


def to_markdown(result: dict[str, Any]) -> str:
    """Translation (as shown to the user, edits included), summary and the sentences to check."""
    english = result.get("edited_translation") or result.get("translation") or ""
    parts = ["# Translation", "", english.strip(), ""]
    if result.get("summary"):
        parts += ["## Summary", "", result["summary"].strip(), ""]
    flagged = [r for r in sentence_rows(result) if r.flags]
    if flagged:
        parts += ["## Sentences to check", ""]
        parts += [f"{row.number}. {row.source}\n   → {row.translation}\n   "
                  f"({'; '.join(row.flags)})" for row in flagged]
        parts.append("")
    models = result.get("models") or {}
    if models:
        names = ", ".join(f"{task}: {info.get('name')}" for task, info in models.items())
        parts += [f"_Machine translation by vi2en ({names})._", ""]
    return "\n".join(parts)


def to_json(result: dict[str, Any]) -> str:
    return json.dumps(result, ensure_ascii=False, indent=2)


def write_docx(result: dict[str, Any], path: Path) -> Path:
    """A bilingual Word document: one table row per paragraph (Vietnamese | English), then the
    summary and the flagged sentences."""
    import docx
    from docx.shared import Pt

    replaced = 0

    def safe(text: str) -> str:
        nonlocal replaced
        cleaned, count = _NOT_XML.subn("\ufffd", text)
        replaced += count
        return cleaned

    document = docx.Document()
    document.styles["Normal"].font.size = Pt(10.5)
    document.add_heading("Vietnamese → English", level=1)
    table = document.add_table(rows=1, cols=2)
    table.style = "Table Grid"
    table.rows[0].cells[0].text = "Vietnamese"
    table.rows[0].cells[1].text = "English"
    for paragraph in result.get("paragraphs", []):
        cells = table.add_row().cells
        cells[0].text = safe(" ".join(s["source"] for s in paragraph["sentences"]))
        cells[1].text = safe(" ".join(s["translation"] for s in paragraph["sentences"]
                                      if s["translation"]))
    if result.get("edited_translation"):
        document.add_heading("English as edited", level=2)
        for block in result["edited_translation"].split("\n\n"):
            if block.strip():
                document.add_paragraph(safe(block.strip()))
    if result.get("summary"):
        document.add_heading("Summary", level=2)
        document.add_paragraph(safe(result["summary"]))
    flagged = [r for r in sentence_rows(result) if r.flags]
    if flagged:
        document.add_heading("Sentences to check", level=2)
        for row in flagged:
            document.add_paragraph(safe(f"{row.number}. {row.source} → {row.translation} "
                                        f"({'; '.join(row.flags)})"),
                                   style="List Bullet")
    if replaced:
        logger.warning("%d character(s) that Word cannot hold were shown as U+FFFD in %s",
                       replaced, path.name)
    document.save(str(path))
    return path
