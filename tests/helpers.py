"""Helpers shared by tests and benchmarks."""

from __future__ import annotations

from typing import Any


def record_generate_calls(engine: Any, monkeypatch: Any = None) -> list[list[str]]:
    """Spy on a real engine: the texts of each ``generate`` call, in order.

    The engine still runs; with ``monkeypatch`` the spy is undone after the test.
    """
    calls: list[list[str]] = []
    original = engine.generate

    def spy(texts, options, **kwargs):
        calls.append(list(texts))
        return original(texts, options, **kwargs)

    if monkeypatch is not None:
        monkeypatch.setattr(engine, "generate", spy)
    else:
        engine.generate = spy
    return calls
