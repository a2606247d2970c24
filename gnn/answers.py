"""Requests a loaded model answers: explain a pair, rank genes or diagnose a patient (JSON-ready dicts).

One home for what ``kg explain``/``kg rank``/``kg diagnose`` (in-process or through their worker)
and the notebook API (:mod:`kg.notebook`) ask of a :class:`~gnn.inference.ModelContext`.

A patient travels as ``{"id", "observed": [...], "excluded": [...]}`` (what
:meth:`kg.patient.Patient.to_json` makes of one); its terms are mapped onto the
graph's HPO release first, and the answer lists what that changed (``notes``). A diagnosis
request with ``"reasons": false`` answers ranks and scores only (cohort runs).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict
from typing import Any

from gnn.explain import Explainer
from gnn.explanation import Explanation
from gnn.inference import ModelContext
from gnn.patients import GeneHit
from kg.diseases import DiseaseSpace
from kg.errors import KGError
from kg.patient import Patient


def _patient(request: dict[str, Any]) -> Patient:
    raw = request.get("patient")
    if raw is None:  # the older form: {"phenotypes": [...]} (kg rank --phenotypes)
        raw = {"observed": request.get("phenotypes", []), "excluded": request.get("excluded", [])}
    return Patient.from_json(raw)


class Answers:
    """Requests (``{"op": "explain" | "rank" | "diagnose", …}``) answered from one model context.

    Args:
        ctx: The loaded model.
        space: Builds the graph's disease space on first need (equivalent ids collapse in a diagnosis).
    """

    def __init__(self, ctx: ModelContext, space: Callable[[], DiseaseSpace] | None = None) -> None:
        self.ctx = ctx
        self._explainer: Explainer | None = None
        self._lock = threading.Lock()
        self._space_loader, self._space = space, None if space is not None else DiseaseSpace()

    @property
    def explainer(self) -> Explainer:
        """The explainer (built once; building it indexes the network's graph)."""
        with self._lock:
            if self._explainer is None:
                self._explainer = Explainer(self.ctx)
            return self._explainer

    def prepare(self) -> Answers:
        """Build the explainer now (a server does it at load, not on its first request)."""
        _ = self.explainer
        return self

    def explanation(self, gene: str, disease: str, top: int = 5) -> Explanation:
        """Why ``gene`` ranks where it does for ``disease``: ids read by the one id policy.

        Raises:
            AmbiguousId: ``gene`` is an alias of several genes.
            UnknownId: no such gene or disease (with close matches).
        """
        g, d = self.ctx.lookup("Gene", gene), self.ctx.lookup("Disease", disease)
        return self.explainer.explain(g, d, top)

    def rank_phenotypes(self, phenotypes: Sequence[str], top: int = 20) -> list[GeneHit]:
        """The top genes for a phenotype set (every term must be on the graph's release).

        Raises:
            UnknownId: a term is not in the graph.
        """
        return [GeneHit(**row) for row in self.ctx.rank_phenotypes(phenotypes, top)]

    def space(self) -> DiseaseSpace:
        """The disease space (read once)."""
        if self._space is None:
            assert self._space_loader is not None
            self._space = self._space_loader()
        return self._space

    def __call__(self, request: dict[str, Any]) -> dict[str, Any]:
        """The answer to ``request``; ``KGError`` for unknown ids (with close matches) or requests."""
        ctx, op = self.ctx, request.get("op")
        start = time.perf_counter()
        if op == "explain":
            result = self.explanation(request["gene"], request["disease"], int(request["top"])).as_dict()
        elif op in ("rank", "diagnose"):
            patient = ctx.term_resolver().resolve(_patient(request))
            result = {
                "patient": patient.id,
                "phenotypes": list(patient.observed),
                "excluded": list(patient.excluded),
                "notes": list(patient.notes),
            }
            scorer = ctx.patients()
            if op == "rank":
                result["genes"] = [asdict(h) for h in scorer.rank_genes(patient, int(request["top"]))]
            else:
                hits = scorer.diagnose(patient, int(request["top"]), self.space(), request.get("reasons", True))
                result["diseases"] = [h.as_dict() for h in hits]
        else:
            raise KGError(f"unknown request {op!r}")
        return {**result, "model_version": ctx.version, "ms": (time.perf_counter() - start) * 1000}
