"""``/downloads/``: the published releases over HTTP, behind the API key like the data they hold."""

from __future__ import annotations

import hashlib

from pydantic import SecretStr

from etl.sources import REGISTRY
from kg.downloads import publish
from kg.settings import Settings
from kg.store import Neo4jStore

KEY = "downloads-key-0123456789"


def test_the_index_lists_each_release_and_serves_its_files_with_their_checksums(
    served: Settings, store: Neo4jStore
) -> None:
    from fastapi.testclient import TestClient

    from api.app import create_app
    from api.service import Service

    out = served.home / "downloads"
    with TestClient(create_app(served, Service(served))) as client:
        empty = client.get("/downloads/")
        assert empty.status_code == 200 and "kg release publish" in empty.text
        done = publish(store, served.prediction_store, out, {n: s.licence for n, s in REGISTRY.items()})
        page = client.get("/downloads/")
        assert page.status_code == 200 and done.folder.name in page.text
        entry = next(f for f in done.manifest["files"] if f["table"] == "predictions" and f["format"] == "tsv.gz")
        assert f"{done.folder.name}/predictions.tsv.gz" in page.text and entry["sha256"] in page.text
        got = client.get(f"/downloads/{done.folder.name}/predictions.tsv.gz")
        assert got.status_code == 200 and hashlib.sha256(got.content).hexdigest() == entry["sha256"]
        assert client.get(f"/downloads/{done.folder.name}/README.md").text.startswith("# kg release")
        assert client.get("/downloads/..%2F..%2Fpredictions.sqlite").status_code == 404
        assert client.get("/downloads", follow_redirects=False).headers["location"] == "/downloads/"
        explorer = client.get("/explore/")
        assert 'href="/downloads/"' in explorer.text
    keyed = served.model_copy(update={"api": served.api.model_copy(update={"api_keys": [SecretStr(KEY)]})})
    with TestClient(create_app(keyed, Service(keyed))) as client:
        assert client.get("/downloads/").status_code == 401
        assert client.get("/downloads/", headers={"X-API-Key": KEY}).status_code == 200
