"""The page reads only files Gradio itself received as uploads, each once, then deletes them.

The last document each visitor loaded is kept in memory instead (bounded in bytes and in
visitors), so that "Download the translated file" can translate it again in its own format
after the translation, without anything left on the server's disk or a file path taken from
the client.

Gradio records every upload of its ``/upload`` route (``Blocks.upload_file_set``, inside its
upload folder). A file path in a request that is not one of those (a server file named by a
forged request) is refused with the same words whether or not it exists, so the answer tells
nothing about the server's files.
"""

from __future__ import annotations

import contextlib
import logging
import os
import threading
from collections import OrderedDict
from pathlib import Path
from typing import Any

from .errors import refuse

logger = logging.getLogger(__name__)

NOT_AN_UPLOAD = "This file was not uploaded to this page (or it was already read); upload it again."


# What the page keeps of the documents its visitors loaded, all visitors together: past it,
# the oldest are forgotten (their translated-file download is then not offered).
KEPT_BYTES = 64 * 1024 * 1024
KEPT_VISITORS = 256


class PageUploads:
    """The uploads of one page (its Blocks is set once built)."""

    def __init__(self, kept_bytes: int = KEPT_BYTES, kept_visitors: int = KEPT_VISITORS) -> None:
        self.blocks: Any = None
        self._kept: OrderedDict[str, tuple[str, bytes]] = OrderedDict()
        self._kept_bytes = 0
        self._max_bytes, self._max_visitors = kept_bytes, kept_visitors
        self._lock = threading.Lock()

    def keep(self, session: str, name: str, data: bytes) -> None:
        """Remember the document ``session`` loaded (its last one only)."""
        with self._lock:
            self._forget(session)
            if len(data) > self._max_bytes:
                return
            self._kept[session] = (name, data)
            self._kept_bytes += len(data)
            while self._kept_bytes > self._max_bytes or len(self._kept) > self._max_visitors:
                oldest = next(iter(self._kept))
                logger.info("forgot the document of an earlier visitor (page memory full)")
                self._forget(oldest)

    def kept(self, session: str) -> tuple[str, bytes] | None:
        """The name and bytes of the document ``session`` loaded last, if still kept."""
        with self._lock:
            return self._kept.get(session)

    def _forget(self, session: str) -> None:
        old = self._kept.pop(session, None)
        if old is not None:
            self._kept_bytes -= len(old[1])

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
