"""Versioned bulk downloads: the graph's nodes and associations and the served predictions, as files.

``publish`` writes one folder per (graph release, model version) under ``<home>/downloads``::

    <release>-<model>/
      manifest.json                    SHA-256, rows, columns of every file; sources, versions, licences
      README.md                        every column of every table
      nodes/<Label>.parquet|.tsv.gz    id, name, cross-references (SAME_AS), the node's properties
      associations/<TYPE>.parquet|.tsv.gz   subject, object, provenance (source, version, release,
                                       synthetic, licence) and the edge's properties
      predictions.parquet|.tsv.gz      every served prediction (new candidates and known genes)
      prediction_evidence.parquet|.tsv.gz   the graph facts stored with each prediction

The folder is written beside its final name and renamed at the end, so a reader never sees half a
release. :func:`read_table` checks a file's SHA-256 against the manifest before it returns it.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import shutil
import sqlite3
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import closing
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
from neo4j import ManagedTransaction

from kg.checksums import sha256_of
from kg.errors import KGError
from kg.predictions import SHARE_KINDS
from kg.schema import ENDPOINTS, NodeLabel, RelType
from kg.store import Neo4jStore

MANIFEST = "manifest.json"
PAGE = 20_000  # start nodes per read
#: Columns every association file starts with; the edge's own properties follow.
ASSOCIATION_COLUMNS = {
    "subject_id": "the relationship's start node (`id`)",
    "subject_label": "its label (Gene, Disease, Phenotype, Tissue, GOTerm)",
    "object_id": "the relationship's end node (`id`)",
    "object_label": "its label",
    "source": "the ETL source that loaded the edge (`kg etl sources`)",
    "source_version": "that source's data version, read from its files",
    "release": "the ETL release (graph build) the edge was last loaded in",
    "synthetic": "true when the edge comes from a shipped synthetic sample file (never real data)",
    "licence": "the licence of the edge's source; it travels with every row",
}
NODE_COLUMNS = {
    "id": "the node's CURIE (NCBIGene:…, OMIM:…, ORPHA:…, MONDO:…, HP:…, UBERON:…, GO:…)",
    "name": "its name or symbol",
    "same_as": "cross-references: ids of the nodes it is SAME_AS, `|`-separated",
}
PREDICTION_COLUMNS = {
    "model_version": "the served model",
    "disease_id": "the disease",
    "gene_id": "the gene (NCBIGene)",
    "symbol": "its HGNC symbol",
    "score": "the served probability: softmax over all genes of the network's score for this disease",
    "logit": "τ · log(score before the softmax): the ranking value",
    "rank": "a new candidate's rank among new candidates; a known gene's rank among all genes",
    "known": "true when the gene is already linked to the disease (or an equivalent)",
    "percentile": "share of all genes scored lower for this disease, in %",
    "via": "for a disease scored through its hereditary forms: the member disease that gave the score",
    "synthetic": "true when the model saw edges from synthetic sample files",
    "share_similar_disease": "share of the score carried by paths through similar known diseases (the shares sum to 1)",
    "share_partner": "share carried by interaction partners of those diseases' genes",
    "share_go_term": "share carried by GO terms shared with those diseases' genes",
    "share_baseline": "share of the baseline every gene gets (what no path explains)",
}
EVIDENCE_COLUMNS = {
    "model_version": "the served model",
    "disease_id": "the disease",
    "gene_id": "the gene",
    "type": "the relationship the fact is (EXPRESSED_IN, MUTATED_IN, ANNOTATED_WITH, …)",
    "target_kind": "what the fact points at (tissue, cohort, term, …)",
    "target": "its id or name",
    "via": "the member disease the fact belongs to, when the prediction came through one",
    "properties": "the relationship's properties, as JSON",
}


class DownloadError(KGError):
    """A release could not be published, or a published file does not match its manifest."""


@dataclass(frozen=True)
class Published:
    """A written release: its folder and its manifest."""

    folder: Path
    manifest: dict[str, Any]


def publish(
    store: Neo4jStore,
    predictions: Path,
    out: Path,
    licences: dict[str, str],
    on_table: Callable[[str, int], None] | None = None,
) -> Published:
    """Write the graph and the current model's predictions as a versioned release under ``out``.

    Args:
        store: The graph.
        predictions: The SQLite prediction store (its current model is published; none: no predictions).
        out: The downloads folder (one sub-folder per release).
        licences: Each ETL source's licence (travels with its rows).
        on_table: Called with each table's name and row count once written.
    """
    loads = store.source_loads()
    if not loads:
        raise DownloadError("the graph is empty: run `kg etl run` first")
    releases = sorted({str(row.get("release")) for row in loads})
    model = _current_model(predictions)
    graph = releases[0] if len(releases) == 1 else _short(releases)
    name = f"{graph}-{model['model_version'] if model else 'no-model'}"
    final = out / name
    work = out / f".{name}.partial"
    if work.exists():
        shutil.rmtree(work)
    try:
        _write_release(work, name, releases, model, loads, predictions, store, licences, on_table)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)  # nothing half-written is left beside the releases
        raise
    if final.exists():
        shutil.rmtree(final)
    work.rename(final)
    return Published(final, json.loads((final / MANIFEST).read_text()))


def _write_release(
    work: Path,
    name: str,
    releases: list[str],
    model: dict[str, Any] | None,
    loads: list[dict[str, Any]],
    predictions: Path,
    store: Neo4jStore,
    licences: dict[str, str],
    on_table: Callable[[str, int], None] | None,
) -> None:
    (work / "nodes").mkdir(parents=True)
    (work / "associations").mkdir()
    # one writer thread: Parquet, gzip and hashing release the GIL, so table k is written while k + 1 is read
    pending: list[Future[list[dict[str, Any]]]] = []
    with ThreadPoolExecutor(max_workers=1) as writer:

        def written(table: str, frame: pd.DataFrame, columns: dict[str, str]) -> None:
            pending.append(writer.submit(_write, work, table, frame, columns))
            if on_table:
                on_table(table, len(frame))

        for label in NodeLabel:
            written(f"nodes/{label.value}", _nodes(store, label), NODE_COLUMNS)
        keys = _property_keys(store)
        for rel in RelType:
            frame = _associations(store, rel, keys.get(rel.value, []), licences)
            if len(frame):
                written(f"associations/{rel.value}", frame, ASSOCIATION_COLUMNS)
        if model:
            written("predictions", _predictions(predictions, model["model_version"]), PREDICTION_COLUMNS)
            written("prediction_evidence", _evidence(predictions, model["model_version"]), EVIDENCE_COLUMNS)
    files = [entry for future in pending for entry in future.result()]
    manifest = {
        "name": name,
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "graph_release": releases,
        "model": model,
        "sources": [
            {
                "source": row["source"],
                "version": row.get("version"),
                "release": row.get("release"),
                "synthetic": bool(row.get("synthetic")),
                "licence": licences.get(row["source"], "unknown"),
            }
            for row in loads
        ],
        "files": files,
    }
    (work / MANIFEST).write_text(json.dumps(manifest, indent=1, default=str))
    (work / "README.md").write_text(_readme(manifest))


def releases(out: Path) -> list[dict[str, Any]]:
    """The published releases under ``out``, newest first (their manifests)."""
    found = []
    for manifest in out.glob(f"*/{MANIFEST}"):
        try:
            found.append(json.loads(manifest.read_text()))
        except ValueError:
            continue
    return sorted(found, key=lambda m: m.get("created_at", ""), reverse=True)


def read_table(out: Path, table: str, release: str | None = None, verify: bool = True) -> pd.DataFrame:
    """One table of a release (the newest by default) as a DataFrame, its SHA-256 checked first."""
    known = releases(out)
    chosen = next((m for m in known if release in (None, m["name"])), None)
    if chosen is None:
        names = ", ".join(m["name"] for m in known) or "none (run `kg release publish`)"
        raise DownloadError(f"no release {release or ''} under {out}; published: {names}")
    entry = next((f for f in chosen["files"] if f["table"] == table and f["format"] == "parquet"), None)
    if entry is None:
        tables = sorted({f["table"] for f in chosen["files"]})
        raise DownloadError(f"release {chosen['name']} has no table {table!r}; it has: {', '.join(tables)}")
    path = out / chosen["name"] / entry["path"]
    if verify and sha256_of(path) != entry["sha256"]:
        raise DownloadError(f"{path}: SHA-256 differs from the manifest's; the file was changed or is incomplete")
    return pd.read_parquet(path)


def _short(releases: list[str]) -> str:
    return hashlib.sha256("|".join(releases).encode()).hexdigest()[:12]


def _write(folder: Path, table: str, frame: pd.DataFrame, columns: dict[str, str]) -> list[dict[str, Any]]:
    out = []
    parquet = folder / f"{table}.parquet"
    pq.write_table(pa.Table.from_pandas(frame, preserve_index=False), parquet, compression="zstd")
    tsv = folder / f"{table}.tsv.gz"
    text = pa.Table.from_pandas(frame.assign(**_joined(frame)), preserve_index=False)
    buffer = pa.BufferOutputStream()
    pacsv.write_csv(text, buffer, pacsv.WriteOptions(delimiter="\t", quoting_style="needed"))
    tsv.write_bytes(gzip.compress(buffer.getvalue().to_pybytes(), compresslevel=3, mtime=0))
    described = {c: columns.get(c, "the relationship's or node's own property of that name") for c in frame.columns}
    for path, fmt in ((parquet, "parquet"), (tsv, "tsv.gz")):
        out.append(
            {
                "table": table,
                "format": fmt,
                "path": str(path.relative_to(folder)),
                "rows": len(frame),
                "bytes": path.stat().st_size,
                "sha256": sha256_of(path),
                "columns": described,
            }
        )
    return out


def _joined(frame: pd.DataFrame) -> dict[str, pd.Series]:
    """The list-valued columns as ``|``-joined text (TSV has no lists; Parquet keeps them)."""
    out = {}
    for column in frame.columns:
        if frame[column].dtype == object:
            first = frame[column].dropna().head(1)
            if len(first) and isinstance(first.iloc[0], list | tuple):
                out[column] = frame[column].map(lambda v: "|".join(map(str, v)) if isinstance(v, list | tuple) else v)
    return out


def _pages(store: Neo4jStore, label: NodeLabel, body: str, page: int = PAGE) -> list[Any]:
    """``body``'s ``rows`` over every ``label`` node ``a``, one collected list per page of nodes (in id order).

    A list per page, not a record per row: the driver's per-record cost is most of a row-per-record read.
    """
    query = f"MATCH (a:{label.value}) WITH a ORDER BY a.id SKIP $skip LIMIT $page {body}"  # label: an enum value
    count_query = f"MATCH (a:{label.value}) RETURN count(a) AS n"

    def work(tx: ManagedTransaction) -> list[Any]:
        total = tx.run(count_query).single(strict=True)["n"]
        rows: list[Any] = []
        for skip in range(0, total, page):
            rows += tx.run(query, skip=skip, page=page).single(strict=True)["rows"]
        return rows

    return store.read(work)


def _nodes(store: Neo4jStore, label: NodeLabel) -> pd.DataFrame:
    rows = _pages(store, label, "RETURN collect(a {.*, same_as: [(a)-[:SAME_AS]-(m) | m.id]}) AS rows")
    frame = pd.DataFrame([dict(r) for r in rows])
    if frame.empty:
        return pd.DataFrame(columns=list(NODE_COLUMNS))
    frame["same_as"] = frame["same_as"].map(lambda ids: "|".join(sorted(ids)))
    first = [c for c in NODE_COLUMNS if c in frame.columns]
    return frame[first + sorted(c for c in frame.columns if c not in first)]


def _property_keys(store: Neo4jStore) -> dict[str, list[str]]:
    """Every relationship type's property keys (Neo4j's schema procedure, one call)."""

    def work(tx: ManagedTransaction) -> dict[str, list[str]]:
        query = (
            "CALL db.schema.relTypeProperties() YIELD relType, propertyName "
            "WHERE propertyName IS NOT NULL RETURN relType, collect(DISTINCT propertyName) AS keys"
        )
        return {r["relType"].strip(":`"): sorted(r["keys"]) for r in tx.run(query)}

    return store.read(work)


def _associations(store: Neo4jStore, rel: RelType, keys: list[str], licences: dict[str, str]) -> pd.DataFrame:
    start, end = ENDPOINTS[rel]
    values = "".join(f", r[{json.dumps(k)}]" for k in keys)  # keys read from the schema, passed as literals
    body = f"MATCH (a)-[r:{rel.value}]->(b:{end.value}) RETURN collect([a.id, b.id{values}]) AS rows"  # enums
    frame = pd.DataFrame(_pages(store, start, body), columns=["subject_id", "object_id", *keys])
    if frame.empty:
        return frame
    frame.insert(1, "subject_label", start.value)
    frame.insert(3, "object_label", end.value)
    frame["synthetic"] = frame["synthetic"].fillna(False).astype(bool) if "synthetic" in frame else False
    frame["licence"] = frame["source"].map(licences).fillna("unknown") if "source" in frame else "unknown"
    first = [c for c in ASSOCIATION_COLUMNS if c in frame.columns]
    frame = frame[first + sorted(c for c in frame.columns if c not in first)]
    return frame.sort_values(["subject_id", "object_id"], kind="stable").reset_index(drop=True)


def _current_model(path: Path) -> dict[str, Any] | None:
    if not path.is_file():
        return None
    with closing(sqlite3.connect(path)) as db:
        db.row_factory = sqlite3.Row
        row = db.execute(
            "SELECT model_version, graph_release, release, trained_at, metrics, written_at, synthetic, run "
            "FROM models WHERE current = 1"
        ).fetchone()
    if row is None:
        return None
    model = dict(row)
    model["metrics"] = json.loads(model["metrics"])
    model["synthetic"] = bool(model["synthetic"])
    return model


def _predictions(path: Path, version: str) -> pd.DataFrame:
    with closing(sqlite3.connect(path)) as db:
        stored = {row[1] for row in db.execute("PRAGMA table_info(predictions)")}
        shares = ", ".join(
            f"share_{k}" if f"share_{k}" in stored else f"NULL AS share_{k}" for k in SHARE_KINDS
        )  # a store written before the shares were kept has none
        frame = pd.read_sql_query(
            "SELECT model_version, disease_id, gene_id, symbol, score, logit, rank, known, percentile, via, synthetic, "
            f"{shares} FROM predictions WHERE model_version = ? ORDER BY disease_id, known, rank",
            db,
            params=(version,),
        )
    for column in ("known", "synthetic"):
        frame[column] = frame[column].astype(bool)
    return frame


def _evidence(path: Path, version: str) -> pd.DataFrame:
    rows: list[dict[str, Any]] = []
    with closing(sqlite3.connect(path)) as db:
        query = (
            "SELECT disease_id, gene_id, rows FROM evidence WHERE model_version = ? AND rows != '[]' "
            "ORDER BY disease_id, gene_id"
        )
        for disease, gene, text in db.execute(query, (version,)):
            for fact in json.loads(text):
                kind = next((k for k in fact if k not in ("props", "type", "via")), None)
                rows.append(
                    {
                        "model_version": version,
                        "disease_id": disease,
                        "gene_id": gene,
                        "type": fact.get("type"),
                        "target_kind": kind,
                        "target": None if kind is None else str(fact[kind]),
                        "via": fact.get("via"),
                        "properties": json.dumps(fact.get("props", {}), sort_keys=True, default=str),
                    }
                )
    return pd.DataFrame(rows, columns=list(EVIDENCE_COLUMNS))


def _readme(manifest: dict[str, Any]) -> str:
    lines = [
        f"# kg release {manifest['name']}",
        "",
        f"Published {manifest['created_at']} from graph release {', '.join(manifest['graph_release'])}"
        + (f" and model {manifest['model']['model_version']}." if manifest["model"] else " (no predictions)."),
        "Every table is in Parquet and in gzipped TSV with the same columns; `manifest.json` gives each",
        "file's SHA-256 and row count. Read one with pandas (`pd.read_parquet`), DuckDB",
        "(`SELECT * FROM 'predictions.parquet'`) or `kg.connect().download(\"predictions\")`.",
        "",
        "## Sources and licences",
        "",
        "The `licence` column of every association row repeats its source's terms. InWeb_InBioMap",
        "(the `interactions` source) is free for non-commercial use only.",
        "",
        "| source | version | synthetic | licence |",
        "|---|---|---|---|",
        *[f"| {s['source']} | {s['version']} | {s['synthetic']} | {s['licence']} |" for s in manifest["sources"]],
        "",
        "## Tables",
    ]
    for entry in manifest["files"]:
        if entry["format"] != "parquet":
            continue
        lines += ["", f"### {entry['table']} ({entry['rows']:,} rows)", "", "| column | meaning |", "|---|---|"]
        lines += [f"| `{c}` | {meaning} |" for c, meaning in entry["columns"].items()]
    return "\n".join(lines) + "\n"
