"""Learned phenotype weights: diagnostic terms gain weight over equally rare noise terms."""

from __future__ import annotations

import torch

from gnn.ontology import HAS_PHENOTYPE, IS_A, DiseaseFacts
from gnn.prior import PhenotypePrior
from gnn.term_weights import TermWeightConfig, learn_term_factor, simulate_patients

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


def test_simulated_patients_show_each_annotation_with_its_hpo_frequency() -> None:
    # one disease, four leaf terms under a root: obligate, occasional (5 %), very frequent (90 %), unknown
    num_nodes = {"Phenotype": 5, "Disease": 1, "Gene": 1}
    edges = {
        IS_A: torch.tensor([[1, 2, 3, 4], [0, 0, 0, 0]]),
        HAS_PHENOTYPE: torch.tensor([[0, 0, 0, 0], [1, 2, 3, 4]]),
    }
    frequency = torch.tensor([1.0, 0.05, 0.9, float("nan")])
    prior = PhenotypePrior(num_nodes, edges, facts=DiseaseFacts(frequency=frequency))
    gen = torch.Generator().manual_seed(0)
    by_disease = [torch.arange(4)]
    batch = torch.zeros(4000, dtype=torch.long)
    shown = simulate_patients(batch, edges[HAS_PHENOTYPE][1], by_disease, prior, TermWeightConfig(), gen)
    rate = shown.mean(0)
    assert float(rate[0]) == 1.0  # the root is always there (propagated)
    assert float(rate[1]) == 1.0  # obligate
    assert 0.03 < float(rate[2]) < 0.07  # occasional: shown about 5 % of the time
    assert 0.87 < float(rate[3]) < 0.93
    assert 0.70 < float(rate[4]) < 0.80  # unknown: a uniform 50–100 % draw, mean 75 %
    # without frequencies every annotation is drawn like an unknown one
    uniform = simulate_patients(
        batch, edges[HAS_PHENOTYPE][1], by_disease, prior, TermWeightConfig(frequency=False), gen
    ).mean(0)
    assert bool(((uniform[1:] > 0.70) & (uniform[1:] < 0.80)).all())


def test_a_patient_keeps_at_least_its_most_frequent_term() -> None:
    num_nodes = {"Phenotype": 3, "Disease": 1, "Gene": 1}
    edges = {IS_A: torch.tensor([[1, 2], [0, 0]]), HAS_PHENOTYPE: torch.tensor([[0, 0], [1, 2]])}
    prior = PhenotypePrior(num_nodes, edges, facts=DiseaseFacts(frequency=torch.tensor([0.05, 0.2])))
    shown = simulate_patients(
        torch.zeros(500, dtype=torch.long),
        edges[HAS_PHENOTYPE][1],
        [torch.arange(2)],
        prior,
        TermWeightConfig(),
        torch.Generator().manual_seed(1),
    )
    assert bool((shown[:, 1:].sum(1) >= 1).all())
    # when neither is drawn (76 % of patients) the 20 % term stands in: it shows in about 96 %
    assert float(shown[:, 2].mean()) > 0.9 and float(shown[:, 1].mean()) < 0.1
