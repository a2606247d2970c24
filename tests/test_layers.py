"""Each layer imports only downward: etl → kg; gnn → kg; api → gnn, kg. Only the shell (``kg.SHELL``:
kg.cli, kg.notebook) wires them. Every import counts, those inside functions too, and no module
imports a private name (``_x``) of another package."""

import ast
from pathlib import Path

import pytest

from kg import SHELL

ROOT = Path(__file__).resolve().parents[1]
ALLOWED = {"kg": {"kg"}, "etl": {"etl", "kg"}, "gnn": {"gnn", "kg"}, "api": {"api", "gnn", "kg"}}


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    out: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out.update(a.name.split(".")[0] for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            out.add(node.module.split(".")[0])
    return out & set(ALLOWED)


@pytest.mark.parametrize("package", sorted(ALLOWED))
def test_imports_point_downward(package: str) -> None:
    bad = []
    for path in (ROOT / package).rglob("*.py"):
        if package == "kg" and _in_shell(path):
            continue  # the command line and the notebook API wire the layers
        for target in _imports(path) - ALLOWED[package]:
            bad.append(f"{path.relative_to(ROOT)} imports {target}")
    assert not bad


def test_nothing_below_the_command_line_imports_it() -> None:
    """kg.cli wires the layers; a layer importing kg.cli back would be a cycle (etl.cli did, once)."""
    bad = [
        f"{p.relative_to(ROOT)}"
        for pkg in ("kg", "etl", "gnn", "api")
        for p in (ROOT / pkg).rglob("*.py")
        if not p.is_relative_to(ROOT / "kg" / "cli")
        and p.name != "__main__.py"
        and any(n == "kg.cli" or n.startswith("kg.cli.") for n in _raw_imports(p))
    ]
    assert not bad


def test_neo4j_driver_only_inside_kg() -> None:
    users = [
        p.relative_to(ROOT)
        for pkg in ("etl", "gnn", "api")
        for p in (ROOT / pkg).rglob("*.py")
        if "neo4j" in {n.split(".")[0] for n in _raw_imports(p)}
    ]
    assert not users


def _in_shell(path: Path) -> bool:
    module = ".".join(path.relative_to(ROOT).with_suffix("").parts)
    return any(module == s or module.startswith(s + ".") for s in SHELL)


def test_the_shell_exists_and_is_the_only_part_of_kg_that_imports_upward() -> None:
    shell = [p for p in (ROOT / "kg").rglob("*.py") if _in_shell(p)]
    assert {p.relative_to(ROOT).parts[1] for p in shell} == {"cli", "notebook.py"}
    upward = {p.relative_to(ROOT).as_posix() for p in shell if _imports(p) - {"kg"}}
    assert "kg/notebook.py" in upward and "kg/cli/etl.py" in upward  # a test that can fail: the shell does wire


def test_an_import_inside_a_function_counts(tmp_path: Path) -> None:
    module = tmp_path / "m.py"
    module.write_text("def f():\n    from gnn.model import HeteroGAT\n    import api.app\n")
    assert _imports(module) == {"gnn", "api"}


def test_no_private_name_is_imported_from_another_package() -> None:
    bad = []
    for package in ("kg", "etl", "gnn", "api", "bench", "tests", "scripts"):
        for path in (ROOT / package).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text())):
                if not (isinstance(node, ast.ImportFrom) and node.module and node.level == 0):
                    continue
                if node.module.split(".")[0] == package or node.module.split(".")[0] not in {*ALLOWED, "bench"}:
                    continue
                private = [a.name for a in node.names if a.name.startswith("_")]
                private += [part for part in node.module.split(".") if part.startswith("_")]
                bad += [f"{path.relative_to(ROOT)}: from {node.module} import {name}" for name in private]
    assert bad == []


def _raw_imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names
