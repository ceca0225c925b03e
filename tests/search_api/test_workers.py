"""Several worker processes serve as one: shared budgets, and a write through one seen by the others.

The real thing: ``placeringssok serve --workers 2`` as a process on the fixture data; each request
goes over a connection whose worker is known (read from /proc), so the tests show what happens
"whichever worker answered".
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from core.documents import IndexedProvider
from engines.embedded.target import EmbeddedTarget
from indexer.exit_codes import ExitCode
from tests.conftest import CASEWORKER_KEY, PUBLIC_KEY, build_embedded
from tests.search_api.test_vacancy_durability import HOME, HOME_KEY
from tests.support.served import Pinned, Workers, server_env

pytestmark = pytest.mark.skipif(not Path("/proc/net/tcp").exists(), reason="needs Linux /proc to see the workers")

PER_KEY = 7
FAILED_AUTH = 4
PER_ADDRESS = 5
SEARCH = "/v1/providers/search"
# Generous: the embedded engine notices a new confirmation at its next search (issue 9: within 1 s).
VISIBLE_WITHIN_S = 10.0


def _env(data_dir: Path, **extra: str) -> dict[str, str]:
    keys = {
        CASEWORKER_KEY: {"role": "caseworker"},
        PUBLIC_KEY: {"role": "public"},
        HOME_KEY: {"role": "provider", "providers": [HOME["id"]], "name": "hem-workers"},
    }
    return server_env(data_dir, keys, **extra)


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("workers-data")
    build_embedded(directory)
    return directory


@pytest.fixture(scope="module")
def limited(data_dir: Path) -> Iterator[Workers]:
    budgets = {
        "PLACERINGSSOK_RATE_LIMIT_PER_KEY": f"{PER_KEY}/minute",
        "PLACERINGSSOK_RATE_LIMIT_FAILED_AUTH": f"{FAILED_AUTH}/minute",
        "PLACERINGSSOK_RATE_LIMIT_PER_ADDRESS": f"{PER_ADDRESS}/minute",
    }
    with Workers(_env(data_dir, **budgets), workers=2) as server:
        yield server


def _alternating(connections: list[Pinned], count: int) -> list[Pinned]:
    return [connections[i % len(connections)] for i in range(count)]


def test_a_key_gets_its_budget_once_whichever_worker_answers(limited: Workers) -> None:
    # Its own client address, so the other budgets' tests do not share its per-address counts.
    connections = limited.one_per_worker("127.0.0.11")
    assert len({c.worker for c in connections}) == 2
    answers = [
        c.request("POST", "/v1/suggest", {"q": "trauma"}, {"X-API-Key": PUBLIC_KEY})
        for c in _alternating(connections, PER_KEY + 3)
    ]
    statuses = [status for status, _, _ in answers]
    assert statuses == [200] * PER_KEY + [429] * 3, "one budget for both workers, not one each"
    for _, headers, body in answers[PER_KEY:]:
        assert 1 <= int(headers["retry-after"]) <= 60 and "Retry-After" in body["detail"]


def test_guessing_keys_stops_after_the_failed_auth_budget_on_every_worker(limited: Workers) -> None:
    connections = limited.one_per_worker("127.0.0.12")
    guesses = [
        c.request("POST", "/v1/suggest", {"q": "x"}, {"X-API-Key": f"guess-{i}"})[0]
        for i, c in enumerate(_alternating(connections, FAILED_AUTH + 2))
    ]
    assert guesses == [401] * FAILED_AUTH + [429] * 2
    # Now even the right key waits, on either worker.
    for connection in connections:
        status, headers, _ = connection.request("POST", "/v1/suggest", {"q": "x"}, {"X-API-Key": CASEWORKER_KEY})
        assert status == 429 and int(headers["retry-after"]) >= 1


def test_an_address_without_a_key_gets_its_budget_once(limited: Workers) -> None:
    connections = limited.one_per_worker("127.0.0.13")
    sent = _alternating(connections, PER_ADDRESS + 2)
    statuses = [c.request("POST", "/v1/suggest", {"q": "trauma"})[0] for c in sent]
    assert statuses == [200] * PER_ADDRESS + [429] * 2
    # Health checks are never limited, on any worker.
    assert all(c.request("GET", "/healthz")[0] == 200 for c in connections)


def _shown(connection: Pinned) -> dict[str, Any]:
    body = {"municipality_codes": [HOME["municipality_code"]], "provider_types": ["hvb"], "size": 100}
    status, _, answer = connection.request("POST", SEARCH, body, {"X-API-Key": CASEWORKER_KEY})
    assert status == 200, answer
    hit: dict[str, Any] = next(h for h in answer["hits"] if h["id"] == HOME["id"])
    return hit


def _confirmed(hit: dict[str, Any], vacancies: int) -> bool:
    return bool(hit["vacancies"] == vacancies and hit["vacancy"]["confirmed_by"] == "hemmet")


def test_a_confirmation_through_one_worker_is_served_by_every_worker(data_dir: Path, tmp_path: Path) -> None:
    unlimited = {f"PLACERINGSSOK_RATE_LIMIT_{name}": "" for name in ("PER_ADDRESS", "PER_KEY", "FAILED_AUTH")}
    with Workers(_env(data_dir, **unlimited), workers=2) as server:
        connections = server.one_per_worker()
        for round_, vacancies in enumerate((1, 2)):
            writer = connections[round_ % 2]  # first through one worker, then through the other
            path = f"/v1/providers/{HOME['id']}/vacancies"
            status, _, answer = writer.request("PUT", path, {"vacancies": vacancies}, {"X-API-Key": HOME_KEY})
            assert status == 200, answer
            acknowledged = time.monotonic()
            for connection in connections:
                while not _confirmed(_shown(connection), vacancies):
                    assert time.monotonic() - acknowledged < VISIBLE_WITHIN_S, f"worker never showed {vacancies}"
                    time.sleep(0.05)
            # And it stays: many searches, on both workers, all show it.
            assert all(_confirmed(_shown(c), vacancies) for c in connections * 10)


def _name_on(connection: Pinned) -> str:
    status, _, answer = connection.request("GET", f"/v1/providers/{HOME['id']}", None, {"X-API-Key": CASEWORKER_KEY})
    assert status == 200, answer
    return str(answer["name"])


def test_an_index_write_from_another_process_is_served_by_every_worker(
    tmp_path: Path, fixture_documents: list[IndexedProvider]
) -> None:
    build_embedded(tmp_path)
    document = next(d for d in fixture_documents if d["id"] == HOME["id"])
    renamed = {
        **document,
        "name": document["name"] + " (nytt namn)",
        "updated_at": document["updated_at"] + timedelta(hours=1),
    }
    with Workers(_env(tmp_path), workers=2) as server:
        connections = server.one_per_worker()
        assert all(_name_on(c) == document["name"] for c in connections)
        EmbeddedTarget(tmp_path / "embedded").apply([renamed], merge_in_background=False)  # type: ignore[list-item]
        acknowledged = time.monotonic()
        for connection in connections:
            while _name_on(connection) != renamed["name"]:
                assert time.monotonic() - acknowledged < VISIBLE_WITHIN_S, "a worker never served the write"
                time.sleep(0.05)
        assert all(_name_on(c) == renamed["name"] for c in connections * 10)


def test_several_workers_refuse_per_process_counts_naming_the_setting(data_dir: Path) -> None:
    env = {**_env(data_dir), "PLACERINGSSOK_RATE_LIMIT_STORAGE": "memory://"}
    done = subprocess.run(
        [sys.executable, "-m", "indexer", "serve", "--port", "1", "--workers", "2"],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == ExitCode.USAGE
    assert "PLACERINGSSOK_RATE_LIMIT_STORAGE" in done.stderr and "--workers 1" in done.stderr


def test_the_worker_count_comes_from_the_environment_without_the_option(data_dir: Path) -> None:
    with Workers(_env(data_dir, PLACERINGSSOK_WORKERS="3"), workers=3, flag=False) as server:
        assert len(server.worker_pids()) == 3
        assert len({c.worker for c in server.one_per_worker()}) == 3


def test_workers_end_when_their_supervisor_is_killed(data_dir: Path) -> None:
    with Workers(_env(data_dir), workers=2) as server:
        workers = server.worker_pids()
        assert server.process is not None and len(workers) == 2
        os.kill(server.process.pid, signal.SIGKILL)  # only the supervisor: no chance to stop them
        server.process.wait(timeout=30)
        deadline = time.monotonic() + 30
        while any(Path(f"/proc/{pid}").exists() and not _zombie(pid) for pid in workers):
            assert time.monotonic() < deadline, "orphaned workers still run, holding the port"
            time.sleep(0.1)


def _zombie(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"
    except OSError:
        return True
