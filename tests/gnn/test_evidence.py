"""The evidence network on a hand-made graph: it starts as the prior, its paths add up to its score."""

from __future__ import annotations

import math
import random

import pytest
import torch

from gnn.evidence import GATE_INPUTS, EvidenceConfig, EvidenceGraph, EvidenceNet
from gnn.evidence_fit import FitConfig, fit
from gnn.evidence_paths import GO_TERM, PARTNER, SIMILAR_DISEASE, deletion, gene_evidence, sufficiency
from gnn.ontology import HAS_PHENOTYPE, IS_A, DiseaseFacts
from gnn.prior import PhenotypePrior
from gnn.split import TARGET

# phenotypes: 0 root, 1 AD mode, 2 AR mode, 3–6 organ terms; 1–6 are children of 0
IS = torch.tensor([[1, 2, 3, 4, 5, 6], [0, 0, 0, 0, 0, 0]])
# diseases: 0 (AD; 3, 5), 1 (AR; 4, 6), 2 (AD; 3, 4, 5), 3 (AR; 3, 6), 4 (AR; 4, 5) and a query 5 (AR; 3, 5)
ANNOTATIONS = torch.tensor(
    [
        [0, 0, 0, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 4, 4, 4, 5, 5, 5],
        [1, 3, 5, 2, 4, 6, 1, 3, 4, 5, 2, 3, 6, 2, 4, 5, 2, 3, 5],
    ]
)
# genes: 0 → 0, 1 → 1, 2 → 2 and 1, 3 → 3, 4 → 4; gene 5 has no disease; interactions 5–0, 5–2; GO: 0, 5, 2 share term 0
LINKS = torch.tensor([[0, 1, 2, 2, 3, 4], [0, 1, 2, 1, 3, 4]])
INTERACTIONS = torch.tensor([[5, 5], [0, 2]])
EDGES = {
    IS_A: IS,
    HAS_PHENOTYPE: ANNOTATIONS,
    TARGET: LINKS,
    ("Gene", "INTERACTS_WITH", "Gene"): INTERACTIONS,
    ("Gene", "rev_INTERACTS_WITH", "Gene"): INTERACTIONS.flip(0),
    ("Gene", "ANNOTATED_WITH", "GOTerm"): torch.tensor([[0, 5, 2], [0, 0, 0]]),
}
NUM = {"Phenotype": 7, "Disease": 6, "Gene": 6}
MODES = torch.tensor([1, 2])
QUERY = torch.tensor([5])


def _graph(power: float = 6.0) -> tuple[PhenotypePrior, EvidenceGraph]:
    facts = DiseaseFacts(source=DiseaseFacts.source_codes(["OMIM:1", "ORPHA:2", "OMIM:3", "OMIM:4", "OMIM:5", "X:6"]))
    prior = PhenotypePrior(NUM, EDGES, power=power, facts=facts)
    return prior, EvidenceGraph(prior, EDGES, NUM["Gene"], MODES, term_size=(1, 500), loeuf=torch.rand(6))


def _perturbed(config: EvidenceConfig | None = None) -> EvidenceNet:
    """A net whose every learned part is away from its neutral start."""
    net = EvidenceNet(config or EvidenceConfig())
    gen = torch.Generator().manual_seed(3)
    with torch.no_grad():
        for p in net.parameters():
            p.add_(0.5 * torch.randn(p.shape, generator=gen))
    return net


def test_the_untrained_network_scores_like_the_phenotype_prior() -> None:
    prior, graph = _graph()
    out = EvidenceNet()(graph, graph.for_rows(QUERY))
    assert torch.allclose(out.direct, prior.scores(QUERY, LINKS), atol=1e-6)
    assert torch.all(out.gate == 1.0)
    # the gene without a disease is reached only through its partners and its GO term
    assert out.direct[0, 5] == 0 and out.partner[0, 5] > 0 and out.go[0, 5] > 0


