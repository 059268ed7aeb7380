"""One source of truth: each setting, engine name and flag kind is written in one place.

The scans read the package's source with ``ast`` (not text search), so a comment or a
docstring that names a variable is not a read of it.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

from translate.config import OPTIONS

REPO = Path(__file__).resolve().parent.parent
PACKAGE = REPO / "translate"
README = (REPO / "README.md").read_text(encoding="utf-8")


def modules(*, skip: tuple[str, ...] = ()) -> Iterator[tuple[str, ast.Module]]:
    """Every module of the package as (path relative to translate/, its tree), but ``skip``
    (paths or folders relative to translate/)."""
    for path in sorted(PACKAGE.rglob("*.py")):
        name = path.relative_to(PACKAGE).as_posix()
        if any(name == s or name.startswith(s.rstrip("/") + "/") for s in skip):
            continue
        yield name, ast.parse(path.read_text(encoding="utf-8"), filename=name)


def _module_strings(tree: ast.Module) -> dict[str, str]:
    """Module-level ``NAME = "text"`` constants (an environment read through a constant is
    still a read)."""
    found = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant) \
                and isinstance(node.value.value, str):
            found.update({t.id: node.value.value for t in node.targets
                          if isinstance(t, ast.Name)})
    return found


def _is_environ(node: ast.AST) -> bool:
    return (isinstance(node, ast.Attribute) and node.attr == "environ") or \
        (isinstance(node, ast.Name) and node.id == "environ")


def environment_reads(tree: ast.Module) -> list[tuple[int, str]]:
    """(line, variable) for each read of the environment with a literal or constant name:
    ``os.environ[...]``, ``os.environ.get(...)``, ``os.getenv(...)``, ``... in os.environ``."""
    constants = _module_strings(tree)

    def name_of(node: ast.AST) -> str | None:
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            return node.value
        if isinstance(node, ast.Name):
            return constants.get(node.id)
        return None

    reads = []
    for node in ast.walk(tree):
        key = None
        if isinstance(node, ast.Subscript) and _is_environ(node.value):
            key = node.slice
        elif isinstance(node, ast.Call) and node.args:
            func = node.func
            if isinstance(func, ast.Attribute) and func.attr in ("get", "pop", "setdefault") \
                    and _is_environ(func.value):
                key = node.args[0]
            elif (isinstance(func, ast.Attribute) and func.attr == "getenv") or \
                    (isinstance(func, ast.Name) and func.id == "getenv"):
                key = node.args[0]
        elif isinstance(node, ast.Compare) and any(_is_environ(c) for c in node.comparators):
            key = node.left
        name = name_of(key) if key is not None else None
        if name is not None:
            reads.append((node.lineno, name))
    return reads


def test_the_scan_finds_every_way_of_reading_the_environment():
    tree = ast.parse('import os\nfrom os import environ, getenv\nX = "VI2EN_X"\n'
                     'a = os.environ.get("VI2EN_A")\nb = os.environ["VI2EN_B"]\n'
                     'c = os.getenv("VI2EN_C")\nd = environ.get(X)\ne = "VI2EN_E" in os.environ\n'
                     'f = getenv("VI2EN_F", "")\n')
    assert sorted(name for _, name in environment_reads(tree)) == [
        "VI2EN_A", "VI2EN_B", "VI2EN_C", "VI2EN_E", "VI2EN_F", "VI2EN_X"]


def test_only_config_reads_vi2en_variables():
    readers = [f"{name}:{line} reads {variable}"
               for name, tree in modules(skip=("config.py",))
               for line, variable in environment_reads(tree) if variable.startswith("VI2EN_")]
    assert readers == []


def test_every_variable_the_package_names_is_in_the_options_table():
    # A VI2EN_ name anywhere in the code (a message, a help text) is one of the table's.
    table = {option.env for option in OPTIONS}
    named = {match for name, _ in modules()
             for match in re.findall(r"\bVI2EN_[A-Z_]+\b",
                                     (PACKAGE / name).read_text(encoding="utf-8"))}
    assert named - table == set()


def readme_table(anchor: str) -> list[list[str]]:
    """The body rows of the first table after ``anchor`` in the README, as lists of cells."""
    lines = README.split(anchor, 1)[1].splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("|"))
    table = []
    for line in lines[start:]:
        if not line.startswith("|"):
            break
        table.append([cell.strip() for cell in line.strip().strip("|").split(" | ")])
    return table[2:]  # without the header and the |---| line


def test_readme_lists_every_environment_variable_as_the_options_table_says():
    rows = {row[0].strip("`"): row for row in readme_table("\n### Environment variables\n")}
    assert list(rows) == [option.env for option in OPTIONS]
    for option in OPTIONS:
        variable, kind, default, flag, help_text = rows[option.env]
        assert kind == option.kind, option.env
        shown = {None: "—", "": "—", False: "`0`", True: "`1`"}.get(option.default) \
            if option.default in (None, "") or isinstance(option.default, bool) \
            else f"`{option.default}`"
        assert default == shown, option.env
        assert flag == (f"`{option.flag}`" if option.flag else "—"), option.env
        assert help_text == option.help, option.env


def test_each_option_flag_is_a_real_command_line_option():
    from translate.cli import build_parser

    commands = build_parser()._subparsers._group_actions[0].choices
    for command in commands.values():
        command.format_help()  # adds the options a command adds on first use
    flags = {option for command in commands.values() for action in command._actions
             for option in action.option_strings}
    assert {option.flag for option in OPTIONS if option.flag} - flags == set()


# -- engine names ---------------------------------------------------------------------------

def engine_name_uses(tree: ast.Module, names: set[str]) -> list[int]:
    """Lines where an engine name is written as a choice: compared with, listed beside
    ``auto`` or another engine, passed as ``engine=``, or given to the registry's functions."""

    def is_name(node: ast.AST) -> bool:
        return isinstance(node, ast.Constant) and node.value in names

    def literal_holds(node: ast.AST) -> bool:
        return isinstance(node, (ast.Tuple, ast.List, ast.Set)) and any(
            is_name(e) for e in node.elts)

    lines = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Compare):
            sides = [node.left, *node.comparators]
            if any(is_name(s) for s in sides) and not any(
                    isinstance(s, (ast.Attribute, ast.Name, ast.Call)) and
                    isinstance(op, (ast.In, ast.NotIn))
                    for s, op in zip(node.comparators, node.ops, strict=True)):
                lines.append(node.lineno)
            elif any(literal_holds(s) for s in node.comparators):
                lines.append(node.lineno)
        elif isinstance(node, (ast.Tuple, ast.List, ast.Set)) and sum(
                isinstance(e, ast.Constant) and (e.value in names or e.value == "auto")
                for e in node.elts) >= 2 and any(is_name(e) for e in node.elts):
            lines.append(node.lineno)
        elif isinstance(node, ast.keyword) and node.arg in ("engine", "choices") \
                and (is_name(node.value) or literal_holds(node.value)):
            lines.append(node.value.lineno)
        elif isinstance(node, ast.Call) and isinstance(node.func, (ast.Name, ast.Attribute)) \
                and getattr(node.func, "id", getattr(node.func, "attr", "")) in (
                    "engine_class", "create_engine") and node.args and is_name(node.args[0]):
            lines.append(node.lineno)
    return lines


