"""The explorer page in a real headless Chromium (Debian's), driven by Playwright, against ``kg serve``.

Search "marfan", open the disease, see the candidate table, click a candidate and check that the
drawn explanation graph has the nodes of ``gnn.subgraph.explanation_graph`` (what ``kg explain
--format cyjs`` writes) for the same answer. API keys are on: the page asks for one. Screenshots
and timings go to ``$KG_TEST_ARTEFACTS/explorer`` (default ``test-artefacts/explorer``).
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from pydantic import SecretStr

from gnn.subgraph import explanation_graph
from kg.schema import NodeLabel
from kg.settings import Settings
from kg.store import Neo4jStore
from tests.api.conftest import serve_http

pytestmark = pytest.mark.neo4j

CHROMIUM = os.environ.get("KG_CHROMIUM", "/usr/bin/chromium")
KEY = "explorer-test-key"
ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
EXPLAIN = """query($g: String!, $d: String!) { explain(gene: $g, disease: $d, topK: 5) { __typename
  ... on Explanation { logit synthetic gene { type id name } disease { type id name }
    paths { weight relations nodes { type id name } }
    neighbours { side layer relation weight node { type id name } }
    prior { value withSpread weight logitPart similarDiseases { cosine sourceFactor node { type id name }
      sharedPhenotypes { ic weight node { type id name } } } } } } }"""


@pytest.fixture()
def browser() -> Iterator[Any]:
    if not (shutil.which(CHROMIUM) and _playwright()):
        if os.environ.get("KG_REQUIRE_BROWSER") == "1":
            pytest.fail(f"KG_REQUIRE_BROWSER=1 but {CHROMIUM} or Playwright is missing")
        pytest.skip(f"needs Debian's chromium at {CHROMIUM} and the playwright package")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            yield b
        finally:
            b.close()


def _playwright() -> bool:
    try:
        import playwright  # noqa: F401
    except ImportError:
        return False
    return True


def _artefacts() -> Path:
    out = Path(os.environ.get("KG_TEST_ARTEFACTS", "test-artefacts")) / "explorer"
    out.mkdir(parents=True, exist_ok=True)
    return out


def _as_explanation(e: dict[str, Any]) -> dict[str, Any]:
    """The GraphQL answer in the JSON form ``explanation_graph`` reads (``kg explain --format json``)."""
    prior = e.get("prior")
    return {
        "gene": e["gene"],
        "disease": e["disease"],
        "logit": e["logit"],
        "synthetic": e["synthetic"],
        "paths": e["paths"],
        "neighbours": [{**n["node"], **{k: v for k, v in n.items() if k != "node"}} for n in e["neighbours"]],
        "prior": prior
        and {
            "value": prior["value"],
            "with_spread": prior["withSpread"],
            "weight": prior["weight"],
            "logit_part": prior["logitPart"],
            "similar_diseases": [
                {
                    **s["node"],
                    "cosine": s["cosine"],
                    "source_factor": s["sourceFactor"],
                    "shared_phenotypes": [
                        {**t["node"], "ic": t["ic"], "weight": t["weight"]} for t in s["sharedPhenotypes"]
                    ],
                }
                for s in prior["similarDiseases"]
            ],
        },
    }


def test_search_candidates_and_explanation_graph_in_chromium(
    served: Settings, store: Neo4jStore, browser: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    from playwright.sync_api import expect

    store.merge_nodes(NodeLabel.DISEASE, [{"id": "OMIM:100000", "name": "Marfan syndrome (planted test disease)"}])
    out = _artefacts()
    with serve_http(served, KG_API__API_KEYS=json.dumps([KEY])) as base:
        page = browser.new_page(viewport={"width": 1280, "height": 800})
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(base + "/explore/")
        # the page itself needs no key; its first GraphQL call gets 401 and it asks for one
        page.wait_for_selector("#key-form:not([hidden])", timeout=10_000)
        page.fill("#api-key", KEY)
        page.click("#key-form button")
        page.fill("#search", "marfan")
        page.click("#suggestions li:has-text('OMIM:100000')", timeout=10_000)
        page.wait_for_selector("#candidates tbody tr.candidate", timeout=10_000)
        rows = page.locator("#candidates tbody tr.candidate")
        assert 1 <= rows.count() <= 20
        assert page.locator("h1").inner_text().startswith("Marfan syndrome")
        first_paint = page.evaluate("window.kgExplorer.timings.diseaseFirstPaint")
        page.screenshot(path=str(out / "disease.png"), full_page=True)

        gene = rows.first.get_attribute("data-gene")
        rows.first.click()
        page.wait_for_selector("#graph[data-nodes]", timeout=15_000)
        timings = page.evaluate("window.kgExplorer.timings")
        page.wait_for_timeout(200)
        page.screenshot(path=str(out / "candidate.png"), full_page=True)

        with httpx.Client(base_url=base, headers={"x-api-key": KEY}, timeout=10) as http:
            answer = http.post("/graphql", json={"query": EXPLAIN, "variables": {"g": gene, "d": "OMIM:100000"}})
        expected = explanation_graph(_as_explanation(answer.json()["data"]["explain"]))
        assert timings["nodes"] == expected.number_of_nodes() > 2
        assert timings["edges"] == expected.number_of_edges()
        assert page.locator("#phenotypes tbody tr").count() >= 1  # matched phenotypes with weights
        assert page.locator("#evidence-parts tbody tr").count() >= 2  # the ranker's score, part by part

        # pagination: the next page continues the ranks
        page.click("text=next ›")
        expect(page.locator("#candidates tbody tr.candidate td").first).to_have_text("21", timeout=10_000)

        # phenotype-set mode: pasted HP terms give ranked genes
        page.goto(base + "/explore/#/phenotypes")
        page.fill("#terms", "HP:0001001\nHP:0001004")
        page.click("#rank")
        page.wait_for_selector("#ranking #candidates tbody tr", timeout=15_000)
        assert page.locator("#ranking #candidates tbody tr td").first.inner_text() == "1"

        # typed errors are messages, not a blank page
        page.goto(base + "/explore/#/disease/OMIM:999999")
        assert "Not found" in page.locator(".message.error").first.inner_text(timeout=10_000)

        # phone width: the disease view fits without sideways scrolling of the page
        phone = browser.new_page(viewport={"width": 390, "height": 844})
        phone.add_init_script(f"localStorage.setItem('kg-api-key', {json.dumps(KEY)})")
        phone.goto(base + f"/explore/#/disease/OMIM:100000/gene/{gene}")
        phone.wait_for_selector("#graph[data-nodes]", timeout=15_000)
        assert phone.evaluate("document.documentElement.scrollWidth") <= 390
        phone.screenshot(path=str(out / "phone.png"), full_page=True)
        assert not errors, errors

    figures = {"first_paint_ms": first_paint, "graph_drawn_ms": timings["graphDrawn"], "nodes": timings["nodes"]}
    (out / "timings.json").write_text(json.dumps(figures, indent=1))
    with capsys.disabled():
        print(
            f"\nexplorer: disease view first paint {first_paint:.0f} ms, explanation graph drawn "
            f"{timings['graphDrawn']:.0f} ms after the click ({timings['nodes']} nodes); screenshots in {out}"
        )


def test_the_page_needs_no_key_loads_nothing_from_elsewhere_and_the_data_still_does(served: Settings) -> None:
    from fastapi.testclient import TestClient

    from api.app import STATIC, create_app
    from api.service import Service

    keyed = served.model_copy(update={"api": served.api.model_copy(update={"api_keys": [SecretStr(KEY)]})})
    with TestClient(create_app(keyed, Service(keyed))) as client:
        page = client.get("/explore/")
        assert page.status_code == 200 and "cytoscape.min.js" in page.text
        assert "connect-src 'self'" in page.headers["content-security-policy"]
        assert client.get("/explore", follow_redirects=False).headers["location"] == "/explore/"
        assert client.get("/explore/static/vendor/cytoscape/cytoscape.min.js").status_code == 200
        assert client.get("/explore/static/..%2F..%2Fapp.py").status_code == 404  # nothing outside api/static
        assert client.post("/graphql", json={"query": "{ model { version } }"}).status_code == 401
    for own in (STATIC / "explore").iterdir():
        assert "://" not in own.read_text(), f"{own.name} names an outside address"
    assert (STATIC / "vendor" / "cytoscape" / "LICENSE").read_text().startswith("Copyright")


def test_the_patient_tab_shows_both_rankings_for_a_phenopacket_in_chromium(
    served_patient: Settings, store: Neo4jStore, browser: Any
) -> None:
    from tests.gnn.test_patients import AGAINST, MARFAN, PHENOPACKET

    out = _artefacts()
    with serve_http(served_patient) as base:
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(base + "/explore/#/patient")
        page.set_input_files("#phenopacket", str(PHENOPACKET))  # a real phenopacket-store file
        page.wait_for_selector("#diagnosis tbody tr", timeout=20_000)
        top = page.locator("#diagnosis tbody tr").first
        assert MARFAN in top.inner_text() and "Marfan syndrome" in top.inner_text()
        against = top.locator("td.neg").inner_text()
        assert all(name in against for name in ("Scoliosis", "Pectus excavatum")), against
        assert page.locator("#patient-genes tbody tr").count() == 20
        # the file's terms fill the boxes: observed and excluded, on the graph's release
        assert len(page.locator("#excluded").input_value().split()) == 11
        assert "annotated with HPO 2025-10-22" in page.locator("#notes").inner_text()
        page.screenshot(path=str(out / "patient.png"), full_page=True)

        # typed terms, then one that is not HPO: a message naming it, not a blank page
        page.goto(base + "/explore/#/patient/HP:0001166,HP:0001083/" + ",".join(AGAINST))
        page.wait_for_selector("#diagnosis tbody tr", timeout=20_000)
        assert MARFAN in page.locator("#diagnosis tbody tr").first.inner_text()
        page.fill("#observed", "HP:9999999")
        page.click("#rank-patient")
        assert "none of the observed terms" in page.locator(".message.error").first.inner_text(timeout=20_000)
        assert not errors, errors
