"""The package's shape: layers point down, no import cycle, the text layer stands alone."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "translate"


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _type_checking_nodes(tree: ast.AST) -> set[int]:
    """Ids of the nodes under ``if TYPE_CHECKING:`` (never run, so no real import)."""
    skipped: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            skipped.update(id(sub) for stmt in node.body for sub in ast.walk(stmt))
    return skipped


def _imports(path: Path, name: str) -> set[str]:
    """Package modules a module imports, at module level or inside functions alike: a lazy
    import is still a dependency."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    skipped = _type_checking_nodes(tree)
    found: set[str] = set()
    for sub in ast.walk(tree):
        if id(sub) in skipped:
            continue
        if isinstance(sub, ast.ImportFrom):
            base = package.rsplit(".", sub.level - 1)[0] if sub.level > 1 else package
            if not sub.level:
                found.add(sub.module or "")
            elif sub.module:
                found.add(f"{base}.{sub.module}")
            else:  # `from . import text`: each name is a submodule
                found.update(f"{base}.{a.name}" for a in sub.names)
        elif isinstance(sub, ast.Import):
            found.update(a.name for a in sub.names)
    return {m for m in found if m.split(".")[0] == "translate"}


def test_no_import_cycle():
    modules = {_module_name(p): p for p in PACKAGE.rglob("*.py")}
    graph = {name: {m for m in _imports(path, name) if m in modules and m != name}
             for name, path in modules.items()}
    # Importing a package runs its __init__: an edge into a submodule passes through it.
    visiting: list[str] = []
    done: set[str] = set()

    def visit(node: str) -> None:
        if node in done:
            return
        assert node not in visiting, "import cycle: " + " -> ".join(
            visiting[visiting.index(node):] + [node])
        visiting.append(node)
        for nxt in sorted(graph[node]):
            visit(nxt)
        visiting.pop()
        done.add(node)

    for name in sorted(graph):
        visit(name)


def test_layers_contract_holds():
    # import-linter is a dev dependency: missing, this fails rather than skips.
    code = ("import sys; from importlinter.cli import lint_imports_command; "
            "sys.exit(lint_imports_command())")
    run = subprocess.run([sys.executable, "-c", code, "--no-cache"], cwd=PACKAGE.parent,
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-2000:]


def test_type_checking_imports_count_in_the_contract():
    # An import made only for type hints still ties a layer to the one above it: the
    # contract must see it (import-linter's default), not hide it.
    import tomllib

    config = tomllib.loads((PACKAGE.parent / "pyproject.toml").read_text(encoding="utf-8"))
    assert config["tool"]["importlinter"].get("exclude_type_checking_imports", False) is False


def test_text_layer_imports_nothing_but_the_standard_library():
    code = ("import sys; before = set(sys.modules); import translate.text; "
            "print('\\n'.join(sorted(set(sys.modules) - before)))")
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, cwd=PACKAGE.parent)
    loaded = run.stdout.split()
    ours = {m for m in loaded if m.split(".")[0] == "translate"}
    # translate.errors: the error classes every layer raises (standard library only itself).
    assert ours == {"translate", "translate.text", "translate.errors"}
    foreign = [m for m in loaded if m.split(".")[0] not in sys.stdlib_module_names
               and m.split(".")[0] != "translate"]
    assert foreign == []
