"""Read queries the API batches (one round trip per call, whatever the number of keys).

Every function takes a list of keys and answers for all of them in one parameterised read
transaction, so a GraphQL page of 50 candidates costs the same number of round trips as a
page of 5 (DataLoaders collect the keys).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from neo4j import ManagedTransaction
from neo4j.exceptions import ClientError

from kg.errors import QueryRefused
from kg.store import Neo4jStore

Row = dict[str, Any]

SEARCH_INDEX = "kg_names"
_LUCENE_SPECIAL = re.compile(r'([+\-!(){}\[\]^"~*?:\\/]|&&|\|\|)')
_LUCENE_OPERATORS = {"AND", "OR", "NOT", "TO"}


def _rows(store: Neo4jStore, query: str, **params: Any) -> list[Row]:
    """Rows of a read query; a query the server refuses (e.g. unparsable full-text input) is :class:`QueryRefused`."""

    def work(tx: ManagedTransaction) -> list[Row]:
        return [record.data() for record in tx.run(query, **params)]

    try:
        return store.read(work)
    except ClientError as exc:
        raise QueryRefused((exc.message or str(exc)).split("\n")[0]) from exc


def nodes(store: Neo4jStore, label: str, ids: Sequence[str]) -> dict[str, Row]:
    """Properties of the nodes with these ids (missing ids are absent from the result)."""
    if label not in ("Gene", "Disease", "Phenotype", "Tissue"):
        raise ValueError(f"unknown label {label!r}")
    rows = _rows(store, f"UNWIND $ids AS id MATCH (n:{label} {{id: id}}) RETURN n {{.*}} AS n", ids=list(ids))
    return {r["n"]["id"]: r["n"] for r in rows}


def gene_symbols(store: Neo4jStore) -> list[Row]:
    """Every gene's ids, symbol and aliases (for :class:`kg.ids.GeneIndex`)."""
    return _rows(
        store,
        "MATCH (g:Gene) RETURN g.id AS id, g.symbol AS symbol, coalesce(g.aliases, []) AS aliases, "
        "coalesce(g.ensembl_ids, CASE WHEN g.ensembl IS NULL THEN [] ELSE [g.ensembl] END) AS ensembl_ids, "
        "g.hgnc AS hgnc",
    )


def phenotype_alternatives(store: Neo4jStore) -> dict[str, str]:
    """Every alternative or obsolete HPO id → the current term that holds it (``alt_ids`` on ``Phenotype``)."""
    rows = _rows(
        store, "MATCH (p:Phenotype) WHERE size(coalesce(p.alt_ids, [])) > 0 RETURN p.id AS id, p.alt_ids AS alt"
    )
    return {alt: r["id"] for r in rows for alt in r["alt"]}


#: The diseases whose evidence rolls up into ``d``: itself, its exact-match equivalents (one hop
#: through a MONDO class) and its hereditary forms (a TCGA cohort's) with their equivalents.
_EQUIVALENTS = (
    "MATCH (d)-[:SAME_AS]-(m:Disease) RETURN m "
    "  UNION MATCH (d)-[:SAME_AS]->(:Disease)<-[:SAME_AS]-(m:Disease) RETURN m "
)
_MEMBERS = (
    "CALL (d) { RETURN d AS m "
    "  UNION " + _EQUIVALENTS + "  UNION "
    "  MATCH (d)-[:HEREDITARY_FORM]->(m:Disease) RETURN m "
    "  UNION MATCH (d)-[:HEREDITARY_FORM]->(m:Disease) RETURN m "
    "  UNION MATCH (d)-[:HEREDITARY_FORM]->(:Disease)-[:SAME_AS]-(m:Disease) RETURN m "
    "  UNION MATCH (d)-[:HEREDITARY_FORM]->(:Disease)-[:SAME_AS]->(:Disease)<-[:SAME_AS]-(m:Disease) RETURN m } "
)


def evidence(store: Neo4jStore, pairs: Sequence[tuple[str, str]]) -> dict[tuple[str, str], list[Row]]:
    """Gene → disease evidence (and GTEx expression in the disease's tissue) per pair.

    Evidence rolls up along the disease space: relationships to an exact-match equivalent or a
    hereditary form count too, with ``via`` naming that disease (``None``: the disease itself).
    """
    query = (
        "UNWIND $pairs AS p MATCH (g:Gene {id: p[0]}), (d:Disease {id: p[1]}) " + _MEMBERS + "CALL (g, m) { "
        "  MATCH (g)-[r:ASSOCIATED_WITH|MUTATED_IN|UPREGULATED_IN|DOWNREGULATED_IN]->(m) "
        "  RETURN type(r) AS type, properties(r) AS props, null AS tissue "
        "  UNION "
        "  MATCH (m)-[:LOCALIZES_TO]->(t:Tissue)<-[r:EXPRESSED_IN]-(g) "
        "  RETURN type(r) AS type, properties(r) AS props, t.name AS tissue "
        "} RETURN p[0] AS gene, p[1] AS disease, type, props, tissue, "
        "CASE WHEN m = d THEN null ELSE m.id END AS via ORDER BY via IS NOT NULL, via"
    )
    out: dict[tuple[str, str], list[Row]] = {tuple(p): [] for p in pairs}  # type: ignore[misc]
    seen: set[tuple[str, str, str, str | None]] = set()
    for r in _rows(store, query, pairs=[list(p) for p in pairs]):
        key = (r["gene"], r["disease"], r["type"], r["tissue"] or str(r["props"].get("source")))
        if r["type"] == "EXPRESSED_IN" and key in seen:
            continue  # the same tissue reached through a member
        seen.add(key)
        row = {"type": r["type"], "props": r["props"], "tissue": r["tissue"], "via": r["via"]}
        out[(r["gene"], r["disease"])].append(row)
    return out


