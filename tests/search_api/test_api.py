"""The HTTP contract: clear 422s, keys and origins, health, and no 500 for any input schemathesis makes."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from search_api.app import create_app
from tests.conftest import CASEWORKER_KEY, PORTAL_ORIGIN, PORTAL_PUBLIC_KEY, PUBLIC_KEY, test_settings


@pytest.fixture(scope="module")
def client(embedded_data_dir: Path) -> Iterator[TestClient]:
    with TestClient(create_app(test_settings(embedded_data_dir, opaque_ids=True))) as c:
        yield c


def _search(client: TestClient, body: dict[str, Any], key: str | None = CASEWORKER_KEY) -> httpx.Response:
    response: httpx.Response = client.post("/v1/providers/search", json=body, headers={"X-API-Key": key} if key else {})
    return response


@pytest.mark.parametrize(
    ("body", "field", "words"),
    [
        ({"school": "12345678"}, "school", "unknown school unit code"),
        ({"point": {"lat": 95, "lon": 14}}, "point.lat", "less than or equal to 90"),
        ({"point": {"lat": 59, "lon": 18}, "max_km": 10, "min_km": 50}, "body", "max_km must be greater than min_km"),
        ({"needs": ["vampyrer"]}, "needs.0", "'sjalvskadebeteende'"),
        ({"size": 10000}, "size", "less than or equal to 100"),
        ({"max_km": 40}, "body", "needs an origin"),
        ({"school": "123"}, "school", "pattern"),
        ({"municipality_code": "9999"}, "municipality_code", "290 municipality codes"),
        ({"unknown": 1}, "body", "unknown field"),
        ({"needs": ["trauma"] * 16}, "needs", "at most 15 items"),
        ({"sort": "distance"}, "body", "needs an origin"),
    ],
)
def test_bad_criteria_get_a_422_naming_the_field(
    client: TestClient, body: dict[str, Any], field: str, words: str
) -> None:
    response = _search(client, body)
    assert response.status_code == 422
    payload = response.json()
    assert any(e["field"] == field and words in e["message"] for e in payload["errors"]), payload
    assert words in payload["detail"]


def test_keys_roles_and_origins(client: TestClient) -> None:
    assert _search(client, {}, key="not-a-key").status_code == 401
    assert _search(client, {}, key=None).status_code == 200  # anonymous callers get the public role
    foreign = client.post(
        "/v1/providers/search", json={}, headers={"X-API-Key": PORTAL_PUBLIC_KEY, "Origin": "https://evil.example"}
    )
    assert foreign.status_code == 403
    allowed = client.post(
        "/v1/providers/search", json={}, headers={"X-API-Key": PORTAL_PUBLIC_KEY, "Origin": PORTAL_ORIGIN}
    )
    assert allowed.status_code == 200 and allowed.headers["access-control-allow-origin"] == PORTAL_ORIGIN
    preflight = client.options(
        "/v1/providers/search",
        headers={"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"},
    )
    assert "access-control-allow-origin" not in preflight.headers


def test_detail_is_shaped_per_role(client: TestClient) -> None:
    family_home = next(
        h for h in _search(client, {"provider_types": ["familjehem"]}).json()["hits"] if h["confidential"]
    )
    as_caseworker = client.get(f"/v1/providers/{family_home['id']}", headers={"X-API-Key": CASEWORKER_KEY})
    assert as_caseworker.status_code == 200 and as_caseworker.json()["location"] is None
    as_public = client.get(f"/v1/providers/{family_home['id']}", headers={"X-API-Key": PUBLIC_KEY})
    assert as_public.status_code == 404
    assert client.get("/v1/providers/prv-nope", headers={"X-API-Key": CASEWORKER_KEY}).status_code == 404


def test_health_and_readiness(client: TestClient, tmp_path: Path) -> None:
    assert client.get("/healthz").json() == {"status": "ok"}
    ready = client.get("/readyz", headers={"X-API-Key": CASEWORKER_KEY}).json()
    assert ready["ready"] is True and ready["version"].startswith("providers-") and ready["documents"] == 800
    # Anonymous and public callers learn no count: total minus a public search = confidential homes.
    assert "documents" not in client.get("/readyz").json()
    assert "documents" not in client.get("/readyz", headers={"X-API-Key": PUBLIC_KEY}).json()
    with TestClient(create_app(test_settings(tmp_path))) as empty:
        not_ready = empty.get("/readyz")
        assert not_ready.status_code == 503 and "reindex" in not_ready.json()["reason"]
        search = empty.post("/v1/providers/search", json={})
        assert search.status_code == 503 and search.headers["retry-after"]


def test_schools_and_suggestions(client: TestClient) -> None:
    schools = client.post("/v1/schools/search", json={"q": "katedral"}).json()
    assert schools and all("katedral" in s["name"].lower() for s in schools)
    assert client.get("/v1/schools?q=katedral").json() == schools
    suggestions = client.post("/v1/suggest", json={"q": "själv"}).json()
    assert {"kind": "target_group", "text": "Självskadebeteende", "value": "sjalvskadebeteende"} in suggestions
    municipalities = client.post("/v1/suggest", json={"q": "växj"}).json()
    assert any(s["kind"] == "municipality" and s["value"] == "0780" for s in municipalities)


def test_pages_do_not_overlap_and_total_is_exact(client: TestClient) -> None:
    first = _search(client, {"size": 50, "page": 1, "municipality_code": "0180", "sort": "distance"}).json()
    second = _search(client, {"size": 50, "page": 2, "municipality_code": "0180", "sort": "distance"}).json()
    assert first["total"] == second["total"] > 100
    assert not {h["id"] for h in first["hits"]} & {h["id"] for h in second["hits"]}
    assert first["hits"][-1]["distance_km"] <= second["hits"][0]["distance_km"]


def test_uvicorn_access_log_is_off_however_the_app_starts(embedded_data_dir: Path) -> None:
    """uvicorn logs whole URLs; a school's name in a query string must not reach a log."""
    logging.getLogger("uvicorn.access").disabled = False
    create_app(test_settings(embedded_data_dir))
    assert logging.getLogger("uvicorn.access").disabled
