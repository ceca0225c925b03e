"""The search response holds to its documented model, ``SearchResponse``, for real searches of every kind.

The search route serialises plain values built by the privacy-shaping step and does not validate them
against the model per request (that validation cost more than the engine at 10k providers). This suite
is the validation instead: many varied searches (every role that may search, every facet, free text,
every explanation part, homes' own vacancy confirmations and caseworkers' doubts, with and without
opaque ids) are parsed strictly into the model and serialised back, which must give the very bytes
served: a missing or extra field, another order, a wrong type or an int where a float belongs fails.
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from enum import StrEnum
from pathlib import Path
from typing import Any, get_args

import httpx
import pytest
from fastapi.testclient import TestClient

from core.facets import FacetName
from core.settings import ApiKey
from core.vacancies import VacancyStatus
from core.vocabularies import Gender, Method, ProviderType, TargetGroup
from search_api.app import create_app
from search_api.searching import SearchResponse
from tests.conftest import CASEWORKER_KEY, PROVIDERS, PUBLIC_KEY, SCHOOLS, build_embedded, test_settings

HOME_KEY = "test-contract-home-key"
WORDS = ("trauma", "familj", "hund", "skola", "missbruk", "ungdom", "boende", "dans", "Göteborg", "stöd")
ROLES = {"caseworker": {"X-API-Key": CASEWORKER_KEY}, "public": {"X-API-Key": PUBLIC_KEY}, "anonymous": {}}


def _homes() -> list[dict[str, Any]]:
    """Live homes of the fixture export, family homes included (their hits are shaped differently)."""
    records = [json.loads(line) for line in PROVIDERS.read_text(encoding="utf-8").splitlines() if line.strip()]
    gone = {r["id"] for r in records if r.get("deleted")}
    alive = {r["id"]: r for r in records if r["id"] not in gone}
    hvbs = [r for r in alive.values() if r["provider_type"] == "hvb" and r["capacity"] >= 3][:6]
    families = [r for r in alive.values() if r["provider_type"] == "familjehem"][:2]
    return hvbs + families


HOMES = _homes()


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    # A data dir of its own: the ledger entries made here must not reach other suites.
    path = tmp_path_factory.mktemp("contract-data")
    build_embedded(path)
    return path


@pytest.fixture(scope="module", params=[False, True], ids=["register-ids", "opaque-ids"])
def client(data_dir: Path, request: pytest.FixtureRequest) -> Iterator[TestClient]:
    keys = {
        **test_settings(data_dir).api_keys,
        HOME_KEY: ApiKey(role="provider", providers=[h["id"] for h in HOMES], name="hem-kontrakt"),
    }
    with TestClient(create_app(test_settings(data_dir, api_keys=keys, opaque_ids=request.param))) as c:
        _confirm_and_doubt(c)
        yield c


def _confirm_and_doubt(client: TestClient) -> None:
    """Homes' own confirmations (full, free, free from a date) and caseworkers' doubts, so hits carry
    every part of the vacancy view and its warnings."""
    for n, home in enumerate(HOMES):
        path = f"/v1/providers/{_id(client, home)}"
        body: dict[str, Any] = {"vacancies": n % 3}
        if n % 3 == 2:
            body["available_from"] = "2031-01-15"
        response = client.put(f"{path}/vacancies", json=body, headers={"X-API-Key": HOME_KEY})
        assert response.status_code == 200, response.text
        if n % 2:
            reason = ("fullt", "svarar_inte", "annat")[n % 3]
            doubt = client.post(f"{path}/vacancy-reports", json={"reason": reason}, headers=ROLES["caseworker"])
            assert doubt.status_code == 201, doubt.text


def _id(client: TestClient, home: dict[str, Any]) -> str:
    """The home's id as this server shows it (an opaque public id when those are on)."""
    ids = client.app.state.public_ids  # type: ignore[attr-defined]
    return str(home["id"]) if ids is None else str(ids.public(home["id"]))


def _values(kind: Any) -> list[str]:
    """A vocabulary's machine values, whether it is a StrEnum or a Literal."""
    if isinstance(kind, type) and issubclass(kind, StrEnum):
        return [str(v) for v in kind]
    return [str(v) for v in get_args(kind)]


