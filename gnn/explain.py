"""Explanations from attention, and how faithful they are.

For a pair (gene, disease) the model's final gene and disease representations are built
from messages along incoming edges, layer by layer, each weighted by its GATv2 attention
coefficient (softmax over a node's incoming edges of one relation type, averaged over
heads). The *attention flow* of a chain of edges is the product of their coefficients,
taken at the layer where each edge carried its message. An explanation lists

* the most-attended neighbours of the gene and of the disease per relation type and layer;
* the top paths of at most 3 hops between gene and disease: a gene-side chain and a
  disease-side chain meeting at a common node, with weight = product of both flows.

Faithfulness (:func:`fidelity`): deleting the k most-attended edges of the explanation from
the graph must lower the pair's score more than deleting k random edges of the same
computation graph.
"""

from __future__ import annotations

import random
from collections.abc import Sequence

import torch
from torch import Tensor

from gnn.evidence_paths import (
    PARTNER,
    SIMILAR_DISEASE,
    GeneEvidence,
    RefOf,
    deletion,
    network_parts,
    network_path,
    path_edges,
    sufficiency,
)
from gnn.explanation import (
    ExplainedPath,
    Explanation,
    MatchedPhenotype,
    Neighbour,
    NodeRef,
    PhenotypeDetail,
    ScorePart,
    ScoreParts,
    SimilarDisease,
    SpreadHop,
)
from gnn.inference import ModelContext
from gnn.ranker import AVERAGE
from gnn.split import TARGET, reverse
from kg.errors import KGError
from kg.typing import EdgeType

Node = tuple[str, int]
Step = tuple[EdgeType, Node, Node, float]  # (edge type, source, destination, alpha)


class NoAttention(KGError):
    """The model has no attention to explain from (e.g. the GraphSAGE baseline)."""


