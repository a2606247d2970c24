"""Prospective benchmark: train on an old HPO release's graph, rank genes for later diseases.

The diseases first described in a newer release are ranked from their phenotypes alone,
against baselines in the same run. Every protein-coding gene of the reference is a candidate
(not only genes that already had a disease); a true gene outside the export ranks last. Ranks are realistic
(ties count half) and filtered (a disease's other true genes are removed). Metrics are reported
overall, per id space (OMIM, ORPHA) and for *novel-gene* diseases, none of whose genes had a
disease link in the old release.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any, Protocol

import torch
from torch import Tensor

from gnn.evidence import EvidenceConfig, EvidenceNet, gene_loeuf
from gnn.evidence import mode_terms as network_modes
from gnn.evidence_fit import FitConfig, fit
from gnn.export import ExportedGraph
from gnn.features import Featuriser
from gnn.graph import MessageGraph
from gnn.leaderboard import BenchmarkResult, GroupMetrics, PairRanks
from gnn.metrics import filtered_ranks
from gnn.model import HeteroGAT, ModelConfig
from gnn.ontology import HAS_PHENOTYPE, IS_A, DiseaseFacts
from gnn.pair_features import RankerFeatures, mode_terms, model_parts
from gnn.prior import prior_for
from gnn.prospective import DiseaseNeighbours, IcCosine, PhenotypeSpace, Popularity, RandomWalk, SimGIC
from gnn.ranker import Ranker, cross_validated
from gnn.reproducible import deterministic
from gnn.scorer import EvidenceScorer
from gnn.split import TARGET, SplitMode, make_split
from gnn.train import TrainConfig, train
from gnn.walk import ANNOTATED, INTERACTS, GeneWalk
from kg.typing import EdgeType


class Scorer(Protocol):
    """Scores every gene for each query."""

    def score_all(self, queries: Tensor) -> Tensor:
        """``[num_queries]`` query indices → ``[num_queries, num_genes]``."""
        ...


@dataclass(frozen=True)
class NewDisease:
    """A disease of the newer release: its id, phenotypes and genes.

    ``frequencies``: each phenotype's HPO frequency (0–1; ``None`` unknown), aligned with
    ``phenotypes``; empty when none is known.
    """

    id: str
    phenotypes: tuple[str, ...]
    genes: tuple[str, ...]
    frequencies: tuple[float | None, ...] = ()


@dataclass
class Queries:
    """The new diseases mapped onto the old graph's indices."""

    phenotypes: Tensor  # [2, E] (query, phenotype index)
    pairs: Tensor  # [2, N] (gene index or -1, query)
    groups: dict[str, Tensor]  # group → bool [num_queries]
    ids: list[str]
    counts: dict[str, int]
    frequency: Tensor | None = None  # [E] HPO frequency of each phenotype pair (NaN unknown)


def map_queries(graph: ExportedGraph, diseases: Sequence[NewDisease], old_linked_genes: set[str]) -> Queries:
    """Map new diseases' phenotypes and genes onto the export (unknown terms dropped and counted)."""
    terms, genes = graph.index("Phenotype"), graph.index("Gene")
    known_diseases = set(graph.node_ids["Disease"])
    phen: list[tuple[int, int]] = []
    frequency: list[float] = []
    pairs: list[tuple[int, int]] = []
    ids: list[str] = []
    novel: list[bool] = []
    counts = {"new_diseases": len(diseases), "dropped_terms": 0, "genes_outside_graph": 0, "skipped_no_terms": 0}
    for d in diseases:
        if d.id in known_diseases:
            raise ValueError(f"{d.id} is in the old graph: not a new disease")
        known = dict(zip(d.phenotypes, d.frequencies, strict=False))
        best: dict[int, float] = {}
        for p in d.phenotypes:
            if p in terms:
                value = known.get(p)
                best[terms[p]] = max(best.get(terms[p], -1.0), -1.0 if value is None else value)
        mapped = sorted(best)
        counts["dropped_terms"] += len(set(d.phenotypes)) - len(mapped)
        if not mapped or not d.genes:
            counts["skipped_no_terms"] += 1
            continue
        q = len(ids)
        ids.append(d.id)
        phen.extend((q, t) for t in mapped)
        frequency.extend(best[t] if best[t] >= 0 else float("nan") for t in mapped)
        for g in sorted(set(d.genes)):
            pairs.append((genes.get(g, -1), q))
            counts["genes_outside_graph"] += g not in genes
        novel.append(not (set(d.genes) & old_linked_genes))
    groups = {
        "all": torch.ones(len(ids), dtype=torch.bool),
        "OMIM": torch.tensor([i.startswith("OMIM:") for i in ids]),
        "ORPHA": torch.tensor([i.startswith("ORPHA:") for i in ids]),
        "novel-gene": torch.tensor(novel, dtype=torch.bool),
    }
    counts["queries"] = len(ids)
    return Queries(
        torch.tensor(phen).t().reshape(2, -1),
        torch.tensor(pairs).t().reshape(2, -1),
        groups,
        ids,
        counts,
        torch.tensor(frequency, dtype=torch.float32),
    )


