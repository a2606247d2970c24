"""``kg etl run``: extract → transform (validated) → versioned release → load into Neo4j."""

from __future__ import annotations

import json
import shutil
import tarfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from etl.cohorts import CohortTable
from etl.genemap import GeneResolver
from etl.io import LocalFile, fetch
from etl.reference import PACKAGES, debian_file
from etl.rejects import Rejects
from etl.release import SourceResult, files_checksum, inputs_fingerprint, release_id, write_release
from etl.sources import REGISTRY, SourceContext
from etl.validate import edge_problem, node_problem, reject
from kg.errors import KGError, SourceFormatError
from kg.schema import CROSS_REFERENCES, EDGE_KEY, Edge, Node, NodeLabel, RelType
from kg.settings import EtlSettings

#: ``advance(n)`` callbacks made by ``start(description, total)``.
Advance = Callable[[int], None]
StartTask = Callable[[str, int | None], Advance]


class UnknownSource(KGError):
    """A ``--source NAME=…`` names no registered source."""


@dataclass
class RunReport:
    """What a run did."""

    release: str
    release_dir: Path | None
    results: list[SourceResult]
    load: dict[str, str] = field(default_factory=dict)
    seconds: float = 0.0
    resolver: GeneResolver | None = None


def no_progress(description: str, total: int | None) -> Advance:
    """A progress hook that reports nothing (the library default)."""
    return lambda n: None


def expand(location: str, cache_dir: Path) -> list[LocalFile]:
    """Fetch every comma-separated path/URL of ``location``; folders expand to their files."""
    files: list[LocalFile] = []
    for part in (p.strip() for p in location.split(",")):
        if not part:
            continue
        got = fetch(part, cache_dir)
        if got.name.endswith((".tar.gz", ".tgz", ".tar")):
            got = fetch(str(unpack(got, cache_dir)), cache_dir)
        if got.path.is_dir():
            inner = sorted(p for p in got.path.rglob("*") if p.is_file() and not p.name.startswith("."))
            files.extend(fetch(str(p), cache_dir) for p in inner)
        else:
            files.append(got)
    if not files:
        raise KGError(f"no files at {location!r}")
    return files


def unpack(archive: LocalFile, cache_dir: Path) -> Path:
    """Extract a tar archive (e.g. a GDC download bundle) once into the cache; return the folder."""
    target = cache_dir / "unpacked" / archive.sha256[:16]
    if not target.is_dir():
        partial = target.with_name(target.name + ".part")
        shutil.rmtree(partial, ignore_errors=True)
        partial.mkdir(parents=True)
        try:
            with tarfile.open(archive.path) as tar:
                tar.extractall(partial, filter="data")
        except (tarfile.TarError, EOFError, OSError) as exc:
            raise SourceFormatError(archive.origin, None, None, f"unreadable tar archive ({exc})") from exc
        partial.rename(target)
    return target


def locations(overrides: dict[str, str], only: set[str] | None = None) -> dict[str, str]:
    """Default location of every source (or of the ``only`` ones), with ``overrides`` applied (names checked)."""
    unknown = sorted((set(overrides) | (only or set())) - set(REGISTRY))
    if unknown:
        raise UnknownSource(f"unknown source {unknown[0]!r}; known: {', '.join(REGISTRY)}")
    out: dict[str, str] = {}
    for name, source in REGISTRY.items():
        if only is not None and name not in only:
            continue
        loc = overrides.get(name) or source.default_location()
        if loc:
            out[name] = loc
    return out


