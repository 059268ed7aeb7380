"""Process memory settings that engines with their own worker threads need."""

from __future__ import annotations

import ctypes
import ctypes.util
import logging
import os
import sys

logger = logging.getLogger(__name__)

_M_ARENA_MAX = -8  # glibc's mallopt parameter number (malloc.h)
# Two arenas: CTranslate2's CPU workers then share freed decoding buffers instead of each
# keeping its own. Measured with benchmarks/throughput.py (Marian shape, int8, 2 workers):
# peak RSS 506 MB -> 482 MB, the same speed; one arena saved less (488 MB).
ARENAS = 2
_capped = False


def cap_malloc_arenas(arenas: int = ARENAS) -> bool:
    """Cap glibc's malloc arenas for this process, once; whether the cap is in place.

    A user's own ``MALLOC_ARENA_MAX`` wins. Not glibc (macOS, musl, Windows): nothing to do.
    Arenas that threads already own stay; the cap applies to those created afterwards, which
    is why engines call this before starting their workers.
    """
    global _capped
    if _capped:
        return True
    if not sys.platform.startswith("linux") or "MALLOC_ARENA_MAX" in os.environ:
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):  # musl has no mallopt
        return False
    if mallopt(_M_ARENA_MAX, arenas) != 1:
        logger.debug("mallopt(M_ARENA_MAX, %d) was refused", arenas)
        return False
    _capped = True
    logger.debug("malloc arenas capped at %d", arenas)
    return True
