"""What a new user meets on the page (issue 20), in Debian's Chromium: a failed fetch that
leaves the article usable, progress that moves, and the page's rough edges on desktop and
phone. Screenshots go to $VI2EN_ARTIFACTS (default test-artifacts/): fetch-failed-desktop.png,
fetch-failed-phone.png, progress-desktop.png, result-phone.png."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.browser_helpers import DESKTOP, MODEL_WAIT_MS, PHONE, fill_opened

pytestmark = [pytest.mark.browser, pytest.mark.slow]

ARTIFACTS = Path(os.environ.get("VI2EN_ARTIFACTS")
                 or Path(__file__).resolve().parent.parent / "test-artifacts")
MAX_CHARS = 20_000
REFUSED_URL = "http://127.0.0.1:9/article.html"  # refused by the address guard


@pytest.fixture(scope="module")
def served_app(tiny_translator_dir, tiny_summarizer_dir) -> Iterator[tuple[str, object]]:
    from tests.helpers import serving_page
    from translate.config import ModelConfig
    from translate.web import WebConfig, build_app

    # opus-mt is on the list but not on this machine (and the Hub is off).
    config = WebConfig(ModelConfig(model=str(tiny_translator_dir),
                                   summarizer=str(tiny_summarizer_dir), device="cpu", beams=1),
                       max_chars=MAX_CHARS, models=("opus-mt",))
    app = build_app(config)
    with serving_page(app) as url:
        yield url, app


def _open(browser, url: str, viewport: dict[str, int], **options):
    page = browser.new_page(viewport=viewport, **options)
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(url, wait_until="domcontentloaded")
    page.locator("#translate-btn").wait_for(timeout=30_000)
    return page, errors


def _shot(page, name: str, **options) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / name
    page.screenshot(path=str(path), **options)
    assert path.stat().st_size > 10_000
    return path


def _overlaps(a: dict | None, b: dict | None) -> bool:
    assert a and b
    return not (a["x"] + a["width"] <= b["x"] or b["x"] + b["width"] <= a["x"]
                or a["y"] + a["height"] <= b["y"] or b["y"] + b["height"] <= a["y"])


@pytest.mark.parametrize("viewport,name", [(DESKTOP, "desktop"), (PHONE, "phone")])
def test_a_failed_fetch_keeps_the_article_usable_and_says_why(served_app, browser,
                                                              example_text, viewport, name):
    from playwright.sync_api import expect

    page, errors = _open(browser, served_app[0], viewport)
    source = page.locator("#source textarea")
    source.fill(example_text)
    page.get_by_text("Upload a file or fetch a web page").click()
    fill_opened(page.locator("#url").get_by_role("textbox"), REFUSED_URL)
    page.locator("#fetch-btn").click()
    notice = page.locator("#notice")
    expect(notice).to_contain_text("Could not fetch the page", timeout=30_000)
    expect(notice).to_contain_text("refused")
    # The article is shown and usable: no panel over it, clicks and typing reach it.
    expect(page.locator("#source [data-testid=status-tracker]")).to_be_hidden()
    expect(source).to_have_value(example_text)
    source.scroll_into_view_if_needed()
    source.click(position={"x": 20, "y": 20}, timeout=5_000)  # fails if anything covers it
    source.press("Control+End")
    source.type(" Hết.")
    expect(source).to_have_value(example_text + " Hết.")
    if viewport is DESKTOP:
        # The toast does not cover the notice it repeats.
        toast = page.locator("[data-testid=toast-body]").first
        expect(toast).to_be_visible()
        assert not _overlaps(toast.bounding_box(), notice.bounding_box())
    notice.scroll_into_view_if_needed()
    _shot(page, f"fetch-failed-{name}.png")
    # The next run works, and its notice line is clear again.
    page.locator("#translate-btn").click()
    expect(page.locator("#english textarea")).not_to_have_value("", timeout=MODEL_WAIT_MS)
    expect(notice).to_have_text("")
    assert not errors, errors
    page.close()


def test_progress_counts_sentences_and_parts_with_no_stale_estimate(served_app, browser,
                                                                     example_text, monkeypatch):
    from playwright.sync_api import expect

    url, app = served_app
    pipeline = app.vi2en_handlers.pool.pipeline(None)
    translator = pipeline.translator
    original = translator.engine.generate_scored
    gate = threading.Semaphore(0)

    def paced(texts, options, **kwargs):  # a long article on a slow machine
        gate.acquire(timeout=60)
        return original(texts, options, **kwargs)

    monkeypatch.setattr(translator.engine, "generate_scored", paced)
    monkeypatch.setattr(translator, "_max_batch_size", 4)
    monkeypatch.setattr(translator, "cache", None)
    page, errors = _open(browser, url, DESKTOP)
    numbered = "\n\n".join(f"Đoạn {i}. " + p for i, p in enumerate(example_text.split("\n\n")))
    from translate import text as vtext

    total = len({s for p in vtext.segment(numbered) for s in p})
    # A first run, so that Gradio has an average duration to show as an estimate.
    gate.release(100)
    page.locator("#source textarea").fill("Trời mưa to ở Hà Nội.")
    page.locator("#translate-btn").click()
    expect(page.locator("#english textarea")).not_to_have_value("", timeout=MODEL_WAIT_MS)
    while gate.acquire(blocking=False):
        pass
    page.locator("#source textarea").fill(numbered)
    page.locator("#translate-btn").click()
    tracker = page.locator("#english [data-testid=status-tracker]")
    # Counted from the start, in words, then batch by batch.
    expect(tracker).to_contain_text(f"Translating: 0 of {total} sentences", timeout=60_000)
    gate.release(2)
    expect(tracker).to_contain_text(f"Translating: 8 of {total} sentences", timeout=60_000)
    expect(page.locator("#english .progress-text")).to_be_hidden()  # no "12.2/1.3s"
    assert "/" not in tracker.inner_text().split("sentences")[-1], tracker.inner_text()
    _shot(page, "progress-desktop.png")
    gate.release(1000)
    expect(page.locator("#english textarea")).not_to_have_value("", timeout=MODEL_WAIT_MS)
    # A summary says its parts too.
    page.locator("#summarize-btn").click()
    expect(page.locator("#summary textarea")).not_to_have_value("", timeout=MODEL_WAIT_MS)
    assert not errors, errors
    page.close()


def test_page_messages_say_what_happened_once(served_app, browser):
    from playwright.sync_api import expect

    page, errors = _open(browser, served_app[0], DESKTOP)
    notice = page.locator("#notice")
    # Empty: the title is not said twice.
    page.locator("#translate-btn").click()
    expect(notice).to_contain_text("Nothing to translate", timeout=30_000)
    assert notice.inner_text().count("othing to translate") == 1, notice.inner_text()
    # Too long, then shortened: the notice goes with the problem.
    source = page.locator("#source textarea")
    source.fill("ă" * (MAX_CHARS + 10))
    page.locator("#translate-btn").click()
    expect(notice).to_contain_text("Text too long", timeout=30_000)
    source.fill("ă" * (MAX_CHARS + 1))
    expect(notice).to_contain_text("Text too long")  # still too long: still said
    source.fill("Trời mưa to ở Hà Nội.")
    expect(notice).to_have_text("")
    # A model on the list that this server has not got: said as the server's, not a command.
    page.get_by_text("Options", exact=True).click()
    page.locator("#model input").click()
    page.get_by_role("option", name="opus-mt").click()
    page.locator("#translate-btn").click()
    expect(notice).to_contain_text("This server has not got the model 'opus-mt'",
                                   timeout=60_000)
    assert "vi2en models download" not in notice.inner_text()
    # The footer ends with its link, not a dangling dot.
    footer = page.locator("footer")
    assert footer.inner_text().strip().endswith("Use via API"), footer.inner_text()
    assert not errors, errors
    page.close()


def test_phone_result_uses_the_width_and_labels_clear_their_buttons(served_app, browser,
                                                                    example_text):
    from playwright.sync_api import expect

    page, errors = _open(browser, served_app[0], PHONE, device_scale_factor=2, has_touch=True)
    page.locator("#source textarea").fill(example_text)
    page.locator("#translate-btn").tap()
    expect(page.locator("#side-by-side tbody tr").first).to_be_visible(timeout=MODEL_WAIT_MS)
    for box in ("#source", "#english", "#summary"):
        label = page.locator(f"{box} [data-testid=block-info]").bounding_box()
        copy = page.locator(f"{box} button[aria-label=Copy]").bounding_box()
        assert not _overlaps(label, copy), (box, label, copy)
    # A sentence card's text spans most of the screen (it had 238 of 390 pixels).
    cell = page.locator("#side-by-side td.src").first.bounding_box()
    assert cell and cell["width"] >= 0.75 * PHONE["width"], cell
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"] + 1
    _shot(page, "result-phone.png")
    page.locator("#side-by-side tbody tr").first.scroll_into_view_if_needed()
    _shot(page, "result-phone-cards.png")
    assert not errors, errors
    page.close()