class Explainer:
    """Indexes a model's attention by destination node once, then explains pairs quickly."""

    def __init__(self, ctx: ModelContext, fanout: int = 25) -> None:
        if not ctx.model.has_attention:
            raise NoAttention(f"the {ctx.model.config.conv} model has no attention coefficients to explain")
        self.ctx, self.fanout = ctx, fanout
        self.layers = ctx.model.config.layers
        self._index: dict[tuple[int, EdgeType], tuple[Tensor, Tensor, Tensor]] | None = None
        if ctx.scorer is not None:
            ctx.scorer.graph.gene_static()  # the network's graph is built here, not on the first request

    @property
    def _incoming(self) -> dict[tuple[int, EdgeType], tuple[Tensor, Tensor, Tensor]]:
        """The encoder's attention by destination (built on first use: the evidence network needs none)."""
        if self._index is None:
            index = {}
            for (layer, et), (ei, alpha) in self.ctx.encoded()[1].items():
                dst_count = self.ctx.num_nodes[et[2]]
                order = torch.argsort(ei[1], stable=True)
                ptr = torch.zeros(dst_count + 1, dtype=torch.long)
                ptr[1:] = torch.cumsum(torch.bincount(ei[1], minlength=dst_count), 0)
                index[(layer, et)] = (ptr, ei[0][order], alpha.mean(1)[order])
            self._index = index
        return self._index

    def incoming(self, layer: int, node: Node) -> list[Step]:
        """Edges into ``node`` at ``layer`` with their attention, strongest first (``fanout`` per type)."""
        steps: list[Step] = []
        for (lay, et), (ptr, src, alpha) in self._incoming.items():
            if lay != layer or et[2] != node[0]:
                continue
            lo, hi = int(ptr[node[1]]), int(ptr[node[1] + 1])
            if hi == lo:
                continue
            a, s = alpha[lo:hi], src[lo:hi]
            best = torch.argsort(a, descending=True)[: self.fanout]
            steps.extend(
                (et, (et[0], src_id), node, weight)
                for src_id, weight in zip(s[best].tolist(), a[best].tolist(), strict=True)
            )
        return sorted(steps, key=lambda st: -st[3])

    def _chains(self, root: Node) -> list[tuple[list[Step], float]]:
        """Chains of incoming edges into ``root`` (last layer first), up to ``layers`` hops."""
        chains: list[tuple[list[Step], float]] = [([], 1.0)]
        frontier: list[tuple[list[Step], float]] = [([], 1.0)]
        for depth in range(self.layers):
            layer = self.layers - 1 - depth
            grown = []
            for steps, weight in frontier:
                head = steps[-1][1] if steps else root
                for step in self.incoming(layer, head):
                    grown.append(([*steps, step], weight * step[3]))
            grown.sort(key=lambda c: -c[1])
            frontier = grown[: self.fanout * 4]
            chains.extend(frontier)
        return chains

    def _ref(self, node: Node) -> NodeRef:
        return NodeRef(node[0], self.ctx.node_id(*node), self.ctx.name(*node))

    def explain(self, gene: int, disease: int, top_k: int = 10) -> Explanation:
        """The served score's paths and their shares (the evidence network's), one pair.

        A run without the evidence network is explained by its encoder: most-attended neighbours and
        top weighted attention paths (≤ 3 hops).
        """
        if self.ctx.scorer is not None:
            return self._network(gene, disease, top_k)
        g, d = ("Gene", gene), ("Disease", disease)
        neighbours = []
        for side, node in (("gene", g), ("disease", d)):
            for layer in range(self.layers):
                by_type: dict[str, int] = {}
                for et, src, _, alpha in self.incoming(layer, node):
                    if by_type.get(et[1], 0) >= 3:
                        continue
                    by_type[et[1]] = by_type.get(et[1], 0) + 1
                    neighbours.append(Neighbour(side, layer, et[1], alpha, self._ref(src)))
        gene_chains, disease_chains = self._chains(g), self._chains(d)
        ends: dict[Node, list[tuple[list[Step], float]]] = {}
        for steps, weight in disease_chains:
            ends.setdefault(steps[-1][1] if steps else d, []).append((steps, weight))
        paths: dict[tuple[Node, ...], ExplainedPath] = {}
        edge_flow: dict[tuple[EdgeType, int, int], float] = {}
        for steps, weight in gene_chains:
            meet = steps[-1][1] if steps else g
            for d_steps, d_weight in ends.get(meet, []):
                nodes = [g, *(s[1] for s in steps)] + [s[2] for s in reversed(d_steps)]
                if len(nodes) - 1 > 3 or len(nodes) < 2 or len(set(nodes)) != len(nodes):
                    continue
                flow = weight * d_weight
                key = tuple(nodes)
                if key not in paths or paths[key].weight < flow:
                    relations = [s[0][1] for s in steps] + [s[0][1] for s in reversed(d_steps)]
                    paths[key] = ExplainedPath(
                        flow,
                        tuple(self._ref(n) for n in nodes),
                        tuple(r[4:] if r.startswith("rev_") else r for r in relations),
                        any(self.ctx.is_synthetic(s[0], s[1][1], s[2][1]) for s in [*steps, *d_steps]),
                    )
                for s in [*steps, *d_steps]:
                    k = (s[0], s[1][1], s[2][1])
                    edge_flow[k] = max(edge_flow.get(k, 0.0), flow)
        ranked = sorted(paths.values(), key=lambda p: -p.weight)[:top_k]
        edges = sorted(((et, s, t, w) for (et, s, t), w in edge_flow.items()), key=lambda e: -e[3])
        prior, prior_logit, prior_parts = self._prior(gene, disease)
        return Explanation(
            self._ref(g),
            self._ref(d),
            self.ctx.score(gene, disease, prior_logit=prior_logit),
            neighbours,
            ranked,
            edges,
            prior,
            self._evidence(gene, disease, prior_parts),
            self.ctx.synthetic,
        )

    def _network(self, gene: int, disease: int, top_k: int) -> Explanation:
        """The evidence network's explanation: its paths (weight = share of the score) and the score's parts."""
        scorer = self.ctx.scorer
        assert scorer is not None
        scored = scorer.rows(torch.tensor([disease]))
        explained = scorer.explain(scored, gene)
        logit = float(scorer.logits(scored)[0, gene])
        g, d = self._ref(("Gene", gene)), self._ref(("Disease", disease))
        paths = [network_path(p, g, d, self._ref) for p in explained.top(top_k)]
        edges = [(et, s, t, p.share) for p in explained.top(top_k) for et, s, t in path_edges(p, gene)]
        parts = network_parts(explained, self._ref)
        # the phenotypes the query shares with the gene's similar diseases (the detail of those paths), with the
        # network's own figures: the similar-disease paths' share, every path's, and the gene's gate
        direct = sum(p.share for p in explained.paths if p.kind == SIMILAR_DISEASE)
        every = sum(p.share for p in explained.paths)
        # and the network's partner and GO hops (edge weight: their attention; prior: the node's evidence)
        hops = _hops(explained, self._ref, 5)
        phenotypes = PhenotypeDetail(direct, every, explained.gate, direct, self._similar(gene, disease), hops)
        return Explanation(g, d, logit, [], paths, edges, phenotypes, parts, self.ctx.synthetic)

    def _evidence(
        self, gene: int, disease: int, prior_parts: tuple[Tensor, dict[str, Tensor]] | None = None
    ) -> ScoreParts | None:
        """The ranker's score of the pair and its parts (value, contribution), largest effect first."""
        ranker = self.ctx.ranker
        if ranker is None:
            return None
        x = self.ctx.pair_features(torch.tensor([disease]), prior_parts)[0, gene]
        parts = ranker.contributions(x)
        rows = [ScorePart(name, float(v), parts[name]) for name, v in zip(ranker.features, x.tolist(), strict=True)]
        if AVERAGE in parts:  # the score of an average pair: its value is its contribution
            rows.append(ScorePart(AVERAGE, parts[AVERAGE], parts[AVERAGE]))
        rows.sort(key=lambda r: -abs(r.contribution))
        return ScoreParts(float(ranker.score(x)), tuple(rows))

    def _prior(
        self, gene: int, disease: int
    ) -> tuple[PhenotypeDetail | None, Tensor | None, tuple[Tensor, dict[str, Tensor]] | None]:
        """The phenotype-prior part of the logit: similar known diseases of the gene and the shared phenotypes.

        Also the prior's logit part over all genes (``[1, G]``), which the pair's score reuses, and
        the raw prior with its spreads (``[1, G]`` each), which the ranker's features reuse.
        """
        ctx = self.ctx
        if ctx.prior is None:
            return None, None, None
        raw = ctx.prior.scores(torch.tensor([disease]), ctx.edges[TARGET])
        weight = float(ctx.model.prior_weight.detach())
        with torch.no_grad():
            combined, spreads = ctx.model.prior_parts(raw, ctx.encoded()[1], ctx.edges, ctx.num_nodes["Gene"])
            logit = ctx.model.log_prior(combined)
            spread_weight = {
                rel: float(w) for rel, w in zip(ctx.model.config.spread, ctx.model.spread_weight, strict=True)
            }
        similar = self._similar(gene, disease)
        prior = float(raw[0, gene])
        spread = []  # neighbours (partners, GO terms) whose prior spread to the gene
        model, attention = ctx.model, ctx.encoded()[1]
        with torch.no_grad():
            for rel in model.config.spread:
                scale = spread_weight.get(rel, 0.0) / float(spreads[rel].max().clamp(min=1e-12))
                for ei, w, values in model.spread_edges(rel, raw, attention, ctx.edges, ctx.num_nodes["Gene"]):
                    src_type = "Gene" if rel == "INTERACTS_WITH" else "GOTerm"
                    for e in (ei[1] == gene).nonzero().flatten().tolist():
                        src = int(ei[0, e])
                        flow = scale * float(w[e]) * float(values[0, src])
                        if flow > 0:
                            node = self._ref((src_type, src))
                            spread.append(SpreadHop(node, rel, float(w[e]), float(values[0, src]), flow))
        spread.sort(key=lambda x: -x.flow)
        part = PhenotypeDetail(
            prior, float(combined[0, gene]), weight, float(logit[0, gene]), similar, tuple(spread[:5])
        )
        return part, logit, (raw, spreads)

    def _similar(self, gene: int, disease: int) -> tuple[SimilarDisease, ...]:
        """The gene's known diseases like ``disease`` (cosine, source factor) and the phenotypes they share."""
        prior = self.ctx.prior
        assert prior is not None
        return tuple(
            SimilarDisease(
                self._ref(("Disease", d)),
                cosine,
                factor,
                tuple(MatchedPhenotype(self._ref(("Phenotype", t)), float(prior.ic[t]), w) for t, w in shared),
            )
            for d, cosine, factor, shared in prior.contributions(disease, gene, self.ctx.edges[TARGET])
        )

    def computation_edges(self, gene: int, disease: int) -> list[tuple[EdgeType, int, int]]:
        """Every edge whose message reaches the pair's representations (up to ``layers`` hops)."""
        pool: set[tuple[EdgeType, int, int]] = set()
        saved, self.fanout = self.fanout, 10**9
        try:
            for root in (("Gene", gene), ("Disease", disease)):
                for steps, _ in self._chains(root):
                    pool.update((s[0], s[1][1], s[2][1]) for s in steps)
        finally:
            self.fanout = saved
        return sorted(pool)


