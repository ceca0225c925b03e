"""Privacy as a feature: for every role and endpoint, nothing secret in a response, error or log line."""

from __future__ import annotations

import json
from typing import Any

import pytest

from core.schools import SchoolRegister
from tests.conformance.conftest import Api
from tests.conftest import CASEWORKER_KEY, PUBLIC_KEY
from tests.support.debug_logs import everything_at_debug
from tests.support.privacy_secrets import Secret, lat_lon_pairs, positions_near_secrets, secrets_of

ROLES = {"caseworker": CASEWORKER_KEY, "public": PUBLIC_KEY, "anonymous": None}


@pytest.fixture(scope="module")
def secrets(raw_fixture_records: list[dict[str, Any]]) -> list[Secret]:
    return secrets_of(raw_fixture_records)


def _requests(api: Api, secrets: list[Secret]) -> list[tuple[str, str, dict[str, Any] | None]]:
    """(method, path, body) for every endpoint, aimed straight at where the secrets are."""
    school = SchoolRegister.load(api.settings.schools_path).all()[0].code
    calls: list[tuple[str, str, dict[str, Any] | None]] = [
        ("POST", "/v1/providers/search", {"size": 100, "permit_valid": False}),
        ("POST", "/v1/providers/search", {"school": school, "sort": "distance", "size": 100}),
        ("POST", "/v1/providers/search", {"q": "familj", "size": 100}),
        ("POST", "/v1/providers/search", {"q": "skyddat boende", "size": 100}),
        ("POST", "/v1/providers/search", {"school": "99999999"}),
        ("POST", "/v1/providers/search", {"point": {"lat": 95, "lon": 14}}),
        ("POST", "/v1/providers/search", {"provider_types": ["familjehem", "jourhem"], "size": 100}),
        ("GET", "/v1/schools?q=skolan", None),
        ("POST", "/v1/schools/search", {"q": "gymnasiet"}),
        ("GET", "/readyz", None),
        ("GET", "/healthz", None),
    ]
    for secret in secrets[::7]:
        point = {"lat": secret.lat, "lon": secret.lon}
        calls.append(("POST", "/v1/providers/search", {"point": point, "max_km": 3, "sort": "distance", "size": 100}))
        calls.append(("GET", f"/v1/providers/{secret.id}", None))
        for surname in secret.surnames[:1]:
            calls.append(("POST", "/v1/providers/search", {"q": surname, "size": 100}))
            calls.append(("POST", "/v1/suggest", {"q": surname[:4]}))
            calls.append(("GET", f"/v1/suggest?q={surname[:4]}", None))
    return calls


def test_no_response_or_error_reveals_a_confidential_home(api: Api, secrets: list[Secret]) -> None:
    calls = _requests(api, secrets)
    for role, key in ROLES.items():
        headers = {"X-API-Key": key} if key else {}
        for method, path, body in calls:
            response = api.client.request(method, path, json=body, headers=headers)
            assert response.status_code < 500, (role, path, response.text)
            text = response.text
            for secret in secrets:
                for value in secret.strings:
                    assert value not in text, (role, path, secret.id, value)
            payload = response.json()
            hits = payload.get("hits", []) if isinstance(payload, dict) else []
            if path.startswith("/v1/providers/") and method == "GET" and response.status_code == 200:
                hits = [payload]
            confidential_hits = [h for h in hits if h["confidential"]]
            if role != "caseworker":
                assert not confidential_hits, (role, path)
            for hit in confidential_hits:
                assert hit["location"] is None and hit["address"] is None and hit["phone"] is None
                assert hit["email"] is None and hit["website"] is None
                assert hit["distance_km"] is None or float(hit["distance_km"]).is_integer()
            # Any position in the response belongs to an institutional provider shown with it, or is a
            # school's position from Skolverket's public register (the box's map draws the school).
            pairs = lat_lon_pairs(payload)
            institutional = {(h["location"]["lat"], h["location"]["lon"]) for h in hits if h["location"]}
            if path.startswith("/v1/schools"):
                register = {s.code: (s.lat, s.lon) for s in SchoolRegister.load(api.settings.schools_path).all()}
                institutional |= {register[s["code"]] for s in payload}
            leaked = positions_near_secrets([p for p in pairs if p not in institutional], secrets)
            assert not leaked, (role, path, leaked)


def test_public_callers_never_see_family_homes(api: Api) -> None:
    body = api.search({"size": 100, "facets": ["provider_type"]}, role="public")
    types = {v["value"] for v in body["facets"]["provider_type"]}
    assert types and types <= {"hvb", "stodboende", "sis_ungdomshem", "lss_bostad_barn"}
    caseworker = api.search({"size": 1, "facets": ["provider_type"]})
    assert {"familjehem", "jourhem"} <= {v["value"] for v in caseworker["facets"]["provider_type"]}


def test_logs_hold_who_and_how_long_never_what(api: Api, secrets: list[Secret]) -> None:
    """Every logger at DEBUG, the search engine's client's included: one access line per request,
    and no criterion, request body or secret anywhere (on Elasticsearch the client's DEBUG records
    carry whole request bodies unless the product drops them)."""
    school = SchoolRegister.load(api.settings.schools_path).all()[5]
    criteria = {
        "q": "självskadebeteende flickor",
        "school": school.code,
        # Values with many digits, so none can equal an access line's duration by chance.
        "max_km": 77.51379,
        "min_km": 3.24681,
        "needs": ["atstorning"],
        "exclude": [{"lat": 61.123456, "lon": 17.654321, "radius_km": 12.57913}, {"county_code": "12"}],
    }
    with everything_at_debug() as logged:
        for key in (CASEWORKER_KEY, PUBLIC_KEY):
            api.client.post("/v1/providers/search", json=criteria, headers={"X-API-Key": key})
            api.client.post("/v1/providers/search", json={**criteria, "max_km": 1.5}, headers={"X-API-Key": key})
            api.client.post("/v1/schools/search", json={"q": school.name}, headers={"X-API-Key": key})
            api.client.get(f"/v1/schools?q={school.name}", headers={"X-API-Key": key})
            api.client.post("/v1/suggest", json={"q": "självskad"}, headers={"X-API-Key": key})
    # The test client's own request log (httpx) is the caller's, not the service's.
    server_lines = [line for line in logged.lines if not line.logger.startswith("httpx")]
    access = [json.loads(line.message) for line in server_lines if line.message.startswith("{")]
    assert len(access) >= 10 and {a["role"] for a in access} == {"caseworker", "public"}
    assert all({"route", "role", "status", "duration_ms"} <= set(a) for a in access)
    forbidden = [
        school.code,
        school.name,
        "självskad",
        "lvskad",  # as a JSON body escapes the "ä"
        "flickor",
        "atstorning",
        "77.51379",
        "3.24681",
        "61.123456",
        "17.654321",
        "12.57913",
        *[s for secret in secrets for s in secret.strings],
    ]
    for line in server_lines:
        for value in forbidden:
            assert value not in line.written, (value, line)
