"""The ``kg`` command line, run as a user would (subprocess) against the real server."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from kg.schema import NodeLabel
from kg.store import Neo4jStore


def kg(
    *args: str, uri: str = "bolt://127.0.0.1:1", home: Path | None = None, timeout: float = 300
) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "KG_NEO4J_URI": uri, "COLUMNS": "200"}
    if home:
        env["KG_HOME"] = str(home)
    return subprocess.run([sys.executable, "-m", "kg", *args], capture_output=True, text=True, env=env, timeout=timeout)


def test_help_reads_well() -> None:
    out = kg("--help").stdout
    for command in ("neo4j", "etl", "cypher"):
        assert command in out
    assert "NAME=PATH_OR_URL" in kg("etl", "run", "--help").stdout
    # bracketed words survive (Rich markup would eat them)
    assert "[model], [train] and [evidence] tables" in " ".join(kg("train", "--help").stdout.split())
    # the encoder's default epochs: none when the evidence network serves
    assert "[3 with --no-evidence; 0 with the evidence network" in " ".join(kg("train", "--help").stdout.split())


@pytest.mark.neo4j
def test_cypher_json_and_refusal(store: Neo4jStore, neo4j_server) -> None:
    store.merge_nodes(NodeLabel.GENE, [{"id": "NCBIGene:7157", "symbol": "TP53"}])
    done = kg(
        "cypher",
        "MATCH (g:Gene {symbol: $s}) RETURN g.id AS id",
        "--param",
        "s=TP53",
        "--format",
        "json",
        uri=neo4j_server.uri,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == [{"id": "NCBIGene:7157"}]
    refused = kg("cypher", "MATCH (g:Gene) DETACH DELETE g", uri=neo4j_server.uri)
    assert refused.returncode == 1 and "refused" in refused.stderr and "Traceback" not in refused.stderr
    assert store.count_nodes()["Gene"] == 1


@pytest.mark.neo4j
def test_neo4j_status_json(neo4j_server) -> None:
    done = kg(
        "neo4j", "status", "--data-dir", str(neo4j_server.home), "--port", str(neo4j_server.port), "--format", "json"
    )
    info = json.loads(done.stdout)
    assert done.returncode == 0 and info["running"] and info["answers"] and info["uri"] == neo4j_server.uri
    # --data-dir alone finds that directory's server on the port it was started on, not the default port
    alone = json.loads(kg("neo4j", "status", "--data-dir", str(neo4j_server.home), "--format", "json").stdout)
    assert alone["uri"] == neo4j_server.uri and alone["running"] and alone["answers"]


def test_bad_source_is_one_clear_line(tmp_path: Path) -> None:
    bad = tmp_path / "GTEx_bad.gct"
    bad.write_text("#1.2\n1\t2\nName\tDescription\tLiver\tLung\nENSG00000141510.16\tTP53\t3.0\tabc\n")
    done = kg("etl", "run", "--dry-run", "--source", f"gtex={bad}", home=tmp_path)
    assert done.returncode == 1
    assert f"{bad}:4 [Lung]: not a number: 'abc'" in done.stderr.replace("\n", "")
    assert "Traceback" not in done.stderr
    unknown = kg("etl", "run", "--dry-run", "--source", "nope=/x", home=tmp_path)
    assert unknown.returncode == 1 and "unknown source 'nope'" in unknown.stderr


def test_store_down_is_a_clear_error(tmp_path: Path) -> None:
    for command in (("etl", "status"), ("cypher", "RETURN 1")):  # cypher's read-only check used to leak a traceback
        done = kg(*command, uri="bolt://127.0.0.1:1")
        assert done.returncode == 1 and "unavailable" in done.stderr and "Traceback" not in done.stderr, command


@pytest.mark.neo4j
@pytest.mark.slow
def test_etl_run_end_to_end_then_rerun_is_a_no_op(store: Neo4jStore, neo4j_server, tmp_path: Path) -> None:
    first = kg("etl", "run", "--format", "json", uri=neo4j_server.uri, home=tmp_path)
    assert first.returncode == 0, first.stderr
    summary = json.loads(first.stdout)
    assert {s["source"]: s["load"] for s in summary["sources"]} == dict.fromkeys(
        [
            "genes",
            "hpo",
            "tcga-projects",
            "mondo",
            "gtex",
            "go",
            "interactions",
            "constraint",
            "tcga-maf",
            "xena",
            "gdc-counts",
        ],
        "loaded",
    )
    assert "rows/s" in first.stderr  # progress bars with throughput
    manifest = json.loads((Path(summary["release_dir"]) / "manifest.json").read_text())
    status = json.loads(kg("etl", "status", "--format", "json", uri=neo4j_server.uri).stdout)
    expected_edges: dict[str, int] = {}
    for src in manifest["sources"].values():
        for key, n in src["rows"].items():
            if key.startswith("edges:"):
                expected_edges[key[6:]] = expected_edges.get(key[6:], 0) + n
    assert {k: v for k, v in status["edges"].items() if v} == expected_edges
    assert {s["source"]: s["state"] for s in status["sources"]} == {s["source"]: "loaded" for s in summary["sources"]}
    assert manifest["sources"]["hpo"]["rows"]["edges:HAS_PHENOTYPE"] > 200_000  # the whole real release
    from tests.test_docs import documented_queries_fail

    failed = documented_queries_fail(store)
    assert not failed, "\n".join(failed)
    again = kg("etl", "run", "--format", "json", uri=neo4j_server.uri, home=tmp_path)
    rerun = json.loads(again.stdout)
    assert {s["load"] for s in rerun["sources"]} == {"unchanged"} and rerun["extracted"] is False  # inputs hashed only
    assert json.loads(kg("etl", "status", "--format", "json", uri=neo4j_server.uri).stdout)["edges"] == status["edges"]


def test_repeated_pairs_join_or_refuse() -> None:
    import pytest
    import typer

    from kg.cli.output import parse_pairs

    merged = parse_pairs(["tcga-maf=A.maf.gz", "gtex=g.gct", "tcga-maf=B.maf.gz"], "--source", repeat=",")
    assert merged == {"tcga-maf": "A.maf.gz,B.maf.gz", "gtex": "g.gct"}  # both files load
    with pytest.raises(typer.BadParameter, match="given twice"):
        parse_pairs(["c=1", "c=2"], "--param")  # a parameter cannot have two values
