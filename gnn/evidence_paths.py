"""Why a gene scores what it scores: the evidence network's paths and their exact shares of the score.

The network's score of a gene is ``γ · (Σ path messages + ε)`` (:mod:`gnn.evidence`), so each
path's share is its message times the gate, and the shares plus the baseline ``γ · ε`` add up to
the served score. Values are given in a biologist's units: a similar disease's cosine, a partner's
own evidence (a query's top gene is 1), a GO term's size and the mean evidence of its genes.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from typing import Any

import torch
from torch import Tensor

from gnn.evidence import ANNOTATED, GATE_INPUTS, INTERACTS, Evidence, EvidenceGraph, EvidenceNet, Query
from gnn.split import TARGET
from kg.typing import EdgeType

SIMILAR_DISEASE = "similar disease"
PARTNER = "interaction partner"
GO_TERM = "shared GO term"


@dataclass(frozen=True)
class PathShare:
    """One path from the query to the gene and its part of the score.

    Args:
        kind: :data:`SIMILAR_DISEASE`, :data:`PARTNER` or :data:`GO_TERM`.
        node: Graph index of the path's node next to the gene: the similar disease, the partner
            gene, the GO term.
        via: For a partner, the similar disease that gives it most of its evidence (index, or -1).
        value: The node's evidence in readable units: the disease's cosine with the query; the
            partner's own evidence (the query's top gene is 1); the GO term's mean evidence over its genes.
        attention: The edge's attention weight (its factor on the message, 1 = neutral).
        share: The path's part of the score.
    """

    kind: str
    node: int
    via: int
    value: float
    attention: float
    share: float


@dataclass(frozen=True)
class GeneEvidence:
    """A gene's score for one query and every path that makes it.

    ``sum(p.share for p in paths) + baseline == score`` (up to float rounding).
    """

    gene: int
    score: float
    probability: float
    paths: tuple[PathShare, ...]
    baseline: float
    gate: float
    gate_inputs: dict[str, float] = field(default_factory=dict)

    def top(self, k: int) -> tuple[PathShare, ...]:
        """The ``k`` paths with the largest shares."""
        return tuple(sorted(self.paths, key=lambda p: -p.share)[:k])


def gene_evidence(net: EvidenceNet, graph: EvidenceGraph, query: Query, evidence: Evidence, gene: int) -> GeneEvidence:
    """Every path of ``gene`` for the single query ``query`` (``evidence``: the net's output for it)."""
    evidence = Evidence(*(t.detach() for t in astuple_shallow(evidence)))
    with torch.no_grad():
        gate = float(evidence.gate[0, gene])
        z0, zi, zg = (float(v) for v in evidence.scale[0])
        paths: list[PathShare] = []
        s, alpha, power = net.link_parts(graph, query)  # the link inputs built once
        message, attention = alpha * power, alpha[0]
        mine = (graph.link_gene == gene).nonzero().flatten()
        if not net.config.message_passing:
            mine = mine[:0]  # no path reaches the gene: its score is the gate times the baseline
        diseases = graph.linked[graph.link_disease[mine]]
        shares = gate * message[0, mine] / z0
        for d, value, a, share in zip(
            *(t.tolist() for t in (diseases, s[0, mine], attention[mine], shares)), strict=True
        ):
            paths.append(PathShare(SIMILAR_DISEASE, d, -1, value, a, share))
        direct = evidence.direct[0]
        if net.config.gene_gene and net.config.message_passing and graph.inter.numel():
            source, target = net.partner_factors(graph)
            partners = graph.inter[0][graph.inter[1] == gene]
            partners = partners[direct[partners] > 0]
            best = _best_disease(graph, message[0], partners)
            values = direct[partners]
            weights = source[partners] * target[gene]
            shares = gate * weights * values ** net.kappa[0] / zi
            for p, value, w, share in zip(*(t.tolist() for t in (partners, values, weights, shares)), strict=True):
                paths.append(PathShare(PARTNER, p, best.get(p, -1), value, w, share))
        if net.config.gene_gene and net.config.message_passing and graph.go.numel():
            term_factor, gene_factor = net.go_factors(graph)
            terms = graph.go[1][graph.go[0] == gene]
            values = graph.term_mean(direct[:, None])[:, 0][terms]
            terms, values = terms[values > 0], values[values > 0]
            weights = term_factor[terms] * gene_factor[gene]
            shares = gate * weights * values ** net.kappa[1] / zg
            for t, value, w, share in zip(*(x.tolist() for x in (terms, values, weights, shares)), strict=True):
                paths.append(PathShare(GO_TERM, t, -1, value, w, share))
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
    )


