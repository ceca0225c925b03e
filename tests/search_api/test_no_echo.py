"""Errors never echo input: recognisable values sent through every error path, bodies and logs scanned.

A value a caller sends may describe a child (a name, a school, a street); no answer, header or log
line may carry it back (domain.md, privacy rule 3; the README's error contract).
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from fastapi.testclient import TestClient

from search_api.app import create_app
from tests.conftest import PORTAL_PUBLIC_KEY, test_settings
from tests.support.identity_provider import IdentityProvider

NAME = "Tindra Östlund"
STREET = "Kvarngatan 17"
SECRET_AGREEMENT = "Ramavtal Tindra 4711"
# Each value is one a caller might send and that no answer has a reason to contain.
RECOGNISABLE = [NAME, "Tindra", "Östlund", STREET, "Kvarngatan", "4711", "0999", "0998", "qqq", "40.25", "150.75"]


def _requests(token: str) -> list[tuple[str, str, dict[str, Any]]]:
    """(method, path, request options) for every error path of the API."""
    search = "/v1/providers/search"
    return [
        ("POST", search, {"json": {"municipality_code": "0999"}}),
        ("POST", search, {"json": {"municipality_codes": ["0180", "0999"]}}),
        ("POST", search, {"json": {"county_codes": ["11"]}}),
        ("POST", search, {"json": {"exclude": [{"municipality_code": "0998"}]}}),
        ("POST", search, {"json": {"exclude": [{"county_code": "11"}]}}),
        ("POST", search, {"json": {"languages": ["qqq"]}}),
        ("POST", search, {"json": {"point": {"lat": 59.3, "lon": 18.0}, "max_km": 40.25, "min_km": 150.75}}),
        ("POST", search, {"json": {"school": NAME}}),
        ("POST", search, {"json": {"school": "47114711"}}),
        ("POST", search, {"json": {"far_from": {"school": "47114711", "min_km": 40.25}}}),
        ("POST", search, {"json": {"far_from": {"municipality_code": "0999", "min_km": 150.75}}}),
        ("POST", search, {"json": {"needs": [NAME]}}),
        ("POST", search, {"json": {"q": (NAME + " ") * 40}}),
        ("POST", search, {"json": {NAME: STREET}}),
        ("POST", search, {"json": {"point": {"lat": STREET, "lon": NAME}}}),
        ("POST", search, {"content": '{"q": "' + NAME + '", ', "headers": {"Content-Type": "application/json"}}),
        ("POST", search, {"json": {"framework_agreements": [SECRET_AGREEMENT], "facets": ["framework_agreements"]}}),
        ("POST", search, {"json": {"sort": NAME}}),
        ("POST", search, {"json": {}, "headers": {"X-API-Key": NAME.encode().hex()}}),
        ("POST", search, {"json": {}, "headers": {"X-API-Key": PORTAL_PUBLIC_KEY, "Origin": "https://tindra.example"}}),
        ("POST", search, {"json": {}, "headers": {"Authorization": "Bearer Tindra.Kvarngatan.4711"}}),
        ("POST", search, {"json": {}, "headers": {"Authorization": f"Bearer {token}"}}),
        ("GET", "/v1/providers/Tindra-Kvarngatan-4711", {}),
        ("GET", "/v1/providers/" + quote(NAME), {}),
        ("GET", "/v1/schools?q=" + quote((NAME + " ") * 10), {}),
        ("POST", "/v1/schools/search", {"json": {"q": NAME, "limit": 4711}}),
        ("POST", "/v1/suggest", {"json": {"q": NAME, STREET: 1}}),
        ("GET", "/v1/suggest?q=" + quote(NAME) + "&limit=4711", {}),
        ("GET", "/embed/frame?facets=" + quote("Tindra,Kvarngatan"), {}),
        ("GET", "/embed/frame?county=" + quote(NAME), {}),
    ]


def test_no_error_answer_or_log_line_carries_what_was_sent(
    embedded_data_dir: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    idp = IdentityProvider.create(tmp_path)
    settings = test_settings(embedded_data_dir, **idp.settings(), opaque_ids=True)
    answers: list[httpx.Response] = []
    with caplog.at_level(logging.DEBUG), TestClient(create_app(settings)) as client:
        for method, path, options in _requests(idp.token(sub=NAME, org=STREET, aud=SECRET_AGREEMENT)):
            answers.append(client.request(method, path, **options))
    statuses = [a.status_code for a in answers]
    assert all(400 <= s < 500 for s in statuses[:16]), statuses
    assert {400, 401, 403, 404, 422} <= set(statuses), statuses
    for answer in answers:
        text = answer.text + " ".join(f"{k}: {v}" for k, v in answer.headers.items())
        for value in RECOGNISABLE:
            assert value not in text, (answer.request.method, answer.request.url.path, value, answer.text)
    # The caller's own request log (httpx) is the caller's; everything else is the service's.
    logged = "\n".join(r.getMessage() for r in caplog.records if not r.name.startswith("httpx"))
    assert logged, "the access log wrote nothing: the scan would prove nothing"
    for value in RECOGNISABLE:
        assert value not in logged, value
