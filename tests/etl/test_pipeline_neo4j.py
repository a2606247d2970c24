"""The ETL against the real Neo4j: idempotency, per-source replacement, faults."""

from __future__ import annotations

import gzip
from importlib import resources
from pathlib import Path

import pytest

from etl.load import load_results
from etl.pipeline import build_release, unchanged_sources
from etl.release import SourceResult, read_manifest
from etl.sources import REGISTRY
from kg import local_neo4j
from kg.errors import SourceFormatError, StoreUnavailable
from kg.schema import NodeLabel, RelType
from kg.settings import EtlSettings
from kg.store import Neo4jStore

pytestmark = [pytest.mark.neo4j, pytest.mark.slow]
SETTINGS = EtlSettings()
FIXTURES = Path(__file__).parents[1] / "fixtures"
#: Small inputs for the heavy real sources, so that the repeated loads below stay quick; the
#: real defaults are read by the contract test and loaded whole by the CLI end-to-end test.
SMALL = {
    "gtex": str(resources.files("etl.data").joinpath("synthetic/SYNTHETIC_GTEx_gene_median_tpm.gct.gz")),
    "go": str(FIXTURES / "go" / "goa_human_head.gaf"),
    "interactions": str(FIXTURES / "interactions" / "inweb_pairwise_gene_interactions.tsv"),
}


def hpo_subset(out: Path, every: int = 10) -> str:
    """The real HPO 2025-01-16 release with one disease in ``every`` (whole ontology, verbatim lines)."""
    obo, hpoa, g2p = (REGISTRY["hpo"].default_location() or "").split(",")
    out.mkdir(parents=True, exist_ok=True)
    lines = Path(hpoa).read_text().splitlines(keepends=True)
    header = [line for line in lines if line.startswith(("#", "database_id"))]
    body = lines[len(header) :]
    keep = set(sorted({line.split("\t", 1)[0] for line in body})[::every])
    (out / "phenotype.hpoa").write_text("".join(header + [x for x in body if x.split("\t", 1)[0] in keep]))
    pairs = Path(g2p).read_text().splitlines(keepends=True)
    kept = [x for x in pairs[1:] if x.rstrip("\n").rsplit("\t", 1)[-1] in keep]
    (out / "genes_to_phenotype.txt").write_text("".join([pairs[0], *kept]))
    return ",".join([obo, str(out / "phenotype.hpoa"), str(out / "genes_to_phenotype.txt")])


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """The small inputs plus a tenth of the real HPO diseases (the whole release is 270k annotations)."""
    return {**SMALL, "hpo": hpo_subset(tmp_path_factory.mktemp("hpo"))}


@pytest.fixture(scope="module")
def release(small: dict[str, str], tmp_path_factory: pytest.TempPathFactory):
    """Real HPO (a tenth) + gene reference, synthetic TCGA/GTEx, heads of GO and InWeb; built once."""
    home = tmp_path_factory.mktemp("kghome")
    return home, build_release(small, SETTINGS, home)


def expected_counts(results: list[SourceResult]) -> tuple[dict[str, int], dict[str, int]]:
    """Node counts (ids merged across sources) and edge counts per type, from the release."""
    ids: dict[str, set[str]] = {label.value: set() for label in NodeLabel}
    edges: dict[str, int] = {}
    for r in results:
        for label, rows in r.nodes.items():
            ids[label.value].update(row["id"] for row in rows)
        for rel, rows in r.edges.items():
            edges[rel.value] = edges.get(rel.value, 0) + len(rows)
    return {k: len(v) for k, v in ids.items()}, edges


def db_counts(store: Neo4jStore) -> tuple[dict[str, int], dict[str, int]]:
    return store.count_nodes(), {k: v for k, v in store.count_edges().items() if v}


def test_release_files_and_provenance(release) -> None:
    _, report = release
    manifest = read_manifest(report.release_dir)
    assert manifest["release"] == report.release and set(manifest["sources"]) == set(REGISTRY)
    hpo = manifest["sources"]["hpo"]
    assert hpo["version"] == "2025-01-16" and not hpo["synthetic"] and hpo["rows"]["edges:HAS_PHENOTYPE"] > 20_000
    assert manifest["sources"]["gtex"]["synthetic"] is True
    assert all(len(s) == 64 for src in manifest["sources"].values() for s in src["sha256"].values())
    import pyarrow.parquet as pq

    table = pq.read_table(report.release_dir / "edges" / "EXPRESSED_IN.gtex.parquet")
    assert table.num_rows == manifest["sources"]["gtex"]["rows"]["edges:EXPRESSED_IN"]
    assert set(table.column("synthetic").to_pylist()) == {True}
    assert set(table.column("release").to_pylist()) == {report.release}
    assert (report.release_dir / "unresolved" / "gtex.tsv").read_text().count("SYNTHETIC_UNKNOWN") == 1