def test_the_engine_scan_sees_choices_and_ignores_module_names():
    names = {"transformers", "ctranslate2"}
    caught = ast.parse('A = ("auto", "transformers")\nif e == "ctranslate2": pass\n'
                       'if e in ("auto", "ctranslate2"): pass\nf(engine="transformers")\n'
                       'engine_class("ctranslate2")\n')
    assert sorted(set(engine_name_uses(caught, names))) == [1, 2, 3, 4, 5]
    module_names = ast.parse('import sys\nif "transformers" in sys.modules: pass\n'
                             'log("transformers")\nv = {"ctranslate2": "4.0"}\n')
    assert engine_name_uses(module_names, names) == []


def test_engine_names_are_written_only_in_the_registry():
    from translate.engines import engine_names

    names = set(engine_names())
    assert names >= {"transformers", "ctranslate2"}  # the scan looks for real names
    found = [f"{name}:{line}" for name, tree in modules(skip=("engines/",))
             for line in sorted(set(engine_name_uses(tree, names)))]
    assert found == []


def test_engine_choices_come_from_the_registry(monkeypatch):
    from translate.cli import build_parser
    from translate.engines import base

    # An engine registered later is a choice at once: the choices are the registry's.
    monkeypatch.setitem(base._ENGINES, "onnx", base._ENGINES["transformers"])
    args = build_parser().parse_args(["translate", "--engine", "onnx"])
    assert args.engine == "onnx"
    from translate.config import ModelConfig
    from translate.engines import check_engine

    assert check_engine(ModelConfig(engine="onnx").engine) == "onnx"


