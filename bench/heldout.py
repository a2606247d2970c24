#!/usr/bin/env python3
"""The saved model against the phenotype baselines on its own disease-held-out split (seconds).

``kg evaluate`` gives the full table (it also trains GraphSAGE and DistMult, ~15 min on the
default graph); this prints the model's saved test metrics next to simGIC and popularity on the
same rebuilt split and scoring protocol, and the ratios model / simGIC.

Usage: ``python bench/heldout.py [--model runs/latest]`` (after ``kg train``; reads the cached export).
"""

from __future__ import annotations

import argparse
from pathlib import Path

import torch
from torch import Tensor

from gnn.artefacts import ArtefactError
from gnn.baselines import PhenotypeSimilarity, Popularity
from gnn.evaluation import score_pairs
from gnn.features import Featuriser
from gnn.inference import ModelContext
from gnn.pair_features import RankerFeatures, mode_terms, model_parts
from gnn.prior import prior_for
from gnn.report import rebuild
from gnn.runs import run_export
from gnn.split import TARGET, Split
from gnn.train import with_target
from kg.settings import DEFAULT_RUN, load_settings


class RankedScorer:
    """The run's model and evidence ranker with the held-out links hidden (as the saved metrics were measured)."""

    def __init__(self, ctx: ModelContext, split: Split) -> None:
        self.model, self.ranker = ctx.model, ctx.ranker
        self.edges = with_target(split, split.train)
        self.prior = prior_for(ctx.model, ctx.num_nodes, self.edges, facts=ctx.graph.disease_facts)
        assert self.prior is not None and self.ranker is not None
        featuriser = Featuriser.for_model(ctx.num_nodes, split.message_edges, ctx.model.config)
        with torch.no_grad():
            self.h, self.attention = ctx.model.encode(featuriser(self.edges), self.edges, return_attention=True)
        index = ctx.graph.index("Phenotype")
        modes = mode_terms(index)
        self.features = RankerFeatures(self.prior, self.edges, ctx.num_nodes["Gene"], modes)

    def score_all(self, diseases: Tensor) -> Tensor:
        """The ranker's scores of every gene for each disease."""
        assert self.prior is not None and self.ranker is not None
        out = []
        for part in diseases.split(64):
            raw = self.prior.scores(part, self.edges[TARGET])
            att, spreads = model_parts(
                self.model, self.h["Gene"], self.h["Disease"][part], raw, self.attention, self.edges
            )
            out.append(self.ranker.score(self.features.for_rows(part, att, raw, spreads)))
        return torch.cat(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", type=Path, default=DEFAULT_RUN)
    args = parser.parse_args()
    try:
        graph = run_export(load_settings().home, args.model)  # the run's own cached export
    except ArtefactError as exc:
        raise SystemExit(str(exc)) from None
    ctx, saved, split = rebuild(graph, args.model)
    n = ctx.num_nodes
    rows = {"model (saved test metrics)": saved["metrics"]}
    if ctx.ranker is not None:  # what kg serves: the run's evidence ranker over the same held-out split
        rows["model + evidence ranker"] = score_pairs(RankedScorer(ctx, split), split, split.test, n["Gene"]).metrics
    for name, baseline in (("simGIC", PhenotypeSimilarity(n, split)), ("popularity", Popularity(n, split))):
        rows[name] = score_pairs(baseline, split, split.test, n["Gene"]).metrics
    diseases = len(set(split.test[1].tolist()))
    print(f"disease-held-out test split: {split.test.shape[1]} gene links of {diseases} held-out test diseases")
    print("| model | MRR | Hits@1 | Hits@10 | Hits@50 | AUROC |\n|---|---|---|---|---|---|")
    for name, m in rows.items():
        cells = " | ".join(f"{m[k]:.3f}" for k in ("mrr", "hits@1", "hits@10", "hits@50", "auroc"))
        print(f"| {name} | {cells} |")
    theirs = rows["simGIC"]
    for name in [r for r in rows if r.startswith("model")]:
        mine = rows[name]
        print(
            f"{name} / simGIC: MRR {mine['mrr'] / theirs['mrr']:.2f}×, "
            f"Hits@10 {mine['hits@10'] / theirs['hits@10']:.2f}×"
        )


if __name__ == "__main__":
    main()
