#!/usr/bin/env python3
"""Shared predictions drill: publish the current set into Neo4j, start API replicas that only
share Neo4j, and check that they serve the same answers and follow a re-publish.

Uses the running local Neo4j and the prediction store of ``$KG_HOME`` (``kg predict`` ran).

1. Publishes the store's current set (``kg predict`` does this after scoring): edges written, time.
2. Pulls it into an empty SQLite file, timed, against the baseline of a plain SQLite copy of the
   same store (``sqlite3`` backup) measured in the same run.
3. Starts ``--replicas`` ``kg serve`` processes, each with an empty ``KG_PREDICTIONS_FILE``
   (nothing shared but Neo4j), and reports the time until each answers ``/readyz``.
4. Sends the same ``candidateGenes`` query for ``--diseases`` diseases to every replica: the
   answers must be identical, and their genes those of the publishing store.
5. Publishes again (a new run, as a second ``kg predict`` would) and reports how long each
   replica takes to serve it (``KG_API__PREDICTIONS_SYNC_S`` = ``--sync-s``).

Usage: ``KG_HOME=.kg python bench/replicas.py [--replicas 2] [--diseases 50]``
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).parent))
from api_load import free_port, start  # noqa: E402 - the same server start-up as the load benchmark

from kg.predictions import PredictionStore  # noqa: E402
from kg.published import publish, pull  # noqa: E402
from kg.settings import load_settings  # noqa: E402
from kg.store import Neo4jStore  # noqa: E402

QUERY = """query($d: String!) { candidateGenes(disease: $d, first: 20) { ... on CandidateConnection {
  totalCount edges { node { rank score percentile gene { id } evidence { ... on Evidence { overall } } } } } } }"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--replicas", type=int, default=2)
    parser.add_argument("--diseases", type=int, default=50)
    parser.add_argument("--sync-s", type=float, default=2.0)
    args = parser.parse_args()
    settings = load_settings()
    primary = PredictionStore(settings.prediction_store)
    current = primary.current_model()
    if current is None:
        raise SystemExit(f"no predictions in {settings.prediction_store}: run `kg predict` first")
    version = current["model_version"]
    tmp = Path(tempfile.mkdtemp(prefix="kg-replicas-"))
    with Neo4jStore.from_settings(settings) as store:
        started = time.perf_counter()
        published = publish(store, primary, version)
        publish_s = time.perf_counter() - started
        rows = published.new + published.known
        print(f"publish      {rows:,} rows ({published.new:,} new, {published.known:,} known) in {publish_s:.1f} s")

        started = time.perf_counter()
        with sqlite3.connect(settings.prediction_store) as src, sqlite3.connect(tmp / "copy.sqlite") as dst:
            src.backup(dst)
        copy_s = time.perf_counter() - started
        started = time.perf_counter()
        pull(store, PredictionStore(tmp / "pulled.sqlite"))
        pull_s = time.perf_counter() - started
        print(
            f"pull         {pull_s:.1f} s  (baseline: SQLite copy of the whole store {copy_s:.1f} s; "
            f"ratio {pull_s / copy_s:.1f}x)"
        )

    every = sorted({d for _, d in primary.pairs(version)})
    diseases = every[:: max(1, len(every) // args.diseases)][: args.diseases]
    servers, ports = [], []
    try:
        for i in range(args.replicas):
            port = free_port()
            env = {
                **os.environ,
                "KG_PREDICTIONS_FILE": str(tmp / f"replica{i}.sqlite"),
                "KG_API__PREDICTIONS_SYNC_S": str(args.sync_s),
                "KG_WORKER": "0",
            }
            started = time.perf_counter()
            servers.append(start([sys.executable, "-m", "kg", "serve", "--port", str(port)], env, port))
            ports.append(port)
            while httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=30).status_code != 200:
                time.sleep(0.5)
            print(f"replica {i}    ready in {time.perf_counter() - started:.1f} s (pulled the set at start-up)")
        identical = same_genes = 0
        for d in diseases:
            answers = [
                httpx.post(
                    f"http://127.0.0.1:{p}/graphql", json={"query": QUERY, "variables": {"d": d}}, timeout=30
                ).json()
                for p in ports
            ]
            identical += all(a == answers[0] for a in answers)
            served = [e["node"]["gene"]["id"] for e in answers[0]["data"]["candidateGenes"]["edges"]]
            same_genes += served == [p.gene_id for p in primary.for_disease(d, 20)[0]]
        print(
            f"answers      {identical}/{len(diseases)} identical across replicas; "
            f"{same_genes}/{len(diseases)} list the publishing store's genes"
        )

        primary.replace({**primary.model(version), "run": None}, *_rows(primary, version))  # type: ignore[dict-item]
        with Neo4jStore.from_settings(settings) as store:
            started = time.perf_counter()
            again = publish(store, primary, version)
            done = time.perf_counter() - started
        waits = []
        for i in range(args.replicas):
            while (PredictionStore(tmp / f"replica{i}.sqlite").current_model() or {}).get("run") != again.run:
                time.sleep(0.1)
            waits.append(time.perf_counter() - started)
        print(
            f"re-publish   {done:.1f} s; replicas serve the new run {', '.join(f'{w:.1f}' for w in waits)} s "
            f"after it started (sync every {args.sync_s:g} s)"
        )
    finally:
        for server in servers:
            server.terminate()
            server.wait(timeout=30)


def _rows(store: PredictionStore, version: str) -> tuple[list, list, dict]:  # type: ignore[type-arg]
    """The version's rows, evidence and evidence graph as stored (to write them again as a new run)."""
    rows, evidence = [], []
    for p, js in store.with_evidence(version):
        rows.append(p)
        if js is not None:
            evidence.append((p.gene_id, p.disease_id, js))
    graph = json.loads((store.model(version) or {}).get("evidence_graph") or "null")
    return rows, evidence, graph


if __name__ == "__main__":
    main()
