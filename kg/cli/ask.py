"""``kg rank | diagnose | explain``: answers from a loaded model, through the background worker when one runs.

The answer is a JSON-ready dict, computed in-process on the first call (which then starts a
worker, see :mod:`kg.cli.worker`) and by the worker afterwards, so both paths print the same.
"""

from __future__ import annotations

import sys
import time
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from gnn.explanation import ExplainedPath, Explanation, ScorePart
from kg.cli import worker
from kg.cli.model import Format, ModelDir, model_context
from kg.cli.output import OutputFormat, console, emit, emit_json, err_console, progress
from kg.errors import KGError, StoreUnavailable
from kg.settings import DEFAULT_RUN, load_settings
from kg.store import Neo4jStore

if TYPE_CHECKING:
    from gnn.answers import Answers
    from gnn.inference import ModelContext
    from kg.diseases import DiseaseSpace


def answers(ctx: ModelContext) -> Answers:
    """The request handler of a loaded model (it reads the disease space from Neo4j on first need)."""
    from gnn.answers import Answers
    from kg.diseases import read_disease_space

    settings = load_settings()

    def space() -> DiseaseSpace:
        with Neo4jStore.from_settings(settings) as store:
            return read_disease_space(store)

    return Answers(ctx, space)


def answer(model: Path, request: dict[str, Any]) -> dict[str, Any]:
    """Ask the model's worker; without one, load the model here, answer, and start a worker."""
    settings = load_settings()
    reply = worker.ask(settings, model, request)
    if reply is not None:
        return {**reply, "load_ms": 0.0, "worker": True}
    loading = time.perf_counter()
    _, ctx = model_context(model)
    load_ms = (time.perf_counter() - loading) * 1000
    result = answers(ctx)(request)
    worker.spawn(settings, model)
    return {**result, "load_ms": load_ms, "worker": False}


def worker_cmd(model: ModelDir = DEFAULT_RUN) -> None:
    """Keep MODEL loaded and answer `kg explain` / `kg rank` / `kg diagnose` over a Unix socket (internal)."""
    settings, ctx = model_context(model)

    def state() -> object:
        from kg.export import graph_state

        try:
            with Neo4jStore.from_settings(settings) as store:
                return graph_state(store)
        except StoreUnavailable:
            return None  # the graph is down: stale, the next call reports it

    worker.serve(settings, model, answers(ctx), state)


Phenotypes = Annotated[str | None, typer.Option(help="Comma-separated observed HPO terms, e.g. HP:0001250,HP:0001263.")]
Exclude = Annotated[
    str | None,
    typer.Option("--exclude", help="Comma-separated HPO terms the patient was examined for and does not have."),
]
PhenopacketOption = Annotated[
    Path | None,
    typer.Option(
        "--phenopacket",
        help="A GA4GH phenopacket (v2, or v1) JSON file, or a folder of them (a cohort: see --out). "
        "Observed and excluded terms are read; obsolete ids are replaced by their current term.",
    ),
]
OnePhenopacket = Annotated[
    Path | None,
    typer.Option(
        "--phenopacket",
        help="A GA4GH phenopacket (v2, or v1) JSON file: its observed and excluded terms (obsolete ids replaced).",
    ),
]
Out = Annotated[
    Path | None,
    typer.Option(help="Rank a cohort: write PhEval gene and disease result files per patient and top.parquet here."),
]


def _request(phenotypes: str | None, exclude: str | None, phenopacket: Path | None) -> dict[str, Any]:
    """The patient of a command line: terms, or one phenopacket (errors name the file and JSON path)."""
    from kg.patient import Patient, read_phenopacket

    if (phenotypes is None) == (phenopacket is None):
        raise KGError("give either --phenotypes or --phenopacket")
    if phenopacket is not None:
        if exclude:
            raise KGError("--exclude goes with --phenotypes; a phenopacket says what is excluded itself")
        patient = read_phenopacket(phenopacket)
    else:
        terms = [p.strip() for p in (phenotypes or "").split(",") if p.strip()]
        excluded = [p.strip() for p in (exclude or "").split(",") if p.strip()]
        patient = Patient.of_terms(terms, excluded, id="command line")
    return {"patient": patient.to_json()}


