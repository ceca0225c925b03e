"""The access log: one line per request with who searched and how it went, never what was searched."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from search_api.app import create_app
from tests.conftest import CASEWORKER_KEY, test_settings


def test_one_line_per_request_with_every_field(embedded_data_dir: Path, caplog: pytest.LogCaptureFixture) -> None:
    with (
        caplog.at_level(logging.INFO, logger="placeringssok.access"),
        TestClient(create_app(test_settings(embedded_data_dir))) as client,
    ):
        searched = client.post("/v1/providers/search", json={"q": "trauma"}, headers={"X-API-Key": CASEWORKER_KEY})
        client.get("/no/such/route")
    lines = [json.loads(r.getMessage()) for r in caplog.records if r.name == "placeringssok.access"]
    assert lines == [
        {
            "route": "/v1/providers/search",
            "method": "POST",
            "role": "caseworker",
            "status": 200,
            "duration_ms": lines[0]["duration_ms"],
            "hits": searched.json()["total"],
        },
        {
            "route": "unmatched",
            "method": "GET",
            "role": "-",
            "status": 404,
            "duration_ms": lines[1]["duration_ms"],
            "hits": None,
        },
    ]
    assert all(isinstance(line["duration_ms"], float) and line["duration_ms"] >= 0 for line in lines)
    assert all(r.levelname == "INFO" for r in caplog.records if r.name == "placeringssok.access")


def test_nothing_is_made_when_the_access_log_is_off(embedded_data_dir: Path, caplog: pytest.LogCaptureFixture) -> None:
    with (
        caplog.at_level(logging.WARNING, logger="placeringssok.access"),
        TestClient(create_app(test_settings(embedded_data_dir))) as client,
    ):
        assert client.post("/v1/providers/search", json={}, headers={"X-API-Key": CASEWORKER_KEY}).status_code == 200
    assert not [r for r in caplog.records if r.name == "placeringssok.access"]
