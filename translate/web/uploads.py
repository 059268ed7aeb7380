"""The page reads only files Gradio itself received as uploads, each once, then deletes them.

Gradio records every upload of its ``/upload`` route (``Blocks.upload_file_set``, inside its
upload folder). A file path in a request that is not one of those (a server file named by a
forged request) is refused with the same words whether or not it exists, so the answer tells
nothing about the server's files.
"""

from __future__ import annotations

import contextlib
import logging
import os
from pathlib import Path
from typing import Any

from .errors import refuse

logger = logging.getLogger(__name__)

NOT_AN_UPLOAD = "This file was not uploaded to this page (or it was already read); upload it again."


class PageUploads:
    """The uploads of one page (its Blocks is set once built)."""

    def __init__(self) -> None:
        self.blocks: Any = None

    def _received(self) -> set[str]:
        return getattr(self.blocks, "upload_file_set", None) or set()

    def take(self, path: str) -> Path:
        """``path`` if Gradio received it as an upload to this page, else a one-line refusal."""
        # Gradio names an upload inside its resolved folder and hands the same string back.
        from gradio.utils import get_upload_folder

        folder = Path(os.path.realpath(get_upload_folder()))
        real = Path(os.path.realpath(path))
        received = self._received()
        ours = path in received or str(real) in received
        if not ours or not real.is_relative_to(folder) or not real.is_file():
            logger.info("refused to read %r: not an upload to this page", path)
            raise refuse(NOT_AN_UPLOAD, "Could not read the file")
        return real

    def discard(self, path: Path) -> None:
        """Delete an upload once read (its folder too, once empty)."""
        self._received().discard(str(path))
        with contextlib.suppress(OSError):
            path.unlink()
            path.parent.rmdir()
