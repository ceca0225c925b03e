"""The conformance suite runs every case against each backend (the modelsearch BackendTests pattern).

The embedded backend always runs. The Elasticsearch backend runs against ELASTICSEARCH_URL, or a
testcontainers server when a Docker engine answers, and otherwise skips with the reason.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from core.settings import Settings
from search_api.app import create_app
from tests.conftest import CASEWORKER_KEY, PUBLIC_KEY, test_settings
from tests.support.elastic_server import elasticsearch_url

BACKENDS = ["embedded", "elasticsearch"]


@dataclass
class Api:
    """The HTTP API of one backend, as a caller with a role sees it."""

    client: TestClient
    backend: str
    settings: Settings

    def search(self, criteria: dict[str, Any], role: str = "caseworker", expect: int = 200) -> dict[str, Any]:
        key = CASEWORKER_KEY if role == "caseworker" else PUBLIC_KEY
        response = self.client.post("/v1/providers/search", json=criteria, headers={"X-API-Key": key})
        assert response.status_code == expect, response.text
        body: dict[str, Any] = response.json()
        return body

    def search_all(self, criteria: dict[str, Any], role: str = "caseworker", limit: int = 1000) -> list[dict[str, Any]]:
        """Every hit, page by page (up to ``limit``)."""
        hits: list[dict[str, Any]] = []
        page = 1
        while len(hits) < limit:
            body = self.search({**criteria, "page": page, "size": 100}, role)
            hits += body["hits"]
            if len(body["hits"]) < 100:
                break
            page += 1
        return hits[:limit]


@pytest.fixture(scope="session")
def elasticsearch_settings(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Settings]:
    with elasticsearch_url() as url:
        from tests.support.elastic_index import build_elasticsearch

        data_dir = tmp_path_factory.mktemp("es-data")
        yield build_elasticsearch(url, data_dir)


@pytest.fixture(scope="session", params=BACKENDS)
def backend_settings(request: pytest.FixtureRequest, embedded_data_dir: Path) -> Settings:
    if request.param == "embedded":
        return test_settings(embedded_data_dir)
    settings: Settings = request.getfixturevalue("elasticsearch_settings")
    return settings


@pytest.fixture(scope="session")
def api(backend_settings: Settings) -> Iterator[Api]:
    with TestClient(create_app(backend_settings)) as client:
        yield Api(client=client, backend=str(backend_settings.backend), settings=backend_settings)