def astuple_shallow(evidence: Evidence) -> tuple[Tensor, ...]:
    """The parts of ``evidence`` in field order (no copies)."""
    return tuple(getattr(evidence, f.name) for f in fields(evidence))


def _best_disease(graph: EvidenceGraph, message: Tensor, genes: Tensor) -> dict[int, int]:
    """Per gene of ``genes`` with evidence, the similar disease whose link sends it the most."""
    mine = (torch.isin(graph.link_gene, genes) & (message > 0)).nonzero().flatten()
    order = mine[torch.argsort(message[mine], descending=True, stable=True)]
    out: dict[int, int] = {}
    for e in order.tolist():
        out.setdefault(int(graph.link_gene[e]), int(graph.linked[graph.link_disease[e]]))
    return out


def deletion(explained: GeneEvidence, k: int = 5, seed: int = 0) -> tuple[float, float]:
    """The score lost by deleting the ``k`` paths with the largest shares, and ``k`` random paths.

    The score is linear in its paths' messages with the query's scale held fixed (its top gene's
    evidence), so deleting paths lowers the score by exactly their shares.
    """
    rng = random.Random(seed)
    top = sum(p.share for p in explained.top(k))
    picked = rng.sample(explained.paths, min(k, len(explained.paths)))
    return top, sum(p.share for p in picked)


def sufficiency(explained: GeneEvidence, k: int = 10) -> float:
    """The fraction of the score carried by the ``k`` paths an explanation shows."""
    return sum(p.share for p in explained.top(k)) / max(explained.score, 1e-12)


Describe = Callable[[tuple[str, int]], dict[str, Any]]
#: The relation a path's last hop stands for: the query's phenotypes shared with a similar disease,
#: and a GO term's genes that carry the query's evidence.
SIMILAR = "SIMILAR_PHENOTYPES"
TERM_EVIDENCE = "ANNOTATES_GENES_WITH_EVIDENCE"
_OTHERS = 20


def path_edges(path: PathShare, gene: int) -> list[tuple[EdgeType, int, int]]:
    """The graph edge next to the gene that ``path`` runs through (for deletion and graph exports)."""
    if path.kind == SIMILAR_DISEASE:
        return [(TARGET, gene, path.node)]
    if path.kind == PARTNER:
        return [(INTERACTS, path.node, gene)]
    return [(ANNOTATED, gene, path.node)]


def network_path(path: PathShare, gene: dict[str, Any], query: dict[str, Any], describe: Describe) -> dict[str, Any]:
    """One path as the explanation's ``paths`` entry: nodes from the gene to the query, ``weight`` its share."""
    if path.kind == SIMILAR_DISEASE:
        nodes, relations = [gene, describe(("Disease", path.node)), query], ["ASSOCIATED_WITH", SIMILAR]
    elif path.kind == PARTNER:
        nodes, relations = [gene, describe(("Gene", path.node))], ["INTERACTS_WITH"]
        if path.via >= 0:
            nodes.append(describe(("Disease", path.via)))
            relations.append("ASSOCIATED_WITH")
        nodes.append(query)
        relations.append(SIMILAR)
    else:
        nodes, relations = [gene, describe(("GOTerm", path.node)), query], ["ANNOTATED_WITH", TERM_EVIDENCE]
    return {
        "weight": path.share,
        "hops": len(nodes) - 1,
        "nodes": nodes,
        "relations": relations,
        "kind": path.kind,
        "value": path.value,
        "attention": path.attention,
        "synthetic": False,
    }


def network_parts(explained: GeneEvidence, describe: Describe) -> dict[str, Any]:
    """The score and its parts: the largest paths, the rest as one line, and the baseline; they add up to the score."""
    node_type = {SIMILAR_DISEASE: "Disease", PARTNER: "Gene", GO_TERM: "GOTerm"}
    ranked = sorted(explained.paths, key=lambda p: -p.share)
    rows: list[dict[str, Any]] = []
    for p in ranked[:_OTHERS]:
        node = describe((node_type[p.kind], p.node))
        label = node["name"] or node["id"]
        rows.append(
            {
                "feature": f"{p.kind}: {label}",
                "kind": p.kind,
                "id": node["id"],
                "name": node["name"],
                "value": p.value,
                "attention": p.attention,
                "contribution": p.share,
            }
        )
    rest = ranked[_OTHERS:]
    if rest:
        total = sum(p.share for p in rest)
        rows.append({"feature": f"{len(rest)} other paths", "value": float(len(rest)), "contribution": total})
    rows.append({"feature": "baseline (no path)", "value": explained.baseline, "contribution": explained.baseline})
    return {
        "score": explained.score,
        "probability": explained.probability,
        "gate": explained.gate,
        "gate_inputs": explained.gate_inputs,
        "parts": rows,
    }
