#!/usr/bin/env python3
"""Neo4j outage drill: kill -9 the local Neo4j under API load, start it again, and report.

Starts ``kg serve`` (the response cache on, as deployed) against the running local Neo4j of
``$KG_HOME`` (``kg neo4j start``), drives it with ``--clients`` Python clients sending the hot
mix (Zipf over 1,000 diseases) of ``candidateGenes(first: 20)`` with evidence and each gene's
name, plus the disease's known genes — those need the graph (evidence is also kept in memory for
``KG_API__EVIDENCE_TTL_S``, so cached evidence keeps coming while Neo4j is down) — and then:

1. ``--steady`` seconds of normal load;
2. ``kill -9`` of the Neo4j JVM, ``--down`` seconds without it;
3. ``kg neo4j start`` (timed) and load until every answer is whole again, then ``--steady`` more.

Prints, per phase: requests, 5xx, other non-200, answers with candidates (predictions come from
the prediction store, so they must keep coming), answers whose graph fields were the typed
``Unavailable`` (``GRAPH_UNAVAILABLE``), and latency p50/p99; then the recovery time: from Neo4j
answering again to the first of an unbroken run of whole answers. Targets (issue 11): no 5xx;
predictions answered throughout; graph fields ``Unavailable`` while down; recovery ≤ 5 s.

Usage: ``KG_HOME=.kg python bench/neo4j_outage.py [--model runs/latest] [--clients 16]``
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import signal
import sqlite3
import statistics
import subprocess
import sys
import time
from pathlib import Path

import httpx

from kg.settings import DEFAULT_RUN

sys.path.insert(0, str(Path(__file__).parent))
from api_load import free_port, start  # noqa: E402 - the same server start-up as the load benchmark

QUERY = """query($d: String!) { candidateGenes(disease: $d, first: 20) { ... on CandidateConnection {
  edges { node { rank gene { symbol name } evidence { ... on Evidence { overall } ... on Unavailable { code } } } } } }
  disease(id: $d) { ... on Unavailable { code } ... on Disease {
    name knownGenes { __typename ... on KnownGenes { items { symbol } } } } } }"""
WHOLE_RUN = 20  # answers in a row without GRAPH_UNAVAILABLE that count as recovered


async def load(base: str, diseases: list[str], clients: int, log: list[tuple[float, int, bool, bool, float]]) -> None:
    """Send requests until cancelled; log (time, status, has candidates, graph unavailable, latency)."""
    rng = random.Random(1)
    weights = [1 / (i + 1) ** 1.1 for i in range(len(diseases))]

    async def client(http: httpx.AsyncClient) -> None:
        while True:
            d = rng.choices(diseases, weights)[0]
            t0 = time.monotonic()
            try:
                r = await http.post("/graphql", json={"query": QUERY, "variables": {"d": d}})
                status, text = r.status_code, r.text
            except httpx.HTTPError:
                status, text = 599, ""  # no HTTP answer at all counts as a server error
            done = time.monotonic()
            log.append((done, status, '"edges":[{' in text, "GRAPH_UNAVAILABLE" in text, done - t0))

    async with httpx.AsyncClient(base_url=base, timeout=30) as http:
        await asyncio.gather(*(client(http) for _ in range(clients)))


def summary(name: str, rows: list[tuple[float, int, bool, bool, float]]) -> str:
    if not rows:
        return f"{name:28s} {0:8d}"
    lat = sorted(r[4] for r in rows)
    p99 = lat[min(len(lat) - 1, int(0.99 * len(lat)))]
    server_errors = sum(r[1] >= 500 for r in rows)
    other = sum(r[1] != 200 and r[1] < 500 for r in rows)
    return (
        f"{name:28s} {len(rows):8d} {server_errors:5d} {other:6d} "
        f"{sum(r[2] for r in rows) / len(rows):11.1%} {sum(r[3] for r in rows) / len(rows):12.1%} "
        f"{statistics.median(lat) * 1000:7.1f} {p99 * 1000:7.1f}"
    )


async def drill(args: argparse.Namespace, base: str, diseases: list[str], home: Path) -> None:
    log: list[tuple[float, int, bool, bool, float]] = []
    task = asyncio.create_task(load(base, diseases, args.clients, log))
    marks: dict[str, float] = {"start": time.monotonic()}
    await asyncio.sleep(args.steady)
    pid = int((home / "neo4j" / "neo4j.pid").read_text())
    marks["kill"] = time.monotonic()
    os.kill(pid, signal.SIGKILL)
    await asyncio.sleep(args.down)
    marks["restart"] = time.monotonic()
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "kg", "neo4j", "start", stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    _, err = await proc.communicate()
    if proc.returncode != 0:
        task.cancel()
        raise SystemExit(f"kg neo4j start failed: {err.decode()[-2000:]}")
    marks["up"] = time.monotonic()
    deadline = marks["up"] + 120
    while time.monotonic() < deadline:  # recovered: WHOLE_RUN whole answers in a row after Neo4j is up
        await asyncio.sleep(0.2)
        after = [r for r in log if r[0] > marks["up"]]
        run = 0
        for r in after:
            run = run + 1 if r[1] == 200 and not r[3] else 0
            if run == WHOLE_RUN:
                break
        if run >= WHOLE_RUN:
            marks["recovered"] = next(
                after[i - WHOLE_RUN + 1][0]
                for i in range(WHOLE_RUN - 1, len(after))
                if all(x[1] == 200 and not x[3] for x in after[i - WHOLE_RUN + 1 : i + 1])
            )
            break
    await asyncio.sleep(args.steady)
    marks["end"] = time.monotonic()
    task.cancel()
    phases = {
        "before (Neo4j up)": (marks["start"], marks["kill"]),
        "Neo4j killed": (marks["kill"], marks["restart"]),
        "restarting": (marks["restart"], marks["up"]),
        "Neo4j back": (marks["up"], marks["end"]),
    }
    print(
        f"{'phase':28s} {'requests':>8s} {'5xx':>5s} {'other':>6s} {'candidates':>11s} {'graph unavail':>12s} "
        f"{'p50 ms':>7s} {'p99 ms':>7s}"
    )
    for name, (a, b) in phases.items():
        print(summary(name, [r for r in log if a < r[0] <= b]))
    print(summary("all", log))
    print(f"kg neo4j start took {marks['up'] - marks['restart']:.1f} s")
    errors = sum(r[1] >= 500 for r in log)
    # requests *sent* while Neo4j was down (from 1 s after the kill): one sent before it may be
    # answered whole afterwards, its reads done in time (p99 latency exceeds that second)
    down = [r for r in log if marks["kill"] + 1 < r[0] - r[4] and r[0] <= marks["restart"]]
    served = all(r[2] for r in down) and bool(down)
    typed = bool(down) and all(r[3] for r in down)
    print(f"no 5xx: {'yes' if errors == 0 else 'no'} ({errors})")
    print(f"predictions answered while Neo4j was down: {'yes' if served else 'no'} ({len(down)} answers)")
    print(f"graph fields the typed Unavailable while down: {'yes' if typed else 'no'}")
    if "recovered" in marks:
        seconds = marks["recovered"] - marks["up"]
        print(f"recovery after Neo4j answered: {seconds:.2f} s (target ≤ 5 s: {'met' if seconds <= 5 else 'not met'})")
    else:
        print("recovery: not within 120 s (not met)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", default=str(DEFAULT_RUN))
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--steady", type=float, default=10.0)
    parser.add_argument("--down", type=float, default=10.0)
    args = parser.parse_args()
    from kg.settings import load_settings

    settings = load_settings()
    home = settings.home
    db = sqlite3.connect(home / "predictions.sqlite")
    version = db.execute("SELECT model_version FROM models WHERE current = 1").fetchone()[0]
    diseases = [
        d
        for (d,) in db.execute(
            "SELECT disease_id FROM predictions WHERE model_version = ? AND known = 0 AND rank = 1 LIMIT 1000",
            (version,),
        )
    ]
    port = free_port()
    env = {**os.environ, "KG_API__MODEL_DIR": str(args.model)}
    server = start([sys.executable, "-m", "kg", "serve", "--port", str(port)], env, port)
    try:
        asyncio.run(drill(args, f"http://127.0.0.1:{port}", diseases, home))
    finally:
        server.terminate()
        server.wait(timeout=30)


if __name__ == "__main__":
    main()
