"""Prediction sets published in Neo4j and pulled by other replicas, on the real server."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from kg.errors import KGError
from kg.predictions import Prediction, PredictionStore
from kg.published import MODEL_SCORE, PREDICTED_ASSOCIATION, current_set, publish, pull
from kg.schema import NodeLabel
from kg.store import Neo4jStore

GENES = [f"NCBIGene:{i}" for i in range(1, 7)]
DISEASES = ["OMIM:100001", "OMIM:100002"]
GRAPH = {"sources": {"hpo": {"release": "r1"}}}


def _rows(shift: float = 0.0) -> list[Prediction]:
    rows = []
    for d in DISEASES:
        for i, g in enumerate(GENES):
            known = i == 0
            rank = 1 if known else i
            rows.append(
                Prediction(d, g, f"G{i}", 0.5 - i / 20 + shift, 2.0 - i / 3, rank, known, False, 99.0 - i, None)
            )
    return rows


def _evidence(rows: list[Prediction]) -> list[tuple[str, str, str]]:
    return [(r.gene_id, r.disease_id, json.dumps([{"source": "hpo", "n": i}])) for i, r in enumerate(rows)]


def _count(store: Neo4jStore, rel: str) -> int:
    return int(store.read(lambda tx: tx.run(f"MATCH ()-[r:{rel}]->() RETURN count(r) AS n").single()["n"]))


@pytest.fixture()
def graph(store: Neo4jStore) -> Neo4jStore:
    store.merge_nodes(NodeLabel.GENE, [{"id": g, "symbol": g} for g in GENES])
    store.merge_nodes(NodeLabel.DISEASE, [{"id": d, "name": d} for d in DISEASES])
    return store


def _primary(tmp_path: Path, version: str = "m1", shift: float = 0.0) -> PredictionStore:
    primary = PredictionStore(tmp_path / "primary.sqlite")
    rows = _rows(shift)
    info = {"model_version": version, "graph_release": "r1", "release": "r1", "metrics": {"mrr": 0.2}}
    primary.replace(info, rows, _evidence(rows), GRAPH)
    return primary


@pytest.mark.neo4j
def test_a_replica_pulls_the_published_set_and_serves_it_identically(graph: Neo4jStore, tmp_path: Path) -> None:
    primary = _primary(tmp_path)
    result = publish(graph, primary, "m1")
    assert (result.new, result.known) == (10, 2)
    assert (_count(graph, PREDICTED_ASSOCIATION), _count(graph, MODEL_SCORE)) == (10, 2)
    assert publish(graph, primary, "m1").run == result.run  # the same run again (an interrupted publish)…
    assert (_count(graph, PREDICTED_ASSOCIATION), _count(graph, MODEL_SCORE)) == (10, 2)  # …is not duplicated
    remote = current_set(graph)
    assert remote is not None and remote["current"] and remote["rows"] == 12 and remote["run"] == result.run

    replica = PredictionStore(tmp_path / "replica.sqlite")
    assert pull(graph, replica) is not None
    assert pull(graph, replica) is None  # up to date: nothing to do
    mine, theirs = primary.current_model(), replica.current_model()
    assert mine is not None and theirs is not None
    same = ("model_version", "run", "graph_release", "release", "metrics", "synthetic", "evidence_graph")
    assert {k: theirs[k] for k in same} == {k: mine[k] for k in same}
    for d in DISEASES:
        for known in (False, True):
            assert replica.for_disease(d, 50, 0, known) == primary.for_disease(d, 50, 0, known)
    pairs = primary.pairs("m1")
    assert len(pairs) == 12 and replica.stored_evidence("m1", pairs) == primary.stored_evidence("m1", pairs)


@pytest.mark.neo4j
def test_a_new_run_replaces_the_set_and_an_incomplete_one_is_not_pulled(graph: Neo4jStore, tmp_path: Path) -> None:
    first = publish(graph, _primary(tmp_path), "m1")
    replica = PredictionStore(tmp_path / "replica.sqlite")
    pull(graph, replica)
    second = publish(graph, _primary(tmp_path, shift=0.01), "m1")  # `kg predict` again: a new run
    assert second.run != first.run
    assert (_count(graph, PREDICTED_ASSOCIATION), _count(graph, MODEL_SCORE)) == (10, 2)  # replaced, not added
    assert pull(graph, replica) is not None
    assert replica.for_disease(DISEASES[0], 1)[0][0].score == pytest.approx(0.46)

    publish(graph, _primary(tmp_path, version="m2"), "m2")  # another model: m1's set is no longer current
    sets = graph.read(lambda tx: tx.run("MATCH (s:PredictionSet) RETURN s.model_version AS v, s.current AS c").data())
    assert sorted((s["v"], s["c"]) for s in sets) == [("m1", False), ("m2", True)]
    graph.write(
        lambda tx: tx.run("MATCH ()-[r:PREDICTED_ASSOCIATION {model_version: 'm2'}]->() WITH r LIMIT 3 DELETE r")
    )
    with pytest.raises(KGError, match="9 of its 12 rows"):
        pull(graph, replica)
    current = replica.current_model()
    assert current is not None and (current["model_version"], current["run"]) == ("m1", second.run)  # kept


@pytest.mark.neo4j
def test_a_set_written_locally_after_the_last_publish_is_kept(graph: Neo4jStore, tmp_path: Path) -> None:
    publish(graph, _primary(tmp_path), "m1")
    time.sleep(1.1)  # the stores' timestamps have one-second resolution
    local = _primary(tmp_path / "other", version="local")  # `kg predict --no-neo4j`
    assert pull(graph, local) is None
    current = local.current_model()
    assert current is not None and current["model_version"] == "local"
