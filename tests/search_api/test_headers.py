"""Response headers, the API docs setting, and 405 for a wrong method."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from search_api.app import create_app
from tests.conftest import CASEWORKER_KEY, test_settings


def test_every_api_answer_carries_the_headers(embedded_data_dir: Path) -> None:
    with TestClient(create_app(test_settings(embedded_data_dir))) as client:
        answers = [
            client.post("/v1/providers/search", json={}, headers={"X-API-Key": CASEWORKER_KEY}),
            client.post("/v1/providers/search", json={"size": 0}),
            client.get("/v1/providers/nope"),
            client.get("/healthz"),
            client.post("/v1/suggest", json={"q": "tr"}),
        ]
        for response in answers:
            assert response.headers["x-content-type-options"] == "nosniff"
            assert response.headers["referrer-policy"] == "no-referrer"
            assert response.headers["cache-control"] == "no-store"
            assert "server" not in response.headers


def test_every_html_page_has_a_content_security_policy(embedded_data_dir: Path) -> None:
    with TestClient(create_app(test_settings(embedded_data_dir))) as client:
        for path in ("/demo", "/embed/frame", "/docs", "/redoc"):
            response = client.get(path)
            assert response.status_code == 200 and response.headers["content-type"].startswith("text/html")
            policy = response.headers["content-security-policy"]
            assert "default-src 'self'" in policy and "object-src 'none'" in policy, path
            assert "unsafe-inline" not in policy and "unsafe-eval" not in policy, path


def test_docs_are_off_in_production_mode(embedded_data_dir: Path) -> None:
    with TestClient(create_app(test_settings(embedded_data_dir, production=True, opaque_ids=True))) as client:
        for path in ("/docs", "/redoc", "/openapi.json"):
            assert client.get(path).status_code == 404, path
    with TestClient(
        create_app(test_settings(embedded_data_dir, production=True, api_docs=True, opaque_ids=True))
    ) as client:
        assert client.get("/openapi.json").status_code == 200


def test_the_wrong_method_is_405(embedded_data_dir: Path) -> None:
    with TestClient(create_app(test_settings(embedded_data_dir))) as client:
        response = client.get("/v1/providers/search")
        assert response.status_code == 405 and response.headers["allow"] == "POST"
        assert client.delete("/v1/providers/search").status_code == 405
        assert client.put("/v1/suggest", json={"q": "x"}).status_code == 405
