"""Full-batch training of :class:`gnn.model.HeteroGAT` on a leakage-free split.

Each epoch a fresh share of the training links supervises and is hidden from message
passing for that epoch, so the model cannot learn to recognise links it is shown. Under the
disease-held-out split whole diseases are chosen (training then looks like evaluation: a
disease with none of its gene links in the graph). The default loss is the cross-entropy of
the true gene against all genes, which optimises the ranking directly. Early stopping keeps
the weights of the epoch with the best validation metric (MRR by default).
"""

from __future__ import annotations

import copy
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import torch
from torch import Tensor, nn
from torch_geometric.typing import EdgeType, NodeType

from gnn.evaluation import known_mask, score_pairs
from gnn.features import Featuriser
from gnn.graph import replaced
from gnn.metrics import RankResult
from gnn.minibatch import minibatch_epoch
from gnn.model import HeteroGAT, ModelConfig
from gnn.ontology import DiseaseFacts
from gnn.prior import PhenotypePrior, prior_for
from gnn.reproducible import deterministic
from gnn.split import TARGET, Split, SplitMode
from gnn.term_weights import TermWeightConfig, learn_term_factor


@dataclass
class TrainConfig:
    """Optimisation settings.

    Args:
        epochs: Maximum number of epochs (one full-graph step each); 0 trains no encoder (only the
            prior's term weights are learned, all the evidence network reads).
        lr: Adam learning rate.
        weight_decay: Adam weight decay.
        patience: Epochs without validation improvement before stopping.
        supervision_ratio: Share of training links (or diseases) supervising each epoch.
        max_grad_norm: Gradient clipping (the first epochs on the full graph diverge without it).
        loss: ``softmax`` (true gene against all genes, the disease's other training genes
            masked) or ``bce`` (one random negative gene per positive).
        monitor: Validation metric for early stopping (``mrr``, ``auroc``, ``auprc``, ``hits@10``…).
        batch_size: Supervision links per mini-batch (0: full batch, one step per epoch).
        fanout: Mini-batch neighbour sampling: incoming edges per node, relation and hop.
        negatives: Mini-batch: random candidate genes per batch for the sampled softmax.
        device: ``cpu``, ``cuda`` or ``auto`` (CUDA when present). Results are identical in
            sampling; floating-point results differ slightly between devices.
        max_supervision: Full batch: at most this many supervision links per step (a random
            subset; 0 = all), which bounds the cost of the loss on large graphs.
        pretrain_steps: Cheap steps on the projected inputs alone (no message passing) before
            the full-graph epochs: they fit the input projections, scorer and prior weight.
        pretrain_lr: Learning rate of those steps.
        seed: Seed of sampling.
        deterministic: Run with PyTorch's deterministic kernels on CPU, so the same graph, seed and
            thread count give the same weights bit for bit on one machine (:mod:`gnn.reproducible`; another
            machine's kernels may sum in another order). Free since
            it no longer fills every new tensor: 197–200 s against 201 s for pre-training plus one
            epoch on the benchmark graph (2 cores). Ignored on CUDA.
    """

    epochs: int = 3
    lr: float = 0.005
    weight_decay: float = 0.0
    patience: int = 4
    supervision_ratio: float = 0.3
    max_grad_norm: float = 1.0
    loss: str = "softmax"
    monitor: str = "mrr"
    batch_size: int = 0
    fanout: tuple[int, ...] = (15, 10)
    negatives: int = 1024
    device: str = "cpu"
    max_supervision: int = 512
    pretrain_steps: int = 100
    pretrain_lr: float = 0.01
    seed: int = 0
    deterministic: bool = True

    def __post_init__(self) -> None:
        self.fanout = tuple(self.fanout)  # JSON gives lists
        if not 0 < self.supervision_ratio < 1:
            raise ValueError(f"supervision_ratio must be in (0, 1), got {self.supervision_ratio}")
        if self.loss not in ("softmax", "bce"):
            raise ValueError(f"loss must be 'softmax' or 'bce', got {self.loss!r}")
        if self.batch_size < 0 or any(k == 0 or k < -1 for k in self.fanout):
            raise ValueError(
                f"batch_size must be >= 0 and fanouts positive or -1, got {self.batch_size}, {self.fanout}"
            )
        if self.epochs < 0:
            raise ValueError(f"epochs must be >= 0 (0: the encoder keeps its initial weights), got {self.epochs}")


