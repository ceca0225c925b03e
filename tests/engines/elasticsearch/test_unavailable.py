"""Elasticsearch down: the API answers 503 with Retry-After and a reason (never 500), and the indexer
fails with a clear message after its retries (never a traceback).

"Down" is real: a local port that was just bound and closed, so every connection is refused.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from core.settings import Backend, Settings
from search_api.app import create_app
from tests.conftest import CASEWORKER_KEY, GEOCODING_CACHE, PROVIDERS, test_settings

RETRIES = 3


@pytest.fixture(scope="module")
def closed_url() -> str:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}"


@pytest.fixture
def settings(tmp_path: Path, closed_url: str) -> Settings:
    return test_settings(
        tmp_path,
        backend=Backend.elasticsearch,
        elasticsearch_url=closed_url,
        elasticsearch_timeout_s=2.0,
    )


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        yield client


def _assert_unavailable(response, *, closed_url: str) -> None:  # type: ignore[no-untyped-def]
    assert response.status_code == 503, response.text
    assert int(response.headers["retry-after"]) > 0
    detail = response.json()["detail"]
    assert "Elasticsearch" in detail and "try again" in detail
    assert closed_url.split("//")[1] not in detail, "the cluster's address is not the caller's business"


def test_search_answers_503_with_retry_after(client: TestClient, closed_url: str) -> None:
    criteria = {"q": "missbruk", "municipality_code": "0780", "max_km": 100, "needs": ["trauma"]}
    response = client.post("/v1/providers/search", json=criteria, headers={"X-API-Key": CASEWORKER_KEY})
    _assert_unavailable(response, closed_url=closed_url)


def test_detail_and_suggestions_answer_503(client: TestClient, closed_url: str) -> None:
    _assert_unavailable(
        client.get("/v1/providers/prv-000001", headers={"X-API-Key": CASEWORKER_KEY}), closed_url=closed_url
    )
    _assert_unavailable(client.get("/v1/suggest", params={"q": "rotor"}), closed_url=closed_url)


def test_readyz_says_why(client: TestClient) -> None:
    response = client.get("/readyz")
    assert response.status_code == 503
    body = response.json()
    assert body["ready"] is False and "cannot connect to Elasticsearch" in body["reason"]
    assert client.get("/healthz").status_code == 200, "the process itself is fine"


@pytest.fixture
def silent_url() -> Iterator[str]:
    """A local port that accepts connections and never answers: Elasticsearch hanging."""
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen(16)
        yield f"http://127.0.0.1:{silent.getsockname()[1]}"


def test_a_hanging_cluster_times_out_into_503(tmp_path: Path, silent_url: str) -> None:
    settings = test_settings(
        tmp_path, backend=Backend.elasticsearch, elasticsearch_url=silent_url, elasticsearch_timeout_s=0.5
    )
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        response = client.post("/v1/providers/search", json={"q": "trauma"}, headers={"X-API-Key": CASEWORKER_KEY})
        assert response.status_code == 503 and int(response.headers["retry-after"]) > 0
        assert "did not answer within 0.5 s" in response.json()["detail"]
        ready = client.get("/readyz")
        assert ready.status_code == 503 and "did not answer" in ready.json()["reason"]


def _cli(settings: Settings, *args: str) -> subprocess.CompletedProcess[str]:
    env = os.environ | {
        "PLACERINGSSOK_DATA_DIR": str(settings.data_dir),
        "PLACERINGSSOK_GEOCODER": "none",
        "PLACERINGSSOK_ELASTICSEARCH_URL": str(settings.elasticsearch_url),
        "PLACERINGSSOK_ELASTICSEARCH_RETRIES": str(RETRIES),
        "PLACERINGSSOK_ELASTICSEARCH_RETRY_BACKOFF_S": "0.05",
    }
    return subprocess.run(
        [sys.executable, "-m", "indexer", *args], env=env, capture_output=True, text=True, timeout=120
    )


def test_reindex_fails_with_a_clear_message_after_its_retries(settings: Settings, closed_url: str) -> None:
    started = time.monotonic()
    done = _cli(
        settings,
        "reindex",
        "--backend",
        "elasticsearch",
        "--source",
        str(PROVIDERS),
        "--geocoding-cache",
        str(GEOCODING_CACHE),
    )
    assert done.returncode == 1, done.stdout + done.stderr
    assert "Traceback" not in done.stderr
    (message,) = [line for line in done.stderr.splitlines() if line.startswith("error: ")]
    assert "cannot connect to Elasticsearch" in message
    assert closed_url in message and f"in {RETRIES} attempts" in message
    assert "PLACERINGSSOK_ELASTICSEARCH_URL" in message, "the message says what to check"
    # backoff 0.05 s doubling: the retries happened, and quickly
    assert time.monotonic() - started < 60


@pytest.mark.parametrize("command", ["status", "rollback"])
def test_status_and_rollback_fail_with_a_clear_message(settings: Settings, command: str) -> None:
    done = _cli(settings, command, "--backend", "elasticsearch")
    assert done.returncode == 1, done.stdout + done.stderr
    assert "Traceback" not in done.stderr
    assert done.stderr.startswith("error: ") and "cannot connect to Elasticsearch" in done.stderr
