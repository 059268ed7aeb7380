"""What the REST API tests share: the operator's settings of the `vi2en serve` that the
``server`` fixture (tests/conftest.py) starts, and plain HTTP calls to it."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any

CHAR_LIMIT = 3000
MAX_BODY = 200_000
GOOD_KEY, LIMITED_KEY = "good-key-1", "limited-key-2"
LIMITED_PER_MINUTE = 2
# A key for counting texts (tests/test_libretranslate_exact.py), and the server's batch and
# alternatives limits.
BATCH_KEY, BATCH_KEY_PER_MINUTE = "batch-key-3", 5
BATCH_LIMIT, ALTERNATIVES_LIMIT = 50, 3


def post(url: str, body: Any = None, *, raw: bytes | None = None,
         content_type: str = "application/json") -> tuple[int, Any]:
    """POST JSON (or ``raw`` bytes); the status and the decoded JSON answer, errors included."""
    data = raw if raw is not None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, headers={"Content-Type": content_type})
    try:
        with urllib.request.urlopen(request, timeout=120) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def get(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=60) as response:
        return response.read()


def multipart(name: str, data: bytes, fields: dict[str, str]) -> tuple[bytes, str]:
    """A multipart/form-data body with one file called ``name`` and the form ``fields``."""
    boundary = "vi2en-test-boundary"
    parts = [f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode()
             for k, v in fields.items()]
    parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="file"; '
                 f'filename="{name}"\r\nContent-Type: application/octet-stream\r\n\r\n'.encode()
                 + data + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"