def test_every_paths_share_adds_up_to_the_served_score() -> None:
    _, graph = _graph()
    net = _perturbed()
    query = graph.for_rows(QUERY)
    with torch.no_grad():
        out = net(graph, query)
    for gene in range(NUM["Gene"]):
        explained = gene_evidence(net, graph, query, out, gene)
        total = sum(p.share for p in explained.paths) + explained.baseline
        assert total == pytest.approx(float(out.score[0, gene]), rel=1e-5)
        assert explained.score == pytest.approx(float(out.score[0, gene]), rel=1e-6)
        assert set(explained.gate_inputs) == set(GATE_INPUTS)
    lonely = gene_evidence(net, graph, query, out, 5)
    assert {p.kind for p in lonely.paths} == {PARTNER, GO_TERM}
    assert {p.node for p in lonely.paths if p.kind == PARTNER} == {0, 2}
    shared = gene_evidence(net, graph, query, out, 2)
    assert {p.node for p in shared.paths if p.kind == SIMILAR_DISEASE} == {1, 2}
    # the similar disease's value is its cosine with the query, in [0, 1]
    assert all(0 <= p.value <= 1 for p in shared.paths if p.kind == SIMILAR_DISEASE)
    top, random = deletion(shared, k=1)
    assert top >= random and 0 < sufficiency(shared, k=10) <= 1 + 1e-6


def test_paths_run_from_the_query_and_deleting_them_is_exact() -> None:
    _, graph = _graph()
    net = _perturbed()
    with torch.no_grad():
        net.raw_kappa.fill_(1.0)  # κ = softplus(1) ≈ 1.31: a hop is not linear in its paths
    query = graph.for_rows(QUERY)
    with torch.no_grad():
        out = net(graph, query)
    lonely = gene_evidence(net, graph, query, out, 5)
    hops: dict[tuple[str, int], list[float]] = {}
    for p in lonely.paths:
        hops.setdefault((p.kind, p.node), []).append(p.fraction)
        if p.kind == PARTNER:  # a partner's path goes on to one of the partner's own diseases
            assert p.via in graph.linked[graph.link_disease[graph.link_gene == p.node]].tolist()
        if p.kind == GO_TERM:  # …and a GO term's to one of the term's genes with evidence
            assert float(out.direct[0, p.via]) > 0 and p.value == pytest.approx(float(out.direct[0, p.via]))
    assert all(sum(f) == pytest.approx(1.0) for f in hops.values())
    assert any(len(f) > 1 for f in hops.values())  # some hop is split over several paths
    every = lonely.score - lonely.baseline
    assert lonely.carried(lonely.paths) == pytest.approx(every, rel=1e-5)
    assert lonely.lost(lonely.paths) == pytest.approx(every, rel=1e-5)
    rng = random.Random(0)
    for _ in range(20):
        cut = rng.sample(lonely.paths, rng.randint(1, len(lonely.paths)))
        rest = [p for p in lonely.paths if p not in cut]
        assert lonely.lost(cut) == pytest.approx(every - lonely.carried(rest), rel=1e-4, abs=1e-9)
    # half a hop's evidence gone loses more than half its share (κ > 1): the exponent is applied, not the sum
    key = next(k for k, f in hops.items() if len(f) > 1)
    half = [p for p in lonely.paths if (p.kind, p.node) == key]
    whole = sum(p.share for p in half)
    f = half[0].fraction
    assert lonely.lost(half[:1]) == pytest.approx(whole * (1 - (1 - f) ** lonely.exponents[key[0]]), rel=1e-6)
    assert lonely.lost(half[:1]) != pytest.approx(half[0].share, rel=1e-3)


def test_a_gate_with_a_hidden_layer_starts_as_the_linear_gate_and_keeps_the_shares_exact() -> None:
    _, graph = _graph()
    query = graph.for_rows(QUERY)
    linear = _perturbed()
    hidden = EvidenceNet(EvidenceConfig(gate_hidden=4))
    hidden.load_state_dict(linear.state_dict(), strict=False)  # everything but the new layer
    with torch.no_grad():
        assert torch.allclose(hidden(graph, query).score, linear(graph, query).score)  # its output starts at 0
        for p in hidden.gate_mlp.parameters():  # type: ignore[union-attr]
            p.add_(0.5 * torch.randn(p.shape, generator=torch.Generator().manual_seed(5)))
        out = hidden(graph, query)
    assert not torch.allclose(out.gate, linear(graph, query).gate)
    for gene in range(NUM["Gene"]):
        explained = gene_evidence(hidden, graph, query, out, gene)
        total = sum(p.share for p in explained.paths) + explained.baseline
        assert total == pytest.approx(float(out.score[0, gene]), rel=1e-5)
    saved = EvidenceConfig.from_saved({"gate_hidden": 4, "term_size": [3, 500]})
    assert saved.gate_hidden == 4 and EvidenceConfig.from_saved({}).gate_hidden == 0  # runs saved before it


