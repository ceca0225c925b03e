"""What /openapi.json adds to what FastAPI derives: examples, the key header, Retry-After, wording.

FastAPI builds the schema from the routes and models; this step adds what a portal developer needs
to call the API without reading the code: an example for every search criterion (the headline case
among the request examples, with a school code from the shipped register), the ``X-API-Key`` and
bearer security schemes, the ``Retry-After`` header on 429 and 503, and response descriptions.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute

# Linnéskolan 7-9, Upplands Väsby: a school in fixtures/schools.jsonl (the register `make run` loads).
EXAMPLE_SCHOOL = "81576931"

CRITERIA_EXAMPLES: dict[str, Any] = {
    "q": "självskadebeteende DBT",
    "school": EXAMPLE_SCHOOL,
    "point": {"lat": 59.3293, "lon": 18.0686},
    "municipality_code": "0780",
    "max_km": 40,
    "min_km": 10,
    "far_from": {"municipality_code": "1280", "min_km": 150},
    "exclude": [{"county_code": "12"}, {"municipality_code": "1480"}, {"lat": 55.605, "lon": 13.0038, "radius_km": 50}],
    "needs": ["sjalvskadebeteende"],
    "provider_types": ["hvb", "stodboende"],
    "target_groups": ["sjalvskadebeteende", "trauma"],
    "age": 15,
    "gender": "flickor",
    "legal_bases": ["SoL", "LVU_2"],
    "assignments": ["behandling"],
    "methods": ["DBT"],
    "languages": ["sv", "ar"],
    "ownership": ["enskild", "kommunal"],
    "municipality_codes": ["0180"],
    "county_codes": ["01", "03"],
    "framework_agreements": ["SKL Kommentus HVB 2024"],
    "has_vacancy": True,
    "vacancy_status": ["ja", "okänd"],
    "max_price_per_day": 6000,
    "permit_valid": True,
    "permit_covers_needs": True,
    "facets": ["provider_type", "target_groups", "has_vacancy"],
    "sort": "distance",
    "page": 1,
    "size": 20,
}

SEARCH_EXAMPLES: dict[str, dict[str, Any]] = {
    "headline": {
        "summary": "A 15-year-old girl who self-harms",
        "description": "Within 40 km of her school, more than 150 km from Malmö where she is at risk, a vacancy, "
        "and an IVO permit that covers self-harm at her age.",
        "value": {
            "school": EXAMPLE_SCHOOL,
            "max_km": 40,
            "far_from": {"municipality_code": "1280", "min_km": 150},
            "needs": ["sjalvskadebeteende"],
            "age": 15,
            "gender": "flickor",
            "has_vacancy": True,
            "permit_covers_needs": True,
        },
    },
    "free_text": {
        "summary": "Free text with facets",
        "value": {"q": "missbruk flickor", "provider_types": ["hvb"], "county_codes": ["01"], "facets": ["methods"]},
    },
    "zones": {
        "summary": "Exclusion zones and a price ceiling",
        "value": {
            "municipality_code": "0380",
            "max_km": 300,
            "exclude": [{"county_code": "12"}, {"lat": 59.3293, "lon": 18.0686, "radius_km": 30}],
            "max_price_per_day": 5000,
            "sort": "price",
        },
    },
}

RESPONSE_DESCRIPTIONS: dict[str, str] = {
    "search_providers": "The hits of the page asked for, the exact total, facet counts and a match explanation per hit",
    "get_provider": "The provider, shaped for the caller's role",
    "find_schools": "Schools whose name or code starts with the text",
    "find_schools_post": "Schools whose name or code starts with the text",
    "suggest": "Suggestions: provider names, target groups, methods, municipalities",
    "suggest_post": "Suggestions: provider names, target groups, methods, municipalities",
    "search_places": "Municipalities, counties and schools with their public positions",
    "healthz": "The process is up",
    "readyz": "The index is readable: its version and document count",
}

RETRY_AFTER = {
    "Retry-After": {"description": "Seconds to wait before trying again", "schema": {"type": "integer", "minimum": 1}}
}


def operation_id(route: APIRoute) -> str:
    """Readable operation ids: the route function's name (``search_providers``, ``readyz``)."""
    return route.name


def _with_examples(schema: dict[str, Any]) -> None:
    components = schema.setdefault("components", {})
    criteria = components.get("schemas", {}).get("SearchCriteria", {}).get("properties", {})
    for name, example in CRITERIA_EXAMPLES.items():
        if name in criteria:
            criteria[name]["examples"] = [example]
    components["securitySchemes"] = {
        "ApiKey": {
            "type": "apiKey",
            "in": "header",
            "name": "X-API-Key",
            "description": "A portal's or a server's key; its role (caseworker or public) decides what is visible. "
            "Without a key the anonymous role applies (public, unless PLACERINGSSOK_ANONYMOUS_ROLE is empty).",
        },
        "Bearer": {"type": "http", "scheme": "bearer", "description": "An OpenID Connect token (caseworker sign-in)"},
    }


def _with_operations(schema: dict[str, Any]) -> None:
    for path, methods in schema.get("paths", {}).items():
        for operation in methods.values():
            op_id = operation.get("operationId", "")
            if path.startswith("/v1/"):
                # Either credential, or none (the anonymous role).
                operation["security"] = [{"ApiKey": []}, {"Bearer": []}, {}]
            ok = operation.get("responses", {}).get("200")
            if ok is not None and op_id in RESPONSE_DESCRIPTIONS:
                ok["description"] = RESPONSE_DESCRIPTIONS[op_id]
            for status in ("429", "503"):
                answer = operation.get("responses", {}).get(status)
                if answer is not None:
                    answer.setdefault("headers", {}).update(RETRY_AFTER)
            if op_id == "search_providers":
                body = operation["requestBody"]["content"]["application/json"]
                body["examples"] = SEARCH_EXAMPLES


def install(app: FastAPI) -> None:
    """Replace ``app.openapi`` with the derived schema plus this module's additions (built once)."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            schema = get_openapi(
                title=app.title,
                version=app.version,
                summary=app.summary,
                description=app.description,
                routes=app.routes,
            )
            _with_examples(schema)
            _with_operations(schema)
            app.openapi_schema = schema
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
