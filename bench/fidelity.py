#!/usr/bin/env python3
"""Fidelity of the evidence network's explanations on the served score (issue 32's targets).

Loads a trained run on the live graph and samples 200 diseases at random (seed 0). For each
disease's top new candidate, and for 200 random known links, it computes
:func:`gnn.explain.served_fidelity` (k = 5): the score lost by deleting the explanation's top-5
paths against 5 random paths of the gene's computation graph (exact, the query's scale held
fixed), and the score that the top-10 paths give alone. Targets: top-5 ≥ 5× random-5 in ≥ 90 %
of pairs; the paths alone ≥ 80 % of the score.

Usage: ``python bench/fidelity.py [--model runs/latest] [--diseases 200]``
"""

from __future__ import annotations

import argparse
import json
import random
from pathlib import Path

from gnn.explain import served_fidelity
from gnn.runs import load_context
from kg.settings import DEFAULT_RUN, load_settings
from kg.store import Neo4jStore

LINKS = ("Gene", "ASSOCIATED_WITH", "Disease")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", type=Path, default=DEFAULT_RUN)
    parser.add_argument("--diseases", type=int, default=200)
    args = parser.parse_args()
    settings = load_settings()
    with Neo4jStore.from_settings(settings) as store:
        ctx = load_context(settings.home, args.model, store)
    links = ctx.edges[LINKS]
    diseases = sorted(set(links[1].tolist()))
    chosen = random.Random(0).sample(diseases, min(args.diseases, len(diseases)))
    genes, index = ctx.graph.index("Gene"), ctx.graph.index("Disease")
    new = [(genes[p.gene_id], index[p.disease_id]) for p in ctx.predict(top=1, diseases=chosen) if not p.known]
    picked = random.Random(1).sample(range(links.shape[1]), min(args.diseases, links.shape[1]))
    known = [(int(links[0, i]), int(links[1, i])) for i in picked]
    for label, pairs in (("each disease's top new candidate", new), ("known links", known)):
        result = served_fidelity(ctx, pairs, 5)
        print(
            f"{label}: {result.get('pairs', 0):.0f} pairs; top-5 ≥ 5× random-5 in {result.get('share_top_5x', 0):.1%} "
            f"(target ≥ 90 %); mean drops top-5 {result['drop_top_k']:.3f}, random-5 {result['drop_random_k']:.4f}; "
            f"top-10 paths alone {result.get('sufficiency', 0):.1%} of the score (target ≥ 80 %)"
        )
        print(json.dumps(result))


if __name__ == "__main__":
    main()
