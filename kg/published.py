"""Prediction sets published in Neo4j, so that every API replica serves the same predictions.

``kg predict`` writes the local prediction store (:mod:`kg.predictions`) and then publishes the
set into the graph, the one store all replicas share:

* new candidates: ``(:Gene)-[:PREDICTED_ASSOCIATION]->(:Disease)``;
* the model's scores of the already known genes: ``(:Gene)-[:MODEL_SCORE]->(:Disease)``;
* both with ``score, logit, rank, percentile, symbol, synthetic, via, evidence`` (JSON text, as
  stored at ``kg predict``) and the provenance ``source: "kg-model", source_version,
  model_version, release, run``;
* one ``(:PredictionSet {model_version, run, current, rows, …})`` node per model version.

A set becomes current in one transaction after all its edges exist, and a version's older runs
are deleted only after that, so a reader sees a whole set. An API replica whose local store does
not hold the current set pulls it (:func:`pull`) into its own SQLite file, which then keeps
answering when Neo4j is down.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from neo4j import ManagedTransaction

from kg.errors import KGError
from kg.graph_writes import group_by_start
from kg.predictions import Prediction, PredictionStore
from kg.store import Neo4jStore, batched

#: Relationship type of new candidates (not part of the loaded schema: no source owns it).
PREDICTED_ASSOCIATION = "PREDICTED_ASSOCIATION"
#: Relationship type of the model's scores of already known gene–disease links.
MODEL_SCORE = "MODEL_SCORE"
#: Label of a published prediction set.
PREDICTION_SET = "PredictionSet"
#: ``source`` of every published edge (its ``source_version`` is the model version).
MODEL_SOURCE = "kg-model"

_TYPES = {False: PREDICTED_ASSOCIATION, True: MODEL_SCORE}
_EDGE_KEYS = ("score", "logit", "rank", "percentile", "symbol", "synthetic", "via", "evidence")
_SET_KEYS = ("graph_release", "release", "trained_at", "metrics", "synthetic", "evidence_graph", "written_at")


@dataclass(frozen=True)
class Published:
    """What :func:`publish` wrote."""

    model_version: str
    run: str
    new: int  # PREDICTED_ASSOCIATION edges
    known: int  # MODEL_SCORE edges


def ensure_indexes(store: Neo4jStore) -> None:
    """The indexes publishing and pulling use (idempotent)."""

    def work(tx: ManagedTransaction) -> None:
        tx.run(
            f"CREATE CONSTRAINT prediction_set_version IF NOT EXISTS FOR (s:{PREDICTION_SET}) "
            "REQUIRE s.model_version IS UNIQUE"
        ).consume()

    store.write(work)
    for rel in _TYPES.values():

        def index(tx: ManagedTransaction, r: str = rel) -> None:
            tx.run(f"CREATE INDEX {r.lower()}_run IF NOT EXISTS FOR ()-[x:{r}]-() ON (x.run)").consume()

        store.write(index)


def publish(store: Neo4jStore, predictions: PredictionStore, version: str) -> Published:
    """Copy ``version``'s stored set (rows and evidence) into Neo4j and make it the current set."""
    model = predictions.model(version)
    if model is None:
        raise KGError(f"model {version} has no predictions in {predictions.path} (run `kg predict`)")
    run = str(model["run"])
    ensure_indexes(store)
    _delete(store, version, run, same_run=True)  # left by an interrupted publish of this very run
    counts = {False: 0, True: 0}
    for batch in batched(predictions.with_evidence(version), 10_000):
        for known, rel in _TYPES.items():
            rows = [_edge_row(p, evidence) for p, evidence in batch if p.known == known]
            if rows:
                counts[known] += store.write(_create, rel, group_by_start(rows), version, str(model["release"]), run)
    props = {k: model.get(k) for k in _SET_KEYS}
    props["metrics"] = json.dumps(model.get("metrics") or {}, sort_keys=True)
    props.update(rows=counts[False] + counts[True], published_at=datetime.now(UTC).isoformat(timespec="seconds"))

    def make_current(tx: ManagedTransaction) -> None:
        tx.run(f"MATCH (s:{PREDICTION_SET}) WHERE s.model_version <> $version SET s.current = false", version=version)
        tx.run(
            f"MERGE (s:{PREDICTION_SET} {{model_version: $version}}) SET s += $props, s.run = $run, s.current = true",
            version=version,
            props=props,
            run=run,
        )

    store.write(make_current)
    _delete(store, version, run, same_run=False)  # the version's earlier runs, now that nobody is sent to them
    return Published(version, run, counts[False], counts[True])


def _delete(store: Neo4jStore, version: str, run: str, same_run: bool) -> None:
    """Delete ``version``'s edges of ``run`` (``same_run``) or of every other run, in batches."""
    test = "=" if same_run else "<>"
    for rel in _TYPES.values():

        def work(tx: ManagedTransaction, r: str = rel) -> int:
            record = tx.run(
                f"MATCH ()-[x:{r}]->() WHERE x.model_version = $version AND x.run {test} $run "
                "WITH x LIMIT 10000 DELETE x RETURN count(*) AS n",
                version=version,
                run=run,
            ).single()
            return int(record["n"]) if record else 0

        while store.write(work) > 0:
            pass