def data_warnings(overrides: dict[str, str], only: set[str] | None = None) -> list[str]:
    """What a run with these sources loses because reference data is not installed (``kg data install``).

    One line per source that would fall back to a synthetic sample, be skipped for want of data,
    or (GO) load without term names; sources given with ``--source`` are the user's choice.
    """
    out: list[str] = []
    for package in PACKAGES:
        for name in package.sources:
            if name in overrides or (only is not None and name not in only):
                continue
            location = REGISTRY[name].default_location()
            if package.kind == "debian":
                if location and debian_file(package.name, package.members[0]) is None:
                    out.append(f"{name}: loads without GO term names ({package.name} is not installed)")
            elif location is None:
                out.append(f"{name}: SKIPPED, no data ({package.key}: {package.provides} is not installed)")
            elif "synthetic" in location.lower():
                out.append(f"{name}: loads the SYNTHETIC sample, not the real data ({package.key} is not installed)")
    return out


def unchanged_sources(
    overrides: dict[str, str],
    settings: EtlSettings,
    home: Path,
    loads: list[dict[str, Any]],
    only: set[str] | None = None,
) -> list[str] | None:
    """The chosen sources when each one's files and settings are those of its last completed load, else ``None``.

    A re-run with nothing to do then stops after hashing the inputs, without extracting anything:
    it is exactly the case in which every source's load would say ``unchanged``.
    """
    fp_settings = settings_fingerprint(settings)
    loaded = {row["source"]: row for row in loads}
    chosen = locations(overrides, only)
    for name, location in chosen.items():
        prev = loaded.get(name)
        if prev is None or prev.get("state") != "loaded":
            return None
        files = expand(location, home / "cache")
        checksum = files_checksum({f.name: f.sha256 for f in files})
        if prev.get("fingerprint") != inputs_fingerprint(checksum, fp_settings):
            return None
    return list(chosen)


def settings_fingerprint(settings: EtlSettings) -> str:
    """The thresholds that change derived edges, as canonical JSON."""
    return json.dumps(
        settings.model_dump(exclude={"batch_size", "load_workers", "max_rejects", "max_reject_fraction", "sources"}),
        sort_keys=True,
    )


def extract(
    name: str,
    location: str,
    settings: EtlSettings,
    cache_dir: Path,
    genes: GeneResolver | None,
    cohorts: CohortTable,
    start: StartTask = no_progress,
) -> tuple[SourceResult, Rejects]:
    """Run one adapter and group its records (duplicates merged) by label and type."""
    source = REGISTRY[name]
    if source.needs_genes and genes is None:
        raise KGError(f"source {name!r} needs the gene reference: the 'genes' source must come first")
    files = expand(location, cache_dir)
    rejects = Rejects(name, settings.max_reject_fraction, settings.max_rejects)
    ctx = SourceContext(name, files, settings, rejects, genes if source.needs_genes else None, cohorts)
    nodes: dict[NodeLabel, dict[str, dict[str, Any]]] = {}
    edges: dict[RelType, dict[tuple[Any, ...], dict[str, Any]]] = {}
    advance = start(f"extract {name}", None)
    n = 0
    for record in source.read(ctx):
        n += 1
        if n % 10_000 == 0:
            advance(10_000)
        if isinstance(record, Node):
            if problem := node_problem(record):
                rejects.add(reject(name, problem))
                continue
            row = nodes.setdefault(record.label, {}).setdefault(record.id, {"id": record.id})
            for k, v in record.row().items():
                row.setdefault(k, v)
        else:
            assert isinstance(record, Edge)
            key = (record.start, record.end, *(record.props.get(k) for k in EDGE_KEY[record.type] if k != "source"))
            edges.setdefault(record.type, {}).setdefault(
                key, {"start": record.start, "end": record.end, "props": dict(record.props)}
            )
    advance(n % 10_000)
    rejects.check(n + len(rejects.rows))
    synthetic = any(f.synthetic for f in files)
    result = SourceResult(
        name=name,
        origins=[f.origin for f in files],
        checksums={f.name: f.sha256 for f in files},
        version=source.version(files),
        synthetic=synthetic,
        nodes={label: list(rows.values()) for label, rows in nodes.items()},
        edges={rel: list(rows.values()) for rel, rows in edges.items()},
        rejects=len(rejects.rows),
        unresolved=genes.unresolved_count(name) if genes is not None else 0,
        stats=dict(ctx.stats),
        licence=source.licence,
    )
    return result, rejects


