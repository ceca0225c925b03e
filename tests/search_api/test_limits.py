"""Limits: one caller cannot stall the others (body and header sizes, rate limits, searches off the loop)."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from search_api.app import create_app
from tests.conftest import CASEWORKER_KEY, PUBLIC_KEY, ROOT, test_settings
from tests.support.identity_provider import IdentityProvider

TEN_MB_OF_NEEDS = json.dumps({"needs": ["trauma"] * 1_200_000}).encode()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def served(embedded_data_dir: Path) -> Iterator[str]:
    """The product as ops start it: ``placeringssok serve`` in its own process."""
    port = _free_port()
    env = {**os.environ, "PLACERINGSSOK_DATA_DIR": str(embedded_data_dir), "PLACERINGSSOK_GEOCODER": "none"}
    process = subprocess.Popen(
        [str(Path(sys.executable).parent / "placeringssok"), "serve", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            if httpx.get(base + "/readyz").status_code == 200:
                break
        except httpx.TransportError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            pytest.fail("placeringssok serve did not start", pytrace=False)
        time.sleep(0.1)
    yield base
    process.terminate()
    process.wait(timeout=10)


@pytest.mark.parametrize("streamed", [False, True], ids=["content-length", "chunked"])
def test_a_ten_megabyte_body_is_refused_at_once_while_healthz_answers(served: str, streamed: bool) -> None:
    outcome: dict[str, Any] = {}

    def post() -> None:
        started = time.perf_counter()
        body = (TEN_MB_OF_NEEDS[i : i + 65536] for i in range(0, len(TEN_MB_OF_NEEDS), 65536))
        response = httpx.post(
            served + "/v1/providers/search",
            content=body if streamed else TEN_MB_OF_NEEDS,
            headers={"Content-Type": "application/json"},
            timeout=30,
        )
        outcome.update(status=response.status_code, seconds=time.perf_counter() - started, text=response.text)

    poster = threading.Thread(target=post)
    health: list[float] = []
    with httpx.Client(base_url=served) as client:
        client.get("/healthz")  # the connection is open before the big body starts
        poster.start()
        while poster.is_alive() or len(health) < 5:
            started = time.perf_counter()
            assert client.get("/healthz").status_code == 200
            health.append(time.perf_counter() - started)
    poster.join()
    assert outcome["status"] in (413, 422), outcome
    assert outcome["seconds"] < 1.0, outcome
    # The bound the issue sets is on the typical answer; one scheduler hiccup on a shared
    # 2-core machine must not fail the test, while a stall (seconds) still does.
    assert sorted(health)[len(health) // 2] < 0.1, health
    assert max(health) < 1.0, health
    assert "trauma" not in str(outcome["text"])


def test_a_one_mebibyte_header_is_refused(served: str) -> None:
    response = httpx.post(served + "/v1/providers/search", json={}, headers={"X-API-Key": "k" * 1024 * 1024})
    assert response.status_code in (413, 431), response.status_code
    assert "kkkk" not in response.text


def test_no_server_banner(served: str) -> None:
    response = httpx.get(served + "/healthz")
    assert "server" not in response.headers, response.headers


def test_repeated_and_too_many_list_values(embedded_data_dir: Path) -> None:
    with TestClient(create_app(test_settings(embedded_data_dir))) as client:
        once = client.post("/v1/providers/search", json={"needs": ["trauma"]}).json()
        repeated = client.post("/v1/providers/search", json={"needs": ["trauma"] * 15}).json()
        assert once["total"] == repeated["total"] and once["hits"] == repeated["hits"]
        too_many = client.post("/v1/providers/search", json={"municipality_codes": ["0180"] * 291})
        assert too_many.status_code == 422 and "at most 290" in too_many.text
    schema = create_app(test_settings(embedded_data_dir)).openapi()["components"]["schemas"]["SearchCriteria"]
    lists = {name: spec for name, spec in schema["properties"].items() if spec.get("type") == "array"}
    assert lists and all("maxItems" in spec for spec in lists.values()), lists


def test_429_with_retry_after_once_the_rate_is_spent(embedded_data_dir: Path, tmp_path: Path) -> None:
    idp = IdentityProvider.create(tmp_path)
    settings = test_settings(
        embedded_data_dir,
        **idp.settings(),
        rate_limit_per_address="5/minute",
        rate_limit_per_key="3/minute",
        rate_limit_failed_auth="2/minute",
    )
    with TestClient(create_app(settings)) as client:
        anonymous = [client.post("/v1/suggest", json={"q": "trauma"}).status_code for _ in range(6)]
        assert anonymous == [200] * 5 + [429]
        refused = client.post("/v1/suggest", json={"q": "trauma"})
        assert refused.status_code == 429 and 1 <= int(refused.headers["retry-after"]) <= 60
        # Health checks are never limited; a key has its own budget.
        assert client.get("/healthz").status_code == 200 and client.get("/readyz").status_code == 200
        keyed = [
            client.post("/v1/suggest", json={"q": "trauma"}, headers={"X-API-Key": PUBLIC_KEY}).status_code
            for _ in range(4)
        ]
        assert keyed == [200] * 3 + [429]
        # A signed-in caseworker has one budget however many tokens the identity provider hands out.
        tokens = [idp.token(iat=int(time.time()) - n) for n in range(4)]
        signed_in = [
            client.post("/v1/suggest", json={"q": "x"}, headers={"Authorization": f"Bearer {t}"}) for t in tokens
        ]
        assert [r.status_code for r in signed_in] == [200] * 3 + [429]
        assert int(signed_in[-1].headers["retry-after"]) >= 1
        # Guessing keys: after two refusals from this address, even a right key waits.
        wrong = [client.post("/v1/suggest", json={"q": "x"}, headers={"X-API-Key": f"guess-{i}"}) for i in range(3)]
        assert [r.status_code for r in wrong] == [401, 401, 429]
        right = client.post("/v1/suggest", json={"q": "x"}, headers={"X-API-Key": CASEWORKER_KEY})
        assert right.status_code == 429 and int(right.headers["retry-after"]) >= 1
