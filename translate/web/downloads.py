"""The page's download files (Markdown, JSON, bilingual .docx) in a temporary folder per
result, pruned after an hour. The file formats are :mod:`translate.exports`'s."""

from __future__ import annotations

import logging
import shutil
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

from .. import exports

logger = logging.getLogger(__name__)

# Downloads are written here (a subfolder per request) and removed after an hour.
_EXPORT_ROOT = Path(tempfile.gettempdir()) / "vi2en-exports"
_EXPORT_MAX_AGE_S = 3600


def write_exports(state: dict[str, Any]) -> list[Path]:
    """Markdown, JSON and bilingual .docx of a result, in a fresh folder (old ones pruned)."""
    _prune_exports(time.time())
    folder = _EXPORT_ROOT / uuid.uuid4().hex
    folder.mkdir(parents=True)
    markdown = folder / "vi2en-translation.md"
    markdown.write_text(exports.to_markdown(state), encoding="utf-8")
    result_json = folder / "vi2en-result.json"
    result_json.write_text(exports.to_json(state), encoding="utf-8")
    docx_path = exports.write_docx(state, folder / "vi2en-bilingual.docx")
    return [markdown, result_json, docx_path]



def _prune_exports(now: float) -> None:
    if not _EXPORT_ROOT.is_dir():
        return
    for folder in _EXPORT_ROOT.iterdir():
        try:
            if now - folder.stat().st_mtime > _EXPORT_MAX_AGE_S:
                shutil.rmtree(folder)
        except OSError as exc:  # another worker removed it first, or it is in use
            logger.debug("could not remove old export %s: %s", folder, exc)

