"""Bulk import into an empty database: ``neo4j-admin database import full`` through the local runner's jars.

The first load of a release into an empty database does not need transactions: the import tool
writes the store files directly, as BioCypher does for its first load. This module writes the
release's nodes and relationships as the tool's CSV files (typed headers) and runs the tool on
the local server's data directory while the server is stopped.

Nodes get their store ids in the files (``--id-type=ACTUAL``: 0, 1, 2, … across all labels, the
``id`` property written as an ordinary string column), so the tool maps no string ids: its
relationship phase is ~15 % faster than with ``:ID(Label)`` string id spaces, and its id-mapper
sort disappears from the node phase.

The graph it produces is the one a transactional load of the same release produces
(``etl.load.load_results`` into an empty database): per label, a node's properties are merged
across sources in load order, a later non-null value winning; every relationship row becomes one
relationship; a missing property is absent (never an empty string or an empty list).
"""

from __future__ import annotations

import csv
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kg.errors import KGError
from kg.graph_writes import PROPERTY_NAME, source_record
from kg.local_neo4j import ServerConfig
from kg.schema import ENDPOINTS, META_LABEL, NodeLabel, RelType

#: Separator of array elements in a cell (ASCII unit separator: never inside a gene alias).
ARRAY_DELIMITER = "\x1f"


class BulkImportError(KGError):
    """The import files could not be written or the import tool refused them."""


@dataclass
class ImportFiles:
    """The CSV files of one import and what they hold."""

    folder: Path
    multiline: bool = False  # some value holds a line break (the tool then reads files in one thread)
    nodes: dict[str, tuple[Path, int]] = field(default_factory=dict)  # label -> (file, rows)
    relationships: dict[str, list[tuple[Path, int]]] = field(default_factory=dict)  # type -> files
    next_id: int = 0  # the store id the next node written gets

    def number(self, keys: Iterable[str]) -> dict[str, int]:
        """Store ids for ``keys`` (one label's node ids), continuing the numbering across labels."""
        ids = {key: i for i, key in enumerate(keys, start=self.next_id)}
        self.next_id += len(ids)
        return ids

    def add(self, path: Path, rows: int) -> None:
        """Note whether ``path`` (a header and ``rows`` rows) needs multiline parsing: a value broke a line."""
        data = path.read_bytes()
        self.multiline = self.multiline or data.count(b"\n") != rows + 1 or b"\r" in data

    @property
    def node_count(self) -> int:
        """Nodes in the files."""
        return sum(n for _, n in self.nodes.values())

    @property
    def relationship_count(self) -> int:
        """Relationships in the files."""
        return sum(n for files in self.relationships.values() for _, n in files)


def merge_nodes(batches: Iterable[tuple[NodeLabel, Sequence[dict[str, Any]]]]) -> dict[NodeLabel, dict[str, dict]]:
    """Nodes per label by id, properties merged in order (a later non-null value wins; ``[]`` is no value)."""
    merged: dict[NodeLabel, dict[str, dict[str, Any]]] = {}
    for label, rows in batches:
        by_id = merged.setdefault(NodeLabel(label), {})
        for row in rows:
            node = by_id.setdefault(row["id"], {"id": row["id"]})
            node.update({k: v for k, v in row.items() if v is not None and v != []})
    return merged


_TYPES: dict[type, str] = {str: "string", int: "long", float: "double", bool: "boolean"}
_KINDS = {"long", "double", "boolean", "string", "long[]", "double[]", "string[]"}


def _kind(where: str, values: Iterable[Any]) -> str:
    """The import tool's type for a column (``long``, ``double``, ``boolean``, ``string``, or an array of one)."""
    kinds: set[str] = set()
    for v in values:
        if isinstance(v, list | tuple):
            inner = {_kind(where, [x]) for x in v}
            kinds.add(f"{inner.pop()}[]" if len(inner) == 1 else "mixed")
        elif isinstance(v, bool):
            kinds.add("boolean")
        elif isinstance(v, int):
            kinds.add("long")
        elif isinstance(v, float):
            kinds.add("double")
        elif isinstance(v, str):
            kinds.add("string")
        else:
            kinds.add(type(v).__name__)
    if len(kinds) == 1 and kinds <= _KINDS:
        return kinds.pop()
    raise BulkImportError(f"{where}: values of types {sorted(kinds)} cannot be one typed column")


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, list | tuple):
        return ARRAY_DELIMITER.join(_cell(x) for x in value)
    return str(value)