def _hops(explained: GeneEvidence, ref: RefOf, k: int) -> tuple[SpreadHop, ...]:
    """The gene's ``k`` largest partner and GO-term hops: each hop's paths summed (its flow)."""
    attention = {(p.kind, p.node): p.attention for p in explained.paths}
    return tuple(
        SpreadHop(
            ref(("Gene", node) if kind == PARTNER else ("GOTerm", node)),
            "INTERACTS_WITH" if kind == PARTNER else "ANNOTATED_WITH",
            attention[(kind, node)],
            explained.hop_values.get((kind, node), 0.0),
            share,
        )
        for (kind, node), share in list(explained.hop_shares().items())[:k]
    )


def _without(edges: dict[EdgeType, Tensor], removed: Sequence[tuple[EdgeType, int, int]]) -> dict[EdgeType, Tensor]:
    """Message-passing edges with ``removed`` (and their reverse twins) deleted."""
    out = dict(edges)
    for et, src, dst in removed:
        for t, s, d in ((et, src, dst), (reverse(et), dst, src)):
            if t in out:
                ei = out[t]
                out[t] = ei[:, ~((ei[0] == s) & (ei[1] == d))]
    return out


def fidelity(explainer: Explainer, pairs: Sequence[tuple[int, int]], k: int = 5, seed: int = 0) -> dict[str, float]:
    """Score drop after deleting the top-``k`` attended edges vs ``k`` random computation-graph edges.

    Returns mean drops, their ratio, and the share of pairs where the top-k drop is larger. With the
    evidence network, the drops are of the served score (:func:`served_fidelity`).
    """
    if explainer.ctx.scorer is not None:
        return served_fidelity(explainer.ctx, pairs, k, seed)
    rng = random.Random(seed)
    ctx = explainer.ctx
    top_drops, random_drops = [], []
    for gene, disease in pairs:
        explanation = explainer.explain(gene, disease)
        top = [(et, s, t) for et, s, t, _ in explanation.edges[:k]]
        pool = [e for e in explainer.computation_edges(gene, disease) if e not in set(top)]
        if len(top) < k or len(pool) < k:
            continue
        base = explanation.logit
        top_drops.append(base - ctx.score(gene, disease, _without(ctx.edges, top)))
        random_drops.append(base - ctx.score(gene, disease, _without(ctx.edges, rng.sample(pool, k))))
    return _drops(top_drops, random_drops, k)


