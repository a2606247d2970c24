import pytest

from kg.cypher import CypherSyntaxError, run_read_only
from kg.errors import QueryRefused
from kg.schema import NodeLabel
from kg.store import Neo4jStore

pytestmark = pytest.mark.neo4j

REFUSED = [
    "CREATE (n:Gene {id: 'NCBIGene:1'}) RETURN n",
    "MERGE (n:Gene {id: 'NCBIGene:7157'}) RETURN n",
    "MATCH (n:Gene) SET n.symbol = 'X'",
    "MATCH (n:Gene) REMOVE n.symbol",
    "MATCH (n) DETACH DELETE n",
    "LOAD CSV FROM 'file:///etc/passwd' AS line RETURN line",
    "CALL db.createLabel('Evil')",
    "CREATE INDEX evil FOR (n:Gene) ON (n.symbol)",
    "CALL () { CREATE (:Evil) } RETURN 1",
    "MATCH (n:Gene) WITH n CALL (n) { SET n.x = 1 } RETURN count(*)",
    "SHOW USERS",
]


def _snapshot(store: Neo4jStore) -> list:
    records, _, _ = store.driver.execute_query("MATCH (n) RETURN n.id AS id, properties(n) AS p ORDER BY id")
    return [(r["id"], r["p"]) for r in records]


@pytest.mark.parametrize("query", REFUSED)
def test_writes_and_file_access_are_refused_and_nothing_changes(store: Neo4jStore, query: str) -> None:
    store.merge_nodes(NodeLabel.GENE, [{"id": "NCBIGene:7157", "symbol": "TP53"}])
    before = _snapshot(store)
    with pytest.raises(QueryRefused):
        run_read_only(store, query)
    assert _snapshot(store) == before
    labels, _, _ = store.driver.execute_query("CALL db.labels() YIELD label RETURN collect(label) AS l")
    assert "Evil" not in labels[0]["l"]


def test_read_query_with_parameters(store: Neo4jStore) -> None:
    store.merge_nodes(
        NodeLabel.GENE, [{"id": "NCBIGene:7157", "symbol": "TP53"}, {"id": "NCBIGene:1", "symbol": "A1BG"}]
    )
    cols, rows = run_read_only(store, "MATCH (g:Gene) WHERE g.symbol = $s RETURN g.id AS id, g", {"s": "TP53"})
    assert cols == ["id", "g"]
    assert rows == [["NCBIGene:7157", {"labels": ["Gene"], "id": "NCBIGene:7157", "symbol": "TP53"}]]
    assert run_read_only(store, "CALL db.labels() YIELD label RETURN label")[1]


def test_syntax_error(store: Neo4jStore) -> None:
    with pytest.raises(CypherSyntaxError, match="invalid Cypher"):
        run_read_only(store, "MATCH (n RETURN n")