def _cohort(model: Path, location: Path, out: Path, top: int, fmt: OutputFormat) -> None:
    """Rank every phenopacket under ``location`` in-process with a progress bar."""
    from gnn.cohort import rank_cohort
    from kg.patient import phenopacket_files

    files = phenopacket_files(location)
    _, ctx = model_context(model)
    handler = answers(ctx)
    start = time.perf_counter()
    with progress() as bar:
        task = bar.add_task(f"ranking {len(files):,} patients", total=len(files))
        run = rank_cohort(handler, files, out, top, lambda n: bar.advance(task, n))
    seconds = time.perf_counter() - start
    if fmt is OutputFormat.json:
        emit_json({**run.as_dict(), "seconds": seconds, "model_version": ctx.version})
        return
    console.print(
        f"{run.ranked:,} patients ranked in {seconds:.1f} s ({run.notes:,} with notes on their terms), "
        f"{len(run.skipped):,} skipped (see skipped.tsv); PhEval results and top.parquet in {out}",
        highlight=False,
        markup=False,
    )
    for file, path, reason in run.skipped[:5]:
        err_console.print(f"skipped {file} {path}: {reason}", highlight=False, markup=False)


def _notes(result: dict[str, Any]) -> None:
    for note in result.get("notes", []):
        err_console.print(f"note: {note}", highlight=False, markup=False)


def rank(
    phenotypes: Phenotypes = None,
    exclude: Exclude = None,
    phenopacket: PhenopacketOption = None,
    out: Out = None,
    model: ModelDir = DEFAULT_RUN,
    top: Annotated[int, typer.Option(help="Genes (and, for a cohort, diseases) to list per patient.")] = 20,
    fmt: Format = OutputFormat.table,
) -> None:
    """Rank genes for a patient: observed (and excluded) HPO terms, or a phenopacket; a folder is a cohort."""
    if phenopacket is not None and (phenopacket.is_dir() or out is not None):
        if out is None:
            raise KGError(f"{phenopacket} is a folder: give --out DIR for the cohort's result files")
        _cohort(model, phenopacket, out, top, fmt)
        return
    if out is not None:
        raise KGError("--out writes a cohort's results: give it with --phenopacket FILE_OR_DIR")
    result = answer(model, {**_request(phenotypes, exclude, phenopacket), "op": "rank", "top": top})
    if fmt is OutputFormat.json:
        emit_json(result)
        return
    _notes(result)
    excluded = f"; excluded {', '.join(result['excluded'])}" if result["excluded"] else ""
    emit(
        ["rank", "gene", "symbol", "score", "logit"],
        [[r["rank"], r["gene_id"], r["symbol"], f"{r['score']:.4f}", f"{r['logit']:.3f}"] for r in result["genes"]],
        fmt,
        title=f"genes for {', '.join(result['phenotypes'])}{excluded} (model {result['model_version']})",
    )


