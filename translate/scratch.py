"""Short-lived files a server hands out (downloads, translated uploads): one folder per
request (or per distinct content) under a root in the temp folder, folders older than an hour
removed as new ones come."""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
import time
import uuid
from pathlib import Path

logger = logging.getLogger(__name__)

MAX_AGE_S = 3600


class ScratchFolders:
    """Fresh per-request folders under ``tempdir/name``, pruned after ``max_age_s``."""

    def __init__(self, name: str, max_age_s: float = MAX_AGE_S) -> None:
        self.root = Path(tempfile.gettempdir()) / name
        self.max_age_s = max_age_s

    def new(self) -> Path:
        """A new, empty folder (old ones are removed first)."""
        self.prune(time.time())
        folder = self.root / uuid.uuid4().hex
        folder.mkdir(parents=True)
        return folder

    def for_content(self, digest: str) -> Path:
        """The folder of content with this digest, made once: asking again for what is already
        there reuses it (kept an hour after its last use) instead of writing another copy."""
        self.prune(time.time())
        folder = self.root / digest
        folder.mkdir(parents=True, exist_ok=True)
        os.utime(folder)
        return folder

    def prune(self, now: float) -> None:
        if not self.root.is_dir():
            return
        for folder in self.root.iterdir():
            try:
                if now - folder.stat().st_mtime > self.max_age_s:
                    shutil.rmtree(folder)
            except OSError as exc:  # another worker removed it first, or it is in use
                logger.debug("could not remove old folder %s: %s", folder, exc)
