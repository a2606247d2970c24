"""Requests a loaded model answers: explain a pair, rank a phenotype set (as JSON-ready dicts).

One home for what ``kg explain``/``kg rank`` (in-process or through their worker) and the
notebook API (:mod:`kg.notebook`) ask of a :class:`~gnn.inference.ModelContext`.
"""

from __future__ import annotations

import time
from typing import Any

from gnn.explain import Explainer
from gnn.inference import ModelContext
from kg.errors import KGError


class Answers:
    """Requests (``{"op": "explain" | "rank", …}``) answered from one model context."""

    def __init__(self, ctx: ModelContext) -> None:
        self.ctx = ctx
        self._explainer: Explainer | None = None

    def __call__(self, request: dict[str, Any]) -> dict[str, Any]:
        """The answer to ``request``; ``KGError`` for unknown ids (with close matches) or requests."""
        ctx, op = self.ctx, request.get("op")
        start = time.perf_counter()
        if op == "explain":
            g, d = ctx.lookup("Gene", request["gene"]), ctx.lookup("Disease", request["disease"])
            self._explainer = self._explainer or Explainer(ctx)
            result = self._explainer.explain(g, d, int(request["top"])).as_dict()
        elif op == "rank":
            result = {
                "phenotypes": request["phenotypes"],
                "genes": ctx.rank_phenotypes(request["phenotypes"], int(request["top"])),
            }
        else:
            raise KGError(f"unknown request {op!r}")
        return {**result, "model_version": ctx.version, "ms": (time.perf_counter() - start) * 1000}