def test_load_is_idempotent(store: Neo4jStore, release) -> None:
    _, report = release
    nodes, edges = expected_counts(report.results)
    assert load_results(store, report.release, report.results, SETTINGS) == {n: "loaded" for n in REGISTRY}
    assert db_counts(store) == (nodes, edges)
    assert set(load_results(store, report.release, report.results, SETTINGS).values()) == {"unchanged"}
    load_results(store, report.release, report.results, SETTINGS, force=True)
    assert db_counts(store) == (nodes, edges)
    records, _, _ = store.driver.execute_query(
        "MATCH ()-[r]->() WHERE r.source IS NULL OR r.source_version IS NULL OR r.release IS NULL RETURN count(r) AS n"
    )
    assert records[0]["n"] == 0
    records, _, _ = store.driver.execute_query(
        "MATCH ()-[r]->() WHERE r.source IN ['gtex', 'tcga-maf', 'xena', 'gdc-counts'] "
        "RETURN count(r) AS n, count(CASE WHEN r.synthetic THEN 1 END) AS s"
    )
    assert records[0]["n"] == records[0]["s"] > 0
    status = {row["source"]: row for row in store.source_loads()}
    assert status["hpo"]["state"] == "loaded" and status["hpo"]["version"] == "2025-01-16"


def test_new_version_of_one_source_replaces_only_its_edges(
    store: Neo4jStore, release, small: dict[str, str], tmp_path: Path
) -> None:
    home, report = release
    load_results(store, report.release, report.results, SETTINGS)
    before = store.count_edges(by_source=True)
    gct = Path(SMALL["gtex"])
    lines = gzip.decompress(gct.read_bytes()).decode().splitlines()
    kept = lines[3:503]  # a "new GTEx release" with 500 of the genes
    new = tmp_path / "GTEx_Analysis_v10_gene_median_tpm.gct.gz"
    new.write_bytes(gzip.compress("\n".join(["#1.2", f"{len(kept)}\t{lines[1].split()[1]}", lines[2], *kept]).encode()))
    # a re-run with nothing to do is seen without extracting; a new file or other settings are not
    names = unchanged_sources(small, SETTINGS, home, store.source_loads())
    assert names is not None and set(names) == {row["source"] for row in store.source_loads()}
    assert unchanged_sources({**small, "gtex": str(new)}, SETTINGS, home, store.source_loads()) is None
    stricter = SETTINGS.model_copy(update={"de_padj": SETTINGS.de_padj / 2})
    assert unchanged_sources(small, stricter, home, store.source_loads()) is None
    report2 = build_release({**small, "gtex": str(new)}, SETTINGS, home)
    outcome = load_results(store, report2.release, report2.results, SETTINGS)
    assert outcome["gtex"] == "loaded" and {v for k, v in outcome.items() if k != "gtex"} == {"unchanged"}
    after = store.count_edges(by_source=True)
    gtex_rows = sum(len(v) for v in next(r for r in report2.results if r.name == "gtex").edges.values())
    assert after["EXPRESSED_IN/gtex"] == gtex_rows < before["EXPRESSED_IN/gtex"]
    assert {k: v for k, v in after.items() if "/gtex" not in k} == {k: v for k, v in before.items() if "/gtex" not in k}
    records, _, _ = store.driver.execute_query(
        "MATCH ()-[r:EXPRESSED_IN]->() "
        "RETURN collect(DISTINCT r.release) AS rel, collect(DISTINCT r.source_version) AS v"
    )
    assert records[0]["rel"] == [report2.release] and records[0]["v"][0].startswith("v10+")
    records, _, _ = store.driver.execute_query(
        "MATCH ()-[r:HAS_PHENOTYPE]->() RETURN collect(DISTINCT r.release) AS rel"
    )
    assert records[0]["rel"] == [report.release]  # left alone