def _cells(columns: Sequence[tuple[str, str]]) -> Callable[[dict[str, Any]], list[Any]]:
    """A function giving a row's cells for ``columns``.

    Strings and numbers go to the csv writer as they are (it writes ``str`` of an ``int``, ``repr``
    of a ``float`` and nothing for ``None``); booleans and arrays go through :func:`_cell`.
    """
    keys = [k for k, _ in columns]
    converted = [i for i, (_, kind) in enumerate(columns) if kind == "boolean" or kind.endswith("[]")]

    def cells(row: dict[str, Any]) -> list[Any]:
        values = list(map(row.get, keys))
        for i in converted:
            values[i] = _cell(values[i])
        return values

    return cells


def _columns(where: str, rows: Sequence[dict[str, Any]]) -> list[tuple[str, str]]:
    """Each property that has a value in ``rows``, with its type (``None`` and ``[]`` are no value)."""
    columns = []
    for key in sorted(set().union(*rows)):
        values = [row.get(key) for row in rows]
        types = set(map(type, values)) - {type(None)}
        if list in types:
            values = [v for v in values if v is not None and v != []]
            types = set(map(type, values))
        if not types:
            continue
        if not PROPERTY_NAME.match(key):
            raise BulkImportError(f"{where}: invalid property name {key!r}")
        (only,) = types if len(types) == 1 else (None,)
        if only in _TYPES:  # the common case, without a test per value
            kind = _TYPES[only]
        elif only is list and len(inner := {type(x) for v in values if v for x in v}) == 1 and inner <= _TYPES.keys():
            kind = f"{_TYPES[inner.pop()]}[]"
        else:
            kind = _kind(f"{where}.{key}", (v for v in values if v is not None))
        columns.append((key, kind))
    return columns


def write_import_files(
    nodes: dict[NodeLabel, dict[str, dict[str, Any]]],
    edges: Iterable[tuple[RelType, Sequence[dict[str, Any]]]],
    folder: Path,
) -> ImportFiles:
    """The import tool's CSV files for ``nodes`` (merged: :func:`merge_nodes`) and ``edges`` (``{start, end, props}``).

    Raises:
        BulkImportError: a relationship whose endpoint is no node (the transactional load
            refuses it too), or a property whose values have different types.
    """
    folder.mkdir(parents=True, exist_ok=True)
    files = ImportFiles(folder)
    store_ids: dict[NodeLabel, dict[str, int]] = {}
    for label, by_id in nodes.items():
        node_rows = list(by_id.values())
        columns = [(k, t) for k, t in _columns(label.value, node_rows) if k != "id"]
        ids = store_ids[label] = files.number(by_id)
        path = folder / f"nodes.{label.value}.csv"
        with path.open("w", newline="") as f:
            out = csv.writer(f, lineterminator="\n")
            out.writerow([":ID", "id:string", *(f"{k}:{t}" for k, t in columns)])
            cells = _cells(columns)
            out.writerows([ids[row["id"]], row["id"], *cells(row)] for row in node_rows)
        files.nodes[label.value] = (path, len(node_rows))
        files.add(path, len(node_rows))
    for n, (rel, rows) in enumerate(edges):
        rel = RelType(rel)
        start, end = ENDPOINTS[rel]
        starts, ends = store_ids.get(start, {}), store_ids.get(end, {})
        missing = next((r for r in rows if r["start"] not in starts or r["end"] not in ends), None)
        if missing is not None:
            raise BulkImportError(
                f"{rel.value}: ({missing['start']})->({missing['end']}): "
                f"an endpoint is no {start.value}/{end.value} node"
            )
        columns = _columns(rel.value, [r["props"] for r in rows])
        path = folder / f"relationships.{rel.value}.{n}.csv"
        with path.open("w", newline="") as f:
            out = csv.writer(f, lineterminator="\n")
            out.writerow([":START_ID", ":END_ID", *(f"{k}:{t}" for k, t in columns)])
            cells = _cells(columns)
            out.writerows([starts[r["start"]], ends[r["end"]], *cells(r["props"])] for r in rows)
        files.relationships.setdefault(rel.value, []).append((path, len(rows)))
        files.add(path, len(rows))
    return files