@dataclass
class TrainResult:
    """The trained model and its history."""

    model: HeteroGAT
    featuriser: Featuriser
    prior: PhenotypePrior | None
    best_epoch: int
    history: list[dict[str, float]] = field(default_factory=list)
    seconds: float = 0.0


def with_target(split: Split, target_edges: Tensor) -> dict[EdgeType, Tensor]:
    """The split's message-passing edges with ``target_edges`` (and reverse) as the gene–disease links."""
    return replaced(split.message_edges, TARGET, target_edges)


class GNNScorer:
    """A trained model over one message-passing graph, as a :class:`gnn.evaluation.GeneScorer`.

    Args:
        model: The model.
        featuriser: Node inputs of the graph.
        edges: Message-passing edges (their gene–disease links also feed the prior).
        prior: The phenotype prior of the graph (``None``: the model has none).
    """

    def __init__(
        self,
        model: HeteroGAT,
        featuriser: Featuriser,
        edges: dict[EdgeType, Tensor],
        prior: PhenotypePrior | None = None,
    ) -> None:
        if model.config.prior and prior is None:
            raise ValueError("this model adds the phenotype prior: pass the graph's PhenotypePrior")
        self.model, self.prior, self.links, self.edges = model.eval(), prior, edges[TARGET], edges
        with torch.no_grad():
            self.h, self.attention = model.encode(featuriser(edges), edges, return_attention=prior is not None)

    def score_all(self, diseases: Tensor) -> Tensor:
        """Logits of every gene for each disease."""
        device = self.h["Disease"].device
        with torch.no_grad():
            prior = None
            if self.prior is not None:
                raw = self.prior.scores(diseases.cpu(), self.links.cpu()).to(device)
                prior = self.model.prior_logit(raw, self.attention, self.edges, self.h["Gene"].shape[0])
            return self.model.score_all(self.h["Gene"], self.h["Disease"][diseases.to(device)], prior)


def evaluate(
    model: HeteroGAT,
    featuriser: Featuriser,
    num_nodes: dict[NodeType, int],
    split: Split,
    pairs: Tensor,
    prior: PhenotypePrior | None = None,
) -> RankResult:
    """Metrics of ``pairs`` with all training links in message passing."""
    scorer = GNNScorer(model, featuriser, with_target(split, split.train), prior)
    return score_pairs(scorer, split, pairs, num_nodes["Gene"]).result


def _supervision_mask(split: Split, ratio: float, gen: torch.Generator) -> Tensor:
    train = split.train.cpu()  # sampling stays on the CPU generator: same draws on any device
    if split.mode is SplitMode.disease:
        diseases = torch.unique(train[1])
        chosen = diseases[torch.rand(diseases.numel(), generator=gen) < ratio]
        mask = torch.isin(train[1], chosen)
    else:
        mask = torch.rand(train.shape[1], generator=gen) < ratio
    return mask.to(split.train.device)


def _pretrain(
    model: HeteroGAT,
    featuriser: Featuriser,
    prior: PhenotypePrior | None,
    split: Split,
    config: TrainConfig,
    gen: torch.Generator,
    device: torch.device,
) -> None:
    """Steps on the projected inputs (``encode(layers=0)``): no message passing, so each costs little.

    The prior spreads with uniform weights here (there is no attention yet), which fits the
    weights of the prior and of its spread along each relation.
    """
    optimiser = torch.optim.Adam(model.parameters(), lr=config.pretrain_lr)
    model.train()
    for _ in range(config.pretrain_steps):
        mask = _supervision_mask(split, config.supervision_ratio, gen)
        loss = _step_loss(model, featuriser, prior, split, mask, config, gen, device, layers=0)
        optimiser.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), config.max_grad_norm)
        optimiser.step()


