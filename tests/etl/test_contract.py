"""The adapter contract, run against every registered source (PyKEEN's tests/cases.py idea)."""

import inspect
from pathlib import Path

import pytest

from etl import sources as sources_pkg
from etl.genemap import GeneResolver
from etl.io import LocalFile
from etl.pipeline import expand
from etl.sources import REGISTRY
from etl.validate import node_problem
from kg.schema import ENDPOINTS, Edge, Node

ADAPTERS = sorted(REGISTRY)


@pytest.mark.parametrize("name", ADAPTERS)
def test_adapter_contract(name: str, genes: GeneResolver, tmp_path: Path) -> None:
    source = REGISTRY[name]
    assert source.name == name and source.description and source.licence
    loc = source.default_location()
    assert loc, f"{name} ships no default data"
    files: list[LocalFile] = expand(loc, tmp_path)
    from tests.conftest import make_ctx

    ctx = make_ctx(name, [f.path for f in files], genes)
    records = list(source.read(ctx))
    assert records, f"{name} yielded nothing from its default data"
    for r in records[:5000]:
        assert isinstance(r, Node | Edge)
        if isinstance(r, Node):
            assert node_problem(r) is None
        else:
            assert r.type in ENDPOINTS
            assert "source" not in r.props and "release" not in r.props  # provenance is the pipeline's job
    assert not ctx.rejects.rows
    version = source.version(ctx.files)
    assert isinstance(version, str) and version
    assert any(f.synthetic for f in files) == ("SYNTHETIC" in loc)


def test_every_adapter_module_is_registered() -> None:
    """A new source file without its registry line fails here."""
    folder = Path(inspect.getfile(sources_pkg)).parent
    modules = {p.stem for p in folder.glob("*.py")} - {"__init__", "base"}
    registered = {type(s).__module__.rsplit(".", 1)[1] for s in REGISTRY.values()}
    assert modules == registered


def test_a_source_that_needs_genes_refuses_to_run_without_them(tmp_path: Path) -> None:
    from etl.cohorts import CohortTable
    from etl.pipeline import extract
    from kg.errors import KGError
    from kg.settings import EtlSettings

    needing = [name for name, source in REGISTRY.items() if source.needs_genes]
    assert "go" in needing and "genes" not in needing
    with pytest.raises(KGError, match="needs the gene reference"):
        extract("go", str(tmp_path / "none.gaf"), EtlSettings(), tmp_path, None, CohortTable())
