"""Learned phenotype weights: diagnostic terms gain weight over equally rare noise terms."""

from __future__ import annotations

import torch

from gnn.ontology import HAS_PHENOTYPE, IS_A
from gnn.prior import PhenotypePrior
from gnn.term_weights import TermWeightConfig, learn_term_factor

MODULES, PER_MODULE, GENES_PER_MODULE = 4, 12, 4


def _graph() -> tuple[dict[str, int], dict, torch.Tensor, list[int], list[int]]:
    """Diseases in 4 modules; each carries its module's two terms plus 2 of 8 noise terms (as rare)."""
    gen = torch.Generator().manual_seed(0)
    module_terms = [[1 + 2 * m, 2 + 2 * m] for m in range(MODULES)]  # 1..8
    noise = list(range(9, 17))  # 9..16
    is_a = torch.tensor([[t for t in range(1, 17)], [0] * 16])
    has, links = [], []
    for d in range(MODULES * PER_MODULE):
        m = d % MODULES
        has += [(d, t) for t in module_terms[m]]
        has += [(d, noise[int(i)]) for i in torch.randperm(len(noise), generator=gen)[:2]]
        genes = [m * GENES_PER_MODULE + int(i) for i in torch.randperm(GENES_PER_MODULE, generator=gen)[:2]]
        links += [(g, d) for g in genes]
    num_nodes = {"Phenotype": 17, "Disease": MODULES * PER_MODULE, "Gene": MODULES * GENES_PER_MODULE}
    edges = {IS_A: is_a, HAS_PHENOTYPE: torch.tensor(has).t()}
    return num_nodes, edges, torch.tensor(links).t(), [t for ts in module_terms for t in ts], noise


def test_diagnostic_terms_outweigh_equally_rare_noise() -> None:
    num_nodes, edges, links, diagnostic, noise = _graph()
    prior = PhenotypePrior(num_nodes, edges)
    assert abs(float(prior.ic[diagnostic].mean() - prior.ic[noise].mean())) < 0.5  # IC alone cannot tell them apart
    factor = learn_term_factor(prior, edges, links, TermWeightConfig(epochs=30, batch=16, lr=0.1))
    assert factor.shape == (17,) and bool((factor > 0).all())
    assert float(factor[diagnostic].mean()) > 1.5 * float(factor[noise].mean())
    # the learned weights make the prior rank a disease's module genes above the others more sharply
    weighted = PhenotypePrior(num_nodes, edges, term_factor=factor)
    q = torch.arange(8)
    plain_scores, learned_scores = prior.scores(q, links), weighted.scores(q, links)
    own = torch.zeros_like(plain_scores, dtype=torch.bool)
    for i, d in enumerate(q.tolist()):
        m = d % MODULES
        own[i, m * GENES_PER_MODULE : (m + 1) * GENES_PER_MODULE] = True
    assert learned_scores[~own].mean() < plain_scores[~own].mean()


def test_no_epochs_means_plain_information_content() -> None:
    num_nodes, edges, links, _, _ = _graph()
    prior = PhenotypePrior(num_nodes, edges)
    assert torch.equal(learn_term_factor(prior, edges, links, TermWeightConfig(epochs=0)), torch.ones(17))
    same = PhenotypePrior(num_nodes, edges, term_factor=torch.ones(17))
    assert torch.allclose(same.scores(torch.arange(4), links), prior.scores(torch.arange(4), links))