def _step_loss(
    model: HeteroGAT,
    featuriser: Featuriser,
    prior: PhenotypePrior | None,
    split: Split,
    mask: Tensor,
    config: TrainConfig,
    gen: torch.Generator,
    device: torch.device,
    layers: int | None = None,
) -> Tensor:
    """Loss of one full-graph step (``layers=0``: a pre-training step on the inputs alone).

    The ``mask``ed training links supervise and are hidden from message passing and from the
    prior; at most ``max_supervision`` of them are scored.
    """
    edges = with_target(split, split.train[:, ~mask])
    h, attention = model.encode(featuriser(edges), edges, return_attention=prior is not None, layers=layers)
    sup = split.train[:, mask]
    if config.max_supervision and sup.shape[1] > config.max_supervision:
        sup = sup[:, torch.randperm(sup.shape[1], generator=gen)[: config.max_supervision].to(sup.device)]
    sup_prior = None
    if prior is not None:
        raw = prior.scores(sup[1].cpu(), split.train[:, ~mask].cpu()).to(device)
        sup_prior = model.prior_logit(raw, attention, edges, h["Gene"].shape[0])  # uniform spread if no layer ran
    return _loss(model, h, sup, config, gen, sup_prior)


def resolve_device(name: str) -> torch.device:
    """``auto`` → CUDA when present, else CPU."""
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if name.startswith("cuda") and not torch.cuda.is_available():
        raise ValueError(f"device {name!r} requested but no CUDA device is visible")
    return torch.device(name)


def _to(split: Split, device: torch.device) -> Split:
    return Split(
        {et: ei.to(device) for et, ei in split.message_edges.items()},
        split.train.to(device),
        split.val.to(device),
        split.test.to(device),
        split.mode,
        split.held_out_diseases,
    )


def _loss(
    model: HeteroGAT,
    h: dict[NodeType, Tensor],
    sup: Tensor,
    config: TrainConfig,
    gen: torch.Generator,
    prior: Tensor | None = None,
) -> Tensor:
    genes, diseases = h["Gene"], h["Disease"]
    if config.loss == "softmax":
        logits = model.score_all(genes, diseases[sup[1]], prior)
        others = known_mask(sup[1], sup, logits.shape[1])
        others[torch.arange(sup.shape[1], device=sup.device), sup[0]] = False
        return nn.functional.cross_entropy(logits.masked_fill(others, float("-inf")), sup[0])
    negatives = torch.randint(genes.shape[0], (sup.shape[1],), generator=gen).to(sup.device)
    rows = torch.arange(sup.shape[1], device=sup.device)
    pos_prior = prior[rows, sup[0]] if prior is not None else None
    neg_prior = prior[rows, negatives] if prior is not None else None
    logits = torch.cat(
        [
            model.score(genes[sup[0]], diseases[sup[1]], pos_prior),
            model.score(genes[negatives], diseases[sup[1]], neg_prior),
        ]
    )
    labels = torch.cat([torch.ones(sup.shape[1]), torch.zeros(sup.shape[1])]).to(logits.device)
    return nn.functional.binary_cross_entropy_with_logits(logits, labels)


def build_model(
    num_nodes: dict[NodeType, int],
    split: Split,
    model_config: ModelConfig,
    term_links: Tensor | None = None,
    facts: DiseaseFacts | None = None,
) -> tuple[HeteroGAT, Featuriser, PhenotypePrior | None]:
    """An untrained model, the featuriser and the phenotype prior of ``split``'s graph.

    The prior's phenotype weights are learned from ``term_links`` (default: the training links;
    the prospective benchmark gives every link of the old release, as none of its queries is in it).
    ``facts``: the annotations' HPO frequencies and the diseases' sources
    (:attr:`gnn.export.ExportedGraph.disease_facts`).
    """
    edges = with_target(split, split.train)
    featuriser = Featuriser.for_model(num_nodes, edges, model_config)
    feats = featuriser(edges)
    model = HeteroGAT(
        (list(num_nodes), list(edges)), {t: f.shape[1] for t, f in feats.items()}, num_nodes, model_config
    )
    prior = None
    if model_config.prior:
        plain = PhenotypePrior(
            num_nodes,
            edges,
            model_config.prior_power,
            facts=facts,
            frequency_power=model_config.prior_frequency_power,
            cross_source=model_config.prior_cross_source,
        )
        config = TermWeightConfig(epochs=model_config.term_weight_epochs, reg=model_config.term_weight_reg)
        links = edges[TARGET] if term_links is None else term_links
        model.term_factor.copy_(learn_term_factor(plain, edges, links, config))
        prior = prior_for(model, num_nodes, edges, facts=facts)
    return model, featuriser, prior


