"""The page's download files (Markdown, JSON, bilingual .docx; an uploaded document
translated in its own format) in a temporary folder per result, pruned after an hour. The
file formats are :mod:`translate.exports`'s and :mod:`translate.documents`'."""

from __future__ import annotations

import logging
import re
from pathlib import Path
from typing import Any

from .. import exports
from ..documents import Document, translated_name
from ..scratch import ScratchFolders

logger = logging.getLogger(__name__)

# Downloads are written here (a subfolder per request) and removed after an hour.
_EXPORTS = ScratchFolders("vi2en-exports")


def write_exports(state: dict[str, Any]) -> list[Path]:
    """Markdown, JSON and bilingual .docx of a result, in a fresh folder (old ones pruned)."""
    folder = _EXPORTS.new()
    markdown = folder / "vi2en-translation.md"
    markdown.write_text(exports.to_markdown(state), encoding="utf-8")
    result_json = folder / "vi2en-result.json"
    result_json.write_text(exports.to_json(state), encoding="utf-8")
    docx_path = exports.write_docx(state, folder / "vi2en-bilingual.docx")
    return [markdown, result_json, docx_path]


def write_document(document: Document) -> Path:
    """A translated document under its name with ``.en`` before the suffix."""
    original = Path(document.name)
    stem = re.sub(r"[^\w.-]+", "_", original.stem)[:80]  # safe and short in any file system
    name = translated_name(stem + original.suffix, document.output_suffix)
    path = _EXPORTS.new() / name
    with path.open("wb") as sink:
        document.save(sink)
    return path
