"""Place search for the box's pickers, and the keyless embed's portal origins."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from core.geography import seat_of
from search_api.app import create_app
from tests.conftest import test_settings

PUBLIC_PORTAL = "https://www.exempelkommun.se"


@pytest.fixture(scope="module")
def client(embedded_data_dir: Path) -> Iterator[TestClient]:
    settings = test_settings(embedded_data_dir, public_origins=[PUBLIC_PORTAL])
    with TestClient(create_app(settings)) as c:
        yield c


def test_places_are_municipalities_counties_and_schools_with_positions(client: TestClient) -> None:
    malmo = client.post("/v1/places/search", json={"q": "malm"}).json()
    first = malmo[0]
    assert (first["kind"], first["code"], first["name"]) == ("municipality", "1280", "Malmö kommun")
    assert (first["lat"], first["lon"]) == seat_of("1280")
    skane = client.post("/v1/places/search", json={"q": "skåne"}).json()
    assert {"kind": "county", "code": "12"}.items() <= skane[0].items()
    schools = client.post("/v1/places/search", json={"q": "Linnéskolan"}).json()
    assert any(p["kind"] == "school" and p["code"] == "81576931" for p in schools)


def test_place_search_names_a_bad_field(client: TestClient) -> None:
    response = client.post("/v1/places/search", json={"q": ""})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "q"


def test_a_public_portal_origin_gets_cors_without_a_key(client: TestClient) -> None:
    preflight = client.options(
        "/v1/providers/search",
        headers={
            "Origin": PUBLIC_PORTAL,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type",
        },
    )
    assert preflight.status_code == 200
    assert preflight.headers["access-control-allow-origin"] == PUBLIC_PORTAL
    answer = client.post("/v1/providers/search", json={}, headers={"Origin": PUBLIC_PORTAL})
    assert answer.status_code == 200
    assert answer.headers["access-control-allow-origin"] == PUBLIC_PORTAL
    assert {h["provider_type"] for h in answer.json()["hits"]} <= {
        "hvb",
        "stodboende",
        "sis_ungdomshem",
        "lss_bostad_barn",
    }
    stranger = client.post("/v1/providers/search", json={}, headers={"Origin": "https://elsewhere.example"})
    assert "access-control-allow-origin" not in stranger.headers