def validate_edges(results: list[SourceResult], all_rejects: dict[str, Rejects]) -> None:
    """Drop (into rejects) edges whose endpoints no source produced; re-check thresholds.

    Cross-references (:data:`kg.schema.CROSS_REFERENCES`) to a disease no source produced are
    left out and counted as ``not_in_graph``: mapping files name every OMIM/Orphanet entry.
    """
    known: dict[NodeLabel, set[str]] = {label: set() for label in NodeLabel}
    for r in results:
        for label, rows in r.nodes.items():
            known[label].update(row["id"] for row in rows)
    for r in results:
        rejects = all_rejects[r.name]
        total = 0
        for rel, rows in r.edges.items():
            kept = []
            for row in rows:
                total += 1
                problem = edge_problem(Edge(rel, row["start"], row["end"], row["props"]), known)
                if problem and rel in CROSS_REFERENCES and ": unknown " in problem:
                    r.stats["not_in_graph"] = r.stats.get("not_in_graph", 0) + 1
                elif problem:
                    rejects.add(reject(r.name, problem))
                else:
                    kept.append(row)
            r.edges[rel] = kept
        r.rejects = len(rejects.rows)
        rejects.check(total + sum(len(v) for v in r.nodes.values()))


def add_provenance(result: SourceResult, rid: str) -> None:
    """Stamp ``source``, ``source_version``, ``release`` (and ``synthetic``) on every edge."""
    stamp: dict[str, Any] = {"source": result.name, "source_version": result.version, "release": rid}
    if result.synthetic:
        stamp["synthetic"] = True
    for rows in result.edges.values():
        for row in rows:
            row["props"].update(stamp)


def transform(
    overrides: dict[str, str],
    settings: EtlSettings,
    home: Path,
    start: StartTask = no_progress,
    only: set[str] | None = None,
) -> tuple[str, list[SourceResult], dict[str, Rejects], GeneResolver]:
    """Extract and validate every source (or the ``only`` ones); nothing is written anywhere."""
    locs = locations(overrides, only)
    if "genes" not in locs:
        raise KGError("the gene reference ('genes' source) is required")
    cohorts = CohortTable()
    cache = home / "cache"
    results: list[SourceResult] = []
    all_rejects: dict[str, Rejects] = {}
    resolver: GeneResolver | None = None
    for name, loc in locs.items():
        started = time.perf_counter()
        result, rejects = extract(name, loc, settings, cache, resolver, cohorts, start)
        result.seconds = time.perf_counter() - started
        if name == "genes":
            resolver = GeneResolver(
                Node(NodeLabel.GENE, row["id"], row) for row in result.nodes.get(NodeLabel.GENE, [])
            )
        results.append(result)
        all_rejects[name] = rejects
    assert resolver is not None
    validate_edges(results, all_rejects)
    rid = release_id(results, settings_fingerprint(settings))
    for r in results:
        add_provenance(r, rid)
    return rid, results, all_rejects, resolver


def build_release(
    overrides: dict[str, str],
    settings: EtlSettings,
    home: Path,
    write: bool = True,
    start: StartTask = no_progress,
    only: set[str] | None = None,
) -> RunReport:
    """Transform and (unless ``write`` is false) write the release folder with reports."""
    t0 = time.perf_counter()
    rid, results, all_rejects, resolver = transform(overrides, settings, home, start, only)
    out: Path | None = None
    if write:
        out = write_release(home / "releases", rid, results, settings.model_dump())
        for name, rejects in all_rejects.items():
            if rejects.rows:
                rejects.write(out / "rejects" / f"{name}.tsv")
            if resolver.unresolved_count(name):
                resolver.write_report(out / "unresolved" / f"{name}.tsv", name)
    return RunReport(rid, out, results, seconds=time.perf_counter() - t0, resolver=resolver)