def ranks_of(scores: Tensor, queries: Queries, candidates: Tensor, outside: int = 0) -> Tensor:
    """Filtered realistic ranks of every (gene, query) pair among the candidate genes.

    ``outside`` candidates are not in the graph: no model can score them, so they tie below
    every scored gene, and a true gene among them gets the mean rank of that tie.
    """
    scores = scores.float().masked_fill(~candidates[None, :], float("-inf"))
    q = queries.pairs[1]
    genes = queries.pairs[0]
    inside = genes >= 0
    all_scores = scores[q]
    known = torch.zeros_like(all_scores, dtype=torch.bool)
    same = (q[:, None] == q[None, :]) & inside[None, :]
    qi, pj = same.nonzero(as_tuple=True)
    known[qi, genes[pj]] = True
    target = torch.where(inside, genes, torch.zeros_like(genes))
    ranks = filtered_ranks(all_scores, target, known)
    worst = candidates.sum().float() + (outside + 1) / 2
    return torch.where(inside, ranks, worst.expand_as(ranks))


class ModelScorer:
    """The trained attention model over the old graph plus transient query diseases."""

    def __init__(
        self,
        model: HeteroGAT,
        edges: dict[EdgeType, Tensor],
        num_nodes: dict[str, int],
        first: int,
        facts: DiseaseFacts | None = None,
    ) -> None:
        config = model.config
        featuriser = Featuriser.for_model(num_nodes, edges, config)
        self.first, self.model, self.links, self.edges = first, model.eval(), edges[TARGET], edges
        # IC from the old diseases only: the queries' annotations are post-cutoff statistics
        self.prior = prior_for(model, num_nodes, edges, ic_rows=first, facts=facts)
        with torch.no_grad(), deterministic():
            self.h, self.attention = model.encode(featuriser(edges), edges, return_attention=config.prior)

    def score_all(self, queries: Tensor) -> Tensor:
        """Logits ``[len(queries), num_genes]``."""
        rows = self.first + queries
        with torch.no_grad(), deterministic():
            prior = None
            if self.prior is not None:
                raw = self.prior.scores(rows, self.links)
                prior = self.model.prior_logit(raw, self.attention, self.edges, self.h["Gene"].shape[0])
            return self.model.score_all(self.h["Gene"], self.h["Disease"][rows], prior)

    def features(self, queries: Tensor, mode_terms: Tensor, batch: int = 64) -> Tensor:
        """The evidence ranker's ``[len(queries), num_genes, F]`` features (:mod:`gnn.pair_features`)."""
        if self.prior is None:
            raise ValueError("the evidence ranker needs a model with the phenotype prior")
        num_genes = self.h["Gene"].shape[0]
        make = RankerFeatures(self.prior, self.edges, num_genes, mode_terms)
        out = []
        with torch.no_grad(), deterministic():
            for part in queries.split(batch):
                rows = self.first + part
                raw = self.prior.scores(rows, self.links)
                parts = model_parts(
                    self.model, self.h["Gene"], self.h["Disease"][rows], raw, self.attention, self.edges
                )
                out.append(make.for_rows(rows, parts[0], raw, parts[1]))
        return torch.cat(out)


