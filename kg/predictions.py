"""Model predictions: a SQLite store the API reads without Neo4j, and their copy in Neo4j.

The SQLite file holds, per model version, the top-N new candidate genes of every disease
(``known = 0``) and the model's score and rank of the already known genes (``known = 1``).
Writing a version replaces its rows in one transaction, so readers see the old set or the
new one, never a mix. In Neo4j the new candidates become
``(:Gene)-[:PREDICTED_ASSOCIATION {score, logit, rank, synthetic, source: "kg-model",
source_version, model_version, release, run}]->(:Disease)``:
the new run's edges are created first and the version's older runs deleted afterwards.
"""

from __future__ import annotations

import json
import sqlite3
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import astuple, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from neo4j import ManagedTransaction

from kg.store import Neo4jStore, batched, group_by_start

#: Relationship type of model predictions (not part of the loaded schema: no source owns it).
PREDICTED_ASSOCIATION = "PREDICTED_ASSOCIATION"
#: ``source`` of every ``PREDICTED_ASSOCIATION`` edge (its ``source_version`` is the model version).
MODEL_SOURCE = "kg-model"


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
"""

#: Columns added after the first release: ``(table, column, type)``, added on open when missing.
_ADDED_COLUMNS = (
    ("models", "synthetic", "INTEGER NOT NULL DEFAULT 0"),
    ("predictions", "synthetic", "INTEGER NOT NULL DEFAULT 0"),
    ("predictions", "percentile", "REAL"),
    ("predictions", "via", "TEXT"),
)
_COLUMNS = "disease_id, gene_id, symbol, score, logit, rank, known, synthetic, percentile, via"


class PredictionStore:
    """The SQLite prediction store at ``path``."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        with self._connect() as db:
            db.executescript(_SCHEMA)
            for table, column, kind in _ADDED_COLUMNS:  # stores written by earlier versions
                columns = {row[1] for row in db.execute(f"PRAGMA table_info({table})")}
                if column not in columns:
                    db.execute(f"ALTER TABLE {table} ADD COLUMN {column} {kind}")

    def _connect(self) -> sqlite3.Connection:
        return sqlite3.connect(self.path, timeout=30)

    def replace(self, model: dict[str, Any], rows: Sequence[Prediction]) -> int:
        """Replace ``model['model_version']``'s predictions and make it the current model.

        Args:
            model: ``model_version``, ``graph_release``, ``release``, ``trained_at``, ``metrics``.
            rows: The predictions.
        """
        version = model["model_version"]
        with self._connect() as db:  # one transaction: committed on success, rolled back on error
            db.execute("DELETE FROM predictions WHERE model_version = ?", (version,))
            db.executemany(
                f"INSERT INTO predictions (model_version, {_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                ((version, *astuple(r)) for r in rows),
            )
            db.execute("UPDATE models SET current = 0")
            db.execute(
                "INSERT OR REPLACE INTO models (model_version, graph_release, release, trained_at, metrics, "
                "written_at, current, synthetic) VALUES (?, ?, ?, ?, ?, ?, 1, ?)",
                (
                    version,
                    model["graph_release"],
                    model["release"],
                    model.get("trained_at"),
                    json.dumps(model.get("metrics", {}), sort_keys=True),
                    datetime.now(UTC).isoformat(timespec="seconds"),
                    int(bool(model.get("synthetic"))),
                ),
            )
        return len(rows)

    def current_model(self) -> dict[str, Any] | None:
        """The model whose predictions were written last, or ``None``."""
        with self._connect() as db:
            db.row_factory = sqlite3.Row
            row = db.execute("SELECT * FROM models WHERE current = 1").fetchone()
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
        with self._connect() as db:
            rows = db.execute(
                f"SELECT {_COLUMNS} FROM predictions {where} ORDER BY logit DESC, gene_id LIMIT ? OFFSET ?",
                (model, disease_id, min_score, first, offset),
            ).fetchall()
            total = db.execute(f"SELECT count(*) FROM predictions {where}", (model, disease_id, min_score)).fetchone()[
                0
            ]
        return [_prediction(r) for r in rows], int(total)

    def answering(
        self, disease_id: str, equivalents: Callable[[], Sequence[str]], version: str | None = None
    ) -> str | None:
        """The disease whose predictions answer for ``disease_id`` (``None``: none do).

        Itself when it was scored, else the first of its exact-match ``equivalents`` (read only when
        needed) that was: the API and the notebook answer a MONDO id with its OMIM twin's candidates.
        """
        if self.for_disease(disease_id, 1, 0, True, 0.0, version)[1] > 0:
            return disease_id
        return next((d for d in equivalents() if self.for_disease(d, 1, 0, True, 0.0, version)[1] > 0), None)

    def for_gene(self, gene_id: str, first: int = 20, version: str | None = None) -> list[Prediction]:
        """Diseases for which the gene is a new candidate, highest score first (ties: disease id)."""
        model = version or (self.current_model() or {}).get("model_version")
        with self._connect() as db:
            rows = db.execute(
                f"SELECT {_COLUMNS} FROM predictions WHERE model_version = ? AND gene_id = ? AND known = 0 "
                "ORDER BY score DESC, disease_id LIMIT ?",
                (model, gene_id, first),
            ).fetchall()
        return [_prediction(r) for r in rows]