def _drops(top_drops: list[float], random_drops: list[float], k: int) -> dict[str, float]:
    """Mean drops after deleting the top ``k`` and ``k`` random parts, their ratio, how often top wins."""
    if not top_drops:
        return {"pairs": 0.0}
    mean_top, mean_random = sum(top_drops) / len(top_drops), sum(random_drops) / len(random_drops)
    return {
        "pairs": float(len(top_drops)),
        "k": float(k),
        "drop_top_k": mean_top,
        "drop_random_k": mean_random,
        "ratio": mean_top / mean_random if mean_random > 0 else float("inf"),
        "share_top_larger": sum(a > b for a, b in zip(top_drops, random_drops, strict=True)) / len(top_drops),
    }


def served_fidelity(ctx: ModelContext, pairs: Sequence[tuple[int, int]], k: int = 5, seed: int = 0) -> dict[str, float]:
    """Fidelity of the evidence network's explanations, on the served score.

    Deletion: the score lost by removing the ``k`` paths with the largest shares against ``k``
    random paths of the gene's computation graph (the query's scale held fixed). Sufficiency: the
    share of the score that the ``2k`` paths an explanation shows carry on their own.
    """
    scorer = ctx.scorer
    assert scorer is not None
    top_drops, random_drops, enough = [], [], []
    for n, (gene, disease) in enumerate(pairs):
        explained = scorer.explain(scorer.rows(torch.tensor([disease])), gene)
        if len(explained.paths) <= k:
            continue
        top, rand = deletion(explained, k, seed + n)
        top_drops.append(top / explained.score)
        random_drops.append(rand / explained.score)
        enough.append(sufficiency(explained, 2 * k))
    out = _drops(top_drops, random_drops, k)
    if not top_drops:
        return out
    return {
        **out,
        "share_top_5x": sum(a >= 5 * b for a, b in zip(top_drops, random_drops, strict=True)) / len(top_drops),
        "sufficiency": sum(enough) / len(enough),
        "share_sufficient": sum(e >= 0.8 for e in enough) / len(enough),
    }