def run_benchmark(
    graph: ExportedGraph,
    diseases: Sequence[NewDisease],
    candidate_genes: set[str],
    model_config: ModelConfig,
    train_config: TrainConfig,
    on_epoch: Callable[[dict[str, float]], None] | None = None,
    model_name: str = "HeteroGAT (attention)",
    ranker_folds: int = 5,
    frozen: Ranker | None = None,
    evidence: EvidenceConfig | None = None,
    fit_config: FitConfig | None = None,
    ranker_fit: Mapping[str, Any] | None = None,
) -> BenchmarkResult:
    """Train on the old graph, then score every query with the model and each baseline.

    With ``ranker_folds`` > 1 (and a model with the prior), the model's row is the model plus the
    evidence ranker (:mod:`gnn.ranker`), each query scored by a ranker fitted on the other folds'
    queries only; the plain model becomes an ablation row, and the ranker fitted on every query
    is returned for use on later diseases. With a ``frozen`` ranker (fitted on an earlier step),
    the model's row applies it unchanged instead: nothing is fitted on this step's answers.

    With ``evidence`` settings, the evidence network (what ``kg train`` serves) is trained on every
    old link (:mod:`gnn.evidence_fit`) and becomes the model's row, nothing fitted on this step;
    its twins with mean aggregation and without gene–gene relations are trained the same way, and
    the ranker's row (cross-validated as above) becomes a baseline. ``ranker_fit``: the ranker's
    fit settings (:meth:`gnn.ranker.Ranker.fit`; its defaults when empty).
    """
    edges, num_nodes = graph.edges, graph.num_nodes
    links = edges[TARGET]
    linked = {graph.node_ids["Gene"][i] for i in torch.unique(links[0]).tolist()}
    queries = map_queries(graph, diseases, linked)
    if not queries.ids:
        raise ValueError("no new disease has both a known phenotype term and a gene")
    candidates = torch.tensor([g in candidate_genes for g in graph.node_ids["Gene"]], dtype=torch.bool)
    outside = len(candidate_genes) - int(candidates.sum())

    split = make_split(edges, SplitMode.disease, val=0.1, test=0.05, seed=train_config.seed)
    # every old link may teach the phenotype weights: the queries are diseases of the new release
    facts = graph.disease_facts
    result = train(num_nodes, split, model_config, train_config, on_epoch, term_links=edges[TARGET], facts=facts)

    # Scoring graph: every old link in message passing, plus the queries as new disease nodes.
    nq = len(queries.ids)
    full = MessageGraph.of(num_nodes, edges).with_query_diseases(queries.phenotypes, nq)
    # the queries follow the old graph's diseases, with their own frequencies and sources (a new release's entries)
    if queries.frequency is not None:
        facts = facts.extended(queries.frequency, queries.ids)
    model_scorer = ModelScorer(result.model, full.edges, full.num_nodes, num_nodes["Disease"], facts)

    space = PhenotypeSpace(
        num_nodes["Phenotype"],
        edges.get(IS_A, torch.empty(2, 0, dtype=torch.long)),
        (edges[HAS_PHENOTYPE], num_nodes["Disease"]),
        (queries.phenotypes, nq),
        links,
        num_nodes["Gene"],
    )
    all_queries = torch.arange(nq)
    scorers: dict[str, Scorer] = {model_name: model_scorer}
    ranker = None
    if (frozen is not None or ranker_folds > 1) and model_scorer.prior is not None:
        index = graph.index("Phenotype")
        modes = mode_terms(index)
        x = model_scorer.features(all_queries, modes)
        if frozen is not None:
            label, scores = "frozen, fitted on an earlier step", frozen.score(x)
        else:
            label = f"{ranker_folds}-fold CV"
            scores, _ = cross_validated(x, queries.pairs, candidates, folds=ranker_folds, **(ranker_fit or {}))
            provenance = {"queries": nq, "links": int(queries.pairs.shape[1]), "folds": ranker_folds}
            ranker = Ranker.fit(x, queries.pairs, candidates, fitted_on=provenance, **(ranker_fit or {}))
        del x
        scorers = {f"{model_name} + evidence ranker ({label})": _Fixed(scores)}
        scorers[f"ablation: {model_name} without the ranker"] = model_scorer
        model_name = next(iter(scorers))
    if evidence is not None and model_scorer.prior is not None:
        networks = evidence_scorers(result.model, graph, full, num_nodes["Disease"], facts, evidence, fit_config)
        # the plain model and its ranker (when fitted) stay as rows: the ranker's is a baseline now
        renamed = {(f"baseline: {k}" if "evidence ranker" in k else k): v for k, v in scorers.items()}
        scorers = {**networks, **renamed}
        model_name = next(iter(networks))
    for cls in (IcCosine, SimGIC, Popularity):
        scorers[cls.name] = cls(space)
    none = torch.empty(2, 0, dtype=torch.long)
    walk = GeneWalk(edges.get(INTERACTS, none), edges.get(ANNOTATED, none), space.num_genes, num_nodes.get("GOTerm", 0))
    scorers[RandomWalk.name] = RandomWalk(space, walk)
    scorers[DiseaseNeighbours.name] = DiseaseNeighbours(space)

    table: dict[str, dict[str, GroupMetrics]] = {}
    in_group = {group: mask[queries.pairs[1]] for group, mask in queries.groups.items()}
    pairs = PairRanks({}, queries.pairs[1], in_group)
    for name, scorer in scorers.items():
        ranks = pairs.ranks[name] = ranks_of(scorer.score_all(all_queries), queries, candidates, outside)
        table[name] = {
            group: GroupMetrics.of(ranks[in_group[group]], int(mask.sum())) for group, mask in queries.groups.items()
        }
    counts = {**queries.counts, "candidates": len(candidate_genes), "candidates_in_graph": int(candidates.sum())}
    return BenchmarkResult(table, model_name, counts, result.seconds, ranker, pairs)


