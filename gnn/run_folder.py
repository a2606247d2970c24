"""A run folder's layout and manifest, readable without torch (the CLI's fast path reads it too).

``manifest.json`` records the SHA-256 of the weights and the graph release the model was trained
on, ``config.json`` the model's and the graph's settings. :class:`gnn.artefacts.Run` adds what
needs torch (the weights, the evidence network).
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from kg.errors import KGError


class ArtefactError(KGError):
    """Artefacts are missing, corrupt, tampered with, or from another graph."""


class RunFolder:
    """A run folder written by :func:`gnn.artefacts.save_run`: the one place that knows its layout.

    Args:
        folder: The folder (``kg train --out``).

    Raises:
        ArtefactError: The folder, its manifest or its config is missing or unreadable.
    """

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        if not folder.is_dir():
            raise ArtefactError(f"no trained model at {folder} (run `kg train --out {folder}` first)")
        try:
            self.manifest: dict[str, Any] = json.loads((folder / "manifest.json").read_text())
            self.config: dict[str, Any] = json.loads((folder / "config.json").read_text())
        except (FileNotFoundError, json.JSONDecodeError) as exc:
            raise ArtefactError(f"{folder}: missing or unreadable artefacts ({exc})") from exc
        missing = [f"manifest.json:{k}" for k in ("weights_sha256", "graph_release") if k not in self.manifest]
        missing += [f"config.json:{k}" for k in ("model", "graph") if k not in self.config]
        if missing:
            raise ArtefactError(f"{folder}: incomplete artefacts, missing {', '.join(missing)}")

    @property
    def weights(self) -> Path:
        """The safetensors file."""
        return self.folder / "model.safetensors"

    @property
    def weights_sha256(self) -> str:
        """The SHA-256 of the weights, as the manifest records it."""
        return str(self.manifest["weights_sha256"])

    @property
    def version(self) -> str:
        """Model version: the first 12 hex digits of the weights' SHA-256."""
        return self.weights_sha256[:12]

    @property
    def graph_release(self) -> str:
        """The graph release the model was trained on."""
        return str(self.manifest["graph_release"])

    @property
    def spec_key(self) -> str | None:
        """Key of the export spec the model was trained on (``None`` for runs older than the key)."""
        key = self.config.get("graph", {}).get("spec_key")
        return str(key) if key else None

    @property
    def synthetic_edges(self) -> int:
        """How many edges from synthetic sample files the model saw (0: none)."""
        return int(self.config.get("graph", {}).get("synthetic_edges", 0))

    @property
    def trained_at(self) -> str:
        """When the weights were written, ISO 8601 UTC (``2026-11-26T10:00:00Z``)."""
        return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(self.weights.stat().st_mtime))

    def results(self) -> dict[str, Any]:
        """``results.json``: history, metrics, split (empty if the file is missing)."""
        path = self.folder / "results.json"
        try:
            return dict(json.loads(path.read_text())) if path.is_file() else {}
        except json.JSONDecodeError as exc:
            raise ArtefactError(f"{path}: unreadable ({exc})") from exc

    def info(self) -> dict[str, Any]:
        """What a served prediction is tagged with: version, release, metrics, time, split."""
        results = self.results()
        return {
            "version": self.version,
            "release": self.graph_release,
            "metrics": results.get("metrics", {}),
            "trained_at": self.trained_at,
            "synthetic": self.synthetic_edges > 0,
            "split": {k: v for k, v in results.get("split", {}).items() if k != "held_out_diseases"},
        }