def diagnose(
    phenotypes: Phenotypes = None,
    exclude: Exclude = None,
    phenopacket: OnePhenopacket = None,
    model: ModelDir = DEFAULT_RUN,
    top: Annotated[int, typer.Option(help="Diseases to list.")] = 10,
    fmt: Format = OutputFormat.table,
) -> None:
    """Differential diagnosis: rank diseases for a patient's observed and excluded HPO terms, with why."""
    if phenopacket is not None and phenopacket.is_dir():
        raise KGError(f"{phenopacket} is a folder: rank a cohort with kg rank --phenopacket DIR --out DIR")
    result = answer(model, {**_request(phenotypes, exclude, phenopacket), "op": "diagnose", "top": top})
    if fmt is OutputFormat.json:
        emit_json(result)
        return
    _notes(result)
    rows = []
    for d in result["diseases"]:
        matched = "; ".join(f"{t['name']} ({t['weight']:.1f})" for t in d["matched"][:4])
        against = "; ".join(f"{t['name']} ({t['weight']:.0%})" for t in d["excluded_present"][:3])
        lacks = "; ".join(t["name"] or t["id"] for t in d["missing_frequent"][:3])
        genes = ", ".join(g["symbol"] or g["id"] for g in d["genes"][:5])
        name = f"{d['name']} ({d['disease_id']})" + (
            f" = {', '.join(d['equivalents'][:2])}" if d["equivalents"] else ""
        )
        rows.append([d["rank"], name, f"{d['score']:.3f}", matched, against or "-", lacks or "-", genes or "-"])
    emit(
        ["rank", "disease", "score", "matched (weight)", "excluded but present (freq)", "frequent, absent", "genes"],
        rows,
        fmt,
        title=f"differential diagnosis for {result['patient']} (model {result['model_version']}): "
        "score = phenotype similarity × best match × the excluded terms' factor",
    )


class ExplainFormat(StrEnum):
    """Output of ``kg explain``: the tables, JSON, or the explanation subgraph for Gephi/Cytoscape."""

    table = "table"
    json = "json"
    csv = "csv"
    graphml = "graphml"
    gexf = "gexf"
    cyjs = "cyjs"


def explain(
    gene: Annotated[str, typer.Argument(help="Gene id (NCBIGene:…, ENSG…, HGNC:…), symbol or alias.")],
    disease: Annotated[str, typer.Argument(help="Disease id (OMIM:…, ORPHA:…, MONDO:…).")],
    model: ModelDir = DEFAULT_RUN,
    top: Annotated[int, typer.Option(help="Paths to list.")] = 10,
    fmt: Annotated[
        ExplainFormat,
        typer.Option(
            "--format",
            help="table, json, csv; or the explanation subgraph as graphml / gexf (Gephi) or cyjs (Cytoscape).",
        ),
    ] = ExplainFormat.table,
) -> None:
    """Why the model links GENE to DISEASE: most-attended neighbours and top attention paths (≤ 3 hops)."""
    e = answer(model, {"op": "explain", "gene": gene, "disease": disease, "top": top})
    if fmt.value in ("graphml", "gexf", "cyjs"):
        from gnn.subgraph import explanation_graph, write_graph

        sys.stdout.write(write_graph(explanation_graph(e), fmt.value))
        return
    if fmt is ExplainFormat.json:
        emit_json(e)
        return
    x = Explanation.from_dict(e)
    table_fmt = OutputFormat(fmt.value)
    loaded = (
        "model kept loaded by its worker" if e["worker"] else f"model context loaded in {e['load_ms'] / 1000:.1f} s"
    )
    ev = x.evidence
    value = (
        f"score {ev.score:.4f} (probability {ev.probability or 0:.4f})"
        if ev is not None and ev.network
        else f"logit {x.logit:.3f}"
    )
    console.print(
        f"{x.gene.name} ({x.gene.id}) → {x.disease.name} ({x.disease.id}): {value} "
        f"[dim](model {e['model_version']}; {loaded}, explained in {e['ms']:.0f} ms)[/]"
    )
    if x.synthetic:
        err_console.print(
            "[yellow]warning:[/] this model learned from synthetic sample data (kg train --include-synthetic); "
            "paths marked synthetic run through such edges"
        )
    print_explanation(x, table_fmt)


