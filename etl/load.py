"""Loading a release into Neo4j, one source at a time, idempotently."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from etl.pipeline import Advance, StartTask, no_progress, settings_fingerprint
from etl.release import SourceResult, source_fingerprint
from kg.errors import KGError
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
