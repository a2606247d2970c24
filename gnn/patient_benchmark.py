"""The real-patient benchmark: published patients (phenopackets) ranked by a model and by baselines.

Each patient with a known causative gene and diagnosis is ranked from their phenotypes alone:
genes by the served score (:class:`gnn.patients.PatientScorer`), diseases by the differential
diagnosis. Ranks are realistic (a tie counts as the mean of its optimistic and pessimistic rank);
a true gene outside the graph ranks last; diseases are ranked as entries where equivalent OMIM,
Orphanet and MONDO ids collapse into one (a disease space), and a diagnosis with no annotated
entry ranks last. Baselines run on the same patients and graph:

* genes: IC-weighted cosine with each gene's phenotype profile; the similar-disease walk (the
  hiPHIVE-like random walk, without excluded terms);
* diseases: Phenomizer-style Resnik best match; IC-weighted cosine.

Patients fall into groups: all; those whose disease has an annotated entry in the release, and
those whose disease has none (new to it); those whose gene had no disease link; those whose
paper the release cites as an annotation source (their phenotypes shaped the disease's annotations); those whose paper
postdates the release (every PMID above the largest PMID it cites), all of them and those
among them whose disease the release annotates (the only ones a diagnosis can rank first). Metrics are given plain (per
patient) and macro-averaged over genes (each gene's patients averaged first).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field

import torch
from torch import Tensor

from gnn.inference import ModelContext, UnknownId
from gnn.metrics import RankResult, bootstrap_ratio, filtered_ranks, per_pair
from gnn.ontology import HAS_PHENOTYPE, IS_A, ancestor_closure
from gnn.patients import IGNORE_EXCLUDED, Exclusion, PatientScorer
from gnn.prospective import Phenomizer, PhenotypeSpace
from gnn.split import TARGET
from kg.diseases import DiseaseSpace
from kg.errors import KGError
from kg.patient import Patient

KS = (1, 10, 100)
GROUPS = (
    "all",
    "disease in the release",
    "disease new to the release",
    "gene without a disease link",
    "paper cited by the release",
    "paper after the release",
    "paper after the release, disease in it",
)
MODEL, WITHOUT_EXCLUDED = "model", "model without excluded terms"
GENE_BASELINES = ("IC-weighted cosine", "similar-disease walk")
DISEASE_BASELINES = ("Phenomizer-style", "IC-weighted cosine")


@dataclass
class PatientRanks:
    """Ranks of every benchmarked patient's gene and disease, per scorer, and the patients' groups."""

    genes: dict[str, list[float]] = field(default_factory=dict)
    diseases: dict[str, list[float]] = field(default_factory=dict)
    symbols: list[str] = field(default_factory=list)
    groups: dict[str, list[bool]] = field(default_factory=lambda: {g: [] for g in GROUPS})
    skipped: dict[str, int] = field(default_factory=dict)

    def mask(self, group: str) -> Tensor:
        """``[N]`` bool: the patients of ``group``."""
        return torch.tensor(self.groups[group], dtype=torch.bool)

    def metrics(self, kind: str, scorer: str, group: str) -> dict[str, float]:
        """Patients, genes, and plain and macro (over genes) MRR and Hits@k of one scorer on one group."""
        ranks = torch.tensor((self.genes if kind == "gene" else self.diseases)[scorer])[self.mask(group)]
        symbols = [s for s, keep in zip(self.symbols, self.groups[group], strict=True) if keep]
        out: dict[str, float] = {"patients": len(symbols), "genes": len(set(symbols))}
        if not symbols:
            return out
        out.update(RankResult.from_ranks(ranks, KS).to_flat_dict())
        unit = _units(symbols)
        for metric in ("mrr", *(f"hits@{k}" for k in KS)):
            values = per_pair(ranks, metric)
            per_gene = torch.zeros(int(unit.max()) + 1).index_add_(0, unit, values)
            sizes = torch.bincount(unit).float()
            out[f"macro {metric}"] = float((per_gene / sizes).mean())
        return out

    def ratio(self, kind: str, mine: str, theirs: str, group: str, metric: str) -> tuple[float, float, float]:
        """``mean(mine) / mean(theirs)`` of a metric on a group, with a 95 % interval resampling genes."""
        table = self.genes if kind == "gene" else self.diseases
        keep = self.mask(group)
        a = per_pair(torch.tensor(table[mine])[keep], metric)
        b = per_pair(torch.tensor(table[theirs])[keep], metric)
        symbols = [s for s, k in zip(self.symbols, self.groups[group], strict=True) if k]
        unit = _units(symbols)
        low, high = bootstrap_ratio(a, b, unit)
        return float(a.mean() / b.mean().clamp(min=1e-12)), low, high


class PatientBenchmark:
    """Ranks published patients on one model's graph.

    Args:
        ctx: The model on its graph.
        space: Equivalent disease ids (for judging and collapsing diseases).
        cited: PMIDs the graph's HPO release cites as annotation sources.
        exclusion: How the model counts excluded terms (the served default unless given).
    """

    def __init__(
        self, ctx: ModelContext, space: DiseaseSpace, cited: set[int], exclusion: Exclusion | None = None
    ) -> None:
        self.ctx, self.cited, self.space = ctx, cited, space
        self.latest = max(cited) if cited else 0
        self.scorer = PatientScorer(ctx) if exclusion is None else PatientScorer(ctx, exclusion)
        self.ignoring = PatientScorer(ctx, IGNORE_EXCLUDED)
        edges, num = ctx.edges, ctx.num_nodes
        links = edges[TARGET]
        self.linked_genes = set(torch.unique(links[0]).tolist())
        closure = ancestor_closure(edges.get(IS_A, torch.empty(2, 0, dtype=torch.long)), num["Phenotype"])
        none = (torch.empty(2, 0, dtype=torch.long), 0)
        self.phen = PhenotypeSpace(
            num["Phenotype"], edges[IS_A], (edges[HAS_PHENOTYPE], num["Disease"]), none, links, num["Gene"]
        )
        self.phenomizer = Phenomizer(self.phen, closure)
        profiles = self.phen.gene_profiles
        self.gene_profiles = profiles / profiles.norm(dim=1, keepdim=True).clamp(min=1e-12)
        diseases = self.phen.old.to_dense() * self.phen.ic
        self.disease_vectors = diseases / diseases.norm(dim=1, keepdim=True).clamp(min=1e-12)
        self.classes = self._classes()

    def _classes(self) -> Tensor:
        """``[D]`` entry of each disease: equivalent ids share one (the smallest index among them)."""
        ids = self.ctx.graph.node_ids["Disease"]
        index = {d: i for i, d in enumerate(ids)}
        out = torch.arange(len(ids))
        for i, d in enumerate(ids):
            same = [index[e] for e in self.space.equivalents(d) if e in index]
            out[i] = min([i, *same])
        return out

    def truth(self, patient: Patient) -> tuple[int, int | None]:
        """The patient's gene index (-1 outside the graph) and disease entry (``None``: no annotated entry)."""
        try:
            gene = self.ctx.lookup("Gene", patient.genes[0])
        except UnknownId:
            gene = -1
        annotated = self.scorer.annotated()
        index = self.ctx.index("Disease")
        for d in patient.diseases:
            for e in (d, *sorted(self.space.equivalents(d))):
                if e in index and annotated[index[e]]:
                    return gene, int(self.classes[index[e]])
        return gene, None

    def resolved(self, patients: Sequence[Patient]) -> Iterator[tuple[Patient, Tensor, Tensor, int, int | None]]:
        """Each patient whose terms the graph knows: its observed and excluded terms, gene and disease entry."""
        resolver = self.ctx.term_resolver()
        for patient in patients:
            try:
                observed, excluded = self.scorer.terms(resolver.resolve(patient))
            except KGError:
                continue
            yield (patient, observed, excluded, *self.truth(patient))

    def run(self, patients: Sequence[Patient], on_patient: Callable[[int], None] | None = None) -> PatientRanks:
        """Rank every patient's gene and disease with the model (with and without excluded terms) and the baselines."""
        out = PatientRanks()
        resolver = self.ctx.term_resolver()
        num_genes = self.ctx.num_nodes["Gene"]
        num_entries = int(torch.unique(self.classes[self.scorer.annotated()]).numel())
        walk = self.ctx.ranker_features().walk
        for patient in patients:
            if on_patient is not None:
                on_patient(1)
            try:
                resolved = resolver.resolve(patient)
                observed, excluded = self.scorer.terms(resolved)
            except KGError as exc:
                key = type(exc).__name__
                out.skipped[key] = out.skipped.get(key, 0) + 1
                continue
            gene, entry = self.truth(patient)
            query = self.ctx.prior.ancestors(observed) * self.phen.ic if self.ctx.prior is not None else None
            assert query is not None
            query = query / query.norm().clamp(min=1e-12)
            gene_scores = {
                MODEL: self.scorer.gene_scores(observed, excluded),
                WITHOUT_EXCLUDED: self.ignoring.gene_scores(observed, excluded),
                "IC-weighted cosine": self.phen.scatter(query @ self.gene_profiles.t())[0],
                "similar-disease walk": walk.for_terms(observed)[0],
            }
            disease_scores = {
                MODEL: self.scorer.disease_scores(observed, excluded),
                WITHOUT_EXCLUDED: self.ignoring.disease_scores(observed, excluded),
                "Phenomizer-style": self.phenomizer.scores_for_terms(observed),
                "IC-weighted cosine": (query @ self.disease_vectors.t())[0],
            }
            for name, scores in gene_scores.items():
                rank = _rank(scores, gene) if gene >= 0 else float(num_genes)
                out.genes.setdefault(name, []).append(rank)
            for name, scores in disease_scores.items():
                out.diseases.setdefault(name, []).append(self._disease_rank(scores, entry, num_entries))
            out.symbols.append(patient.genes[0])
            pmids = patient.pmids
            after = bool(pmids) and min(pmids) > self.latest
            flags = {
                "all": True,
                "disease in the release": entry is not None,
                "disease new to the release": entry is None,
                "gene without a disease link": gene not in self.linked_genes,
                "paper cited by the release": bool(set(pmids) & self.cited),
                "paper after the release": after,
                "paper after the release, disease in it": after and entry is not None,
            }
            for g in GROUPS:
                out.groups[g].append(flags[g])
        return out

    def _disease_rank(self, scores: Tensor, entry: int | None, num_entries: int) -> float:
        """Realistic rank of the patient's entry among the annotated entries (equivalents collapsed)."""
        if entry is None:
            return float(num_entries)
        scores = scores.float().masked_fill(~self.scorer.annotated(), float("-inf"))
        best = torch.full((scores.numel(),), float("-inf")).scatter_reduce(
            0, self.classes, scores, reduce="amax", include_self=True
        )
        candidates = torch.zeros(scores.numel(), dtype=torch.bool)
        candidates[self.classes[self.scorer.annotated()]] = True
        return _rank(best.masked_fill(~candidates, float("-inf")), entry)


def _rank(scores: Tensor, target: int) -> float:
    """Realistic rank (1 = best) of ``target`` in ``scores``: ties count half."""
    known = torch.zeros(1, scores.numel(), dtype=torch.bool)
    return float(filtered_ranks(scores[None, :].float(), torch.tensor([target]), known)[0])


def _units(symbols: Sequence[str]) -> Tensor:
    """``[N]`` each patient's gene as a number (genes in sorted order: the bootstrap repeats)."""
    order = {s: i for i, s in enumerate(sorted(set(symbols)))}
    return torch.tensor([order[s] for s in symbols], dtype=torch.long)
