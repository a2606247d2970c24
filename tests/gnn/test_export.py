"""Export of the live graph to HeteroData (real Neo4j), with the cache and filters."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from gnn.export import ExportCache, export_graph, load
from kg.errors import StoreUnavailable
from kg.export import EmptyExport, ExportSpec
from kg.schema import NodeLabel, RelType
from kg.store import Neo4jStore

pytestmark = pytest.mark.neo4j


def _edge(start: str, end: str, source: str = "s", **props: object) -> dict:
    return {"start": start, "end": end, "props": {"source": source, "release": "r1", "source_version": "v", **props}}


@pytest.fixture()
def small(store: Neo4jStore) -> Neo4jStore:
    genes = [{"id": f"NCBIGene:{i}", "symbol": f"G{i}"} for i in (1, 2, 3, 4)]
    store.merge_nodes(NodeLabel.GENE, genes)
    store.merge_nodes(NodeLabel.GENE, [{"id": "NCBIGene:1", "loeuf": 0.05, "pli": 1.0, "mis_z": 4.5}])  # gnomAD
    store.merge_nodes(NodeLabel.DISEASE, [{"id": "MONDO:0000001", "name": "d1"}, {"id": "OMIM:100000", "name": "d2"}])
    store.merge_nodes(NodeLabel.PHENOTYPE, [{"id": "HP:0000001", "name": "All"}, {"id": "HP:0000118", "name": "PA"}])
    store.merge_edges(
        RelType.MUTATED_IN,
        [
            _edge("NCBIGene:1", "MONDO:0000001", "tcga-maf", n_mutated=5, n_samples=10, frequency=0.5),
            _edge("NCBIGene:2", "MONDO:0000001", "tcga-maf", n_mutated=1, n_samples=10, frequency=0.1),
        ],
    )
    store.merge_edges(RelType.ASSOCIATED_WITH, [_edge("NCBIGene:3", "OMIM:100000", "hpo")])
    store.merge_edges(RelType.HAS_PHENOTYPE, [_edge("OMIM:100000", "HP:0000118", "hpo", frequency_value=0.5)])
    store.merge_edges(RelType.IS_A, [_edge("HP:0000118", "HP:0000001", "hpo")])
    store.mark_source("hpo", "loaded", {"fingerprint": "f1", "release": "r1", "version": "v"})
    return store


def test_export_structure_and_values(small: Neo4jStore) -> None:
    graph, cached = export_graph(small, ExportSpec())
    data = graph.data
    assert not cached
    assert set(data.node_types) == {"Gene", "Disease", "Phenotype"}  # Tissue has no edges here
    mut = ("Gene", "MUTATED_IN", "Disease")
    gi, di = graph.index("Gene"), graph.index("Disease")
    assert data[mut].edge_index.tolist() == [[gi["NCBIGene:1"], gi["NCBIGene:2"]], [di["MONDO:0000001"]] * 2]
    assert graph.edge_attrs[mut] == ["frequency"]
    assert torch.allclose(data[mut].edge_attr, torch.tensor([[0.5], [0.1]]))
    assert graph.node_names["Gene"][gi["NCBIGene:3"]] == "G3"
    assert data["Gene"].num_nodes == 3  # NCBIGene:4 has no exported edge
    assert graph.state["hpo"]["release"] == "r1" and len(graph.graph_release) == 16
    # gene constraint travels as node attributes; genes without it are NaN
    assert graph.node_attrs == {"Gene": ["loeuf", "pli", "mis_z"]}
    constraint = data["Gene"].node_attr
    assert constraint[gi["NCBIGene:1"]].tolist() == pytest.approx([0.05, 1.0, 4.5])
    assert torch.isnan(constraint[gi["NCBIGene:2"]]).all()


def test_filters_and_seeds(small: Neo4jStore) -> None:
    strong = ExportSpec(rel_types=(RelType.MUTATED_IN,), min_values={"MUTATED_IN": ("frequency", 0.2)})
    graph, _ = export_graph(small, strong)
    assert graph.data["Gene", "MUTATED_IN", "Disease"].edge_index.shape == (2, 1)
    by_source, _ = export_graph(small, ExportSpec(sources=("hpo",)))
    assert ("Gene", "MUTATED_IN", "Disease") not in by_source.data.edge_types
    near, _ = export_graph(small, ExportSpec(seeds=("NCBIGene:3",), hops=2))
    assert set(near.node_ids["Phenotype"]) == {"HP:0000118"} and "MONDO:0000001" not in near.node_ids["Disease"]
    with pytest.raises(EmptyExport, match="seed ids not in the graph: NCBIGene:999"):
        export_graph(small, ExportSpec(seeds=("NCBIGene:999",)))
    with pytest.raises(EmptyExport, match="no edges"):
        export_graph(small, ExportSpec(sources=("nothing",)))
    with pytest.raises(ValueError, match="not a numeric property"):
        ExportSpec(min_values={"IS_A": ("frequency", 1.0)})


def test_cache_is_used_until_the_graph_changes(small: Neo4jStore, tmp_path: Path) -> None:
    first, cached = export_graph(small, ExportSpec(), tmp_path)
    assert not cached
    second, cached = export_graph(small, ExportSpec(), tmp_path)
    assert cached and second.node_ids == first.node_ids and second.graph_release == first.graph_release
    for et in first.data.edge_types:
        assert torch.equal(second.data[et].edge_index, first.data[et].edge_index)
    # node attributes read back from disk
    assert torch.allclose(second.data["Gene"].node_attr, first.data["Gene"].node_attr, equal_nan=True)
    assert second.node_attrs == first.node_attrs == {"Gene": ["loeuf", "pli", "mis_z"]}
    small.mark_source("hpo", "loaded", {"fingerprint": "f2", "release": "r2", "version": "v2"})
    third, cached = export_graph(small, ExportSpec(), tmp_path)
    assert not cached and third.graph_release != first.graph_release
    folders = sorted(p.name for p in tmp_path.iterdir())
    assert len(folders) == 2 and not list(tmp_path.rglob("*.pkl"))
    assert load(tmp_path / folders[0]).spec_key == ExportSpec().key()
    cache = ExportCache(tmp_path)
    assert cache.folder(ExportSpec(), third.state) == cache.find(third.graph_release)
    assert load(cache.find(first.graph_release)).graph_release == first.graph_release  # type: ignore[arg-type]
    assert cache.find("no-such-release") is None


def test_unreachable_store() -> None:
    with Neo4jStore("bolt://127.0.0.1:1", retry_s=0.5) as s, pytest.raises(StoreUnavailable):
        export_graph(s, ExportSpec())


def test_synthetic_edges_stay_out_unless_asked_for(small: Neo4jStore, tmp_path: Path) -> None:
    small.merge_edges(
        RelType.MUTATED_IN,
        [_edge("NCBIGene:4", "MONDO:0000001", "tcga-maf", synthetic=True, n_mutated=3, n_samples=10, frequency=0.3)],
    )
    spec = ExportSpec(rel_types=(RelType.MUTATED_IN, RelType.ASSOCIATED_WITH))
    real, _ = export_graph(small, spec, tmp_path)
    genes = real.node_ids["Gene"]
    mutated = real.data["Gene", "MUTATED_IN", "Disease"].edge_index
    assert "NCBIGene:4" not in genes and mutated.shape[1] == 2 and real.synthetic_edges == 0
    assert "synthetic" not in real.edge_attrs.get(("Gene", "MUTATED_IN", "Disease"), [])

    synthetic_spec = ExportSpec(rel_types=spec.rel_types, include_synthetic=True)
    with_synthetic, _ = export_graph(small, synthetic_spec, tmp_path)
    assert with_synthetic.spec_key != real.spec_key  # a separate cache entry
    et = ("Gene", "MUTATED_IN", "Disease")
    columns = with_synthetic.edge_attrs[et]
    flags = with_synthetic.data[et].edge_attr[:, columns.index("synthetic")]
    starts = [with_synthetic.node_ids["Gene"][i] for i in with_synthetic.data[et].edge_index[0].tolist()]
    assert dict(zip(starts, flags.tolist(), strict=True)) == {"NCBIGene:1": 0.0, "NCBIGene:2": 0.0, "NCBIGene:4": 1.0}
    assert with_synthetic.synthetic_edges == 1
    reloaded = load(ExportCache(tmp_path).folder(synthetic_spec, with_synthetic.state))
    assert reloaded.synthetic_edges == 1


def test_an_export_of_the_earlier_format_loads_and_is_written_again(small: Neo4jStore, tmp_path: Path) -> None:
    """Upgrading kg: a format-1 cache (no node attributes) still loads, and the next export replaces it."""
    import json

    graph, _ = export_graph(small, ExportSpec(), tmp_path)
    folder = ExportCache(tmp_path).folder(ExportSpec(), graph.state)
    meta = json.loads((folder / "meta.json").read_text())
    meta["format"] = 1
    del meta["node_attrs"]
    (folder / "meta.json").write_text(json.dumps(meta))
    old = load(folder)  # what a model loading without Neo4j reads
    assert old.node_attrs == {} and old.node_ids == graph.node_ids
    again, cached = export_graph(small, ExportSpec(), tmp_path)
    assert not cached and again.node_attrs == {"Gene": ["loeuf", "pli", "mis_z"]}
    assert json.loads((folder / "meta.json").read_text())["format"] == 2
    assert export_graph(small, ExportSpec(), tmp_path)[1]  # cached from now on
