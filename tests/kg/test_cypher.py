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
    "PROFILE MATCH (n) SET n.x = 1",
    "EXPLAIN CREATE (:Evil)",
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
    result = run_read_only(store, "MATCH (g:Gene) WHERE g.symbol = $s RETURN g.id AS id, g", {"s": "TP53"})
    assert result.columns == ["id", "g"]
    assert result.rows == [["NCBIGene:7157", {"labels": ["Gene"], "id": "NCBIGene:7157", "symbol": "TP53"}]]
    assert run_read_only(store, "CALL db.labels() YIELD label RETURN label").rows  # on the read-only allowlist


def test_syntax_error_points_into_the_users_query(store: Neo4jStore) -> None:
    with pytest.raises(CypherSyntaxError, match="invalid Cypher") as caught:
        run_read_only(store, "MATCH (n RETURN n")
    message = str(caught.value)
    assert "EXPLAIN" not in message  # the internal prefix stays internal
    assert "column 10 (offset: 9)" in message  # where RETURN starts in what the user typed
    lines = message.split("\n")
    caret = next(i for i, line in enumerate(lines) if line.strip() == "^")
    assert lines[caret].index("^") - lines[caret - 1].index("M") == 9


def test_row_limit_is_reported(store: Neo4jStore) -> None:
    result = run_read_only(store, "UNWIND range(1, 5) AS i RETURN i", limit=3)
    assert result.rows == [[1], [2], [3]] and result.truncated
    assert not run_read_only(store, "UNWIND range(1, 3) AS i RETURN i", limit=3).truncated


def test_explain_and_profile_return_plans(store: Neo4jStore) -> None:
    store.merge_nodes(NodeLabel.GENE, [{"id": "NCBIGene:7157", "symbol": "TP53"}])
    explained = run_read_only(store, "explain MATCH (g:Gene) RETURN g.id")
    assert explained.columns == ["operator", "details", "estimated_rows"]
    assert explained.rows[0][0] == "ProduceResults"
    profiled = run_read_only(store, "PROFILE MATCH (g:Gene) RETURN g.id")
    assert profiled.columns == ["operator", "details", "rows", "db_hits"]
    assert any(row[2] == 1 for row in profiled.rows)  # the one gene went through the plan
    with pytest.raises(QueryRefused):
        run_read_only(store, "PROFILE CREATE (:Evil)")  # the mode keyword does not bypass the check


def test_timeout_is_reported_with_the_option_to_raise_it(store: Neo4jStore) -> None:
    # 400M rows: far longer than the timeout (which the server checks between batches of rows)
    slow = "UNWIND range(1, 20000) AS a UNWIND range(1, 20000) AS b WITH a, b WHERE a * b % 7 = 3 RETURN count(*)"
    with pytest.raises(QueryRefused, match="timeout.*--timeout"):
        run_read_only(store, slow, timeout_s=0.2)


def test_param_types() -> None:
    import typer

    from kg.cli.cypher import parse_params

    assert parse_params(["c=17", "s=TP53", "l=[1,2]", 'q="17"']) == {"c": 17, "s": "TP53", "l": [1, 2], "q": "17"}
    typed = parse_params(["c:str=17", "n:int=5", "x:float=0.5", "b:bool=TRUE", 'j:json={"a": 1}'])
    assert typed == {"c": "17", "n": 5, "x": 0.5, "b": True, "j": {"a": 1}}
    for bad in ("n:int=five", "b:bool=yes", "c:text=17"):
        with pytest.raises(typer.BadParameter):
            parse_params([bad])
