"""Why a gene scores what it scores: the evidence network's paths and their exact shares of the score.

The network's score of a gene is ``γ · (Σ path messages + ε)`` (:mod:`gnn.evidence`), so each
path's share is its message times the gate, and the shares plus the baseline ``γ · ε`` add up to
the served score. A path runs the whole way from the query to the gene: a partner's hop is split
by the partner's similar diseases, a GO term's hop by the term's genes that carry evidence (each
path's part of its hop is exact, the hop's exponent included: :meth:`GeneEvidence.lost`). Values
are given in a biologist's units: a disease's cosine with the query, a gene's own evidence (a
query's top gene is 1).
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, fields

import torch
from torch import Tensor

from gnn.evidence import ANNOTATED, GATE_INPUTS, INTERACTS, Evidence, EvidenceGraph, EvidenceNet, Query
from gnn.explanation import ExplainedPath, NodeRef, ScorePart, ScoreParts
from gnn.split import TARGET
from kg.typing import EdgeType

SIMILAR_DISEASE = "similar disease"
PARTNER = "interaction partner"
GO_TERM = "shared GO term"


@dataclass(frozen=True)
class PathShare:
    """One path from the query to the gene (at most three graph hops) and its part of the score.

    * similar disease: query ⇢ disease ``node`` → gene;
    * interaction partner: query ⇢ disease ``via`` → partner gene ``node`` → gene;
    * shared GO term: query ⇢ gene ``via`` (its own evidence) → GO term ``node`` → gene.

    Args:
        kind: :data:`SIMILAR_DISEASE`, :data:`PARTNER` or :data:`GO_TERM`.
        node: Graph index of the path's node next to the gene: the similar disease, the partner
            gene, the GO term.
        via: The node before it: a partner's disease, or a GO term's gene (-1 for a similar disease).
        value: Evidence in readable units: a disease's cosine with the query (a similar disease, a
            partner's disease); a GO term's gene's own evidence (the query's top gene is 1).
        attention: The attention weight of the edge into the gene (its factor on the message, 1 = neutral).
        share: The path's part of the score.
        fraction: The path's part of what its hop into the gene carries (1 for a similar disease):
            deleting paths of one partner or GO term removes their fractions before the hop's exponent.
    """

    kind: str
    node: int
    via: int
    value: float
    attention: float
    share: float
    fraction: float = 1.0


@dataclass(frozen=True)
class GeneEvidence:
    """A gene's score for one query and every path that makes it.

    ``sum(p.share for p in paths) + baseline == score`` (up to float rounding). ``exponents``: the
    network's exponent of the partner and GO hops (a hop's message is its evidence to that power).
    """

    gene: int
    score: float
    probability: float
    paths: tuple[PathShare, ...]
    baseline: float
    gate: float
    gate_inputs: dict[str, float] = field(default_factory=dict)
    exponents: dict[str, float] = field(default_factory=dict)
    #: Each partner's and GO term's own evidence (a partner's; the mean of a term's genes), by (kind, node).
    hop_values: dict[tuple[str, int], float] = field(default_factory=dict)

    def top(self, k: int) -> tuple[PathShare, ...]:
        """The ``k`` paths with the largest shares."""
        return tuple(sorted(self.paths, key=lambda p: -p.share)[:k])

    def lost(self, removed: Sequence[PathShare]) -> float:
        """The score lost by deleting ``removed`` (the query's scale held fixed), exactly.

        A similar-disease path's share is linear in its message. A partner's or GO term's hop
        carries its evidence to the power ``κ``: deleting a fraction ``f`` of it loses
        ``share · (1 − (1 − f)^κ)`` of the hop's whole share.
        """
        return self._through(removed, lambda f, kappa: 1.0 - max(0.0, 1.0 - f) ** kappa)

    def carried(self, kept: Sequence[PathShare]) -> float:
        """The score that ``kept`` gives on its own (every other path deleted, no baseline), exactly."""
        return self._through(kept, lambda f, kappa: min(1.0, f) ** kappa)

    def hop_shares(self) -> dict[tuple[str, int], float]:
        """Each partner's and GO term's whole share (its paths summed), by (kind, node), largest first."""
        whole: dict[tuple[str, int], float] = {}
        for p in self.paths:
            if p.kind != SIMILAR_DISEASE:
                whole[(p.kind, p.node)] = whole.get((p.kind, p.node), 0.0) + p.share
        return dict(sorted(whole.items(), key=lambda kv: -kv[1]))

    def _through(self, chosen: Sequence[PathShare], part: Callable[[float, float], float]) -> float:
        """Similar-disease shares of ``chosen`` plus, per partner or GO hop, its share times ``part(f, κ)``."""
        cut: dict[tuple[str, int], float] = {}
        total = 0.0
        for p in chosen:
            if p.kind == SIMILAR_DISEASE:
                total += p.share
            else:
                cut[(p.kind, p.node)] = cut.get((p.kind, p.node), 0.0) + p.fraction
        whole = self.hop_shares() if cut else {}
        for key, f in cut.items():
            total += whole[key] * part(f, self.exponents.get(key[0], 1.0))
        return total


def gene_evidence(net: EvidenceNet, graph: EvidenceGraph, query: Query, evidence: Evidence, gene: int) -> GeneEvidence:
    """Every path of ``gene`` for the single query ``query`` (``evidence``: the net's output for it)."""
    evidence = Evidence(*(t.detach() for t in astuple_shallow(evidence)))
    with torch.no_grad():
        gate = float(evidence.gate[0, gene])
        z0, zi, zg = (float(v) for v in evidence.scale[0])
        paths: list[PathShare] = []
        s, alpha, power = net.link_parts(graph, query)  # the link inputs built once
        message, attention = (alpha * power)[0], alpha[0]
        mine = (graph.link_gene == gene).nonzero().flatten()
        if not net.config.message_passing:
            mine = mine[:0]  # no path reaches the gene: its score is the gate times the baseline
        diseases = graph.linked[graph.link_disease[mine]]
        shares = gate * message[mine] / z0
        for d, value, a, share in zip(
            *(t.tolist() for t in (diseases, s[0, mine], attention[mine], shares)), strict=True
        ):
            paths.append(PathShare(SIMILAR_DISEASE, d, -1, value, a, share))
        direct = evidence.direct[0]
        kappa = net.kappa.tolist()
        spread = net.config.gene_gene and net.config.message_passing
        hop_values: dict[tuple[str, int], float] = {}
        if spread and graph.inter.numel():
            hops = _Hops(gate / zi, kappa[0], hop_values)
            paths += _partner_paths(net, graph, s[0], message, direct, gene, hops)
        if spread and graph.go.numel():
            paths += _go_paths(net, graph, direct, gene, _Hops(gate / zg, kappa[1], hop_values))
        logits = net.logits(evidence)[0]
        inputs = graph.pair_evidence(query)[0, gene]
    return GeneEvidence(
        gene,
        float(evidence.score[0, gene]),
        float(torch.softmax(logits, dim=0)[gene]),
        tuple(paths),
        gate * float(evidence.baseline[0, gene]),
        gate,
        {name: float(v) for name, v in zip(GATE_INPUTS, inputs, strict=True)},
        {PARTNER: kappa[0], GO_TERM: kappa[1]},
        hop_values,
    )


@dataclass
class _Hops:
    """What splitting the partner and GO hops needs: the gate over the kind's scale, its exponent, the hops' values."""

    unit: float
    kappa: float
    values: dict[tuple[str, int], float]

    def split(
        self,
        kind: str,
        nodes: Tensor,
        evidence: Tensor,
        weights: Tensor,
        at: Tensor,
        sent: Tensor,
        via: Tensor,
        value: Tensor,
    ) -> list[PathShare]:
        """Paths of ``kind``: hop ``nodes[i]`` carries ``unit · weights[i] · evidence[i]^κ``, split by ``sent``.

        ``at``: each path's hop (index into ``nodes``); ``via``, ``value``: its node before the hop, its value.
        """
        hop = self.unit * weights * evidence**self.kappa  # each hop's whole share
        self.values.update(((kind, n), v) for n, v in zip(nodes.tolist(), evidence.tolist(), strict=True))
        fraction = sent / torch.zeros(nodes.numel()).index_add_(0, at, sent)[at]
        columns = (nodes[at], via, value, weights[at], hop[at] * fraction, fraction)
        return [PathShare(kind, *row) for row in zip(*(t.tolist() for t in columns), strict=True)]


def _partner_paths(
    net: EvidenceNet, graph: EvidenceGraph, cosine: Tensor, message: Tensor, direct: Tensor, gene: int, hops: _Hops
) -> list[PathShare]:
    """One path per (partner, disease of the partner): the partner's hop split by where its evidence comes from."""
    source, target = net.partner_factors(graph)
    partners = torch.unique(graph.inter[0][graph.inter[1] == gene])
    partners = partners[direct[partners] > 0]
    links = (torch.isin(graph.link_gene, partners) & (message > 0)).nonzero().flatten()
    at = torch.searchsorted(partners, graph.link_gene[links])
    diseases = graph.linked[graph.link_disease[links]]
    weights = source[partners] * target[gene]
    return hops.split(PARTNER, partners, direct[partners], weights, at, message[links], diseases, cosine[links])


def _go_paths(net: EvidenceNet, graph: EvidenceGraph, direct: Tensor, gene: int, hops: _Hops) -> list[PathShare]:
    """One path per (GO term of the gene, gene of the term with evidence): each term's hop split by its genes."""
    term_factor, gene_factor = net.go_factors(graph)
    terms = torch.unique(graph.go[1][graph.go[0] == gene])
    members = graph.go[:, torch.isin(graph.go[1], terms)]
    members = members[:, direct[members[0]] > 0]  # the terms' genes that carry evidence
    terms = torch.unique(members[1])
    at = torch.searchsorted(terms, members[1])
    own = direct[members[0]]
    values = torch.zeros(terms.numel()).index_add_(0, at, own) / graph.term_size[terms]  # mean over all its genes
    weights = term_factor[terms] * gene_factor[gene]
    return hops.split(GO_TERM, terms, values, weights, at, own, members[0], own)


def astuple_shallow(evidence: Evidence) -> tuple[Tensor, ...]:
    """The parts of ``evidence`` in field order (no copies)."""
    return tuple(getattr(evidence, f.name) for f in fields(evidence))


def deletion(explained: GeneEvidence, k: int = 5, seed: int = 0) -> tuple[float, float]:
    """The score lost by deleting the ``k`` paths with the largest shares, and ``k`` random paths.

    Both are exact (:meth:`GeneEvidence.lost`): the query's scale held fixed, the score is the sum
    of its paths' messages, a partner's or GO term's hop raised to its exponent.
    """
    rng = random.Random(seed)
    picked = rng.sample(explained.paths, min(k, len(explained.paths)))
    return explained.lost(explained.top(k)), explained.lost(picked)


def sufficiency(explained: GeneEvidence, k: int = 10) -> float:
    """The fraction of the score that the ``k`` paths an explanation shows give on their own (exact)."""
    return explained.carried(explained.top(k)) / max(explained.score, 1e-12)


#: Names a graph node (type, index) as an explanation shows it.
RefOf = Callable[[tuple[str, int]], NodeRef]
#: The relation a path's last hop stands for: the query's phenotypes shared with a similar disease,
#: and a GO term's gene that carries the query's evidence (its own similar diseases).
SIMILAR = "SIMILAR_PHENOTYPES"
GENE_EVIDENCE = "HAS_EVIDENCE_FOR_QUERY"
_OTHERS = 20


def path_edges(path: PathShare, gene: int) -> list[tuple[EdgeType, int, int]]:
    """The graph edge next to the gene that ``path`` runs through (for deletion and graph exports)."""
    if path.kind == SIMILAR_DISEASE:
        return [(TARGET, gene, path.node)]
    if path.kind == PARTNER:
        return [(INTERACTS, path.node, gene)]
    return [(ANNOTATED, gene, path.node)]


def network_path(path: PathShare, gene: NodeRef, query: NodeRef, ref: RefOf) -> ExplainedPath:
    """One path of the explanation: nodes from the gene to the query, ``weight`` its share of the score."""
    nodes: tuple[NodeRef, ...]
    relations: tuple[str, ...]
    if path.kind == SIMILAR_DISEASE:
        nodes, relations = (gene, ref(("Disease", path.node)), query), ("ASSOCIATED_WITH", SIMILAR)
    elif path.kind == PARTNER:
        nodes = (gene, ref(("Gene", path.node)), ref(("Disease", path.via)), query)
        relations = ("INTERACTS_WITH", "ASSOCIATED_WITH", SIMILAR)
    else:
        nodes = (gene, ref(("GOTerm", path.node)), ref(("Gene", path.via)), query)
        relations = ("ANNOTATED_WITH", "ANNOTATED_WITH", GENE_EVIDENCE)
    return ExplainedPath(path.share, nodes, relations, False, path.kind, path.value, path.attention)


def network_parts(explained: GeneEvidence, ref: RefOf) -> ScoreParts:
    """The score and its parts: the largest paths, the rest as one line, and the baseline; they add up to the score."""
    node_type = {SIMILAR_DISEASE: "Disease", PARTNER: "Gene", GO_TERM: "GOTerm"}
    via_type = {PARTNER: "Disease", GO_TERM: "Gene"}
    ranked = sorted(explained.paths, key=lambda p: -p.share)
    parts: list[ScorePart] = []
    for p in ranked[:_OTHERS]:
        node = ref((node_type[p.kind], p.node))
        label, via = node.name or node.id, None
        if p.kind in via_type:
            before = ref((via_type[p.kind], p.via))
            label, via = f"{label} via {before.name or before.id}", before.id
        feature = f"{p.kind}: {label}"
        parts.append(ScorePart(feature, p.value, p.share, p.kind, node.id, node.name, p.attention, via))
    rest = ranked[_OTHERS:]
    if rest:
        parts.append(ScorePart(f"{len(rest)} other paths", float(len(rest)), sum(p.share for p in rest)))
    parts.append(ScorePart("baseline (no path)", explained.baseline, explained.baseline))
    return ScoreParts(explained.score, tuple(parts), explained.probability, explained.gate, explained.gate_inputs)