def write_source_records(records: Sequence[tuple[str, dict[str, Any]]], files: ImportFiles) -> None:
    """Add the sources' bookkeeping nodes (as ``Neo4jStore.mark_source`` writes them, state ``loaded``) to ``files``.

    With them, the next ``kg etl run`` finds every imported source unchanged.
    """
    rows = [{"source": name, **source_record("loaded", info)} for name, info in records]
    columns = [(k, t) for k, t in _columns(META_LABEL, rows) if k != "source"]
    ids = files.number(row["source"] for row in rows)
    path = files.folder / f"nodes.{META_LABEL}.csv"
    with path.open("w", newline="") as f:
        out = csv.writer(f, lineterminator="\n")
        out.writerow([":ID", "source:string", *(f"{k}:{t}" for k, t in columns)])
        cells = _cells(columns)
        out.writerows([ids[row["source"]], row["source"], *cells(row)] for row in rows)
    files.nodes[META_LABEL] = (path, len(rows))
    files.add(path, len(rows))


def admin_arguments(files: ImportFiles, database: str = "neo4j", folder: str | None = None) -> list[str]:
    """``neo4j-admin database import full`` arguments for ``files`` (``folder``: where the server sees them)."""

    def where(path: Path) -> str:
        return f"{folder.rstrip('/')}/{path.name}" if folder else str(path)

    arguments = ["database", "import", "full", database]
    arguments += [f"--nodes={label}={where(path)}" for label, (path, _) in files.nodes.items()]
    arguments += [
        f"--relationships={rel}={where(path)}" for rel, paths in files.relationships.items() for path, _ in paths
    ]
    multiline = "true" if files.multiline else "false"
    return [
        *arguments,
        "--id-type=ACTUAL",
        "--array-delimiter=U+001F",
        f"--multiline-fields={multiline}",
        "--overwrite-destination=true",
    ]


def import_full(config: ServerConfig, files: ImportFiles, database: str = "neo4j") -> float:
    """Run ``neo4j-admin database import full`` into the (stopped) local server's ``database``; seconds taken.

    The database's previous store files are replaced: call it on an empty database only. They
    are copied aside first and put back when the import fails, so the server starts on the
    database as it was.
    """
    java = shutil.which("java")
    if java is None:
        raise BulkImportError("java is not on the PATH (the import tool runs in a JVM)")
    with tempfile.TemporaryDirectory(prefix="kg-import-conf-") as conf:
        Path(conf, "neo4j.conf").write_text("")
        command = [
            java,
            "-cp",
            f"{config.jars}/*",
            "org.neo4j.cli.AdminTool",
            *admin_arguments(files, database),
            f"--report-file={files.folder / 'import.report'}",
        ]
        started = time.monotonic()
        config.server_home.mkdir(parents=True, exist_ok=True)
        stores = [config.server_home / "data" / kind / database for kind in ("databases", "transactions")]
        kept = Path(conf) / "previous"
        for i, store in enumerate(stores):
            if store.exists():
                shutil.copytree(store, kept / str(i))
        done = subprocess.run(
            command,
            env={"NEO4J_HOME": str(config.server_home.resolve()), "NEO4J_CONF": conf, "PATH": str(Path(java).parent)},
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode != 0 or "IMPORT DONE" not in done.stdout:
            for i, store in enumerate(stores):
                shutil.rmtree(store, ignore_errors=True)
                if (kept / str(i)).exists():
                    shutil.copytree(kept / str(i), store)
            tail = "\n".join((done.stdout + done.stderr).strip().splitlines()[-8:])
            raise BulkImportError(
                f"neo4j-admin import failed (exit {done.returncode}); the database is as it was:\n{tail}"
            )
    return time.monotonic() - started
