"""`kg release publish` on the real Neo4j: every table in Parquet and TSV, row counts equal to the graph's,
checksums verified on read-back, licences with the rows, and the files readable by pandas and DuckDB."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from kg import local_neo4j
from kg.downloads import DownloadError, publish, read_table, releases
from kg.notebook import connect
from kg.predictions import SHARE_KINDS, Prediction, PredictionStore
from kg.schema import NodeLabel, RelType
from kg.store import Neo4jStore
from tests.test_cli import kg

LICENCES = {"hpo": "HPO licence", "interactions": "InWeb_InBioMap: non-commercial use only", "gtex": "GTEx terms"}


def _edge(start: str, end: str, source: str, **props: object) -> dict:
    return {"start": start, "end": end, "props": {"source": source, "source_version": "v1", "release": "r1", **props}}


@pytest.fixture()
def graph(store: Neo4jStore, tmp_path: Path) -> tuple[Neo4jStore, Path]:
    genes = [{"id": f"NCBIGene:{i}", "symbol": f"G{i}", "aliases": [f"OLD{i}", "X"]} for i in range(1, 6)]
    store.merge_nodes(NodeLabel.GENE, genes)
    store.merge_nodes(
        NodeLabel.DISEASE,
        [{"id": "OMIM:100001", "name": "tab\there"}, {"id": "MONDO:0000001", "name": 'a "quoted", name'}],
    )
    store.merge_nodes(NodeLabel.PHENOTYPE, [{"id": "HP:0000001", "name": "All"}, {"id": "HP:0000002", "name": "x"}])
    store.merge_nodes(NodeLabel.TISSUE, [{"id": "UBERON:0000948", "name": "heart"}])
    store.merge_edges(RelType.ASSOCIATED_WITH, [_edge("NCBIGene:1", "OMIM:100001", "hpo")])
    store.merge_edges(RelType.SAME_AS, [_edge("OMIM:100001", "MONDO:0000001", "hpo")])
    store.merge_edges(RelType.HAS_PHENOTYPE, [_edge("OMIM:100001", "HP:0000002", "hpo", frequency=0.5)])
    store.merge_edges(RelType.IS_A, [_edge("HP:0000002", "HP:0000001", "hpo")])
    store.merge_edges(
        RelType.INTERACTS_WITH, [_edge(f"NCBIGene:{i}", f"NCBIGene:{i + 1}", "interactions") for i in range(1, 5)]
    )
    store.merge_edges(
        RelType.EXPRESSED_IN, [_edge("NCBIGene:2", "UBERON:0000948", "gtex", tpm_median=3.5, synthetic=True)]
    )
    for source in ("hpo", "interactions", "gtex"):
        store.mark_source(source, "loaded", {"fingerprint": source, "release": "r1", "version": "v1"})
    predictions = PredictionStore(tmp_path / "home" / "predictions.sqlite")
    rows = [Prediction("OMIM:100001", f"NCBIGene:{i}", f"G{i}", 0.1 * i, float(i), 6 - i, False) for i in range(2, 6)]
    rows.append(
        Prediction("OMIM:100001", "NCBIGene:1", "G1", 0.5, 5.0, 1, True, percentile=99.0, shares=(0.7, 0.2, 0.06, 0.04))
    )
    facts = json.dumps([{"type": "EXPRESSED_IN", "tissue": "heart", "via": None, "props": {"tpm_median": 3.5}}])
    predictions.replace(
        {"model_version": "m1", "graph_release": "g", "release": "r1", "metrics": {"mrr": 0.3}},
        rows,
        [("NCBIGene:2", "OMIM:100001", facts)],
        {"sources": {}},
    )
    return store, tmp_path / "home"


def _neo4j_count(store: Neo4jStore, query: str) -> int:
    return int(store.read(lambda tx: tx.run(query).single()["n"]))


def test_every_table_matches_the_graph_and_reads_back_in_pandas_and_duckdb(graph) -> None:
    store, home = graph
    out = home / "downloads"
    done = publish(store, home / "predictions.sqlite", out, LICENCES)
    assert done.folder == out / "r1-m1" and [m["name"] for m in releases(out)] == ["r1-m1"]
    assert not list(out.glob(".*"))  # no partial folder left
    files = done.manifest["files"]
    tables = {f["table"] for f in files}
    assert {"nodes/Gene", "nodes/GOTerm", "associations/INTERACTS_WITH", "predictions"} <= tables
    assert "associations/MUTATED_IN" not in tables  # a type with no edges has no file
    for f in files:
        path = done.folder / f["path"]
        table, rows = f["table"], f["rows"]
        if table.startswith("nodes/"):
            expected = _neo4j_count(store, f"MATCH (n:{table.split('/')[1]}) RETURN count(n) AS n")
        elif table.startswith("associations/"):
            expected = _neo4j_count(store, f"MATCH ()-[r:{table.split('/')[1]}]->() RETURN count(r) AS n")
        else:
            expected = {"predictions": 5, "prediction_evidence": 1}[table]
        assert rows == expected, table
        frame = pd.read_parquet(path) if f["format"] == "parquet" else pd.read_csv(path, sep="\t")
        assert len(frame) == expected and list(frame.columns) == list(f["columns"]), f["path"]
        reader = "read_parquet" if f["format"] == "parquet" else "read_csv"
        options = "" if f["format"] == "parquet" else ", delim='\t', header=true"
        assert duckdb.sql(f"SELECT count(*) FROM {reader}('{path}'{options})").fetchall()[0][0] == expected, f["path"]
    interactions = read_table(out, "associations/INTERACTS_WITH")
    assert set(interactions["licence"]) == {"InWeb_InBioMap: non-commercial use only"}
    assert set(interactions["subject_label"]) == {"Gene"} and interactions["synthetic"].eq(False).all()
    expressed = read_table(out, "associations/EXPRESSED_IN")
    assert expressed["synthetic"].tolist() == [True] and expressed["tpm_median"].tolist() == [3.5]
    diseases = read_table(out, "nodes/Disease").set_index("id")
    assert diseases.loc["OMIM:100001", "same_as"] == "MONDO:0000001"
    assert diseases.loc["MONDO:0000001", "name"] == 'a "quoted", name'
    tsv = pd.read_csv(done.folder / "nodes/Disease.tsv.gz", sep="\t").set_index("id")
    assert tsv.loc["MONDO:0000001", "name"] == 'a "quoted", name' and tsv.loc["OMIM:100001", "name"] == "tab\there"
    genes = read_table(out, "nodes/Gene")
    assert genes["aliases"].map(list).tolist()[0] == ["OLD1", "X"]  # lists stay lists in Parquet
    assert pd.read_csv(done.folder / "nodes/Gene.tsv.gz", sep="\t")["aliases"].iloc[0] == "OLD1|X"
    predictions = read_table(out, "predictions")
    assert predictions["known"].sum() == 1 and predictions["model_version"].eq("m1").all()
    shares = predictions.set_index("gene_id").loc["NCBIGene:1", [f"share_{k}" for k in SHARE_KINDS]]
    assert shares.tolist() == pytest.approx([0.7, 0.2, 0.06, 0.04])  # the score's parts by path kind
    assert pd.isna(predictions.set_index("gene_id").loc["NCBIGene:2", "share_baseline"])  # none stored: null
    evidence = read_table(out, "prediction_evidence")
    assert evidence.iloc[0][["type", "target_kind", "target"]].tolist() == ["EXPRESSED_IN", "tissue", "heart"]
    manifest = json.loads((done.folder / "manifest.json").read_text())
    assert {s["source"]: s["licence"] for s in manifest["sources"]}["interactions"].endswith("non-commercial use only")
    readme = (done.folder / "README.md").read_text()
    assert "`licence`" in readme and "non-commercial" in readme and "### predictions (5 rows)" in readme


def test_a_changed_file_is_refused_on_read_back_and_a_republish_replaces_the_folder(graph) -> None:
    store, home = graph
    out = home / "downloads"
    done = publish(store, home / "predictions.sqlite", out, LICENCES)
    path = done.folder / "predictions.parquet"
    path.write_bytes(path.read_bytes()[:-10])
    with pytest.raises(DownloadError, match="SHA-256 differs"):
        read_table(out, "predictions")
    with pytest.raises(DownloadError, match="has no table 'nope'"):
        read_table(out, "nope")
    with pytest.raises(DownloadError, match="no release other"):
        read_table(out, "predictions", release="other")
    publish(store, home / "predictions.sqlite", out, LICENCES)
    assert len(read_table(out, "predictions")) == 5


def test_an_empty_graph_is_refused(store: Neo4jStore, tmp_path: Path) -> None:
    with pytest.raises(DownloadError, match="kg etl run"):
        publish(store, tmp_path / "none.sqlite", tmp_path / "out", {})


def test_the_cli_publishes_lists_and_the_notebook_reads(graph, neo4j_server: local_neo4j.ServerConfig) -> None:
    _, home = graph
    done = kg("release", "publish", "--format", "json", uri=neo4j_server.uri, home=home)
    assert done.returncode == 0, done.stderr
    manifest = json.loads(done.stdout)["manifest"]
    assert manifest["model"]["model_version"] == "m1"
    listed = kg("release", "list", uri=neo4j_server.uri, home=home)
    assert "r1-m1" in listed.stdout
    with connect(neo4j_uri=neo4j_server.uri, home=home) as g:
        frame = g.download("predictions")
    assert frame.sort_values("score")["gene_id"].iloc[-1] == "NCBIGene:1"
