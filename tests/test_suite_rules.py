"""The test suite's own rules (issue 18): test modules share code through helper modules
(tests/helpers.py, tests/model_factory.py, ...) and fixtures through tests/conftest.py, never by
importing each other; tests never import a benchmark; the fast tier is declared; CI lints."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.helpers import REPO

TESTS = REPO / "tests"
BENCHMARKS = REPO / "benchmarks"


def imported_modules(path: Path) -> list[tuple[int, str]]:
    """Every module ``path`` imports, anywhere in the file (functions included), with its line;
    relative imports are resolved against the tests package."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # `from .test_x import y`, `from . import test_x`
                base = "tests" + ("." + node.module if node.module else "")
                found += [(node.lineno, f"{base}.{alias.name}" if not node.module else base)
                          for alias in node.names]
            elif node.module:
                found.append((node.lineno, node.module))
                if node.module == "tests":  # `from tests import test_x`
                    found += [(node.lineno, f"tests.{alias.name}") for alias in node.names]
    return found


def forbidden(module: str, *, importer_is_benchmark: bool) -> bool:
    """A test module (tests.test_*), the conftest, or (for tests) a benchmark."""
    parts = module.split(".")
    if parts[0] == "tests" and len(parts) > 1:
        return parts[1].startswith("test_") or parts[1] == "conftest"
    return parts[0] == "benchmarks" and not importer_is_benchmark


def violations(paths: list[Path], *, benchmarks: bool = False) -> list[str]:
    return [f"{path.relative_to(REPO)}:{line} imports {module}"
            for path in paths for line, module in imported_modules(path)
            if forbidden(module, importer_is_benchmark=benchmarks)]


def test_no_test_imports_a_test_module_the_conftest_or_a_benchmark():
    assert violations(sorted(TESTS.glob("*.py"))) == []


def test_benchmarks_import_helpers_but_no_test_module():
    assert violations(sorted(BENCHMARKS.glob("*.py")), benchmarks=True) == []


@pytest.mark.parametrize(("source", "expected"), [
    ("from tests.test_api import free_port\n", ["x.py:1 imports tests.test_api"]),
    ("import tests.test_batch as tb\n", ["x.py:1 imports tests.test_batch"]),
    ("from tests import test_browser\n", ["x.py:1 imports tests.test_browser"]),
    ("def f():\n    from .test_extract import run_child\n", ["x.py:2 imports tests.test_extract"]),
    ("from tests.conftest import REPO\n", ["x.py:1 imports tests.conftest"]),
    ("from benchmarks.number_check import NEWS\n", ["x.py:1 imports benchmarks.number_check"]),
    ("import benchmarks\n", ["x.py:1 imports benchmarks"]),
    ("from tests.helpers import REPO\nfrom tests.model_factory import build_all\n", []),
    ("from translate.batch import run_batch\n", []),
])
def test_the_scan_sees_each_way_of_importing(tmp_path, source, expected):
    """The rule's scan itself: every spelling of a forbidden import is caught."""
    path = tmp_path / "x.py"
    path.write_text(source, encoding="utf-8")
    found = [f"x.py:{line} imports {module}" for line, module in imported_modules(path)
             if forbidden(module, importer_is_benchmark=False)]
    assert found == expected


def test_the_slow_marker_is_registered_with_its_meaning():
    from translate.catalog import tomllib  # tomli before Python 3.11

    config = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    options = config["tool"]["pytest"]["ini_options"]
    markers = {m.split(":")[0]: m for m in options["markers"]}
    assert "server" in markers["slow"] and "browser" in markers["slow"]
    assert "--strict-markers" in options["addopts"]


def test_ci_lints_before_it_tests():
    script = (REPO / ".ci" / "run").read_text(encoding="utf-8")
    lint = script.find("ruff check translate tests benchmarks")
    assert lint != -1, ".ci/run does not run ruff"
    assert lint < script.find("python -m pytest"), "ruff runs after the tests"