def equivalents(store: Neo4jStore, disease_ids: Sequence[str]) -> dict[str, list[str]]:
    """Exact-match equivalents of each disease (one hop through a MONDO class), OMIM first, then by id."""
    return {
        k: [r["id"] for r in v]
        for k, v in _grouped(
            store,
            "UNWIND $ids AS id MATCH (d:Disease {id: id}) "
            "CALL (d) { " + _EQUIVALENTS + "} "
            "WITH id, m WHERE m.id <> id "
            "RETURN id, {id: m.id} AS row ORDER BY id, NOT m.id STARTS WITH 'OMIM:', m.id",
            disease_ids,
        ).items()
    }


def _grouped(store: Neo4jStore, query: str, ids: Sequence[str]) -> dict[str, list[Row]]:
    """Run ``query`` (``$ids`` in; ``id, row`` out, ordered) and group the rows by id."""
    out: dict[str, list[Row]] = {i: [] for i in ids}
    for r in _rows(store, query, ids=list(ids)):
        out[r["id"]].append(r["row"])
    return out


def disease_phenotypes(store: Neo4jStore, disease_ids: Sequence[str]) -> dict[str, list[Row]]:
    """Phenotypes of each disease (id, name, frequency when HPO gives one)."""
    return _grouped(
        store,
        "UNWIND $ids AS id MATCH (d:Disease {id: id})-[r:HAS_PHENOTYPE]->(p:Phenotype) "
        "RETURN id, {id: p.id, name: p.name, frequency: r.frequency_value} AS row ORDER BY id, p.id",
        disease_ids,
    )


def known_genes(store: Neo4jStore, disease_ids: Sequence[str]) -> dict[str, list[Row]]:
    """Genes with a curated association to each disease or to a disease it rolls up (``via``)."""
    return _grouped(
        store,
        "UNWIND $ids AS id MATCH (d:Disease {id: id}) " + _MEMBERS + "MATCH (g:Gene)-[r:ASSOCIATED_WITH]->(m) "
        "WITH id, g, r, CASE WHEN m = d THEN null ELSE m.id END AS via ORDER BY via IS NOT NULL, via "
        "WITH id, g, collect({source: r.source, via: via})[0] AS first "
        "RETURN id, {id: g.id, symbol: g.symbol, source: first.source, via: first.via} AS row ORDER BY id, g.symbol",
        disease_ids,
    )


def gene_associations(store: Neo4jStore, gene_ids: Sequence[str]) -> dict[str, list[Row]]:
    """Every evidence relationship from each gene to a disease."""
    return _grouped(
        store,
        "UNWIND $ids AS id MATCH (g:Gene {id: id})-[r:ASSOCIATED_WITH|MUTATED_IN|UPREGULATED_IN|DOWNREGULATED_IN]->"
        "(d:Disease) RETURN id, {disease: d.id, name: d.name, type: type(r), props: properties(r)} AS row "
        "ORDER BY id, d.id, type(r)",
        gene_ids,
    )


def gene_expression(store: Neo4jStore, gene_ids: Sequence[str]) -> dict[str, list[Row]]:
    """GTEx median TPM per tissue of each gene, highest first."""
    return _grouped(
        store,
        "UNWIND $ids AS id MATCH (g:Gene {id: id})-[r:EXPRESSED_IN]->(t:Tissue) "
        "RETURN id, {tissue: t.id, name: t.name, tpm: r.tpm_median, specificity: r.specificity, "
        "synthetic: r.synthetic} AS row ORDER BY id, r.tpm_median DESC",
        gene_ids,
    )


def search(store: Neo4jStore, text: str, labels: Sequence[str], first: int) -> list[Row]:
    """Full-text search over ids, symbols and names, best first.

    The text is words, not Lucene syntax: special characters are escaped and the operator words
    ``AND``/``OR``/``NOT``/``TO`` are dropped (every word must match), so any text is a valid query. A node
    whose id or symbol equals the text comes first, then one whose name equals it, then the
    full-text score (ties: shorter name, then id), so "CFTR" finds CFTR before CFTR-AS1.
    """
    words = [_LUCENE_SPECIAL.sub(r"\\\1", w) for w in text.split() if w]
    words = [w for w in words if w.upper() not in _LUCENE_OPERATORS]  # every word must match anyway
    if not words:
        return []
    query = " AND ".join(f"({w} OR {w}*)" for w in words)
    rows = _rows(
        store,
        f"CALL db.index.fulltext.queryNodes('{SEARCH_INDEX}', $q) YIELD node, score "
        "WITH node, score, labels(node)[0] AS label WHERE label IN $labels "
        "RETURN label, node.id AS id, node.symbol AS symbol, coalesce(node.symbol, node.name) AS name, score "
        "LIMIT $pool",
        q=query,
        labels=list(labels),
        pool=max(first * 5, 50),
    )
    key = " ".join(text.split()).upper()

    def order(row: Row) -> tuple[int, float, int, str]:
        exact_id = str(row["id"]).upper() == key or str(row.get("symbol") or "").upper() == key
        exact_name = str(row["name"] or "").upper() == key
        return (0 if exact_id else 1 if exact_name else 2, -float(row["score"]), len(row["name"] or ""), row["id"])

    return [{k: v for k, v in r.items() if k != "symbol"} for r in sorted(rows, key=order)[:first]]


def ping(store: Neo4jStore) -> int:
    """Number of genes: a real query that proves the graph answers (for readiness)."""
    return int(_rows(store, "MATCH (g:Gene) RETURN count(g) AS n")[0]["n"])
