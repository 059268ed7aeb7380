"""The server's guards on their own, fast: rates, upload quotas, the gate's routes, the page's
check of input values. The attacks on a real ``vi2en serve`` are tests/test_server_security.py.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from translate.serving import settings as server_settings
from translate.serving.gate import GateRules, ServerGate
from translate.serving.limits import FAILURES_PER_MINUTE, ClientLimits, client_of
from translate.serving.uploads import UploadLedger


def test_clients_are_named_by_what_they_prove():
    assert client_of("10.0.0.1", key="k") == "key:k"
    assert client_of("10.0.0.1") == "ip:10.0.0.1"


def test_a_rate_counts_hits_and_says_when_to_come_back():
    limits = ClientLimits()
    assert [limits.hit("ip:a", 3) for _ in range(3)] == [None, None, None]
    refusal = limits.hit("ip:a", 3)
    assert refusal is not None and refusal.message == "Slowdown: 3 per 1 minute"
    assert 1 <= refusal.retry_after_s <= 60 and refusal.headers["Retry-After"].isdigit()
    assert limits.hit("ip:b", 3) is None  # another client, another count
    assert limits.hit("ip:a", 0) is None  # 0: no limit


def test_looking_does_not_count():
    limits = ClientLimits()
    for _ in range(5):
        assert limits.over("ip:a", 2) is None
    limits.hit("ip:a", 2)
    limits.hit("ip:a", 2)
    assert limits.over("ip:a", 2) is not None


def test_wrong_attempts_hold_an_address_back():
    limits = ClientLimits()
    for _ in range(FAILURES_PER_MINUTE):
        assert limits.failing("10.0.0.1") is None
        limits.failed("10.0.0.1")
    assert limits.failing("10.0.0.1") is not None
    assert limits.failing("10.0.0.2") is None


def test_upload_quotas_free_up_when_a_file_is_read(tmp_path: Path):
    ledger = UploadLedger(per_client_bytes=1000, total_bytes=1500, per_client_files=2)
    first = tmp_path / "a.txt"
    first.write_bytes(b"x" * 600)
    with ledger.upload("ip:a", 600) as refusal:
        assert refusal is None
        ledger.record("ip:a", [str(first)])
    with ledger.upload("ip:a", 600) as refusal:  # 1,200 > 1,000 for this client
        assert refusal is not None and refusal.status == 429 and "quota" in refusal.message
    with ledger.upload("ip:b", 600) as refusal:
        assert refusal is None
        with ledger.upload("ip:c", 600) as full:  # 600 + 600 reserved + 600 > 1,500
            assert full is not None and full.status == 503
    first.unlink()  # read by the page
    with ledger.upload("ip:a", 600) as refusal:
        assert refusal is None


def test_upload_quota_counts_files_too(tmp_path: Path):
    ledger = UploadLedger(per_client_bytes=10_000, total_bytes=10_000, per_client_files=2)
    for name in ("a.txt", "b.txt"):
        (tmp_path / name).write_text("x")
        with ledger.upload("ip:a", 1) as refusal:
            assert refusal is None
            ledger.record("ip:a", [str(tmp_path / name)])
    with ledger.upload("ip:a", 1) as refusal:
        assert refusal is not None and "2 files" in refusal.message


def test_connections_stay_under_the_open_files_limit(monkeypatch):
    monkeypatch.setattr(server_settings, "open_files_limit", lambda: 1024)
    assert server_settings.default_max_connections() == 1024 - 100
    monkeypatch.setattr(server_settings, "open_files_limit", lambda: None)
    assert server_settings.default_max_connections() == 1000


def _status(gate: ServerGate, path: str, method: str = "GET") -> int:
    """The status the gate answers for ``path`` (200: passed on to the app)."""
    sent: list[dict] = []

    async def app(scope, receive, send):
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    async def receive():
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message):
        sent.append(message)

    gate.app = app
    asyncio.run(gate({"type": "http", "path": path, "method": method, "headers": [],
                      "client": ("127.0.0.1", 1)}, receive, send))
    return sent[0]["status"]


@pytest.mark.parametrize(("path", "named_api", "status"), [
    ("/gradio_api/queue/join", None, 200),
    ("/gradio_api/run/predict", None, 200),
    ("/gradio_api/file=/tmp/gradio/abc/a.txt", None, 200),  # Gradio checks the path itself
    ("/gradio_api/file=http://169.254.169.254/latest", None, 403),
    ("/gradio_api/file=HTTPS://example.org/x", None, 403),
    ("/gradio_api/call/translate", frozenset({"translate"}), 200),
    ("/gradio_api/call/translate/abc123", frozenset({"translate"}), 200),
    ("/gradio_api/call/load_file", frozenset({"translate"}), 404),
    ("/gradio_api/call/translate", None, 404),
    ("/gradio_api/info", None, 404),
    ("/gradio_api/info", frozenset({"translate"}), 200),
    ("/gradio_api/run/translate", frozenset({"translate"}), 404),
    ("/gradio_api/run-history/connect", frozenset({"translate"}), 404),
    ("/gradio_api/vibe-edit", frozenset({"translate"}), 404),
    ("/monitoring/summary", None, 404),
    ("/translate", None, 200),
])
def test_the_gate_opens_only_the_page_s_own_routes(path, named_api, status):
    gate = ServerGate(None, GateRules(max_body_bytes=100, named_api=named_api))
    assert _status(gate, path) == status


def test_a_body_over_the_limit_is_413_in_the_api_s_shape():
    sent: list[dict] = []

    async def app(scope, receive, send):
        while (await receive()).get("more_body"):
            pass
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})

    chunks = iter([b"x" * 60, b"x" * 60, b""])

    async def receive():
        body = next(chunks)
        return {"type": "http.request", "body": body, "more_body": bool(body)}

    async def send(message):
        sent.append(message)

    gate = ServerGate(app, GateRules(max_body_bytes=100, page=False))
    asyncio.run(gate({"type": "http", "path": "/translate", "method": "POST", "headers": [],
                      "client": ("127.0.0.1", 1)}, receive, send))
    assert sent[0]["status"] == 413
    assert json.loads(sent[1]["body"])["error"].startswith("Request body too large")


def test_page_input_values_are_checked_as_gradio_would():
    gr = pytest.importorskip("gradio")
    from translate.web.door import _bad_inputs

    class Event:
        inputs = [gr.Textbox(label="Text"), gr.Dropdown(["a", "b"], value="a", label="Model"),
                  gr.Slider(1, 8, value=4, step=1, label="Beams"), gr.State(None)]

    assert _bad_inputs(Event, ["Trời mưa.", "a", 4, {"anything": 1}]) is None
    assert _bad_inputs(Event, ["Trời mưa.", None, None, None]) is None  # defaults
    assert _bad_inputs(Event, ["Trời mưa."]) == (0, "This job takes 4 input values")
    assert _bad_inputs(Event, [12, "a", 4, None]) == (0, "Text: expected a string")
    assert _bad_inputs(Event, ["x", "c", 4, None]) == (1, "Model: choose one of a, b")
    assert _bad_inputs(Event, ["x", "a", 99, None]) == (2, "Beams: expected a value from 1 to 8")
    assert _bad_inputs(Event, ["x", "a", True, None]) == (2, "Beams: expected a number")


def test_the_page_keeps_each_visitors_last_document_within_its_bounds():
    """The translated-file download needs the document after its file is deleted: kept in
    memory, the last one per visitor, the oldest forgotten past the byte or visitor bound."""
    from translate.web.uploads import PageUploads

    uploads = PageUploads(kept_bytes=100, kept_visitors=2)
    uploads.keep("ann", "a.docx", b"x" * 40)
    uploads.keep("ann", "b.docx", b"y" * 40)  # her second replaces her first
    assert uploads.kept("ann") == ("b.docx", b"y" * 40)
    uploads.keep("bob", "c.docx", b"z" * 50)
    assert uploads.kept("ann") is not None and uploads.kept("bob") is not None
    uploads.keep("cat", "d.docx", b"w" * 30)  # 120 bytes, 3 visitors: ann's goes
    assert uploads.kept("ann") is None
    assert uploads.kept("cat") == ("d.docx", b"w" * 30)
    uploads.keep("dan", "huge.docx", b"h" * 101)  # more than the whole bound: not kept
    assert uploads.kept("dan") is None and uploads.kept("cat") is not None