def _edge_row(p: Prediction, evidence: str | None) -> dict[str, Any]:
    values = (p.score, p.logit, p.rank, p.percentile, p.symbol, p.synthetic, p.via, evidence)
    return {"start": p.gene_id, "end": p.disease_id, "props": dict(zip(_EDGE_KEYS, values, strict=True))}


def _create(
    tx: ManagedTransaction, rel: str, groups: list[dict[str, Any]], version: str, release: str, run: str
) -> int:
    query = (
        "UNWIND $groups AS g MATCH (a:Gene {id: g.start}) UNWIND g.rels AS row MATCH (b:Disease {id: row.end}) "
        f"CREATE (a)-[r:{rel}]->(b) SET r = row.props, r.model_version = $version, r.source_version = $version, "
        "r.source = $source, r.release = $release, r.run = $run RETURN count(r) AS n"
    )
    record = tx.run(query, groups=groups, version=version, release=release, run=run, source=MODEL_SOURCE).single()
    return int(record["n"]) if record else 0


def current_set(store: Neo4jStore) -> dict[str, Any] | None:
    """The current published set's properties, or ``None`` when none was published."""

    def work(tx: ManagedTransaction) -> dict[str, Any] | None:
        record = tx.run(
            f"MATCH (s:{PREDICTION_SET} {{current: true}}) RETURN s ORDER BY s.published_at DESC LIMIT 1"
        ).single()
        return dict(record["s"]) if record else None

    return store.read(work)


def pull(store: Neo4jStore, predictions: PredictionStore) -> dict[str, Any] | None:
    """Copy the current published set into ``predictions`` unless it holds it already.

    Returns the set's properties when it was copied, ``None`` when there was nothing to do: no
    published set, the local store holds it already, or the local set was written after it.
    Raises :class:`KGError` when the set in Neo4j is incomplete (a re-publish deleting its run):
    the local store is left as it was, and the next pull tries again.
    """
    remote = current_set(store)
    if remote is None:
        return None
    local = predictions.current_model() or {}
    if (local.get("model_version"), local.get("run")) == (remote["model_version"], remote["run"]):
        return None
    if str(local.get("written_at") or "") > str(remote.get("published_at") or ""):
        return None  # this store's set is newer (`kg predict --no-neo4j` after the last publish)
    rows, evidence = _read_set(store, remote["model_version"], remote["run"])
    if len(rows) != remote["rows"]:
        raise KGError(
            f"published prediction set {remote['model_version']} (run {remote['run']}) has {len(rows)} of its "
            f"{remote['rows']} rows in Neo4j; kept the local set"
        )
    info = {k: remote.get(k) for k in _SET_KEYS} | {"model_version": remote["model_version"], "run": remote["run"]}
    info["metrics"] = json.loads(remote.get("metrics") or "{}")
    graph = json.loads(remote["evidence_graph"]) if remote.get("evidence_graph") else None
    predictions.replace(info, rows, evidence if graph is not None else (), graph)
    return remote


def _read_set(store: Neo4jStore, version: str, run: str) -> tuple[list[Prediction], list[tuple[str, str, str]]]:
    def work(tx: ManagedTransaction) -> tuple[list[Prediction], list[tuple[str, str, str]]]:
        rows: list[Prediction] = []
        evidence: list[tuple[str, str, str]] = []
        for known, rel in _TYPES.items():
            result = tx.run(  # one record per disease: a fraction of the driver's per-record cost
                f"MATCH (g:Gene)-[r:{rel}]->(d:Disease) WHERE r.run = $run AND r.model_version = $version "
                "WITH d, collect([g.id, r.symbol, r.score, r.logit, r.rank, r.synthetic, r.percentile, r.via, "
                "r.evidence]) AS rows RETURN d.id AS disease, rows",
                run=run,
                version=version,
            )
            for record in result:
                disease = record["disease"]
                for gene, symbol, score, logit, rank, synthetic, percentile, via, found in record["rows"]:
                    rows.append(
                        Prediction(disease, gene, symbol, score, logit, rank, known, bool(synthetic), percentile, via)
                    )
                    if found is not None:
                        evidence.append((gene, disease, found))
        return rows, evidence

    return store.read(work)


def versions(store: Neo4jStore) -> dict[str, int]:
    """``PREDICTED_ASSOCIATION`` edges in the graph per model version."""

    def work(tx: ManagedTransaction) -> dict[str, int]:
        query = f"MATCH ()-[r:{PREDICTED_ASSOCIATION}]->() RETURN r.model_version AS version, count(r) AS n"
        return {str(r["version"]): int(r["n"]) for r in tx.run(query)}

    return store.read(work)
