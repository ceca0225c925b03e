"""A confirmation answered with 200 survives SIGKILL of the server, and a full reindex after it.

The real thing: ``placeringssok serve`` and ``placeringssok reindex`` as processes, the server killed
with SIGKILL (no shutdown hook runs) the moment the 200 arrives.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import CASEWORKER_KEY, PROVIDERS, build_embedded
from tests.support.served import server_env

HOME_KEY = "durability-home-key"


def _home() -> dict[str, Any]:
    records = [json.loads(line) for line in PROVIDERS.read_text(encoding="utf-8").splitlines() if line.strip()]
    ids = [r["id"] for r in records]
    return next(
        r
        for r in records
        if r.get("provider_type") == "hvb"
        and r["capacity"] >= 2
        and ids.count(r["id"]) == 1
        and (r.get("ivo_permit") or {}).get("status") != "aterkallat"
    )


HOME = _home()


def _environment(data_dir: Path) -> dict[str, str]:
    keys = {
        CASEWORKER_KEY: {"role": "caseworker"},
        HOME_KEY: {"role": "provider", "providers": [HOME["id"]], "name": "hem-durability"},
    }
    return server_env(data_dir, keys)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def _server(data_dir: Path) -> Iterator[tuple[subprocess.Popen[bytes], str]]:
    port = _free_port()
    cli = [sys.executable, "-m", "indexer", "serve", "--port", str(port)]
    # Its own process group: SIGKILL takes the supervisor and every worker at once, as a crash would.
    process = subprocess.Popen(
        cli, env=_environment(data_dir), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            if httpx.get(f"{base}/readyz", timeout=2).status_code == 200:
                break
        except httpx.TransportError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            os.killpg(process.pid, signal.SIGKILL)
            pytest.fail("the server did not start", pytrace=False)
        time.sleep(0.1)
    try:
        yield process, base
    finally:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=30)


def _seen_by_caseworker(base: str) -> dict[str, Any]:
    body = {"municipality_codes": [HOME["municipality_code"]], "provider_types": ["hvb"], "size": 100}
    response = httpx.post(f"{base}/v1/providers/search", json=body, headers={"X-API-Key": CASEWORKER_KEY})
    assert response.status_code == 200, response.text
    return next(h for h in response.json()["hits"] if h["id"] == HOME["id"])


def test_a_confirmation_survives_sigkill_and_a_full_reindex(tmp_path: Path) -> None:
    build_embedded(tmp_path)
    with _server(tmp_path) as (process, base):
        response = httpx.put(
            f"{base}/v1/providers/{HOME['id']}/vacancies", json={"vacancies": 2}, headers={"X-API-Key": HOME_KEY}
        )
        assert response.status_code == 200, response.text
        os.killpg(process.pid, signal.SIGKILL)  # no shutdown, no flush: only what was durable remains
        process.wait(timeout=30)
    with _server(tmp_path) as (_, base):
        hit = _seen_by_caseworker(base)
        assert hit["vacancies"] == 2 and hit["vacancy"]["status"] == "ja" and hit["vacancy"]["confirmed_by"] == "hemmet"
    reindex = subprocess.run(
        [sys.executable, "-m", "indexer", "reindex", "--source", str(PROVIDERS)],
        env=_environment(tmp_path),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert reindex.returncode == 0, reindex.stderr
    with _server(tmp_path) as (_, base):
        hit = _seen_by_caseworker(base)
        assert hit["vacancies"] == 2 and hit["vacancy"]["confirmed_by"] == "hemmet", "the reindex kept it"
