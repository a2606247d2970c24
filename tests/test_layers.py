"""Each layer imports only downward: etl → kg; gnn → kg; api → gnn, kg. Only kg.cli wires them."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
EDGES = {"cli", "notebook.py"}  # kg.cli and kg.notebook: the user-facing edges
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
        if package == "kg" and path.relative_to(ROOT / "kg").parts[0] in EDGES:
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


def _raw_imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names