def test_a_query_never_reaches_a_gene_through_its_own_link() -> None:
    # disease 3's only gene is gene 3: as a query it finds gene 3 only through other paths
    _, graph = _graph()
    out = EvidenceNet()(graph, graph.for_rows(torch.tensor([3])))
    assert out.direct[0, 3] == 0


def test_the_ablations_drop_what_they_name() -> None:
    _, graph = _graph()
    query = graph.for_rows(QUERY)
    bare = _perturbed(EvidenceConfig(gene_gene=False))(graph, query)
    assert torch.all(bare.partner == 0) and torch.all(bare.go == 0)
    mean = EvidenceNet(EvidenceConfig(attention=False))
    out = mean(graph, query)
    # mean aggregation: gene 2's two diseases are averaged, not summed
    s = graph.for_rows(QUERY).similarity.clamp(min=0)[0]
    expected = (s[graph.linked == 1] ** 6 + s[graph.linked == 2] ** 6) / 2
    raw = torch.zeros(NUM["Gene"]).index_add(0, graph.link_gene, mean.link_weights(graph, query)[1][0])
    assert float(raw[2]) == pytest.approx(float(expected), rel=1e-5)
    assert out.score.shape == (1, NUM["Gene"])
    # no message passing: no path reaches any gene, the gate's inputs alone rank them
    alone = _perturbed(EvidenceConfig(message_passing=False))
    still = alone(graph, query)
    assert torch.all(still.direct == 0) and torch.all(still.partner == 0) and torch.all(still.go == 0)
    assert torch.allclose(still.score, still.gate * still.baseline)
    assert gene_evidence(alone, graph, query, still, 2).paths == ()


def test_a_patients_terms_are_scored_like_a_disease_with_the_same_terms() -> None:
    prior, graph = _graph()
    net = _perturbed()
    as_row = net(graph, graph.for_rows(QUERY)).score
    patient = graph.for_terms(torch.tensor([2, 3, 5]))
    patient.source = graph.for_rows(QUERY).source  # a patient has no source; give it the row's to compare
    assert torch.allclose(net(graph, patient).score, as_row, rtol=1e-4)
    # a patient's excluded terms scale each disease's message once (not raised to the power with the cosine)
    penalty = torch.ones(1, NUM["Disease"])
    penalty[0, 2] = 0.5
    plain, scaled = graph.for_terms(torch.tensor([2, 3, 5])), graph.for_terms(torch.tensor([2, 3, 5]), penalty)
    assert torch.equal(plain.similarity, scaled.similarity)
    disease_2 = graph.linked[graph.link_disease] == 2
    ratio = net.link_weights(graph, scaled)[1] / net.link_weights(graph, plain)[1].clamp(min=1e-30)
    assert torch.allclose(ratio[0, disease_2], torch.tensor(0.5)) and torch.allclose(
        ratio[0, ~disease_2], torch.tensor(1.0)
    )
    simulated = graph.for_profiles(prior.ancestors(torch.tensor([2, 3, 5])))
    assert torch.allclose(simulated.similarity, patient.similarity, atol=1e-6)


def test_training_keeps_the_best_epoch_and_learns() -> None:
    prior, _ = _graph(power=6.0)
    net = EvidenceNet()
    seen: list[float] = []
    history = fit(
        net,
        prior,
        EDGES,
        NUM["Gene"],
        MODES,
        FitConfig(epochs=3, batch=2, folds=2, lr=0.05),
        validate=lambda n: seen.append(float(n.power)) or -abs(float(n.power) - 6.0),
    )
    assert [row["epoch"] for row in history[:4]] == [0.0, 1.0, 2.0, 3.0]
    assert all(math.isfinite(row["loss"]) for row in history[1:4])
    # the best epoch is the one kept: here the untrained net (power 6 exactly) wins the made-up validation
    assert float(net.power) == pytest.approx(6.0, rel=1e-5)
    assert len(seen) == 4
