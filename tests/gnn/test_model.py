"""The attention model: exposed attention, determinism, inductive scoring of unseen diseases."""

from __future__ import annotations

import pytest
import torch
from torch_geometric.utils import scatter

from gnn.model import HeteroGAT, ModelConfig, structural_features

G, D, P = 6, 4, 5


def toy(extra_disease_phenotypes: list[list[int]] | None = None) -> tuple[dict[str, int], dict]:
    """Genes–diseases–phenotypes, with reverse types; optional new diseases linked to phenotypes only."""
    assoc = torch.tensor([[0, 1, 2, 3, 4, 5], [0, 0, 1, 2, 3, 3]])
    has = torch.tensor([[0, 0, 1, 2, 3, 3], [0, 1, 1, 2, 3, 4]])
    n = {"Gene": G, "Disease": D, "Phenotype": P}
    for k, phenos in enumerate(extra_disease_phenotypes or []):
        d = D + k
        has = torch.cat([has, torch.tensor([[d] * len(phenos), phenos])], dim=1)
        n["Disease"] += 1
    edges = {
        ("Gene", "ASSOCIATED_WITH", "Disease"): assoc,
        ("Disease", "rev_ASSOCIATED_WITH", "Gene"): assoc.flip(0),
        ("Disease", "HAS_PHENOTYPE", "Phenotype"): has,
        ("Phenotype", "rev_HAS_PHENOTYPE", "Disease"): has.flip(0),
    }
    return n, edges


def model_for(n: dict[str, int], edges: dict, **cfg: object) -> HeteroGAT:
    feats = structural_features(n, edges)
    config = ModelConfig(hidden=16, layers=2, heads=2, dropout=0.0, **cfg)  # type: ignore[arg-type]
    return HeteroGAT((list(n), list(edges)), {t: f.shape[1] for t, f in feats.items()}, n, config).eval()


def test_attention_is_exposed_per_relation_and_layer_and_normalised() -> None:
    n, edges = toy()
    model = model_for(n, edges)
    h, att = model.encode(structural_features(n, edges), edges, return_attention=True)
    # phenotypes are static (their sketch is their meaning): no disease→phenotype messages
    assert set(att) == {(layer, et) for layer in range(2) for et in edges if et[2] != "Phenotype"}
    for (_, et), (ei, alpha) in att.items():
        assert alpha.shape == (edges[et].shape[1], 2)
        dst = ei[1]
        sums = scatter(alpha, dst, dim=0, dim_size=n[et[2]], reduce="sum")
        has_in = torch.bincount(dst, minlength=n[et[2]]) > 0
        assert torch.allclose(sums[has_in], torch.ones_like(sums[has_in]), atol=1e-5)  # softmax over in-edges
    assert h["Gene"].shape == (G, 16)
    logits = model.score(h["Gene"][[0, 1]], h["Disease"][[0, 3]])
    assert logits.shape == (2,)


def test_deterministic_on_cpu_for_a_seed() -> None:
    n, edges = toy()
    feats = structural_features(n, edges)
    a, b, c = model_for(n, edges, seed=3), model_for(n, edges, seed=3), model_for(n, edges, seed=4)
    ha, hb, hc = (m.encode(feats, edges)[0]["Disease"] for m in (a, b, c))
    assert torch.equal(ha, hb) and not torch.equal(ha, hc)


def test_unseen_disease_is_scored_from_its_relations() -> None:
    """Two new diseases: same phenotypes → same representation; other phenotypes → different."""
    n, edges = toy([[1, 2], [1, 2], [4]])
    model = model_for(n, edges)
    h, _ = model.encode(structural_features(n, edges), edges)
    new = h["Disease"][D:]
    assert torch.allclose(new[0], new[1], atol=1e-6)
    assert not torch.allclose(new[0], new[2], atol=1e-3)
    scores = model.score(h["Gene"], new[0].expand(G, -1))
    assert torch.isfinite(scores).all() and scores.shape == (G,)


def test_sage_baseline_has_no_attention_but_same_interface() -> None:
    n, edges = toy()
    model = model_for(n, edges, conv="sage")
    h, att = model.encode(structural_features(n, edges), edges, return_attention=True)
    assert not model.has_attention and att == {}
    assert model.score_all(h["Gene"], h["Disease"]).shape == (D, G)


