"""The published schema: examples that are valid, the key header, Retry-After, readable operation ids."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from search_api.app import create_app
from search_api.criteria import SearchCriteria
from search_api.openapi_docs import EXAMPLE_SCHOOL, SEARCH_EXAMPLES
from tests.conftest import CASEWORKER_KEY, SCHOOLS, test_settings


@pytest.fixture(scope="module")
def client(embedded_data_dir: Path) -> Iterator[TestClient]:
    with TestClient(create_app(test_settings(embedded_data_dir))) as c:
        yield c


@pytest.fixture(scope="module")
def schema(client: TestClient) -> dict[str, Any]:
    answer: dict[str, Any] = client.get("/openapi.json").json()
    return answer


def test_every_criterion_has_a_valid_example(schema: dict[str, Any]) -> None:
    properties = schema["components"]["schemas"]["SearchCriteria"]["properties"]
    assert set(properties) == set(SearchCriteria.model_fields)
    for name, spec in properties.items():
        (example,) = spec["examples"]
        needs_origin = {"school": EXAMPLE_SCHOOL} if name in ("max_km", "min_km", "sort") else {}
        SearchCriteria.model_validate({**needs_origin, name: example})


def test_the_headline_example_finds_homes_near_a_school_that_exists(client: TestClient) -> None:
    assert f'"school_unit_code": "{EXAMPLE_SCHOOL}"' in SCHOOLS.read_text(encoding="utf-8")
    for name, example in SEARCH_EXAMPLES.items():
        answer = client.post("/v1/providers/search", json=example["value"], headers={"X-API-Key": CASEWORKER_KEY})
        assert answer.status_code == 200, (name, answer.text)
    headline = client.post(
        "/v1/providers/search", json=SEARCH_EXAMPLES["headline"]["value"], headers={"X-API-Key": CASEWORKER_KEY}
    ).json()
    assert headline["total"] > 0


def test_errors_security_and_operation_ids(schema: dict[str, Any]) -> None:
    search = schema["paths"]["/v1/providers/search"]["post"]
    assert search["operationId"] == "search_providers"
    assert {"ApiKey": []} in search["security"]
    assert schema["components"]["securitySchemes"]["ApiKey"] == {
        **schema["components"]["securitySchemes"]["ApiKey"],
        "type": "apiKey",
        "in": "header",
        "name": "X-API-Key",
    }
    for status in ("401", "403", "404", "503"):
        assert status in search["responses"]
    assert "Retry-After" in search["responses"]["503"]["headers"]
    invalid = search["responses"]["422"]["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[-1]
    assert set(schema["components"]["schemas"][invalid]["properties"]) == {"detail", "errors"}
    assert search["responses"]["200"]["description"] != "Successful Response"
    ids = [op["operationId"] for methods in schema["paths"].values() for op in methods.values()]
    assert len(ids) == len(set(ids)) and not any(i.endswith(("_get", "_post")) and "__" in i for i in ids)
    assert "readyz" in ids


def test_docs_assets_are_served_here(client: TestClient) -> None:
    page = client.get("/docs").text
    assert "cdn" not in page.lower() and "https://" not in page
    for path in [
        line.split('"')[1] for line in page.split() if line.startswith(("href=", "src=")) and "/docs/assets/" in line
    ]:
        asset = client.get(path)
        assert asset.status_code == 200 and "immutable" in asset.headers["cache-control"]
