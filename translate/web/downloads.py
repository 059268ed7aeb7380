"""The page's download files (Markdown, JSON, bilingual .docx; an uploaded document
translated in its own format) in a temporary folder per result, pruned after an hour. The
file formats are :mod:`translate.exports`'s and :mod:`translate.documents`'."""

from __future__ import annotations

import hashlib
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
    """Markdown, JSON and bilingual .docx of a result, in a folder of their own (old ones
    pruned). A result shown again (the page's display step can be called at will) reuses its
    folder, so repeating it cannot fill the disk."""
    result = exports.to_json(state)
    folder = _EXPORTS.for_content(hashlib.sha256(result.encode("utf-8", "surrogatepass"))
                                  .hexdigest()[:32])
    markdown = folder / "vi2en-translation.md"
    result_json = folder / "vi2en-result.json"
    docx_path = folder / "vi2en-bilingual.docx"
    if not all(p.is_file() for p in (markdown, result_json, docx_path)):
        markdown.write_text(exports.to_markdown(state), encoding="utf-8")
        result_json.write_text(result, encoding="utf-8")
        docx_path = exports.write_docx(state, docx_path)
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
