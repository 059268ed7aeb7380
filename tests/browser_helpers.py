"""What the browser tests share: Debian's Chromium, its options, the page's sizes and waits.

The fixtures that start Chromium and the page live in tests/conftest.py; this module holds
plain values and helpers, so that no test module imports another."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
# Tiny models on a busy 2-core machine: model calls take seconds, not milliseconds.
MODEL_WAIT_MS = 240_000
# The example article (about 1,900 characters) and the tiny model's long English fit; a dozen
# copies of the article do not.
MAX_CHARS = 20_000
DESKTOP = {"width": 1400, "height": 1000}
PHONE = {"width": 390, "height": 844}


def require_chromium() -> None:
    """Skip without Chromium, except in CI (CI=true), where a missing browser fails."""
    if CHROMIUM.is_file():
        return
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{CHROMIUM} is missing in CI; .ci/run installs Debian's chromium")
    pytest.skip(f"{CHROMIUM} is not installed (apt-get install chromium)")


def fill_opened(box, value: str) -> None:
    """Fill a box in an accordion just opened. Gradio mounts the accordion's content as it
    opens and may mount it again right after, with the stored (empty) value: text filled
    into the first copy is then gone (seen in about half the runs on a loaded machine). A
    person types long after that; the test fills again until the text stays."""
    from playwright.sync_api import expect

    for _ in range(5):
        box.fill(value)
        box.press("Tab")  # leaving the box commits the value, as a person's typing does
        try:
            expect(box).to_have_value(value, timeout=1_000)
            box.page.wait_for_timeout(300)  # and it is still there after a re-mount
            expect(box).to_have_value(value, timeout=100)
            return
        except AssertionError:
            continue
    expect(box).to_have_value(value)