# -- flag kinds -----------------------------------------------------------------------------

def flag_kind_literals(tree: ast.Module, kinds: set[str]) -> list[int]:
    """Lines where a flag kind is written as a string: ``Flag("number", ...)``, compared with
    a flag's kind (``f.kind == "name"``, ``flag["kind"] in ("a", "b")``), or listed in a
    ``*KINDS`` constant."""

    def is_kind(node: ast.AST) -> bool:
        return isinstance(node, ast.Constant) and node.value in kinds

    def holds_kind(node: ast.AST) -> bool:
        if isinstance(node, ast.Call) and node.args:  # frozenset({...}), set([...])
            return holds_kind(node.args[0])
        return is_kind(node) or (isinstance(node, (ast.Tuple, ast.List, ast.Set)) and any(
            is_kind(e) for e in node.elts))

    def is_flag_kind(node: ast.AST) -> bool:
        return (isinstance(node, ast.Attribute) and node.attr == "kind") or (
            isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Constant)
            and node.slice.value == "kind")

    lines = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "Flag" and (
                (node.args and is_kind(node.args[0]))
                or any(k.arg == "kind" and is_kind(k.value) for k in node.keywords)):
            lines.append(node.lineno)
        elif isinstance(node, ast.Compare):
            sides = [node.left, *node.comparators]
            if any(is_flag_kind(s) for s in sides) and any(holds_kind(s) for s in sides):
                lines.append(node.lineno)
        elif isinstance(node, ast.Assign) and any(
                isinstance(t, ast.Name) and t.id.endswith("KINDS") for t in node.targets) \
                and holds_kind(node.value):
            lines.append(node.lineno)
    return lines


def test_the_kind_scan_sees_literals_and_ignores_quantity_kinds():
    kinds = {"number", "name", "repetition"}
    caught = ast.parse('Flag("number", "x")\nif f.kind == "name": pass\n'
                       'if flag["kind"] in ("repetition",): pass\n'
                       'RETRY_KINDS = frozenset({"repetition"})\nFlag(kind="name", detail="")\n')
    assert sorted(set(flag_kind_literals(caught, kinds))) == [1, 2, 3, 4, 5]
    quantities = ast.parse('if kind == "number": pass\nq = quantity([1], "number")\n'
                           'Flag(FlagKind.NUMBER, "x")\nif f.kind == FlagKind.NAME: pass\n')
    assert flag_kind_literals(quantities, kinds) == []


def test_flag_kinds_are_written_only_in_their_enum():
    from translate.checks.kinds import FlagKind

    kinds = {kind.value for kind in FlagKind}
    found = [f"{name}:{line}" for name, tree in modules(skip=("checks/kinds.py",))
             for line in sorted(set(flag_kind_literals(tree, kinds)))]
    assert found == []


def test_readme_flag_table_lists_every_kind_of_the_enum():
    from translate.checks.kinds import FlagKind

    rows = readme_table("Every translated sentence is checked and problems are attached")
    documented = {code for row in rows for code in re.findall(r"`([a-z_]+)`", row[0])}
    assert documented == {kind.value for kind in FlagKind}


def test_a_flag_kind_is_its_plain_string_in_json():
    import json

    from translate.checks.kinds import FlagKind
    from translate.results import Flag

    flag = Flag(FlagKind.LOW_CONFIDENCE, "far below the document", span=(0, 3))
    assert json.dumps(flag.to_dict()) == (
        '{"kind": "low_confidence", "detail": "far below the document", "span": [0, 3]}')
    assert type(flag.to_dict()["kind"]) is str  # not the enum: any JSON encoder takes it
    assert FlagKind("number") == "number" and str(FlagKind.NUMBER) == "number"
