"""A trained model on the graph it was trained on: score, predict, rank phenotype sets.

At inference time every known gene–disease link is in message passing (evaluation is where
links are hidden); the model refuses a graph other than the one it was trained on.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Any

import torch
from torch import Tensor

from gnn.artefacts import ArtefactError, Run, load_model
from gnn.encoding import read_encoding, write_encoding
from gnn.evaluation import known_mask
from gnn.export import ExportedGraph
from gnn.features import Featuriser
from gnn.graph import MessageGraph, reverse
from gnn.model import Attention
from gnn.ontology import HAS_PHENOTYPE
from gnn.pair_features import RankerFeatures, mode_terms, model_parts
from gnn.prior import prior_for
from gnn.reproducible import deterministic_process
from gnn.scorer import EvidenceScorer
from gnn.split import TARGET
from kg.diseases import DiseaseSpace
from kg.errors import KGError
from kg.ids import Ambiguous, GeneIndex, normalise_curie, suggest
from kg.patient import Patient, TermResolver
from kg.predictions import Prediction
from kg.typing import EdgeType

if TYPE_CHECKING:
    from gnn.patients import PatientScorer


class UnknownId(KGError):
    """A gene, disease or phenotype id that is not in the model's graph.

    Args:
        reason: What was not found.
        close_matches: Ids or symbols close to it (shown after the reason).
    """

    def __init__(self, reason: str, close_matches: list[str] | None = None) -> None:
        self.reason, self.close_matches = reason, list(close_matches or [])
        hint = f"; close matches: {', '.join(self.close_matches)}" if self.close_matches else ""
        super().__init__(reason + hint)


class AmbiguousId(UnknownId):
    """An alias or previous symbol that names several genes (``close_matches``: their symbols)."""


class ModelContext:
    """Everything needed to score gene–disease pairs with one trained model.

    Args:
        graph: The export the model was trained on (checked by graph release).
        folder: The run folder written by ``kg train``.
    """

    def __init__(
        self,
        graph: ExportedGraph,
        folder: Path,
        genes: GeneIndex | Callable[[], GeneIndex] | None = None,
        cache_dir: Path | None = None,
        alternatives: Callable[[], dict[str, str]] | None = None,
    ) -> None:
        self.graph, self.folder, self.cache_dir = graph, folder, cache_dir
        deterministic_process()
        #: Guards the lazily built parts (encoding, inputs, resolvers): requests may come from many threads.
        self._lock = threading.RLock()
        self.run = Run(folder)
        if self.run.spec_key is not None and self.run.spec_key != graph.spec_key:
            raise ArtefactError(
                f"model {self.run.version} was trained on another export of the graph (spec {self.run.spec_key}, "
                f"this one is {graph.spec_key}): export with the run's spec (e.g. --include-synthetic) or retrain"
            )
        self.model, self.config = load_model(folder, expected_graph_release=graph.graph_release)
        self.manifest = self.run.manifest
        self.version = self.run.version
        #: The model saw edges from synthetic sample files: every prediction says so.
        self.synthetic = self.run.synthetic_edges > 0
        self._synthetic_edges: dict[EdgeType, set[tuple[int, int]]] = {}
        for et, columns in graph.edge_attrs.items():
            if "synthetic" in columns:
                flagged = graph.data[et].edge_attr[:, columns.index("synthetic")] > 0
                pairs = graph.data[et].edge_index[:, flagged].t().tolist()
                self._synthetic_edges[et] = {(int(a), int(b)) for a, b in pairs}
        self.message_graph = MessageGraph.from_data(graph.data)
        self.num_nodes, self.edges = self.message_graph.num_nodes, self.message_graph.edges
        self.featuriser = Featuriser.for_model(self.num_nodes, self.edges, self.model.config)
        self.prior = prior_for(self.model, self.num_nodes, self.edges, facts=graph.disease_facts)
        #: What predictions rank by: the run's evidence network (:mod:`gnn.scorer`); runs from before it
        #: rank by the evidence ranker over the model's parts, or by the model's logit.
        self.evidence = self.run.evidence if self.prior is not None else None
        self.ranker = self.run.ranker if self.prior is not None and self.evidence is None else None
        self._scorer: EvidenceScorer | None = None
        self._ranker_features: RankerFeatures | None = None
        self._encoded: tuple[dict[str, Tensor], Attention] | None = None
        self._features: dict[str, Tensor] | None = None
        self._stats: dict[str, tuple[Tensor, Tensor]] = {}
        self._index = {t: graph.index(t) for t in graph.node_ids}
        # Gene resolvers: the export's own ids and symbols first (no database needed), then the
        # graph's full index (aliases, Ensembl, HGNC ids), given or built on first need.
        self._export_genes = GeneIndex(
            {"id": i, "symbol": n}
            for i, n in zip(graph.node_ids.get("Gene", []), graph.node_names.get("Gene", []), strict=True)
        )
        self._genes = genes
        self._patients: PatientScorer | None = None
        self._terms: TermResolver | Callable[[], dict[str, str]] | None = alternatives

    def is_synthetic(self, et: EdgeType, src: int, dst: int) -> bool:
        """Whether the message-passing edge came from a synthetic sample file (reverse types too)."""
        if et in self._synthetic_edges:
            return (src, dst) in self._synthetic_edges[et]
        stored = reverse(et)
        return stored in self._synthetic_edges and (dst, src) in self._synthetic_edges[stored]

    # -- ids ------------------------------------------------------------------------
    def index(self, node_type: str) -> dict[str, int]:
        """Index of every node of ``node_type`` by its id (exact ids only; :meth:`lookup` resolves keys)."""
        return self._index.get(node_type, {})

    def lookup(self, node_type: str, key: str) -> int:
        """Index of a node by CURIE (prefix case-insensitive); genes also by any key :class:`GeneIndex` resolves.

        Raises:
            AmbiguousId: an alias names several genes.
            UnknownId: nothing matches (with close matches).
        """
        index = self._index.get(node_type, {})
        curie = normalise_curie(key)
        if curie in index:
            return index[curie]
        if node_type == "Gene":
            hit = self._export_genes.resolve(key)
            if not isinstance(hit, str):
                hit = self.genes.resolve(key)
            if isinstance(hit, Ambiguous):
                raise AmbiguousId(hit.message, list(hit.candidates))
            if hit is not None and hit in index:
                return index[hit]
            close = self.genes.close_matches(key)
        else:
            close = suggest(curie, index)
        raise UnknownId(
            f"unknown {node_type.lower()} {key!r}: not in the model's graph {self.graph.graph_release}", close
        )

    @property
    def genes(self) -> GeneIndex:
        """The full gene resolver (built on first use when a loader was given)."""
        with self._lock:
            if self._genes is None:
                self._genes = self._export_genes
            elif not isinstance(self._genes, GeneIndex):
                try:
                    self._genes = self._genes()
                except KGError:  # the graph is out of reach: the export's ids and symbols, until it is back
                    return self._export_genes
            return self._genes

    def name(self, node_type: str, index: int) -> str | None:
        """Symbol or name of a node."""
        return self.graph.node_names[node_type][index]

    def node_id(self, node_type: str, index: int) -> str:
        """CURIE of a node."""
        return self.graph.node_ids[node_type][index]

    # -- scoring --------------------------------------------------------------------
    def transient_features(self, num_nodes: dict[str, int], edges: dict[EdgeType, Tensor]) -> dict[str, Tensor]:
        """Inputs of the graph plus one appended transient disease.

        Every existing node keeps its inputs (degrees and content as in the graph); the new, last
        disease gets its own (degrees standardised with the graph's statistics).
        """
        with self._lock:
            if self._features is None:
                self._stats = self.featuriser.reference_stats(self.edges)
                self._features = self.featuriser(self.edges)
        own = self.featuriser.disease_row(num_nodes["Disease"] - 1, edges, self._stats)
        return {**self._features, "Disease": torch.cat([self._features["Disease"], own])}

    def encoded(self) -> tuple[dict[str, Tensor], Attention]:
        """Node representations and attention over the full graph (computed once, cached on disk if asked)."""
        with self._lock:
            if self._encoded is None:
                path = self._encoding_file()
                if path is not None and path.is_file():
                    self._encoded = read_encoding(path)
                else:
                    with torch.no_grad():
                        self._encoded = self.model.eval().encode(
                            self.featuriser(self.edges), self.edges, return_attention=True
                        )
                    if path is not None:
                        write_encoding(path, *self._encoded)
            return self._encoded

    def _encoding_file(self) -> Path | None:
        """Where this model's encoding of this export is cached (``None``: no cache)."""
        if self.cache_dir is None:
            return None
        return (
            self.cache_dir
            / f"{self.run.manifest['weights_sha256'][:16]}-{self.graph.spec_key}-{self.graph.graph_release}.safetensors"
        )

    def score(
        self,
        gene: int,
        disease: int,
        edges: dict[EdgeType, Tensor] | None = None,
        prior_logit: Tensor | None = None,
    ) -> float:
        """Logit of one pair, optionally on modified message-passing edges (for fidelity).

        ``prior_logit``: the disease's prior logit part over all genes (``[1, G]``) when the
        caller has it (on the unmodified edges); computed otherwise.
        """
        if edges is None:
            h, attention = self.encoded()
        else:
            with torch.no_grad():
                h, attention = self.model.encode(self.featuriser(edges), edges, return_attention=True)
        if prior_logit is not None and edges is None:
            logit: Tensor | None = prior_logit
        else:
            logit = self.prior_logit(torch.tensor([disease]), edges, attention)
        prior = logit[:, gene] if logit is not None else None
        with torch.no_grad():
            return float(self.model.score(h["Gene"][gene : gene + 1], h["Disease"][disease : disease + 1], prior)[0])

    def prior_logit(
        self, diseases: Tensor, edges: dict[EdgeType, Tensor] | None = None, attention: Attention | None = None
    ) -> Tensor | None:
        """The prior's part of the logit for ``diseases`` over all genes (``None`` without a prior)."""
        if self.prior is None:
            return None
        edges = edges if edges is not None else self.edges
        attention = attention if attention is not None else self.encoded()[1]
        raw = self.prior.scores(diseases, edges[TARGET])
        with torch.no_grad():
            return self.model.prior_logit(raw, attention, edges, self.num_nodes["Gene"])

    @property
    def scorer(self) -> EvidenceScorer | None:
        """The one scorer of this run (built once; ``None`` for a run without an evidence network)."""
        with self._lock:
            if self._scorer is None and self.evidence is not None and self.prior is not None:
                self._scorer = EvidenceScorer.of_export(self.evidence, self.prior, self.graph, self.edges)
            return self._scorer

    def logits(self, diseases: Tensor) -> Tensor:
        """``[Q, G]``: what predictions rank the genes by, for the graph's diseases ``diseases``.

        The evidence network's ``τ · log score``; for older runs the ranker's score, or the model's logit.
        """
        return self.logits_and_shares(diseases, shares=False)[0]

    def logits_and_shares(self, diseases: Tensor, shares: bool = True) -> tuple[Tensor, Tensor | None]:
        """:meth:`logits` and, when ``shares``, each score's ``[Q, G, 4]`` shares by path kind.

        The kinds are :data:`kg.predictions.SHARE_KINDS`; ``None`` without the evidence network.
        """
        scorer = self.scorer
        if scorer is not None:
            scored = scorer.rows(diseases)
            return scorer.logits(scored), scorer.kind_shares(scored) if shares else None
        h = self.encoded()[0]
        if self.ranker is None:
            with torch.no_grad():
                return self.model.score_all(h["Gene"], h["Disease"][diseases], self.prior_logit(diseases)), None
        return self.ranker.score(self.pair_features(diseases)), None

    def pair_features(self, diseases: Tensor, prior_parts: tuple[Tensor, dict[str, Tensor]] | None = None) -> Tensor:
        """The ranker's ``[Q, G, F]`` features (:mod:`gnn.pair_features`) of the graph's diseases ``diseases``.

        ``prior_parts``: their raw prior and its spreads when the caller computed them already.
        """
        if self.prior is None:
            raise ArtefactError("the evidence ranker needs a model with the phenotype prior")
        h, attention = self.encoded()
        raw, spreads = prior_parts or (self.prior.scores(diseases, self.edges[TARGET]), None)
        parts = model_parts(self.model, h["Gene"], h["Disease"][diseases], raw, attention, self.edges, spreads)
        return self.ranker_features().for_rows(diseases, parts[0], raw, parts[1])

    def ranker_features(self) -> RankerFeatures:
        """The ranker's feature maker for this graph (built once)."""
        with self._lock:
            if self._ranker_features is None:
                assert self.prior is not None
                modes = mode_terms(self._index["Phenotype"])
                self._ranker_features = RankerFeatures(self.prior, self.edges, self.num_nodes["Gene"], modes)
            return self._ranker_features

    def known_genes(self, disease: int) -> Tensor:
        """Indices of the genes already linked to ``disease``."""
        links = self.edges[TARGET]
        return links[0][links[1] == disease]

    def predict(
        self,
        top: int = 20,
        diseases: Sequence[int] | None = None,
        on_chunk: Callable[[int], None] | None = None,
        space: DiseaseSpace | None = None,
    ) -> list[Prediction]:
        """Top-``top`` new candidate genes per disease, plus the score and rank of the known genes.

        ``rank`` of a new candidate counts new candidates only (1 = best); a known gene's rank
        is its rank among all genes. ``score`` is the softmax probability over all genes and
        ``percentile`` the share of all genes scored lower. Equal logits rank in gene-id order.

        With a disease ``space``, a gene linked to any member of a disease (an exact-match
        equivalent, a hereditary form) counts as known for it, so FBN1 is not a "new" candidate
        for ORPHA:558 when OMIM:154700 is Marfan syndrome too; and each disease with hereditary
        forms (a TCGA cohort) is scored by its best-scoring member per gene (``via`` names it).
        """
        if diseases is None:
            with_phenotypes = torch.unique(self.edges[HAS_PHENOTYPE][0]) if HAS_PHENOTYPE in self.edges else None
            linked = torch.unique(self.edges[TARGET][1])
            pool = linked if with_phenotypes is None else torch.unique(torch.cat([linked, with_phenotypes]))
            diseases = pool.tolist()
        links = self.edges[TARGET]
        genes_of: dict[str, list[int]] = {}
        for g, d in links.t().tolist():
            genes_of.setdefault(self.node_id("Disease", d), []).append(g)
        out: list[Prediction] = []
        chunk = 512 if self.ranker is None and self.evidence is None else 64  # [chunk, G, F] features
        for begin in range(0, len(diseases), chunk):
            batch = torch.tensor(diseases[begin : begin + chunk], dtype=torch.long)
            logits, shares = self.logits_and_shares(batch)
            known = known_mask(batch, links, logits.shape[1])
            ids = [self.node_id("Disease", d) for d in batch.tolist()]
            if space is not None:
                for row, did in enumerate(ids):
                    for member in space.members(did):
                        known[row, genes_of.get(member, [])] = True
            out += self._rows(ids, logits, known, top, [None] * len(ids), shares)
            if on_chunk:
                on_chunk(len(batch))
        if space is not None:
            out += self._rolled_up(space, {self.node_id("Disease", d) for d in diseases}, genes_of, top)
        return out

    def _rolled_up(
        self, space: DiseaseSpace, scored: set[str], genes_of: dict[str, list[int]], top: int
    ) -> list[Prediction]:
        """Predictions of each unscored disease with hereditary forms: per gene, its best-scoring member."""
        index = {d: i for i, d in enumerate(self.graph.node_ids["Disease"])}
        targets = sorted(d for d in space.with_forms() if d not in scored)
        out: list[Prediction] = []
        for target in targets:
            members = sorted(m for m in space.members(target) if m in scored and m in index)
            if not members:
                continue
            batch = torch.tensor([index[m] for m in members], dtype=torch.long)
            all_logits, all_shares = self.logits_and_shares(batch)
            logits, best = all_logits.max(dim=0)
            shares = None if all_shares is None else all_shares[best, torch.arange(best.numel())][None]
            known = torch.zeros(1, logits.numel(), dtype=torch.bool)
            for d in (target, *space.members(target)):
                known[0, genes_of.get(d, [])] = True
            out += self._rows([target], logits[None, :], known, top, [[members[i] for i in best.tolist()]], shares)
        return out

    def _rows(
        self,
        ids: list[str],
        logits: Tensor,
        known: Tensor,
        top: int,
        via: list[list[str] | None],
        shares: Tensor | None = None,
    ) -> list[Prediction]:
        """Prediction rows of a batch of diseases from their logits over all genes (``shares``: by path kind)."""
        num_genes = self.num_nodes["Gene"]
        probs = torch.softmax(logits, dim=1)
        # a stable sort: equal logits keep gene-index (= gene id) order, so ranks are deterministic
        order = torch.argsort(logits, dim=1, descending=True, stable=True)
        rank_all = torch.empty_like(order)
        rank_all.scatter_(1, order, torch.arange(1, num_genes + 1).expand_as(order))
        out: list[Prediction] = []
        for row, did in enumerate(ids):
            by = via[row]
            fresh = order[row][~known[row][order[row]]][:top]  # the same order, known genes left out
            for r, g in enumerate(fresh.tolist()):
                row_via = by[g] if by else None
                part = None if shares is None else shares[row, g]
                out.append(
                    self._row(did, g, probs[row, g], logits[row, g], r + 1, False, rank_all[row, g], row_via, part)
                )
            for g in known[row].nonzero().flatten().tolist():
                rank = int(rank_all[row, g])
                row_via = by[g] if by else None
                part = None if shares is None else shares[row, g]
                out.append(
                    self._row(did, g, probs[row, g], logits[row, g], rank, True, rank_all[row, g], row_via, part)
                )
        return out

    def _row(
        self,
        disease_id: str,
        gene: int,
        score: Tensor,
        logit: Tensor,
        rank: int,
        known: bool,
        rank_all: Tensor,
        via: str | None = None,
        shares: Tensor | None = None,
    ) -> Prediction:
        """One prediction; ``percentile``: the share of all genes scored below this one, in %."""
        gene_id, symbol = self.node_id("Gene", gene), self.name("Gene", gene)
        percentile = 100.0 * (self.num_nodes["Gene"] - int(rank_all)) / self.num_nodes["Gene"]
        parts = None if shares is None else tuple(round(float(x), 6) for x in shares.tolist())
        return Prediction(
            disease_id, gene_id, symbol, float(score), float(logit), rank, known, self.synthetic, percentile, via, parts
        )

    def rank_phenotypes(
        self, phenotypes: Sequence[str], top: int = 20, excluded: Sequence[str] = ()
    ) -> list[dict[str, Any]]:
        """Rank all genes for a phenotype set (and the terms it excludes) by a transient disease node.

        The one gene-ranking path for a patient: :meth:`gnn.patients.PatientScorer.rank_genes`.
        """
        if not phenotypes:
            raise UnknownId("give at least one HPO term (e.g. HP:0001250)")
        patient = Patient(
            "query",
            tuple(normalise_curie(p) for p in phenotypes),
            tuple(normalise_curie(p) for p in excluded),
        )
        return [asdict(hit) for hit in self.patients().rank_genes(patient, top)]

    def term_resolver(self) -> TermResolver:
        """Maps a patient's HPO ids onto the graph's release (alternative and obsolete ids replaced)."""
        with self._lock:
            if self._terms is None or not isinstance(self._terms, TermResolver):
                alternatives = self._terms() if callable(self._terms) else {}
                version = self.graph.state.get("hpo", {}).get("version")
                self._terms = TermResolver(self.graph.node_ids.get("Phenotype", []), alternatives, version)
            return self._terms

    def patients(self) -> PatientScorer:
        """The patient scorer of this model (genes and diseases for a phenotype set)."""
        with self._lock:
            if self._patients is None:
                from gnn.patients import PatientScorer

                self._patients = PatientScorer(self)
            return self._patients
