"""Versioned graph releases: Parquet node/edge tables plus a manifest."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

import kg
from kg.schema import NodeLabel, RelType


@dataclass
class SourceResult:
    """What one source produced in this run."""

    name: str
    origins: list[str]
    checksums: dict[str, str]
    version: str
    synthetic: bool
    nodes: dict[NodeLabel, list[dict[str, Any]]] = field(default_factory=dict)
    edges: dict[RelType, list[dict[str, Any]]] = field(default_factory=dict)
    rejects: int = 0
    unresolved: int = 0
    stats: dict[str, int] = field(default_factory=dict)
    licence: str = ""
    seconds: float = 0.0  # extract and transform time of this run (not part of the release)

    @property
    def checksum(self) -> str:
        """One checksum over all of the source's files (by name, so it is location-independent)."""
        return files_checksum(self.checksums)

    def counts(self) -> dict[str, int]:
        """Rows per node label and relationship type."""
        out = {f"nodes:{k.value}": len(v) for k, v in self.nodes.items()}
        out.update({f"edges:{k.value}": len(v) for k, v in self.edges.items()})
        return out


def release_id(results: list[SourceResult], settings_json: str) -> str:
    """Content hash of the inputs, the thresholds and the schema version."""
    digest = hashlib.sha256(f"schema={kg.SCHEMA_VERSION};settings={settings_json}".encode())
    for r in sorted(results, key=lambda r: r.name):
        digest.update(f"{r.name}={r.checksum}".encode())
    return digest.hexdigest()[:12]


def files_checksum(checksums: dict[str, str]) -> str:
    """One checksum over a source's files, ``{file name: SHA-256}``."""
    joined = "|".join(f"{k}={v}" for k, v in sorted(checksums.items()))
    return hashlib.sha256(joined.encode()).hexdigest()


def source_fingerprint(result: SourceResult, settings_json: str) -> str:
    """What decides whether a source's loaded edges are still current."""
    return inputs_fingerprint(result.checksum, settings_json)


def inputs_fingerprint(checksum: str, settings_json: str) -> str:
    """The fingerprint of a source's inputs (:func:`files_checksum`) under these settings and schema."""
    return hashlib.sha256(f"{kg.SCHEMA_VERSION}|{settings_json}|{checksum}".encode()).hexdigest()[:16]


def write_release(root: Path, rid: str, results: list[SourceResult], settings: dict[str, Any]) -> Path:
    """Write ``root/<rid>/`` with ``nodes/*.parquet``, ``edges/*.parquet`` and ``manifest.json``."""
    out = root / rid
    (out / "nodes").mkdir(parents=True, exist_ok=True)
    (out / "edges").mkdir(parents=True, exist_ok=True)
    manifest: dict[str, Any] = {
        "release": rid,
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "kg_version": kg.__version__,
        "schema_version": kg.SCHEMA_VERSION,
        "settings": settings,
        "sources": {},
    }
    for r in results:
        files: dict[str, str] = {}
        for label, rows in r.nodes.items():
            path = out / "nodes" / f"{label.value}.{r.name}.parquet"
            _write(path, rows)
            files[f"nodes/{path.name}"] = label.value
        for rel, rows in r.edges.items():
            path = out / "edges" / f"{rel.value}.{r.name}.parquet"
            _write(path, [{"start": e["start"], "end": e["end"], **e["props"]} for e in rows])
            files[f"edges/{path.name}"] = rel.value
        manifest["sources"][r.name] = {
            "version": r.version,
            "origins": r.origins,
            "sha256": r.checksums,
            "synthetic": r.synthetic,
            "licence": r.licence,
            "rows": r.counts(),
            "rejects": r.rejects,
            "unresolved_identifiers": r.unresolved,
            "stats": r.stats,
            "tables": files,
        }
    (out / "manifest.json").write_text(json.dumps(manifest, indent=2, sort_keys=True))
    return out


def _write(path: Path, rows: list[dict[str, Any]]) -> None:
    pq.write_table(pa.Table.from_pylist(rows), path, compression="zstd")


def read_manifest(path: Path) -> dict[str, Any]:
    """Read a release manifest."""
    return json.loads((path / "manifest.json").read_text())
