"""Patients on a trained model: candidate genes and a differential diagnosis, with their reasons.

A patient is a set of observed HPO terms and a set of excluded ones (:class:`kg.patient.Patient`).

* **Genes** are ranked by the score predictions use (the evidence ranker over the model's parts,
  or the model's logit without one) for a transient disease node that has the observed terms.
* **Diseases** are ranked by the model's phenotype similarity: the cosine of the patient's and
  each disease's ancestor-propagated HPO vectors (each term weighted by its information content
  times the factor the model learned on simulated patients, each disease annotation by its
  frequency), times Phenomizer's best-match similarity (how well each of the patient's terms is
  explained by the disease, scaled to the best disease's 1) squared, times the excluded terms'
  factor. The cosine also penalises what the disease has and the patient lacks; the best match
  does not, so their product prefers a disease that explains every term without being a larger
  syndrome (A–M cohorts of phenopacket-store: Hits@1 0.30 against 0.23 for either alone).
* **Excluded terms** multiply each disease's similarity by their likelihood ratio
  (:meth:`gnn.prior.PhenotypePrior.exclusion`): a term the patient was examined for and lacks
  was most likely examined because a suspected disease has it, and is absent as often as that
  disease lacks it; so an occasional feature of a disease, examined and absent, counts for it
  and an obligate one against it. The same factor reaches the gene ranking through every place
  a disease similarity is read (the prior, the ranker's best-disease features and the
  similar-disease walk).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

import torch
from torch import Tensor

from gnn.graph import incoming_edges
from gnn.ontology import HAS_PHENOTYPE
from gnn.pair_features import model_parts
from gnn.split import TARGET
from kg.diseases import DiseaseSpace
from kg.patient import Patient

if TYPE_CHECKING:
    from gnn.inference import ModelContext
    from gnn.prior import PhenotypePrior


@dataclass(frozen=True)
class Exclusion:
    """How a patient's excluded terms weigh on each disease (:meth:`gnn.prior.PhenotypePrior.exclusion`).

    The defaults were chosen on the A–M cohorts of phenopacket-store with the HPO 2021-10 model
    (``docs/benchmarks.md``): a grid of ``checked`` 0.15–0.7, ``unknown`` 0.1–0.5 and ``temper``
    0.1–1 on the disease ranking (MRR 0.234 ignoring excluded terms, 0.332 here, 0.30–0.34 over
    the grid's best region); a pure penalty (``checked`` 1) lowers the true disease there (MRR
    0.09–0.21), because published patients' excluded terms are mostly features of their own
    disease.

    Args:
        checked: Chance that a term no suspected disease has is examined and reported absent.
        unknown: Frequency assumed for an annotation without one.
        temper: Exponent of the product over the excluded terms.
        enabled: ``False``: excluded terms are ignored.
    """

    checked: float = 0.2
    unknown: float = 0.25
    temper: float = 0.15
    enabled: bool = True

    def factor(self, prior: PhenotypePrior, excluded: Tensor) -> Tensor:
        """``[1, D]`` the factor on each disease's similarity."""
        if not self.enabled or excluded.numel() == 0:
            return torch.ones(1, prior.num_diseases)
        return prior.exclusion(excluded, self.checked, self.unknown, self.temper)


IGNORE_EXCLUDED = Exclusion(enabled=False)
#: Exponent of the best-match similarity in a disease's score (chosen on the A–M cohorts: 0.5–4 tried).
BEST_MATCH_POWER = 2.0
#: A disease phenotype is "frequent" from this HPO frequency on (HP:0040281 "very frequent" starts at 80 %).
FREQUENT = 0.8


@dataclass(frozen=True)
class GeneHit:
    """One ranked gene for a patient."""

    rank: int
    gene_id: str
    symbol: str | None
    score: float
    logit: float


@dataclass(frozen=True)
class TermWeight:
    """A phenotype with its weight in the match (IC × learned factor) or its frequency in the disease."""

    id: str
    name: str | None
    weight: float
    matched_as: str | None = None  # the disease's term the patient's term met (itself or an ancestor)


@dataclass(frozen=True)
class DiseaseHit:
    """One ranked disease for a patient, with why.

    ``score`` (what the ranking uses) = ``similarity`` (the weighted cosine) × ``best_match``
    (Phenomizer's similarity over the best disease's, squared) × ``exclusion_factor`` (below 1:
    the excluded terms count against the disease, above 1: for it).
    """

    rank: int
    disease_id: str
    name: str | None
    score: float
    similarity: float
    best_match: float
    exclusion_factor: float
    equivalents: tuple[str, ...] = ()
    matched: tuple[TermWeight, ...] = ()
    excluded_present: tuple[TermWeight, ...] = ()
    missing_frequent: tuple[TermWeight, ...] = ()
    genes: tuple[tuple[str, str | None], ...] = field(default=())

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        out = asdict(self)
        out["genes"] = [{"id": g, "symbol": s} for g, s in self.genes]
        return out


