"""The page in a real browser: Debian's Chromium, headless, driven by Playwright for Python.

Paste the example article, Translate, check the side-by-side table (one row per source
sentence), Summarize, and save a screenshot to test-artifacts/ui.png. In CI (CI=true) a missing
Chromium fails the test instead of skipping it.
"""

from __future__ import annotations

import os
import re
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from translate import text as vtext

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
# Tiny models on a busy 2-core machine: model calls take seconds, not milliseconds.
MODEL_WAIT_MS = 240_000

pytestmark = pytest.mark.browser


def _require_chromium() -> None:
    if CHROMIUM.is_file():
        return
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"{CHROMIUM} is missing in CI; .ci/run installs Debian's chromium")
    pytest.skip(f"{CHROMIUM} is not installed (apt-get install chromium)")


@pytest.fixture(scope="module")
def served(tiny_translator_dir, tiny_summarizer_dir) -> Iterator[str]:
    from translate.webapp import WebConfig, build_app, launch

    config = WebConfig(model=str(tiny_translator_dir), summarizer=str(tiny_summarizer_dir),
                       device="cpu", beams=1)
    app = build_app(config)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    launch(app, host="127.0.0.1", port=port, prevent_thread_lock=True, quiet=True)
    try:
        yield f"http://127.0.0.1:{port}/"
    finally:
        app.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    _require_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True,
                                              args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


def test_translate_table_summarize_and_screenshot(served, browser, example_text):
    from playwright.sync_api import expect

    sentences = [s for p in vtext.segment(example_text) for s in p]
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(served, wait_until="domcontentloaded")
    expect(page).to_have_title("vi2en — Vietnamese news to English")

    source = page.locator("#source textarea")
    source.fill(example_text)
    page.locator("#translate-btn").click()
    english = page.locator("#english textarea")
    expect(english).not_to_have_value("", timeout=MODEL_WAIT_MS)
    rows = page.locator("#side-by-side table.vi2en-table tbody tr")
    expect(rows).to_have_count(len(sentences), timeout=60_000)
    first_cell = rows.first.locator("td").nth(1)
    expect(first_cell).to_have_text(sentences[0])
    status = page.locator("#status")
    expect(status).to_contain_text(f"{len(sentences)} sentences")
    # Flagged rows are marked, as many as the status line counts.
    counted = re.search(r"(\d+) flagged|none flagged", status.inner_text())
    assert counted, status.inner_text()
    flagged = int(counted.group(1) or 0)
    expect(page.locator("#side-by-side tr.flagged")).to_have_count(flagged)
    expect(page.locator("#side-by-side tr.flagged .vi2en-marker")).to_have_count(
        page.locator("#side-by-side tr.flagged .flag").count())

    page.locator("#summarize-btn").click()
    summary = page.locator("#summary textarea")
    expect(summary).not_to_have_value("", timeout=MODEL_WAIT_MS)
    expect(page.locator("#download-md")).to_be_enabled(timeout=60_000)

    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "ui.png"), full_page=True)
    assert (ARTIFACTS / "ui.png").stat().st_size > 10_000
    # The English paragraphs follow the source's.
    assert english.input_value().count("\n\n") == len(vtext.segment(example_text)) - 1
    assert not errors, errors
    page.close()


def test_phone_width_keeps_the_page_usable(served, browser):
    from playwright.sync_api import expect

    page = browser.new_page(viewport={"width": 390, "height": 844}, device_scale_factor=2)
    page.goto(served, wait_until="domcontentloaded")
    expect(page.locator("#translate-btn")).to_be_visible(timeout=30_000)
    # Nothing wider than the screen: no sideways scrolling on a phone.
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390 + 1
    page.screenshot(path=str(ARTIFACTS / "ui-phone.png"), full_page=True)
    page.close()