def print_explanation(e: Explanation, fmt: OutputFormat) -> None:
    """The explanation's tables: the network's paths and shares, or an older run's paths, prior and ranker parts."""
    if e.evidence is not None and e.evidence.network:
        _print_network(e, fmt)
        return
    emit(
        ["weight", "hops", "path"],
        [[f"{p.weight:.4f}", p.hops, _path_text(p) + (" (synthetic)" if p.synthetic else "")] for p in e.paths],
        fmt,
        title="top attention paths",
    )
    emit(
        ["side", "layer", "relation", "neighbour", "weight"],
        [[n.side, n.layer, n.relation, f"{n.node.name} ({n.node.id})", f"{n.weight:.3f}"] for n in e.neighbours],
        fmt,
        title="most-attended neighbours",
    )
    if e.prior is not None:
        p = e.prior
        title = (
            f"phenotype prior {p.value:.3f}, with its spread from neighbours {p.with_spread:.3f}: "
            f"{p.weight:.2f} × log(floor + that) = {p.logit_part:.3f} of the logit {e.logit:.3f}"
        )
        emit(
            [
                "similar known disease of the gene",
                "cosine",
                "shared phenotypes (weight: IC × learned factor × frequency weight)",
            ],
            [
                [
                    f"{s.node.name} ({s.node.id})",
                    f"{s.cosine:.3f}" + (f" × {s.source_factor:.2f}" if s.source_factor != 1 else ""),
                    "; ".join(f"{t.node.name} ({t.weight:.1f})" for t in s.shared_phenotypes),
                ]
                for s in p.similar_diseases
            ],
            fmt,
            title=title,
        )
        if p.spread_from:
            emit(
                ["neighbour", "relation", "edge weight", "its prior", "flow"],
                [
                    [f"{n.node.name} ({n.node.id})", n.relation, f"{n.weight:.3f}", f"{n.prior:.3f}", f"{n.flow:.4f}"]
                    for n in p.spread_from
                ],
                fmt,
                title="prior spread to the gene from partners and GO terms (relation weight × edge weight × prior)",
            )
    if e.evidence is not None:
        emit(
            ["evidence", "value", "part of the score"],
            [[r.feature, f"{r.value:.3f}", f"{r.contribution:+.3f}"] for r in e.evidence.parts],
            fmt,
            title=f"evidence ranker: score {e.evidence.score:.3f} = sum of the parts (what predictions rank by)",
        )


def _print_network(e: Explanation, fmt: OutputFormat) -> None:
    """The evidence network's explanation: its paths with their shares, then the parts of the score."""
    units = {
        "similar disease": "cosine",
        "interaction partner": "disease's cosine",
        "shared GO term": "gene's evidence",
    }
    emit(
        ["share", "path (gene → … → query)", "value"],
        [[f"{p.weight:.4f}", _path_text(p), f"{units.get(p.kind or '', 'value')} {p.value or 0:.3f}"] for p in e.paths],
        fmt,
        title="paths of the evidence network, largest share of the score first",
    )
    ev = e.evidence
    assert ev is not None and ev.gate is not None
    inputs = ev.gate_inputs or {}
    said = [name for name in ("inheritance match", "inheritance mismatch", "no disease yet") if inputs.get(name)]
    emit(
        ["part of the score", "value", "share"],
        [[r.feature, _value(r), f"{r.contribution:.4f}"] for r in ev.parts],
        fmt,
        title=(
            f"score {ev.score:.4f} = the sum of the shares (what predictions rank by); every path carries the "
            f"gene's gate ×{ev.gate:.2f}" + (f" ({', '.join(said)})" if said else "")
        ),
    )


def _value(part: ScorePart) -> str:
    """A part's value in its unit: a count of paths as a count, a cosine or an evidence to 3 decimals."""
    if part.feature.endswith(" other paths"):
        return f"{part.value:.0f} paths"
    return f"{part.value:.3f}"


def _path_text(path: ExplainedPath) -> str:
    parts = [f"{path.nodes[0].name or path.nodes[0].id}"]
    for rel, node in zip(path.relations, path.nodes[1:], strict=True):
        parts.append(f"-[{rel}]- {node.name or node.id}")
    return " ".join(parts)
