"""The graph from a notebook: pandas DataFrames and networkx graphs.

>>> import kg
>>> graph = kg.connect()                      # settings as for the CLI (KG_NEO4J_URI, KG_HOME, …)
>>> graph.cypher("MATCH (g:Gene {symbol: $s}) RETURN g.id AS id", s="FBN1")
>>> graph.candidates("OMIM:154700", top=10)    # from the prediction store (`kg predict`)
>>> graph.rank_phenotypes(["HP:0001166", "HP:0001083"])
>>> graph.rank_phenopacket("patient.json")   # a GA4GH phenopacket: observed and excluded terms
>>> graph.diagnose("patient.json")            # differential diagnosis: ranked diseases, with why
>>> graph.explain("FBN1", "OMIM:154700")       # networkx.DiGraph of the explanation

Like ``kg.cli``, this is an edge that wires the layers: ``rank_phenotypes`` and ``explain`` load
the trained model (the ``gnn`` extra) on first use and keep it.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kg import queries
from kg.cypher import run_read_only
from kg.diseases import read_disease_space
from kg.errors import KGError
from kg.ids import normalise_curie
from kg.patient import Patient, read_phenopacket
from kg.predictions import PredictionStore
from kg.settings import DEFAULT_RUN, Settings, load_settings
from kg.store import Neo4jStore

if TYPE_CHECKING:
    import networkx as nx
    import pandas as pd

    from gnn.answers import Answers

DIAGNOSIS_COLUMNS = [
    "rank",
    "disease_id",
    "name",
    "score",
    "similarity",
    "best_match",
    "exclusion_factor",
    "matched",
    "excluded_present",
    "missing_frequent",
    "genes",
    "equivalents",
]
CANDIDATE_COLUMNS = [
    "disease_id",
    "rank",
    "gene_id",
    "symbol",
    "score",
    "percentile",
    "known",
    "via",
    "synthetic",
]


class Graph:
    """A connection to the graph, its prediction store and (on first need) the trained model."""

    def __init__(self, settings: Settings, model: Path) -> None:
        self.settings, self.model = settings, model
        self.store = Neo4jStore.from_settings(settings)
        self.predictions = PredictionStore(settings.prediction_store)
        self._answers: Answers | None = None

    def cypher(self, query: str, *, limit: int = 100_000, timeout_s: float = 60.0, **params: Any) -> pd.DataFrame:
        """A read-only Cypher query (checked as ``kg cypher`` checks it) as a DataFrame; ``$name`` ← ``name=…``."""
        return run_read_only(self.store, query, params, timeout_s=timeout_s, limit=limit).to_frame()

    def download(self, table: str, release: str | None = None) -> pd.DataFrame:
        """A table of a published release (``kg release publish``; the newest by default) as a DataFrame.

        ``table``: ``predictions``, ``prediction_evidence``, ``nodes/Gene``, ``associations/ASSOCIATED_WITH``, …
        (the release's ``README.md`` lists them). The file's SHA-256 is checked against the manifest first.
        """
        from kg.downloads import read_table

        return read_table(self.settings.home / "downloads", table, release)

    def candidates(self, disease: str, top: int = 20, include_known: bool = False) -> pd.DataFrame:
        """The model's candidate genes of ``disease``, best first (a MONDO id: its exact match's candidates)."""
        import pandas as pd

        disease = normalise_curie(disease)
        scored = self.predictions.answering(disease, lambda: queries.equivalents(self.store, [disease])[disease])
        rows = self.predictions.for_disease(scored, top, 0, include_known)[0] if scored else []
        records = [
            {
                "disease_id": disease,
                "rank": i + 1 if include_known else r.rank,
                "gene_id": r.gene_id,
                "symbol": r.symbol,
                "score": r.score,
                "percentile": r.percentile,
                "known": r.known,
                "via": r.via or (scored if scored != disease else None),
                "synthetic": r.synthetic,
            }
            for i, r in enumerate(rows)
        ]
        return pd.DataFrame.from_records(records, columns=CANDIDATE_COLUMNS)

    def rank_phenotypes(self, phenotypes: Sequence[str], top: int = 20, excluded: Sequence[str] = ()) -> pd.DataFrame:
        """Genes ranked by the model for a phenotype set (a patient, a new syndrome) and the terms it excludes."""
        return self._genes(Patient.of_terms(list(phenotypes), list(excluded)), top)

    def rank_phenopacket(self, phenopacket: Path | str | dict[str, Any], top: int = 20) -> pd.DataFrame:
        """Genes ranked for a GA4GH phenopacket (a path, a JSON string or a dict; observed and excluded terms)."""
        return self._genes(read_phenopacket(phenopacket), top)

    def diagnose(
        self, patient: Path | str | dict[str, Any] | list[str], top: int = 10, excluded: Sequence[str] = ()
    ) -> pd.DataFrame:
        """Differential diagnosis: diseases ranked for a phenopacket (path, JSON, dict) or a list of observed terms.

        One row per disease (equivalent ids collapsed): score, similarity, the excluded terms'
        factor, and the reasons as lists (matched terms, excluded terms it has, frequent terms the
        patient lacks, genes).
        """
        import pandas as pd

        if isinstance(patient, list):
            parsed = Patient.of_terms(patient, list(excluded))
        else:
            parsed = read_phenopacket(patient)
        answer = self.answers()({"op": "diagnose", "patient": parsed.to_json(), "top": top})
        rows = [
            {
                **{
                    k: d[k]
                    for k in ("rank", "disease_id", "name", "score", "similarity", "best_match", "exclusion_factor")
                },
                "matched": [t["id"] for t in d["matched"]],
                "excluded_present": [t["id"] for t in d["excluded_present"]],
                "missing_frequent": [t["id"] for t in d["missing_frequent"]],
                "genes": [g["symbol"] or g["id"] for g in d["genes"]],
                "equivalents": list(d["equivalents"]),
            }
            for d in answer["diseases"]
        ]
        return pd.DataFrame.from_records(rows, columns=DIAGNOSIS_COLUMNS)

    def _genes(self, patient: Patient, top: int) -> pd.DataFrame:
        import pandas as pd

        rows = self.answers()({"op": "rank", "patient": patient.to_json(), "top": top})["genes"]
        return pd.DataFrame.from_records(rows, columns=["rank", "gene_id", "symbol", "score", "logit"])

    def explain(self, gene: str, disease: str, top: int = 10) -> nx.DiGraph:
        """Why the model links ``gene`` to ``disease``, as a graph (see :mod:`gnn.subgraph` for its attributes)."""
        from gnn.subgraph import explanation_graph

        return explanation_graph(self.answers().explanation(gene, disease, top))

    def answers(self) -> Answers:
        """The trained model on the graph it was trained on, answering requests (loaded once)."""
        if self._answers is None:
            try:
                from gnn.runs import RunService
            except ImportError as exc:
                raise KGError(f"ranking and explaining need the GNN extra: pip install 'kg[gnn]' ({exc})") from exc
            from gnn.answers import Answers

            context = RunService(self.settings.home, lambda query: query(self.store)).context(self.model)
            self._answers = Answers(context, lambda: read_disease_space(self.store))
        return self._answers

    def close(self) -> None:
        """Close the database connection."""
        self.store.close()

    def __enter__(self) -> Graph:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def connect(neo4j_uri: str | None = None, home: Path | str | None = None, model: Path | str = DEFAULT_RUN) -> Graph:
    """Connect to the graph (settings from the environment / ``kg.toml``, as the CLI reads them)."""
    overrides: dict[str, Any] = {}
    if neo4j_uri:
        overrides["neo4j_uri"] = neo4j_uri
    if home:
        overrides["home"] = Path(home)
    return Graph(load_settings(**overrides), Path(model))