def train(
    num_nodes: dict[NodeType, int],
    split: Split,
    model_config: ModelConfig,
    config: TrainConfig,
    on_epoch: Callable[[dict[str, float]], None] | None = None,
    term_links: Tensor | None = None,
    facts: DiseaseFacts | None = None,
) -> TrainResult:
    """Train with early stopping on the validation ``monitor`` metric; returns the best model (on CPU).

    ``term_links``, ``facts``: what the prior's phenotype weights are learned from, and its
    annotations' frequencies and diseases' sources (see :func:`build_model`). With
    ``config.deterministic`` a CPU run is bitwise reproducible for a seed and thread count.
    """
    device = resolve_device(config.device)
    with deterministic(config.deterministic and device.type == "cpu"):
        return _train(num_nodes, split, model_config, config, device, on_epoch, term_links, facts)


def _train(
    num_nodes: dict[NodeType, int],
    split: Split,
    model_config: ModelConfig,
    config: TrainConfig,
    device: torch.device,
    on_epoch: Callable[[dict[str, float]], None] | None,
    term_links: Tensor | None,
    facts: DiseaseFacts | None,
) -> TrainResult:
    started = time.perf_counter()
    model, featuriser, prior = build_model(num_nodes, split, model_config, term_links, facts)
    if prior is not None and config.batch_size:
        raise ValueError(
            "the mini-batch path does not support the phenotype prior yet: use batch_size 0 or prior false"
        )
    model.to(device)
    split = _to(split, device)
    optimiser = torch.optim.Adam(model.parameters(), lr=config.lr, weight_decay=config.weight_decay)
    gen = torch.Generator().manual_seed(config.seed)
    best, best_epoch, best_state, history = -1.0, 0, copy.deepcopy(model.state_dict()), []

    def step(loss: Tensor) -> None:
        optimiser.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), config.max_grad_norm)
        optimiser.step()

    if prior is not None:
        prior.precompute()
    if config.pretrain_steps:
        _pretrain(model, featuriser, prior, split, config, gen, device)
        val = evaluate(model, featuriser, num_nodes, split, split.val, prior)
        row = {"epoch": 0.0, "loss": float("nan"), **{f"val_{k}": v for k, v in val.to_flat_dict().items()}}
        history.append(row)
        if on_epoch:
            on_epoch(row)
        best, best_state = val.get(config.monitor), copy.deepcopy(model.state_dict())  # epoch 0 may stay the best
    for epoch in range(1, config.epochs + 1):
        model.train()
        mask = _supervision_mask(split, config.supervision_ratio, gen)
        edges = with_target(split, split.train[:, ~mask])
        if config.batch_size:
            loss_value = minibatch_epoch(
                model,
                featuriser,
                edges,
                split.train[:, mask],
                step,
                config.batch_size,
                config.fanout,
                config.negatives,
                gen,
            )
        else:
            loss = _step_loss(model, featuriser, prior, split, mask, config, gen, device)
            step(loss)
            loss_value = float(loss.detach())
        val = evaluate(model, featuriser, num_nodes, split, split.val, prior)
        row = {"epoch": float(epoch), "loss": loss_value, **{f"val_{k}": v for k, v in val.to_flat_dict().items()}}
        history.append(row)
        if on_epoch:
            on_epoch(row)
        if val.get(config.monitor) > best:
            best, best_epoch, best_state = val.get(config.monitor), epoch, copy.deepcopy(model.state_dict())
        elif epoch - best_epoch >= config.patience:
            break
    model.load_state_dict(best_state)
    return TrainResult(model.cpu().eval(), featuriser, prior, best_epoch, history, time.perf_counter() - started)