def _bodies() -> list[dict[str, Any]]:
    """Deterministic but varied criteria: origins of every kind, distances, exclusions, needs, every
    facet, free text, sort orders, page sizes and vacancy filters."""
    rnd = random.Random(9)
    schools = [json.loads(line)["school_unit_code"] for line in SCHOOLS.read_text(encoding="utf-8").splitlines()[:40]]
    homes_at = sorted({h["municipality_code"] for h in HOMES})
    bodies: list[dict[str, Any]] = [
        {},
        {"facets": list(get_args(FacetName)), "size": 100, "permit_valid": False},
        {"municipality_codes": homes_at, "size": 100, "permit_valid": False, "facets": list(get_args(FacetName))},
        {"municipality_codes": homes_at, "has_vacancy": True, "vacancy_status": ["ja", "nej", "okänd"]},
    ]

    def pick(kind: Any, most: int) -> list[str]:
        values = _values(kind)
        return rnd.sample(values, rnd.randint(1, min(most, len(values))))

    def origin(body: dict[str, Any]) -> None:
        where = rnd.random()
        if where < 0.3:
            body["school"] = rnd.choice(schools)
        elif where < 0.5:
            body["point"] = {"lat": 56 + rnd.random() * 9, "lon": 12 + rnd.random() * 8}
        elif where < 0.6:
            body["municipality_code"] = rnd.choice(homes_at)
        else:
            return
        if rnd.random() < 0.5:
            body["max_km"] = rnd.choice([30, 200, 900])
        if rnd.random() < 0.2:
            body["min_km"] = 5
            body["max_km"] = 1500
        if rnd.random() < 0.3:
            body["sort"] = "distance"

    for _ in range(120):
        body: dict[str, Any] = {}
        if rnd.random() < 0.5:
            body["q"] = " ".join(rnd.sample(WORDS, rnd.randint(1, 2)))
        origin(body)
        choices: list[tuple[float, str, Any]] = [
            (0.3, "needs", lambda: pick(TargetGroup, 2)),
            (0.2, "target_groups", lambda: pick(TargetGroup, 3)),
            (0.3, "provider_types", lambda: pick(ProviderType, 4)),
            (0.3, "age", lambda: rnd.randint(0, 20)),
            (0.2, "gender", lambda: rnd.choice(_values(Gender))),
            (0.2, "has_vacancy", lambda: rnd.choice([True, False])),
            (0.2, "vacancy_status", lambda: pick(VacancyStatus, 2)),
            (0.2, "permit_valid", lambda: False),
            (0.1, "permit_covers_needs", lambda: True),
            (0.2, "methods", lambda: pick(Method, 2)),
            (0.1, "languages", lambda: ["ar", "so"]),
            (0.1, "county_codes", lambda: ["14", "01"]),
            (0.1, "municipality_codes", lambda: homes_at[:2]),
            (0.1, "max_price_per_day", lambda: 4000),
            (0.1, "far_from", lambda: {"municipality_code": "0180", "min_km": 100}),
            (0.1, "exclude", lambda: [{"lat": 59.3, "lon": 18.0, "radius_km": 80}, {"county_code": "12"}]),
            (0.2, "sort", lambda: rnd.choice(["price", "vacancies_updated", "relevance"])),
            (0.4, "facets", lambda: pick(FacetName, 6)),
            (0.2, "size", lambda: rnd.choice([1, 50, 100])),
            (0.1, "page", lambda: 2),
        ]
        for chance, field, value in choices:
            if rnd.random() < chance:
                body[field] = value()
        if body.get("sort") == "distance" and not any(k in body for k in ("school", "point", "municipality_code")):
            del body["sort"]
        bodies.append(body)
    return bodies


BODIES = _bodies()


def _served(client: TestClient, body: dict[str, Any], headers: dict[str, str]) -> httpx.Response:
    response: httpx.Response = client.post("/v1/providers/search", json=body, headers=headers)
    assert response.status_code == 200, (body, response.text)
    assert response.headers["content-type"] == "application/json"
    return response


def test_every_search_response_is_exactly_the_documented_model(client: TestClient) -> None:
    seen: list[dict[str, Any]] = []
    for role, headers in ROLES.items():
        for body in BODIES:
            served = _served(client, body, headers).content
            model = SearchResponse.model_validate_json(served, strict=True)
            assert model.model_dump_json().encode() == served, (role, body)
            assert model.role == ("caseworker" if role == "caseworker" else "public")
            seen += [hit.model_dump(mode="json") for hit in model.hits]
    _assert_varied(seen)


def _assert_varied(hits: list[dict[str, Any]]) -> None:
    """The searches above must have reached every optional part of a hit, or the check proves little."""
    assert len(hits) > 2000
    vacancies = [h["vacancy"] for h in hits]
    assert any(v["report"] is not None for v in vacancies)
    assert any(v["confirmed_by"] == "hemmet" and v["available_from"] is not None for v in vacancies)
    assert {v["status"] for v in vacancies} == {"ja", "nej", "okänd"}
    assert any(h["highlights"] for h in hits)
    assert any(h["distance_km"] is not None for h in hits)
    assert any(h["explanation"]["ranking"]["distance_decay"] is not None for h in hits)
    assert any(h["permit"] is not None and h["inspections"] for h in hits)
    assert any(h["explanation"]["permit"]["missing_needs"] for h in hits)
    assert any(h["explanation"]["relaxed"] for h in hits)
    assert any(len(h["explanation"]["matched"]) >= 3 for h in hits)
    confidential = [h for h in hits if h["confidential"]]
    assert confidential
    assert all(h["location"] is None and h["address"] is None for h in confidential)
    assert any(not h["confidential"] and h["location"] is not None for h in hits)


def test_every_facet_lists_labelled_counts(client: TestClient) -> None:
    body = {"facets": list(get_args(FacetName)), "permit_valid": False}
    served = _served(client, body, ROLES["caseworker"]).content
    model = SearchResponse.model_validate_json(served, strict=True)
    assert set(model.facets) == set(get_args(FacetName))
    assert all(values for name, values in model.facets.items() if name != "framework_agreements")
    assert model.model_dump_json().encode() == served
