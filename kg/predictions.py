"""Model predictions: the SQLite store the API reads, with or without Neo4j.

The SQLite file holds, per model version, the top-N new candidate genes of every disease
(``known = 0``), the model's score and rank of the already known genes (``known = 1``) and the
evidence of each pair. Writing a version replaces its rows in one transaction, so readers see
the old set or the new one, never a mix. :mod:`kg.published` copies a set into Neo4j, where
every API replica reads it.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import closing
from dataclasses import astuple, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from kg.store import Neo4jStore, batched


@dataclass(frozen=True)
class Prediction:
    """One scored gene for one disease."""

    disease_id: str
    gene_id: str
    symbol: str | None
    score: float
    logit: float
    rank: int
    known: bool
    synthetic: bool = False  # the model saw edges from synthetic sample files
    percentile: float | None = None  # share of all genes the model scores lower for this disease, in %
    via: str | None = None  # the member disease whose score this is (a TCGA cohort's hereditary form)
    #: The share of the score carried by each path kind (:data:`SHARE_KINDS`; sums to 1), or ``None``
    #: (a run without the evidence network, or a set pulled from another replica).
    shares: tuple[float, ...] | None = None


#: The path kinds of :attr:`Prediction.shares`, as stored (``share_<kind>`` columns).
SHARE_KINDS = ("similar_disease", "partner", "go_term", "baseline")


_SCHEMA = """
CREATE TABLE IF NOT EXISTS models (
    model_version TEXT PRIMARY KEY, graph_release TEXT NOT NULL, release TEXT NOT NULL,
    trained_at TEXT, metrics TEXT NOT NULL, written_at TEXT NOT NULL, current INTEGER NOT NULL DEFAULT 0,
    synthetic INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS predictions (
    model_version TEXT NOT NULL, disease_id TEXT NOT NULL, gene_id TEXT NOT NULL, symbol TEXT,
    score REAL NOT NULL, logit REAL NOT NULL, rank INTEGER NOT NULL, known INTEGER NOT NULL,
    synthetic INTEGER NOT NULL DEFAULT 0, percentile REAL, via TEXT,
    PRIMARY KEY (model_version, disease_id, gene_id)
);
CREATE INDEX IF NOT EXISTS predictions_by_rank ON predictions (model_version, disease_id, known, rank);
CREATE INDEX IF NOT EXISTS predictions_by_gene ON predictions (model_version, gene_id);
CREATE TABLE IF NOT EXISTS evidence (
    model_version TEXT NOT NULL, disease_id TEXT NOT NULL, gene_id TEXT NOT NULL, rows TEXT NOT NULL,
    PRIMARY KEY (model_version, disease_id, gene_id)
) WITHOUT ROWID;
"""

#: Columns added after the first release: ``(table, column, type)``, added on open when missing.
_ADDED_COLUMNS = (
    ("models", "synthetic", "INTEGER NOT NULL DEFAULT 0"),
    ("predictions", "synthetic", "INTEGER NOT NULL DEFAULT 0"),
    ("predictions", "percentile", "REAL"),
    ("predictions", "via", "TEXT"),
    ("models", "evidence_graph", "TEXT"),  # the graph state (loaded sources) the stored evidence was read from
    ("models", "run", "TEXT"),  # the `kg predict` run that wrote the set (its PredictionSet in Neo4j)
    *(("predictions", f"share_{kind}", "REAL") for kind in SHARE_KINDS),
)
_COLUMNS = "disease_id, gene_id, symbol, score, logit, rank, known, synthetic, percentile, via"


class PredictionStore:
    """The SQLite prediction store at ``path``."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._readers = threading.local()
        path.parent.mkdir(parents=True, exist_ok=True)
        with self._connect() as db:
            db.executescript(_SCHEMA)
            for table, column, kind in _ADDED_COLUMNS:  # stores written by earlier versions
                columns = {row[1] for row in db.execute(f"PRAGMA table_info({table})")}
                if column not in columns:
                    db.execute(f"ALTER TABLE {table} ADD COLUMN {column} {kind}")
            db.execute("UPDATE models SET run = lower(hex(randomblob(6))) WHERE run IS NULL")  # older stores

    def _connect(self) -> sqlite3.Connection:
        return sqlite3.connect(self.path, timeout=30)

    def _reader(self) -> sqlite3.Connection:
        """This thread's read connection, opened once (autocommit: each query sees the last commit)."""
        db: sqlite3.Connection | None = getattr(self._readers, "db", None)
        if db is None:
            db = sqlite3.connect(self.path, timeout=30, isolation_level=None)
            db.execute("PRAGMA mmap_size = 1073741824")  # pages shared through the OS cache, not copied per thread
            self._readers.db = db
        return db

    def replace(
        self,
        model: dict[str, Any],
        rows: Sequence[Prediction],
        evidence: Iterable[tuple[str, str, str]] = (),
        evidence_graph: dict[str, Any] | None = None,
    ) -> int:
        """Replace ``model['model_version']``'s predictions and make it the current model.

        Args:
            model: ``model_version``, ``graph_release``, ``release``, ``trained_at``, ``metrics``
                and, optionally, ``synthetic`` and the ``run`` that wrote the set.
            rows: The predictions.
            evidence: ``(gene_id, disease_id, rows as JSON)`` stored with them, in the same transaction.
            evidence_graph: The graph state ``evidence`` was read from (required with ``evidence``).
        """
        version = model["model_version"]
        with self._connect() as db:  # one transaction: committed on success, rolled back on error
            db.execute("DELETE FROM predictions WHERE model_version = ?", (version,))
            db.execute("DELETE FROM evidence WHERE model_version = ?", (version,))
            shares = ", ".join(f"share_{k}" for k in SHARE_KINDS)
            marks = ", ".join("?" * (11 + len(SHARE_KINDS)))
            db.executemany(
                f"INSERT INTO predictions (model_version, {_COLUMNS}, {shares}) VALUES ({marks})",
                ((version, *astuple(r)[:-1], *(r.shares or (None,) * len(SHARE_KINDS))) for r in rows),
            )
            _insert_evidence(db, version, evidence)
            db.execute("UPDATE models SET current = 0")
            db.execute(
                "INSERT OR REPLACE INTO models (model_version, graph_release, release, trained_at, metrics, "
                "written_at, current, synthetic, evidence_graph, run) VALUES (?, ?, ?, ?, ?, ?, 1, ?, ?, ?)",
                (
                    version,
                    model["graph_release"],
                    model["release"],
                    model.get("trained_at"),
                    json.dumps(model.get("metrics", {}), sort_keys=True),
                    datetime.now(UTC).isoformat(timespec="seconds"),
                    int(bool(model.get("synthetic"))),
                    _graph_json(evidence_graph) if evidence_graph is not None else None,
                    model.get("run") or uuid.uuid4().hex[:12],
                ),
            )
        return len(rows)

    def with_evidence(self, version: str) -> Iterator[tuple[Prediction, str | None]]:
        """Every stored row of ``version`` with its stored evidence (JSON text; ``None``: not stored)."""
        columns = ", ".join(f"p.{c.strip()}" for c in _COLUMNS.split(","))
        query = (
            f"SELECT {columns}, e.rows FROM predictions p LEFT JOIN evidence e ON e.model_version = p.model_version "
            "AND e.disease_id = p.disease_id AND e.gene_id = p.gene_id WHERE p.model_version = ?"
        )
        with closing(self._connect()) as db:
            for r in db.execute(query, (version,)):
                yield _prediction(r), r[10]

    def current_model(self) -> dict[str, Any] | None:
        """The model whose predictions were written last, or ``None``."""
        return self.model(None)

    def model(self, version: str | None) -> dict[str, Any] | None:
        """The stored model ``version`` (``None``: the current one), or ``None``."""
        with closing(self._connect()) as db:
            db.row_factory = sqlite3.Row
            if version is None:
                row = db.execute("SELECT * FROM models WHERE current = 1").fetchone()
            else:
                row = db.execute("SELECT * FROM models WHERE model_version = ?", (version,)).fetchone()
        if row is None:
            return None
        return {**dict(row), "metrics": json.loads(row["metrics"]), "synthetic": bool(row["synthetic"])}

    def for_disease(
        self,
        disease_id: str,
        first: int = 20,
        offset: int = 0,
        include_known: bool = False,
        min_score: float = 0.0,
        version: str | None = None,
    ) -> tuple[list[Prediction], int]:
        """A page of one disease's candidates, best first, and the total matching count.

        Known genes are left out unless ``include_known`` (then they are ranked among the
        new candidates by their logit).
        """
        model = version or (self.current_model() or {}).get("model_version")
        known = "" if include_known else "AND known = 0"
        where = f"WHERE model_version = ? AND disease_id = ? AND score >= ? {known}"
        db = self._reader()
        rows = db.execute(
            f"SELECT {_COLUMNS} FROM predictions {where} ORDER BY logit DESC, gene_id LIMIT ? OFFSET ?",
            (model, disease_id, min_score, first, offset),
        ).fetchall()
        if offset == 0 and len(rows) < first:  # the whole list is on this page
            total = len(rows)
        else:
            total = db.execute(f"SELECT count(*) FROM predictions {where}", (model, disease_id, min_score)).fetchone()[
                0
            ]
        return [_prediction(r) for r in rows], int(total)

    def has_disease(self, disease_id: str, version: str | None = None) -> bool:
        """Whether the model (default: the current one) scored ``disease_id``."""
        model = version or (self.current_model() or {}).get("model_version")
        query = "SELECT 1 FROM predictions WHERE model_version = ? AND disease_id = ? LIMIT 1"
        return self._reader().execute(query, (model, disease_id)).fetchone() is not None

    def answering(
        self, disease_id: str, equivalents: Callable[[], Sequence[str]], version: str | None = None
    ) -> str | None:
        """The disease whose predictions answer for ``disease_id`` (``None``: none do).

        Itself when it was scored, else the first of its exact-match ``equivalents`` (read only when
        needed) that was: the API and the notebook answer a MONDO id with its OMIM twin's candidates.
        """
        if self.has_disease(disease_id, version):
            return disease_id
        return next((d for d in equivalents() if self.has_disease(d, version)), None)

    def pairs(self, version: str) -> list[tuple[str, str]]:
        """Every stored (gene, disease) pair of ``version``, by disease."""
        query = "SELECT gene_id, disease_id FROM predictions WHERE model_version = ? ORDER BY disease_id, gene_id"
        return [(g, d) for g, d in self._reader().execute(query, (version,))]

    def write_evidence(
        self, version: str, graph: dict[str, Any], evidence: Iterator[tuple[tuple[str, str], list[dict[str, Any]]]]
    ) -> int:
        """Replace ``version``'s stored evidence (one transaction) and record the graph state it was read from."""
        with self._connect() as db:
            db.execute("DELETE FROM evidence WHERE model_version = ?", (version,))
            count = _insert_evidence(
                db, version, ((g, d, json.dumps(rows, sort_keys=True, default=str)) for (g, d), rows in evidence)
            )
            db.execute("UPDATE models SET evidence_graph = ? WHERE model_version = ?", (_graph_json(graph), version))
        return count

    def stored_evidence(
        self, version: str, pairs: Sequence[tuple[str, str]]
    ) -> dict[tuple[str, str], list[dict[str, Any]]]:
        """The stored evidence of those ``pairs`` that have it (computed at ``kg predict``)."""
        db = self._reader()
        by_disease: dict[str, list[str]] = {}
        for g, d in pairs:
            by_disease.setdefault(d, []).append(g)
        out: dict[tuple[str, str], list[dict[str, Any]]] = {}
        for d, genes in by_disease.items():  # one query per disease (a page is one disease)
            marks = ", ".join("?" * len(genes))
            query = (
                "SELECT gene_id, rows FROM evidence "
                f"WHERE model_version = ? AND disease_id = ? AND gene_id IN ({marks})"
            )
            for g, rows in db.execute(query, (version, d, *genes)):
                out[(g, d)] = json.loads(rows)
        return out

    def for_gene(self, gene_id: str, first: int = 20, version: str | None = None) -> list[Prediction]:
        """Diseases for which the gene is a new candidate, highest score first (ties: disease id)."""
        model = version or (self.current_model() or {}).get("model_version")
        rows = (
            self._reader()
            .execute(
                f"SELECT {_COLUMNS} FROM predictions WHERE model_version = ? AND gene_id = ? AND known = 0 "
                "ORDER BY score DESC, disease_id LIMIT ?",
                (model, gene_id, first),
            )
            .fetchall()
        )
        return [_prediction(r) for r in rows]


def _insert_evidence(db: sqlite3.Connection, version: str, evidence: Iterable[tuple[str, str, str]]) -> int:
    """Insert ``(gene_id, disease_id, rows as JSON)`` of ``version``; how many."""
    cursor = db.executemany(
        "INSERT INTO evidence (model_version, gene_id, disease_id, rows) VALUES (?, ?, ?, ?)",
        ((version, g, d, js) for g, d, js in evidence),
    )
    return int(cursor.rowcount)


def _graph_json(graph: dict[str, Any]) -> str:
    """The recorded graph state, as the API compares it with the live one."""
    return json.dumps(graph, sort_keys=True, default=str)


def _prediction(r: Sequence[Any]) -> Prediction:
    percentile = float(r[8]) if r[8] is not None else None
    return Prediction(r[0], r[1], r[2], float(r[3]), float(r[4]), int(r[5]), bool(r[6]), bool(r[7]), percentile, r[9])


def store_evidence(
    store: Neo4jStore, predictions: PredictionStore, version: str, on_batch: Callable[[int], None] | None = None
) -> int:
    """Read the graph's evidence for every stored pair of ``version`` into the prediction store.

    The API then answers evidence from SQLite while the graph's loaded sources are the ones
    recorded here (a later ``kg etl run`` sends it back to Neo4j until the next ``kg predict``).
    """
    from kg.export import graph_state
    from kg.queries import evidence

    state = graph_state(store)
    pairs = predictions.pairs(version)

    def read() -> Iterator[tuple[tuple[str, str], list[dict[str, Any]]]]:
        for batch in batched(pairs, 5000):
            yield from evidence(store, batch).items()
            if on_batch is not None:
                on_batch(len(batch))

    return predictions.write_evidence(version, state, read())


def iter_rows(rows: Sequence[Prediction]) -> Iterator[dict[str, Any]]:
    """Predictions as plain dicts (for JSON output)."""
    for r in rows:
        yield {
            "disease_id": r.disease_id,
            "gene_id": r.gene_id,
            "symbol": r.symbol,
            "score": r.score,
            "logit": r.logit,
            "rank": r.rank,
            "known": r.known,
            "synthetic": r.synthetic,
            "percentile": r.percentile,
            "via": r.via,
        }