def test_config_validation() -> None:
    with pytest.raises(ValueError, match="heads must be >= 1, got 0"):
        ModelConfig(heads=0)
    with pytest.raises(ValueError, match="dropout"):
        ModelConfig(dropout=1.5)
    with pytest.raises(ValueError, match="conv must be"):
        ModelConfig(conv="gcn")


def test_score_all_matches_pairwise_scores() -> None:
    n, edges = toy()
    model = model_for(n, edges)
    h, _ = model.encode(structural_features(n, edges), edges)
    full = model.score_all(h["Gene"], h["Disease"])
    pairwise = model.score(h["Gene"].repeat(D, 1), h["Disease"].repeat_interleave(G, 0)).view(D, G)
    assert torch.allclose(full, pairwise, atol=1e-5)


def test_prior_spreads_to_interaction_partners_and_go_neighbours_only() -> None:
    n = {"Gene": 5, "GOTerm": 2, "Disease": 1}
    ppi = torch.tensor([[0], [3]])  # gene 0 – gene 3
    go = torch.tensor([[0, 2], [1, 1]])  # genes 0 and 2 share GO term 1
    edges = {
        ("Gene", "INTERACTS_WITH", "Gene"): ppi,
        ("Gene", "rev_INTERACTS_WITH", "Gene"): ppi.flip(0),
        ("Gene", "ANNOTATED_WITH", "GOTerm"): go,
        ("GOTerm", "rev_ANNOTATED_WITH", "Gene"): go.flip(0),
    }
    feats = structural_features(n, edges)
    config = ModelConfig(
        hidden=8, layers=2, heads=1, dropout=0.0, embed_types=(), sketch_dim=0, spread_term_size=(2, 500)
    )
    model = HeteroGAT((list(n), list(edges)), {t: f.shape[1] for t, f in feats.items()}, n, config).eval()
    prior = torch.tensor([[1.0, 0.0, 0.0, 0.0, 0.0]])  # only gene 0 has phenotype evidence
    with torch.no_grad():
        _, attention = model.encode(feats, edges, return_attention=True)
        score = model.prior_score(prior, attention, edges, 5)[0]
        logit = model.prior_logit(prior, attention, edges, 5)[0]
    assert score[0] >= 1.0  # its own prior (plus its GO term's mean, which includes itself)
    assert score[3] > 0 and score[2] > 0  # the interaction partner; the gene sharing a GO term
    assert score[1] == 0 and score[4] == 0  # unconnected genes get nothing
    assert logit[0] > logit[3] > logit[1] and logit[1] == pytest.approx(torch.log(torch.tensor(config.prior_floor)))
    # each relation's spread is scaled so that its top gene gets the relation's weight
    s_ppi, s_go = model.spread_weight.tolist()
    assert float(score[3]) == pytest.approx(s_ppi)
    assert float(score[2]) == pytest.approx(s_go)


def test_spread_discounts_hubs_and_skips_small_go_terms() -> None:
    n = {"Gene": 6, "GOTerm": 1, "Disease": 1}
    ppi = torch.tensor([[0, 0, 0, 1], [2, 3, 4, 5]])  # gene 0 is a hub (3 partners), gene 1 has one partner
    go = torch.tensor([[0, 5], [0, 0]])  # a two-gene term: below the default size limit
    edges = {
        ("Gene", "INTERACTS_WITH", "Gene"): ppi,
        ("Gene", "rev_INTERACTS_WITH", "Gene"): ppi.flip(0),
        ("Gene", "ANNOTATED_WITH", "GOTerm"): go,
        ("GOTerm", "rev_ANNOTATED_WITH", "Gene"): go.flip(0),
    }
    config = ModelConfig(hidden=8, layers=1, heads=1, dropout=0.0, embed_types=(), sketch_dim=0, conv="sage")
    feats = structural_features(n, edges)
    model = HeteroGAT((list(n), list(edges)), {t: f.shape[1] for t, f in feats.items()}, n, config).eval()
    prior = torch.tensor([[1.0, 1.0, 0.0, 0.0, 0.0, 0.0]])  # the hub and gene 1 have equal priors
    with torch.no_grad():
        ppi_spread = model.spread("INTERACTS_WITH", prior, {}, edges, 6)[0]
        go_spread = model.spread("ANNOTATED_WITH", prior, {}, edges, 6)[0]
    assert float(ppi_spread[2]) == pytest.approx(1 / 3**0.5)  # 1/sqrt(deg 3 · deg 1)
    assert float(ppi_spread[5]) == pytest.approx(1.0)  # from a partner with one partner: all of it
    assert torch.all(go_spread == 0)