def test_bad_input_leaves_the_database_as_it_was(
    store: Neo4jStore,
    release,
    small: dict[str, str],
    tmp_path: Path,
    neo4j_server: local_neo4j.ServerConfig,
    monkeypatch,
) -> None:
    """``kg etl run`` itself (which would load every good source) with one broken file: nothing changes."""
    from typer.testing import CliRunner

    from kg.cli import app

    _, report = release
    load_results(store, report.release, report.results, SETTINGS)
    before, loads = db_counts(store), store.source_loads()
    gct = Path(SMALL["gtex"])
    broken = tmp_path / "GTEx_broken.gct.gz"
    broken.write_bytes(gct.read_bytes()[: gct.stat().st_size // 2])
    monkeypatch.setenv("KG_NEO4J_URI", neo4j_server.uri)
    monkeypatch.setenv("KG_HOME", str(tmp_path / "home"))
    sources = [arg for name, loc in {**small, "gtex": str(broken)}.items() for arg in ("--source", f"{name}={loc}")]
    # --force: without the broken file every source would be reloaded (and the counts would change)
    done = CliRunner().invoke(app, ["etl", "run", "--force", *sources])
    assert isinstance(done.exception, SourceFormatError), done.output
    assert "GTEx_broken.gct.gz" in str(done.exception) and "truncated or corrupt gzip" in str(done.exception)
    assert db_counts(store) == before
    assert store.source_loads() == loads  # no source was reloaded (a forced load would stamp each again)


def test_killed_mid_load_then_rerun_matches_a_clean_load(
    store: Neo4jStore, release, neo4j_server: local_neo4j.ServerConfig
) -> None:
    _, report = release
    nodes, edges = expected_counts(report.results)
    killed = []

    def start(description: str, total: int | None):
        def advance(n: int) -> None:
            if "HAS_PHENOTYPE" in description and not killed:
                killed.append(local_neo4j.stop(neo4j_server, kill=True))

        return advance

    with pytest.raises(StoreUnavailable):
        load_results(store, report.release, report.results, SETTINGS, start=start)
    assert killed == [True]
    local_neo4j.start(neo4j_server)
    with Neo4jStore(neo4j_server.uri) as fresh:
        partial = {row["source"]: row["state"] for row in fresh.source_loads()}
        assert partial["hpo"] == "loading" and partial["genes"] == "loaded"
        outcome = load_results(fresh, report.release, report.results, SETTINGS)
        assert outcome["hpo"] == "loaded" and outcome["genes"] == "unchanged"
        assert db_counts(fresh) == (nodes, edges)


def test_edges_without_their_endpoint_nodes_are_a_load_error(store: Neo4jStore) -> None:
    from etl.load import LoadError, write_edges
    from kg.schema import RelType

    store.merge_nodes(NodeLabel.GENE, [{"id": "NCBIGene:1", "symbol": "A1BG"}])
    rows = [
        {"start": "NCBIGene:1", "end": "OMIM:999999", "props": {"source": "hpo", "release": "r", "source_version": "v"}}
    ]
    with pytest.raises(LoadError, match="1 of 1 rows had no endpoint nodes"):
        write_edges(store, RelType.ASSOCIATED_WITH, rows, size=10, workers=1, fresh=True)


def _contents(store: Neo4jStore) -> dict[str, tuple[int, str]]:
    """Per label and relationship type: the count and a SHA-256 over every element's ids and properties."""
    import hashlib
    import json

    out: dict[str, tuple[int, str]] = {}
    queries = {
        label.value: f"MATCH (n:{label.value}) RETURN n.id AS a, null AS b, properties(n) AS p" for label in NodeLabel
    }
    queries.update(
        {
            rel.value: f"MATCH (x)-[r:{rel.value}]->(y) RETURN x.id AS a, y.id AS b, properties(r) AS p"
            for rel in RelType
        }
    )
    for name, query in queries.items():
        records, _, _ = store.driver.execute_query(query)
        lines = sorted(json.dumps([r["a"], r["b"], r["p"]], sort_keys=True) for r in records)
        out[name] = (len(lines), hashlib.sha256("\n".join(lines).encode()).hexdigest())
    return out


def test_bulk_import_gives_the_graph_a_transactional_load_gives(
    store: Neo4jStore, release, neo4j_server: local_neo4j.ServerConfig, tmp_path: Path
) -> None:
    from etl.load import LoadError, bulk_load_results

    home, report = release
    load_results(store, report.release, report.results, SETTINGS)
    transactional = _contents(store)
    with pytest.raises(LoadError, match="empty database"):  # a database holding data keeps the incremental path
        bulk_load_results(store, neo4j_server, report.release, report.results, SETTINGS, tmp_path)

    port = local_neo4j.free_port()
    empty = local_neo4j.ServerConfig(home=tmp_path / "bulk", port=port, heap_mb=1024, pagecache_mb=256)
    local_neo4j.start(empty)
    try:
        with Neo4jStore(empty.uri, retry_s=30.0) as bulk:
            summary = bulk_load_results(bulk, empty, report.release, report.results, SETTINGS, tmp_path)
            assert summary["relationships"] == sum(expected_counts(report.results)[1].values())
            assert _contents(bulk) == transactional
            bulk_loads = bulk.source_loads()
            loads = {row["source"]: row for row in bulk_loads}
            before = {row["source"]: row for row in store.source_loads()}
            assert {s: (r["state"], r["fingerprint"], r["release"]) for s, r in loads.items()} == {
                s: (r["state"], r["fingerprint"], r["release"]) for s, r in before.items()
            }
            # the next run finds every source unchanged, as after a transactional load
            assert set(load_results(bulk, report.release, report.results, SETTINGS).values()) == {"unchanged"}

        # a failed import leaves the database as it was: the server starts on the loaded graph
        from kg.bulk import BulkImportError, import_full, merge_nodes, write_import_files

        broken = write_import_files(merge_nodes([(NodeLabel.GENE, [{"id": "NCBIGene:1"}])]), [], tmp_path / "broken")
        broken.nodes["Gene"][0].write_text("id:ID(Gene),n:long\nNCBIGene:1,not-a-number\n")
        local_neo4j.stop(empty)
        with pytest.raises(BulkImportError, match="the database is as it was"):
            import_full(empty, broken)
        local_neo4j.start(empty)
        with Neo4jStore(empty.uri, retry_s=30.0) as kept:  # a new driver: no bookmark of the stopped server
            assert db_counts(kept) == db_counts(store) and kept.source_loads() == bulk_loads
    finally:
        local_neo4j.stop(empty)
