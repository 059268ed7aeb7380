"""What the page's visitors may leave on the server's disk: uploaded documents not yet read.

Gradio keeps an upload until its cache is cleaned (an hour here); the page deletes a file once
it has read it. Until then each file counts against its client's quota and the server's total,
in bytes and in files, so no visitor can fill the disk or the upload folder. An upload whose
size is not yet known reserves the most a body may hold.
"""

from __future__ import annotations

import contextlib
import logging
import os
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from .limits import Refusal
from .settings import UPLOAD_FILES_PER_CLIENT, UPLOAD_FILES_TOTAL

logger = logging.getLogger(__name__)


@dataclass
class _Held:
    files: dict[str, int] = field(default_factory=dict)  # path -> size
    reserved: int = 0  # bytes of uploads under way


def _mb(size: int) -> str:
    return f"{size / (1024 * 1024):.0f} MB"


class UploadLedger:
    """Upload files held per client (until read and deleted, or cleaned up), and quotas."""

    def __init__(self, per_client_bytes: int, total_bytes: int,
                 per_client_files: int = UPLOAD_FILES_PER_CLIENT,
                 total_files: int = UPLOAD_FILES_TOTAL) -> None:
        self.per_client_bytes = per_client_bytes
        self.total_bytes = total_bytes
        self.per_client_files = per_client_files
        self.total_files = total_files
        self._held: dict[str, _Held] = {}
        self._lock = threading.Lock()

    def _prune(self) -> None:
        """Forget files no longer on disk (read and deleted by the page, or cleaned up)."""
        for client in list(self._held):
            held = self._held[client]
            held.files = {p: s for p, s in held.files.items() if os.path.exists(p)}
            if not held.files and not held.reserved:
                del self._held[client]

    def _totals(self) -> tuple[int, int]:
        size = sum(sum(h.files.values()) + h.reserved for h in self._held.values())
        return size, sum(len(h.files) for h in self._held.values())

    @contextlib.contextmanager
    def upload(self, client: str, size: int) -> Iterator[Refusal | None]:
        """Reserve ``size`` bytes for an upload of ``client`` while it runs; yields the
        refusal instead when a quota would be passed."""
        with self._lock:
            self._prune()
            refusal = self._over(client, size)
            if refusal is None:
                self._held.setdefault(client, _Held()).reserved += size
        try:
            yield refusal
        finally:
            if refusal is None:
                with self._lock:
                    held = self._held.get(client)
                    if held is not None:
                        held.reserved -= size

    def _over(self, client: str, size: int) -> Refusal | None:
        held = self._held.get(client, _Held())
        mine = sum(held.files.values()) + held.reserved
        if mine + size > self.per_client_bytes or len(held.files) >= self.per_client_files:
            return Refusal(f"Upload quota reached: your uploads not yet loaded hold "
                           f"{_mb(mine)} in {len(held.files)} files (at most "
                           f"{_mb(self.per_client_bytes)} in {self.per_client_files}); load or "
                           "remove them first, or wait an hour", 60)
        total, files = self._totals()
        if total + size > self.total_bytes or files >= self.total_files:
            logger.warning("uploads refused: the upload quota of all visitors together is full "
                           "(%s in %d files)", _mb(total), files)
            return Refusal("Server busy: the upload space is full; try again later", 60,
                           status=503)
        return None

    def record(self, client: str, paths: list[str]) -> None:
        """Files an upload of ``client`` left on disk."""
        with self._lock:
            held = self._held.setdefault(client, _Held())
            for path in paths:
                with contextlib.suppress(OSError):
                    held.files[path] = Path(path).stat().st_size