def evidence_scorers(
    model: HeteroGAT,
    graph: ExportedGraph,
    full: MessageGraph,
    first: int,
    facts: DiseaseFacts,
    config: EvidenceConfig,
    fit_config: FitConfig | None,
) -> dict[str, Scorer]:
    """The served evidence network and its three ablation twins, trained on the old graph's links.

    Each is trained on every old link (diseases held out fold by fold) and scores the queries,
    appended to the graph after its ``first`` old diseases.
    """
    edges = MessageGraph.of(graph.num_nodes, graph.edges).edges
    prior = prior_for(model, graph.num_nodes, edges, facts=graph.disease_facts)
    query_prior = prior_for(model, full.num_nodes, full.edges, ic_rows=first, facts=facts)
    assert prior is not None and query_prior is not None
    prior.precompute()
    modes, loeuf = network_modes(graph.index("Phenotype")), gene_loeuf(graph.node_attrs, graph.data)
    genes = graph.num_nodes["Gene"]
    out: dict[str, Scorer] = {}
    for label, variant in (
        ("evidence network (what kg serves)", config),
        ("ablation: the network with mean aggregation instead of attention", replace(config, attention=False)),
        ("ablation: the network without gene–gene relations (interactions, GO)", replace(config, gene_gene=False)),
        ("ablation: the same inputs without message passing", replace(config, message_passing=False)),
    ):
        net = EvidenceNet(variant)
        fit(net, prior, edges, genes, modes, fit_config or FitConfig(), loeuf=loeuf)
        out[label] = _Rows(EvidenceScorer(net, query_prior, full.edges, genes, modes, loeuf), first)
    return out


class _Rows:
    """A scorer of the graph's diseases as a scorer of the queries appended after ``first``."""

    def __init__(self, scorer: EvidenceScorer, first: int) -> None:
        self.scorer, self.first = scorer, first

    def score_all(self, queries: Tensor) -> Tensor:
        """``[len(queries), num_genes]`` the network's logits (ranked as its score)."""
        return self.scorer.score_all(self.first + queries)


class _Fixed:
    """Scores computed beforehand (the cross-validated ranker's)."""

    def __init__(self, scores: Tensor) -> None:
        self.scores = scores

    def score_all(self, queries: Tensor) -> Tensor:
        """The stored rows of ``queries``."""
        return self.scores[queries]
