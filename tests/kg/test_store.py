import pytest

from kg.errors import StoreUnavailable
from kg.schema import NodeLabel, RelType
from kg.store import Neo4jStore

pytestmark = pytest.mark.neo4j


def _edge(start: str, end: str, source: str, release: str, **props: object) -> dict:
    return {"start": start, "end": end, "props": {"source": source, "release": release, "source_version": "v", **props}}


def test_merge_is_idempotent_and_keyed_by_source(store: Neo4jStore) -> None:
    store.merge_nodes(NodeLabel.GENE, [{"id": "NCBIGene:7157", "symbol": "TP53"}, {"id": "NCBIGene:5290"}])
    store.merge_nodes(NodeLabel.DISEASE, [{"id": "MONDO:0006256", "name": "breast"}])
    rows = [_edge("NCBIGene:7157", "MONDO:0006256", "tcga-maf", "r1", n_mutated=3, n_samples=10, frequency=0.3)]
    assert store.merge_edges(RelType.MUTATED_IN, rows) == 1
    assert store.merge_edges(RelType.MUTATED_IN, rows) == 1
    store.merge_edges(RelType.MUTATED_IN, [_edge("NCBIGene:7157", "MONDO:0006256", "other", "r1")])
    assert store.count_edges(by_source=True)["MUTATED_IN/tcga-maf"] == 1
    assert store.count_edges()["MUTATED_IN"] == 2
    # a second MERGE of a node updates properties without duplicating it
    assert store.merge_nodes(NodeLabel.GENE, [{"id": "NCBIGene:7157", "name": "tumor protein p53"}]) == 0
    assert store.count_nodes()["Gene"] == 2


def test_unknown_endpoint_is_not_silently_written(store: Neo4jStore) -> None:
    store.merge_nodes(NodeLabel.GENE, [{"id": "NCBIGene:1"}])
    assert store.merge_edges(RelType.MUTATED_IN, [_edge("NCBIGene:1", "MONDO:0000001", "s", "r")]) == 0


def test_uniqueness_constraints_exist(store: Neo4jStore) -> None:
    records, _, _ = store.driver.execute_query("SHOW CONSTRAINTS YIELD labelsOrTypes, properties, type")
    unique = {(r["labelsOrTypes"][0], r["properties"][0]) for r in records if r["type"] == "UNIQUENESS"}
    assert {(label.value, "id") for label in NodeLabel} <= unique


def test_delete_stale_edges_of_one_source(store: Neo4jStore) -> None:
    store.merge_nodes(NodeLabel.GENE, [{"id": f"NCBIGene:{i}"} for i in (1, 2)])
    store.merge_nodes(NodeLabel.TISSUE, [{"id": "UBERON:0001114"}])
    store.merge_edges(
        RelType.EXPRESSED_IN,
        [
            _edge("NCBIGene:1", "UBERON:0001114", "gtex", "old"),
            _edge("NCBIGene:2", "UBERON:0001114", "gtex", "new"),
            _edge("NCBIGene:1", "UBERON:0001114", "other", "old"),
        ],
    )
    assert store.delete_stale_edges("gtex", "new") == 1
    assert store.count_edges(by_source=True) == {"EXPRESSED_IN/gtex": 1, "EXPRESSED_IN/other": 1}


def test_unreachable_server_is_a_clear_error() -> None:
    with Neo4jStore("bolt://127.0.0.1:1", retry_s=0.5) as s, pytest.raises(StoreUnavailable, match="127.0.0.1:1"):
        s.verify()


@pytest.mark.neo4j
def test_a_read_past_its_timeout_is_stopped_by_the_server(neo4j_server) -> None:
    from kg.errors import StoreUnavailable

    slow = "UNWIND range(1, 20000) AS a UNWIND range(1, 20000) AS b WITH a, b WHERE a * b % 7 = 3 RETURN count(*)"
    with Neo4jStore(neo4j_server.uri, read_timeout_s=0.2) as store, pytest.raises(StoreUnavailable, match="in time"):
        store.read(lambda tx: tx.run(slow).single())


def test_a_routing_uri_reads_and_writes_through_the_routing_table(store: Neo4jStore) -> None:
    """``neo4j://`` (what a cluster or Aura needs) against the local server: writes go to the writer
    the routing table names, reads to a reader, the read-only Cypher check still refuses writes."""
    from kg.cypher import run_read_only
    from kg.errors import KGError

    routed_uri = store.uri.replace("bolt://", "neo4j://")
    with Neo4jStore(routed_uri, retry_s=2.0) as routed:
        routed.merge_nodes(NodeLabel.GENE, [{"id": "NCBIGene:7157", "symbol": "TP53"}])
        assert store.count_nodes()["Gene"] == 1  # visible through the direct connection
        assert routed.count_nodes()["Gene"] == 1
        routing = routed.driver.execute_query("CALL dbms.routing.getRoutingTable({}) YIELD servers RETURN servers")
        roles = {s["role"] for s in routing.records[0]["servers"]}
        assert roles == {"WRITE", "READ", "ROUTE"}
        assert run_read_only(routed, "MATCH (g:Gene) RETURN g.symbol AS s", {}).rows == [["TP53"]]
        with pytest.raises(KGError):
            run_read_only(routed, "CREATE (:Gene {id: 'x'})", {})
