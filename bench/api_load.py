#!/usr/bin/env python3
"""API load benchmark: GraphQL ``candidateGenes`` and ``explain`` vs a plain FastAPI endpoint.

Starts ``kg serve`` on loopback (the running Neo4j, ``$KG_HOME/predictions.sqlite`` and the
model in ``--model``), then drives it with Debian's ``wrk`` (``--driver wrk``, the default when
installed: one C thread, ``--clients`` connections, ``--seconds`` per phase, requests from
``bench/wrk_requests.lua``, which counts non-200 answers and GraphQL ``errors``) or with the
Python driver (``--driver python``, for correctness checks; it shares the cores with the server):

1. ``candidateGenes(disease, first: 20)`` with gene symbols and per-datatype evidence, two mixes:
   *hot* — Zipf over 1,000 diseases, response cache on, measured after a pass that fills the cache
   (also printed); *cold* — a different disease per request, on a second server with the cache off
   (``KG_API__RESPONSE_CACHE=false``, and ``KG_API__EVIDENCE_CACHE_SIZE=0``: evidence from the
   prediction store each time, not from memory);
2. a plain FastAPI JSON endpoint (started by this script, same service objects, no GraphQL)
   serving the same top-20 rows with the same evidence for the same diseases — the baseline. With
   wrk the cold GraphQL and plain phases alternate ``--rounds`` times (each round its own slice of
   the cold diseases, the same for both), so both sides see the same spells of a noisy machine;
   their req/s add up the rounds, their latencies are the rounds' medians;
3. ``explain(gene, disease)`` for distinct top candidates, cache off: 1 client (latency) and
   ``--clients`` clients (throughput).

Prints requests/s, p50/p99 latency and errors per phase and the GraphQL/plain ratio.
Targets (issue 10, 2-core machine): hot ≥ 500 req/s, p99 ≤ 50 ms, 0 errors; cold ≥ 200 req/s,
p99 ≤ 250 ms; explain p99 ≤ 100 ms; GraphQL (cold) ≤ 1.5× the cost of plain.

Usage: ``python bench/api_load.py [--model runs/latest] [--clients 32] [--seconds 15] [--rounds 3] [--workers 1]``
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from kg.local_neo4j import free_port
from kg.settings import DEFAULT_RUN

CANDIDATES = """query($d: String!) { candidateGenes(disease: $d, first: 20) { ... on CandidateConnection {
  totalCount edges { node { rank score known gene { id symbol }
  evidence { ... on Evidence { overall datatypes { datatype score source } } } } } } } }"""
EXPLAIN = """query($g: String!, $d: String!) { explain(gene: $g, disease: $d, topK: 5) { ... on Explanation {
  logit paths { weight hops relations nodes { id name } } } } }"""


def plain_app() -> object:
    """The baseline: same Service, same rows and evidence, JSON without GraphQL."""
    from fastapi import FastAPI

    from api.evidence import datatype_rows, overall
    from api.service import Service
    from kg.settings import load_settings

    service = Service(load_settings(), load_model=False)
    app = FastAPI()

    @app.get("/candidates/{disease}")
    def candidates(disease: str) -> dict:
        version = service.current_predictions()["model_version"]  # type: ignore[index]
        rows, total = service.predictions.for_disease(disease, 20, 0, False, 0.0, version)
        evidence = service.evidence([(r.gene_id, r.disease_id) for r in rows])  # same cache as the API
        out = []
        for r in rows:
            scored = datatype_rows(evidence[(r.gene_id, r.disease_id)])
            out.append(
                {
                    "rank": r.rank,
                    "score": r.score,
                    "known": r.known,
                    "gene": {"id": r.gene_id, "symbol": r.symbol},
                    "evidence": {"overall": overall(scored), "datatypes": scored},
                }
            )
        return {"totalCount": total, "edges": out}

    return app


def start(command: list[str], env: dict[str, str], port: int) -> subprocess.Popen[bytes]:
    proc = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code in (200, 404):
                return proc
        except httpx.TransportError:
            time.sleep(0.3)
        if proc.poll() is not None:
            raise SystemExit(f"server exited: {proc.stderr.read().decode() if proc.stderr else ''}")
    raise SystemExit("server did not start")


async def drive(base: str, make: list, clients: int, total: int) -> dict:  # type: ignore[type-arg]
    latencies: list[float] = []
    errors = 0
    counter = iter(range(total))

    async def worker(http: httpx.AsyncClient) -> None:
        nonlocal errors
        for i in counter:
            method, path, body = make[i % len(make)]
            start = time.perf_counter()
            try:
                r = await (http.post(path, json=body) if method == "POST" else http.get(path))
                ok = r.status_code == 200 and "errors" not in r.json()
            except httpx.HTTPError:
                ok = False
            latencies.append((time.perf_counter() - start) * 1000)
            errors += not ok

    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(base_url=base, timeout=30, limits=limits) as http:
        for _, path, body in make[:20]:  # warm-up
            await (http.post(path, json=body) if body else http.get(path))
        started = time.perf_counter()
        await asyncio.gather(*(worker(http) for _ in range(clients)))
        elapsed = time.perf_counter() - started
    ordered = sorted(latencies)
    return {
        "requests": len(latencies),
        "rps": len(latencies) / elapsed,
        "p50_ms": statistics.median(ordered),
        "p99_ms": ordered[min(len(ordered) - 1, int(0.99 * (len(ordered) - 1)))],
        "errors": errors,
    }


WRK_SCRIPT = Path(__file__).with_name("wrk_requests.lua")
_UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def run_wrk(base: str, lines: list[str], clients: int, seconds: float) -> dict:  # type: ignore[type-arg]
    """Drive ``base`` with Debian's ``wrk`` (one thread, ``clients`` connections) through ``lines``."""
    with tempfile.NamedTemporaryFile("w", suffix=".txt", delete=False) as f:
        f.write("\n".join(lines) + "\n")
    try:
        out = subprocess.run(
            [
                "wrk",
                "-t1",
                f"-c{clients}",
                f"-d{seconds:g}s",
                "--latency",
                "--timeout",
                "10s",
                "-s",
                str(WRK_SCRIPT),
                base,
            ],
            env={**os.environ, "WRK_REQUESTS": f.name},
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    finally:
        os.unlink(f.name)

    def number(pattern: str) -> float:
        found = re.search(pattern, out, re.M)
        return float(found.group(1)) if found else 0.0

    def percentile(p: int) -> float:
        found = re.search(rf"^\s+{p}%\s+([\d.]+)(us|ms|s)\s*$", out, re.M)
        return float(found.group(1)) * _UNITS[found.group(2)] if found else float("nan")

    socket_errors = sum(int(x) for x in re.findall(r"(?:connect|read|write|timeout) (\d+)", out))
    return {
        "requests": int(number(r"(\d+) requests in")),
        "rps": number(r"Requests/sec:\s+([\d.]+)"),
        "p50_ms": percentile(50),
        "p99_ms": percentile(99),
        "errors": int(number(r"^errors (\d+)$")) + socket_errors,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", type=Path, default=DEFAULT_RUN)
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--seconds", type=float, default=15.0, help="Length of each wrk phase.")
    parser.add_argument("--requests", type=int, default=3000, help="Requests per phase (--driver python).")
    parser.add_argument("--driver", choices=("wrk", "python"), default="wrk" if shutil.which("wrk") else "python")
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument(
        "--rounds", type=int, default=3, help="Cold GraphQL and plain phases alternate this many times (wrk)."
    )
    parser.add_argument("--plain-server", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.plain_server:
        import uvicorn

        uvicorn.run(plain_app(), host="127.0.0.1", port=args.plain_server, log_level="warning")  # type: ignore[arg-type]
        return
    from kg.settings import load_settings

    settings = load_settings()
    db = sqlite3.connect(settings.home / "predictions.sqlite")
    version = db.execute("SELECT model_version FROM models WHERE current = 1").fetchone()[0]
    tops = db.execute(
        "SELECT disease_id, gene_id FROM predictions WHERE model_version = ? AND known = 0 AND rank = 1", (version,)
    ).fetchall()
    rng = random.Random(0)
    rng.shuffle(tops)
    # hot: Zipf (s = 1.1) over 1,000 diseases, the response cache on; cold: a different disease per request,
    # the cache off; plain: the same cold diseases; explain: distinct (top gene, disease) pairs, cache off
    hot_pool = tops[:1000]
    weights = [1 / (i + 1) ** 1.1 for i in range(len(hot_pool))]
    hot = rng.choices(hot_pool, weights, k=max(args.requests, 20_000))
    cold, pairs = tops[1000 : len(tops) // 2], tops[len(tops) // 2 :]
    env = {**os.environ, "KG_API__MODEL_DIR": str(args.model), "KG_API__WORKERS": str(args.workers)}
    gql_port, cold_port, plain_port = free_port(), free_port(), free_port()
    gql = start([sys.executable, "-m", "kg", "serve", "--port", str(gql_port)], env, gql_port)
    # cold: no response cache and no in-memory evidence cache (each server would otherwise answer the
    # diseases it has seen again, within the TTL, from memory: the faster one more often)
    cold_env = {**env, "KG_API__RESPONSE_CACHE": "false", "KG_API__EVIDENCE_CACHE_SIZE": "0"}
    cold_server = start([sys.executable, "-m", "kg", "serve", "--port", str(cold_port)], cold_env, cold_port)
    plain = start([sys.executable, __file__, "--plain-server", str(plain_port)], cold_env, plain_port)

    def body(query: str, **variables: str) -> str:
        return json.dumps({"query": query, "variables": variables}).replace("\n", " ")

    phases = {
        "candidateGenes hot (cache on)": (gql_port, [body(CANDIDATES, d=d) for d, _ in hot], args.clients),
        "candidateGenes cold (cache off)": (cold_port, [body(CANDIDATES, d=d) for d, _ in cold], args.clients),
        "plain FastAPI JSON, same rows": (plain_port, [f"/candidates/{d}" for d, _ in cold], args.clients),
        "explain, 1 client (cache off)": (cold_port, [body(EXPLAIN, g=g, d=d) for d, g in pairs], 1),
        f"explain, {args.clients} clients (cache off)": (
            cold_port,
            [body(EXPLAIN, g=g, d=d) for d, g in pairs[::-1]],
            args.clients,
        ),
    }
    results: dict[str, dict] = {}  # type: ignore[type-arg]
    try:
        # warm-ups, not measured: the first explanations load the model's encodings; the hot mix is
        # measured once every disease of its pool is cached (the filling pass is printed)
        distinct = list(dict.fromkeys(d for d, _ in hot))
        fill = [("POST", "/graphql", {"query": CANDIDATES, "variables": {"d": d}}) for d in distinct]
        results["candidateGenes hot, filling the cache"] = asyncio.run(
            drive(f"http://127.0.0.1:{gql_port}", fill, args.clients, len(fill))
        )
        warm = [("POST", "/graphql", {"query": EXPLAIN, "variables": {"g": g, "d": d}}) for d, g in cold[:20]]
        asyncio.run(drive(f"http://127.0.0.1:{cold_port}", warm, 4, len(warm)))
        paired = ("candidateGenes cold (cache off)", "plain FastAPI JSON, same rows")
        for name, (port, lines, clients) in phases.items():
            base = f"http://127.0.0.1:{port}"
            if args.driver == "wrk" and name == paired[0]:  # the ratio's two sides, alternated (noisy machine)
                rounds: dict[str, list[dict]] = {n: [] for n in paired}  # type: ignore[type-arg]
                for r in range(args.rounds):  # each round its own diseases, the same for both sides
                    for side in paired:
                        side_port, side_lines, _ = phases[side]
                        rounds[side].append(
                            run_wrk(
                                f"http://127.0.0.1:{side_port}", side_lines[r :: args.rounds], clients, args.seconds
                            )
                        )
                for side, runs in rounds.items():
                    results[side] = {
                        "requests": sum(x["requests"] for x in runs),
                        "rps": sum(x["requests"] for x in runs) / (args.seconds * len(runs)),
                        "p50_ms": statistics.median(x["p50_ms"] for x in runs),
                        "p99_ms": statistics.median(x["p99_ms"] for x in runs),
                        "errors": sum(x["errors"] for x in runs),
                    }
            elif name == paired[1] and name in results:
                continue
            elif args.driver == "wrk":
                results[name] = run_wrk(base, lines, clients, args.seconds)
            else:
                make = [("GET", x, None) if x.startswith("/") else ("POST", "/graphql", json.loads(x)) for x in lines]
                results[name] = asyncio.run(drive(base, make, clients, min(args.requests, len(make))))
    finally:
        for proc in (gql, cold_server, plain):
            proc.terminate()
            proc.wait(timeout=20)
    print(
        f"{args.driver}, {args.clients} clients, model {version}, {os.cpu_count()} CPUs, {args.workers} API worker(s)"
    )
    print(f"{'phase':<40} {'requests':>8} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'errors':>7}")
    for name, r in results.items():
        print(
            f"{name:<40} {r['requests']:>8} {r['rps']:>8.0f} {r['p50_ms']:>8.1f} {r['p99_ms']:>8.1f} {r['errors']:>7}"
        )
    g, p = results["candidateGenes cold (cache off)"], results["plain FastAPI JSON, same rows"]
    alternated = f", {args.rounds} alternated rounds of {args.seconds:g} s" if args.driver == "wrk" else ""
    print(
        f"GraphQL (cold, caches off) vs plain, same rows{alternated}: {p['rps'] / g['rps']:.2f}x the cost "
        "in throughput, "
        f"{g['p50_ms'] / p['p50_ms']:.2f}x p50 latency"
    )
    h = results["candidateGenes hot (cache on)"]
    print(f"hot (cache on) vs cold (cache off): {h['rps'] / g['rps']:.2f}x throughput")


if __name__ == "__main__":
    main()