def _prediction(r: Sequence[Any]) -> Prediction:
    percentile = float(r[8]) if r[8] is not None else None
    return Prediction(r[0], r[1], r[2], float(r[3]), float(r[4]), int(r[5]), bool(r[6]), bool(r[7]), percentile, r[9])


def write_to_neo4j(store: Neo4jStore, rows: Sequence[Prediction], model_version: str, release: str) -> int:
    """Create the new candidates as PREDICTED_ASSOCIATION edges, then drop the version's older runs."""
    run = uuid.uuid4().hex[:12]
    query = (
        "UNWIND $groups AS g MATCH (a:Gene {id: g.start}) UNWIND g.rels AS row "
        "MATCH (b:Disease {id: row.end}) "
        f"CREATE (a)-[r:{PREDICTED_ASSOCIATION} {{score: row.props.score, logit: row.props.logit, "
        "rank: row.props.rank, synthetic: row.props.synthetic, via: row.props.via, model_version: $version, "
        "release: $release, run: $run, source: $source, source_version: $version}]->(b) RETURN count(r) AS n"
    )
    created = 0
    for batch in batched((r for r in rows if not r.known), 10_000):
        groups = group_by_start(
            [
                {
                    "start": r.gene_id,
                    "end": r.disease_id,
                    "props": {
                        "score": r.score,
                        "logit": r.logit,
                        "rank": r.rank,
                        "synthetic": r.synthetic,
                        "via": r.via,
                    },
                }
                for r in batch
            ]
        )

        def create(tx: ManagedTransaction, g: list[dict[str, Any]] = groups) -> int:
            record = tx.run(
                query, groups=g, version=model_version, release=release, run=run, source=MODEL_SOURCE
            ).single()
            return int(record["n"]) if record else 0

        created += store.write(create)

    def delete_old(tx: ManagedTransaction) -> int:
        record = tx.run(
            f"MATCH ()-[r:{PREDICTED_ASSOCIATION}]->() WHERE r.model_version = $version AND r.run <> $run "
            "WITH r LIMIT 10000 DELETE r RETURN count(*) AS n",
            version=model_version,
            run=run,
        ).single()
        return int(record["n"]) if record else 0

    while store.write(delete_old) > 0:
        pass
    return created


def neo4j_versions(store: Neo4jStore) -> dict[str, int]:
    """``PREDICTED_ASSOCIATION`` edges in the graph per model version."""

    def work(tx: ManagedTransaction) -> dict[str, int]:
        query = f"MATCH ()-[r:{PREDICTED_ASSOCIATION}]->() RETURN r.model_version AS version, count(r) AS n"
        return {str(r["version"]): int(r["n"]) for r in tx.run(query)}

    return store.read(work)


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
