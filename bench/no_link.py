#!/usr/bin/env python3
"""How far the graph's knowledge reaches a gene with no disease link: patients of such genes, A–M cohorts.

On the HPO 2021-10 model (``python bench/patients.py --prepare`` builds it; its Neo4j on port
7688), for every ``--every``-th A–M patient whose gene had no disease link in that graph, it prints
the served network's rank of the gene:

* among **all** genes (the target of issue 32: Hits@100 ≥ 0.10);
* among the genes **without a disease link** only (the ceiling of any reweighting of the scores:
  those genes are reached only by the partner and GO paths, and the linked genes, removed here,
  would only take places);
* among all genes when the no-link genes' logits get ``+ b`` (a bonus for "no disease yet" on
  the gate), with every patient's MRR and Hits@10/100 next to it: the price of the bonus.

Usage: ``python bench/no_link.py --store PHENOPACKET_STORE [--every 5]``
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from patients import HOME_2021, PORT_2021, am_files, read_patients  # noqa: E402

from gnn.patient_benchmark import PatientBenchmark  # noqa: E402
from gnn.runs import load_context  # noqa: E402
from kg import queries  # noqa: E402
from kg.diseases import read_disease_space  # noqa: E402
from kg.store import Neo4jStore  # noqa: E402


def ranks(scores: torch.Tensor, genes: torch.Tensor) -> torch.Tensor:
    """Realistic ranks (ties: mean of optimistic and pessimistic) of ``genes`` in each row of ``scores``."""
    target = scores.gather(1, genes[:, None])
    return (scores > target).sum(1).float() + ((scores == target).sum(1).float() + 1) / 2


def line(label: str, r: torch.Tensor) -> str:
    return (
        f"| {label} | {r.numel()} | {float((1 / r).mean()):.3f} | {float((r <= 10).float().mean()):.3f} | "
        f"{float((r <= 100).float().mean()):.3f} | {float((r <= 1000).float().mean()):.3f} |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--store", type=Path, required=True, help="phenopacket-store checkout (or its notebooks/)")
    parser.add_argument("--home-2021", type=Path, default=HOME_2021)
    parser.add_argument("--port-2021", type=int, default=PORT_2021)
    parser.add_argument("--every", type=int, default=5, help="every K-th patient (a spread sample)")
    args = parser.parse_args()
    patients, _ = read_patients(am_files(args.store))
    patients = patients[:: args.every]
    with Neo4jStore(f"bolt://127.0.0.1:{args.port_2021}") as store:
        alternatives = queries.phenotype_alternatives(store)
        space = read_disease_space(store)
        ctx = load_context(args.home_2021, args.home_2021 / "model", store, alternatives=lambda: alternatives)
    bench = PatientBenchmark(ctx, space, set())
    linked = torch.zeros(ctx.num_nodes["Gene"], dtype=torch.bool)
    linked[sorted(bench.linked_genes)] = True
    rows, genes = [], []
    for _, observed, excluded, gene, _ in bench.resolved(patients):
        if gene >= 0:
            rows.append(bench.scorer.gene_scores(observed, excluded))
            genes.append(gene)
    scores, truth = torch.stack(rows), torch.tensor(genes)
    alone = ~linked[truth]
    print(f"{len(genes)} A–M patients (every {args.every}th) with a gene in the graph; {int(alone.sum())} of them")
    print("with a gene that has no disease link in the graph.\n")
    print("| ranked | patients | MRR | Hits@10 | Hits@100 | Hits@1000 |\n|---|---|---|---|---|---|")
    print(line("among all genes (served)", ranks(scores[alone], truth[alone])))
    print(
        line(
            "among the genes without a disease link only", ranks(scores[alone].masked_fill(linked, -1e9), truth[alone])
        )
    )
    print("\n| no-link genes' logit + b | all: MRR | Hits@10 | Hits@100 | no-link: Hits@100 | Hits@1000 |")
    print("|---|---|---|---|---|---|")
    for b in (0.0, 1.0, 2.0, 3.0, 4.0):
        shifted = scores + b * (~linked).float()[None, :]  # the logit τ · log score: + b is the score × e^(b/τ)
        every, mine = ranks(shifted, truth), ranks(shifted[alone], truth[alone])
        print(
            f"| {b:.0f} | {float((1 / every).mean()):.3f} | {float((every <= 10).float().mean()):.3f} | "
            f"{float((every <= 100).float().mean()):.3f} | {float((mine <= 100).float().mean()):.3f} | "
            f"{float((mine <= 1000).float().mean()):.3f} |"
        )


if __name__ == "__main__":
    main()
