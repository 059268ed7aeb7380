"""Hostile files and the child processes that measure what reading them costs, shared by
tests/test_extract.py, tests/test_documents.py and tests/test_documents_served.py."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
# The most a bomb's read may grow a process's peak memory.
MAX_GROWTH_MB = 300

# Child processes measure peak memory (Linux /proc) around one read, after a warm-up.
MEMORY = """
import json, sys

def memory_kb(field):
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith(field + ":"))

def reset_peak():
    # The warm-up's peak would hide growth below it: start the peak (VmHWM) again from now.
    with open("/proc/self/clear_refs", "w") as clear_refs:
        clear_refs.write("5")
"""


def run_child(code: str, args: list[str], tiny_translator_dir: Path,
              tmp_path: Path) -> tuple[dict, str]:
    env = dict(os.environ, VI2EN_MODEL=str(tiny_translator_dir), VI2EN_DEVICE="cpu",
               VI2EN_ENGINE="transformers", VI2EN_CACHE=str(tmp_path / "cache.sqlite"),
               HF_HUB_OFFLINE="1", PYTHONPATH=str(REPO))
    done = subprocess.run([sys.executable, "-c", code, *args], env=env, cwd=tmp_path,
                          capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    print(result)  # the measured growth, shown with -rP
    return result, done.stderr



def patch_declared_size(path: Path, member: str, declared: int) -> None:
    """Make ``member`` lie: its local and central headers declare ``declared`` bytes."""
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as archive:
        local = archive.getinfo(member).header_offset
    central = data.rfind(member.encode()) - 46  # the central header's fixed part precedes it
    assert data[local:local + 4] == b"PK\x03\x04" and data[central:central + 4] == b"PK\x01\x02"
    data[local + 22:local + 26] = declared.to_bytes(4, "little")
    data[central + 24:central + 28] = declared.to_bytes(4, "little")
    path.write_bytes(bytes(data))



def zip_bomb(valid: bytes, part: str, inflated: int, path: Path) -> Path:
    """``valid`` with ``part`` grown to about ``inflated`` bytes of text XML, written in
    1 MB pieces so the test stays small in memory."""
    source = zipfile.ZipFile(io.BytesIO(valid))
    piece = b"<!-- " + b"Tr\xe1\xbb\x9di m\xc6\xb0a to. " * 50_000 + b" -->"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for info in source.infolist():
            if info.filename != part:
                out.writestr(info, source.read(info))
                continue
            head, tail = source.read(info).rsplit(b"</", 1)
            with out.open(part, "w") as stream:
                stream.write(head)
                written = 0
                while written < inflated:
                    stream.write(piece)
                    written += len(piece)
                stream.write(b"</" + tail)
    return path


