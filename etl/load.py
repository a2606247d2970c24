"""Loading a release into Neo4j, one source at a time, idempotently."""

from __future__ import annotations

import shutil
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from etl.pipeline import Advance, StartTask, no_progress, settings_fingerprint
from etl.release import SourceResult, source_fingerprint
from kg import local_neo4j
from kg.bulk import ImportFiles, import_full, merge_nodes, write_import_files, write_source_records
from kg.errors import KGError
from kg.local_neo4j import ServerConfig
from kg.schema import NodeLabel, RelType
from kg.settings import EtlSettings
from kg.store import Neo4jStore, batched


class LoadError(KGError):
    """Rows did not reach the database as expected."""


def load_results(
    store: Neo4jStore,
    rid: str,
    results: list[SourceResult],
    settings: EtlSettings,
    force: bool = False,
    start: StartTask = no_progress,
) -> dict[str, str]:
    """Load every source whose data changed since its last complete load.

    Each source is marked ``loading`` before and ``loaded`` after; a source whose previous
    load completed with the same fingerprint is left alone (its edges keep their release).
    After a source's edges are merged, its edges from other releases are deleted, so a new
    version of one source replaces that source's edges only.

    Returns:
        ``{source: "loaded" | "unchanged"}``.
    """
    store.ensure_schema()
    previous = {row["source"]: row for row in store.source_loads()}
    fp_settings = settings_fingerprint(settings)
    outcome: dict[str, str] = {}
    for r in results:
        fingerprint = source_fingerprint(r, fp_settings)
        prev = previous.get(r.name)
        if not force and prev and prev.get("state") == "loaded" and prev.get("fingerprint") == fingerprint:
            outcome[r.name] = "unchanged"
            continue
        store.mark_source(r.name, "loading", {"release": rid, "version": r.version, "fingerprint": ""})
        for label, rows in r.nodes.items():
            _load_nodes(store, label, rows, settings.batch_size, start(f"{r.name}: {label.value} nodes", len(rows)))
        for rel, rows in r.edges.items():
            fresh = store.count_source_edges(rel, r.name) == 0
            advance = start(f"{r.name}: {rel.value}", len(rows))
            write_edges(store, rel, rows, settings.batch_size, settings.load_workers, fresh, advance)
        deleted = store.delete_stale_edges(r.name, rid)
        store.mark_source(
            r.name,
            "loaded",
            {
                "release": rid,
                "version": r.version,
                "fingerprint": fingerprint,
                "synthetic": r.synthetic,
                "counts": r.counts(),
                "stale_deleted": deleted,
            },
        )
        outcome[r.name] = "loaded"
    return outcome


def _load_nodes(store: Neo4jStore, label: NodeLabel, rows: list[dict], size: int, advance: Advance) -> None:
    for chunk in batched(rows, size):
        store.merge_nodes(label, chunk)
        advance(len(chunk))


def write_edges(
    store: Neo4jStore,
    rel: RelType,
    rows: list[dict],
    size: int,
    workers: int,
    fresh: bool,
    advance: Advance = lambda n: None,
) -> int:
    """Write edges in batches, ``workers`` transactions at a time.

    Rows are sorted by start node so that concurrent batches rarely lock the same nodes
    (a deadlock is a transient error the driver retries). ``fresh`` (no edge of this type
    and source exists yet) uses CREATE; otherwise MERGE on the key keeps re-runs idempotent.

    Raises:
        LoadError: if some rows' endpoints were missing.
    """
    ordered = sorted(rows, key=lambda row: row["start"])

    def one(chunk: list[dict]) -> int:
        written = store.merge_edges(rel, chunk, create=fresh)
        if written != len(chunk):
            raise LoadError(f"{rel.value}: {len(chunk) - written} of {len(chunk)} rows had no endpoint nodes")
        advance(len(chunk))
        return written

    if workers <= 1:
        return sum(one(chunk) for chunk in batched(ordered, size))
    with ThreadPoolExecutor(workers) as pool:
        return sum(pool.map(one, batched(ordered, size)))


def source_records(rid: str, results: list[SourceResult], settings: EtlSettings) -> list[tuple[str, dict[str, Any]]]:
    """What a bulk import records per source (as :func:`load_results` records a completed load)."""
    fp_settings = settings_fingerprint(settings)
    return [
        (
            r.name,
            {
                "release": rid,
                "version": r.version,
                "fingerprint": source_fingerprint(r, fp_settings),
                "synthetic": r.synthetic,
                "counts": r.counts(),
                "stale_deleted": 0,
                "bulk": True,
            },
        )
        for r in results
    ]


def write_release_files(rid: str, results: list[SourceResult], settings: EtlSettings, folder: Path) -> ImportFiles:
    """The release as the import tool's files in ``folder``: nodes, relationships and each source's bookkeeping."""
    nodes = merge_nodes((label, rows) for r in results for label, rows in r.nodes.items())
    files = write_import_files(nodes, [(rel, rows) for r in results for rel, rows in r.edges.items()], folder)
    write_source_records(source_records(rid, results, settings), files)
    return files


def bulk_load_results(
    store: Neo4jStore,
    server: ServerConfig,
    rid: str,
    results: list[SourceResult],
    settings: EtlSettings,
    workdir: Path,
    start: StartTask = no_progress,
) -> dict[str, Any]:
    """First load of a release into an *empty* database with the import tool (:mod:`kg.bulk`).

    The local server (``server``) is stopped, ``neo4j-admin database import full`` writes the
    store, the server is started again, then the constraints and indexes are created and each
    source is recorded as loaded, as :func:`load_results` records it. The graph is the one a
    transactional load gives. A database that holds anything is refused: it keeps the
    transactional, per-source path.

    Returns:
        ``{"sources": {source: "loaded"}, "nodes", "relationships", "import_s", "total_s"}`` and the
        other steps' seconds (``files_s``, ``start_s``, ``schema_s``).
    """
    began = time.monotonic()
    if local_neo4j.read_pid(server) is None:
        raise LoadError(
            f"--bulk imports through the local runner's files, and no local server runs in {server.home} "
            "(`kg neo4j start`); for the neo4j image see the bulk-import steps in docker-compose.yml"
        )
    if store.has_nodes():
        raise LoadError("--bulk needs an empty database (this one holds nodes): load without --bulk")
    advance = start("writing import files", sum(len(r) for res in results for r in res.edges.values()))
    folder = workdir / f"import-{rid}"
    steps: dict[str, float] = {}
    try:
        files = write_release_files(rid, results, settings, folder)
        advance(files.relationship_count)
        steps["files_s"] = time.monotonic() - began
        local_neo4j.stop(server)
        try:
            seconds = import_full(server, files)
        finally:
            mark = time.monotonic()
            local_neo4j.start(server)
            steps["start_s"] = time.monotonic() - mark
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    mark = time.monotonic()
    store.ensure_schema()  # the sources' bookkeeping came with the import
    steps["schema_s"] = time.monotonic() - mark
    return {
        "sources": {r.name: "loaded" for r in results},
        "nodes": files.node_count,
        "relationships": files.relationship_count,
        "import_s": seconds,
        "total_s": time.monotonic() - began,
        **steps,
    }
