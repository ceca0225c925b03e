"""Response headers, the API docs setting, and 405 for a wrong method."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from search_api.app import create_app
from search_api.security_headers import content_security_policy, secured
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


def test_answers_keep_their_own_headers_and_lose_any_server_banner() -> None:
    own = [(b"content-type", b"text/html; charset=utf-8"), (b"server", b"x"), (b"cache-control", b"no-cache")]
    assert secured(own) == [
        (b"content-type", b"text/html; charset=utf-8"),
        (b"cache-control", b"no-cache"),
        (b"x-content-type-options", b"nosniff"),
        (b"referrer-policy", b"no-referrer"),
        (b"content-security-policy", content_security_policy().encode()),
    ]
    framed = [(b"content-type", b"text/html"), (b"content-security-policy", b"frame-ancestors x")]
    assert [v for n, v in secured(framed) if n == b"content-security-policy"] == [b"frame-ancestors x"]
    assert not any(n == b"content-security-policy" for n, _ in secured([(b"content-type", b"application/json")]))
