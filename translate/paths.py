"""Where vi2en keeps what it writes for the user: one place, the platform's cache folder."""

from __future__ import annotations

from pathlib import Path

import platformdirs


def user_cache_dir() -> Path:
    """vi2en's cache folder: ``~/.cache/vi2en`` on Linux ($XDG_CACHE_HOME respected),
    ``~/Library/Caches/vi2en`` on macOS, ``%LOCALAPPDATA%\\vi2en\\Cache`` on Windows."""
    return platformdirs.user_cache_path("vi2en", appauthor=False)
