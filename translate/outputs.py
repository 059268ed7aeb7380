"""Checks that an output can be written, made before any work so a bad path fails at once.

Nothing here truncates or rewrites an existing file: a file is opened for append (which
creates it when missing, and changes nothing when present), and a folder is tried with a
temporary file that is removed again.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from .errors import OutputError


def _reason(exc: OSError) -> str:
    return exc.strerror or str(exc)


def check_output_file(path: str | os.PathLike[str]) -> None:
    """Raise :class:`OutputError` unless ``path`` can be written; leave no trace if new."""
    target = Path(path)
    if target.is_dir():
        raise OutputError(f"cannot write {target}: it is a directory")
    existed = target.exists()
    # Through a symlink (even one to a file not there yet) the file written is its target;
    # the link itself is the user's and stays.
    written = Path(os.path.realpath(target))
    try:
        with open(target, "a", encoding="utf-8"):
            pass
    except OSError as exc:
        raise OutputError(f"cannot write {target}: {_reason(exc)}") from None
    if not existed:
        # The check must not leave an empty file behind if the work later fails.
        written.unlink(missing_ok=True)


def check_output_dir(path: str | os.PathLike[str]) -> None:
    """Create ``path`` if needed and make sure files can be created in it."""
    folder = Path(path)
    if folder.exists() and not folder.is_dir():
        raise OutputError(f"cannot write into {folder}: it is not a directory")
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=folder, prefix=".vi2en-check-"):
            pass
    except OSError as exc:
        raise OutputError(f"cannot write into {folder}: {_reason(exc)}") from None