class PatientScorer:
    """Genes and diseases for patients, on one model context.

    Args:
        ctx: The loaded model on its graph.
        exclusion: How excluded terms count (:data:`IGNORE_EXCLUDED`: not at all).
    """

    def __init__(self, ctx: ModelContext, exclusion: Exclusion = Exclusion()) -> None:
        self.ctx, self.exclusion = ctx, exclusion
        self._annotated: Tensor | None = None

    @property
    def prior(self) -> PhenotypePrior:
        """The model's phenotype prior (patients need it: a model without one cannot rank diseases)."""
        if self.ctx.prior is None:
            from gnn.artefacts import ArtefactError

            raise ArtefactError("ranking for a patient needs a model with the phenotype prior")
        return self.ctx.prior

    def terms(self, patient: Patient) -> tuple[Tensor, Tensor]:
        """The patient's observed and excluded terms as phenotype indices (unknown ids raise ``UnknownId``)."""
        observed = sorted({self.ctx.lookup("Phenotype", t) for t in patient.observed})
        excluded = sorted({self.ctx.lookup("Phenotype", t) for t in patient.excluded} - set(observed))
        return torch.tensor(observed, dtype=torch.long), torch.tensor(excluded, dtype=torch.long)

    def penalty(self, excluded: Tensor) -> Tensor:
        """``[1, D]`` the excluded terms' factor on each disease."""
        return self.exclusion.factor(self.prior, excluded)

    # -- genes ------------------------------------------------------------------------
    def gene_scores(self, observed: Tensor, excluded: Tensor) -> Tensor:
        """``[G]`` what genes are ranked by for this patient (the served score)."""
        ctx = self.ctx
        scorer = ctx.scorer
        if scorer is not None:
            penalty = self.penalty(excluded) if excluded.numel() else None
            return scorer.logits(scorer.terms(observed, penalty))[0]
        model = ctx.model
        h_all, attention = ctx.encoded()
        with torch.no_grad():
            transient = self.transient(observed)
            if ctx.prior is None:
                return model.score_all(h_all["Gene"], transient)[0]
            penalty = self.penalty(excluded) if excluded.numel() else None
            raw = ctx.prior.scores_for_terms(observed, ctx.edges[TARGET], penalty)
            if ctx.ranker is None:
                prior = model.prior_logit(raw, attention, ctx.edges, ctx.num_nodes["Gene"])
                return model.score_all(h_all["Gene"], transient, prior)[0]
            parts = model_parts(model, h_all["Gene"], transient, raw, attention, ctx.edges)
            x = ctx.ranker_features().for_terms(observed, parts[0], raw, parts[1], penalty)
            return ctx.ranker.score(x)[0]

    def transient(self, observed: Tensor) -> Tensor:
        """``[1, hidden]`` the representation of a transient disease annotated with ``observed``.

        The transient disease sends no message to any other node (it has no gene links), so the
        cached encoding stays valid for every other node and only the new disease's computation
        graph is run, on the nodes it holds alone (relabelled; the per-id embeddings keep their
        ids): the same sums as on the whole graph, without transforming every node's features.
        """
        ctx, model = self.ctx, self.ctx.model
        terms = observed.tolist()
        new = ctx.num_nodes["Disease"]
        query = ctx.message_graph.with_query_diseases(torch.tensor([[0] * len(terms), terms], dtype=torch.long), 1)
        sub = incoming_edges(query.edges, model.edge_types, "Disease", new, model.config.layers)
        features = ctx.transient_features(query.num_nodes, query.edges)
        held = {t: [torch.tensor([new])] if t == "Disease" else [] for t in features}
        for (src, _, dst), ei in sub.items():
            held[src].append(ei[0])
            held[dst].append(ei[1])
        ids = {t: torch.unique(torch.cat(v)) if v else torch.empty(0, dtype=torch.long) for t, v in held.items()}
        position = {}
        for t, kept in ids.items():
            position[t] = torch.full((features[t].shape[0],), -1, dtype=torch.long)
            position[t][kept] = torch.arange(kept.numel())
        edges = {et: torch.stack([position[et[0]][ei[0]], position[et[2]][ei[1]]]) for et, ei in sub.items()}
        compact = {t: features[t][kept] for t, kept in ids.items()}
        h, _ = model.encode(compact, edges, node_ids=ids)
        return h["Disease"][position["Disease"][new]][None, :]

    def rank_genes(self, patient: Patient, top: int = 20) -> list[GeneHit]:
        """The top ``top`` genes for ``patient`` (its terms must be on the graph's release)."""
        observed, excluded = self.terms(patient)
        logits = self.gene_scores(observed, excluded)
        probs = torch.softmax(logits, dim=0)
        order = torch.argsort(logits, descending=True, stable=True)[:top]
        return [
            GeneHit(r, self.ctx.node_id("Gene", g), self.ctx.name("Gene", g), float(probs[g]), float(logits[g]))
            for r, g in enumerate(order.tolist(), start=1)
        ]

    # -- diseases ---------------------------------------------------------------------
    def annotated(self) -> Tensor:
        """``[D]`` bool: diseases with at least one phenotype (the candidates of a diagnosis)."""
        if self._annotated is None:
            mask = torch.zeros(self.ctx.num_nodes["Disease"], dtype=torch.bool)
            if HAS_PHENOTYPE in self.ctx.edges:
                mask[self.ctx.edges[HAS_PHENOTYPE][0]] = True
            self._annotated = mask  # assigned whole: a concurrent first call computes the same mask
        return self._annotated

    def disease_parts(self, observed: Tensor, excluded: Tensor) -> tuple[Tensor, Tensor, Tensor]:
        """``[D]`` each: the weighted cosine, the best match (squared, best disease 1), the excluded terms' factor."""
        sim = self.prior.term_similarity(observed)[0]
        match = self.prior.best_match(observed)
        match = (match / match.max().clamp(min=1e-12)) ** BEST_MATCH_POWER
        factor = self.penalty(excluded)[0] if excluded.numel() else torch.ones_like(sim)
        return sim, match, factor

    def disease_scores(self, observed: Tensor, excluded: Tensor) -> Tensor:
        """``[D]`` what diseases are ranked by; diseases without phenotypes score ``-inf``."""
        sim, match, factor = self.disease_parts(observed, excluded)
        return (sim * match * factor).masked_fill(~self.annotated(), float("-inf"))

    def diagnose(
        self, patient: Patient, top: int = 10, space: DiseaseSpace | None = None, reasons: bool = True
    ) -> list[DiseaseHit]:
        """The top ``top`` diseases for ``patient``; equivalent ids (``space``) collapse into one entry.

        ``reasons=False`` leaves each hit's reasons (matched, excluded present, missing frequent
        terms, genes) empty: the ranks and scores of a cohort run, at a fraction of the cost.
        """
        observed, excluded = self.terms(patient)
        sim, match, factor = self.disease_parts(observed, excluded)
        scores = (sim * match * factor).masked_fill(~self.annotated(), float("-inf"))
        order = torch.argsort(scores, descending=True, stable=True)
        ids = self.ctx.graph.node_ids["Disease"]
        seen: set[str] = set()
        picked: list[tuple[int, tuple[str, ...]]] = []
        for d in order.tolist():
            if len(picked) == top or scores[d] == float("-inf"):
                break
            if ids[d] in seen:
                continue
            same = tuple(sorted(space.equivalents(ids[d]))) if space is not None else ()
            seen.update((ids[d], *same))
            picked.append((d, same))
        hits = []
        for rank, (d, same) in enumerate(picked, start=1):
            parts = (float(sim[d]), float(match[d]), float(factor[d]))
            if reasons:
                hits.append(self._hit(rank, d, same, parts, observed, excluded))
            else:
                score = parts[0] * parts[1] * parts[2]
                node = self.ctx.node_id("Disease", d)
                hits.append(DiseaseHit(rank, node, self.ctx.name("Disease", d), score, *parts, same))
        return hits

    def _hit(
        self,
        rank: int,
        d: int,
        same: Sequence[str],
        parts: tuple[float, float, float],
        observed: Tensor,
        excluded: Tensor,
    ) -> DiseaseHit:
        ctx, prior = self.ctx, self.prior
        name = ctx.name("Disease", d)
        profile = prior.propagated_terms(d)
        matched = []
        for q in observed.tolist():
            shared = [a for a in prior.ancestor_terms(q) if a in profile and float(prior.weights[a]) > 0]
            if shared:
                best = max(shared, key=lambda a: float(prior.weights[a]))
                matched.append(
                    TermWeight(
                        ctx.node_id("Phenotype", q),
                        ctx.name("Phenotype", q),
                        float(prior.weights[best]),
                        ctx.node_id("Phenotype", best),
                    )
                )
        matched.sort(key=lambda t: -t.weight)
        present = []
        if excluded.numel():
            freq = prior.presence(excluded, self.exclusion.unknown)[:, d]
            for t, f in zip(excluded.tolist(), freq.tolist(), strict=True):
                if f > 0:
                    present.append(TermWeight(ctx.node_id("Phenotype", t), ctx.name("Phenotype", t), f))
        patient_terms = set(prior.ancestors(observed)[0].nonzero().flatten().tolist())
        absent = set(excluded.tolist())
        missing = [
            TermWeight(ctx.node_id("Phenotype", t), ctx.name("Phenotype", t), f)
            for t, f in prior.annotations_of(d)
            if f >= FREQUENT and t not in patient_terms and t not in absent
        ]
        missing.sort(key=lambda t: (-t.weight, t.id))
        links = ctx.edges[TARGET]
        genes = sorted({int(g) for g in links[0][links[1] == d].tolist()})
        sim, match, factor = parts
        return DiseaseHit(
            rank,
            ctx.node_id("Disease", d),
            name,
            sim * match * factor,
            sim,
            match,
            factor,
            tuple(same),
            tuple(matched),
            tuple(sorted(present, key=lambda t: -t.weight)),
            tuple(missing[:10]),
            tuple((ctx.node_id("Gene", g), ctx.name("Gene", g)) for g in genes),
        )
