"""A damaged index never takes the service down: every corruption answers 503 or falls back, never a
500, the server starts with it, and ``status`` names it without a traceback.

Each case damages a real data dir the way the issue's probe did (garbage in the pointer, a pointer to
a missing version or out of the data dir, random bytes in the column file or a tantivy file, a
truncated segment) and asks through the real API and the real command.
"""

from __future__ import annotations

import json
import os
import random
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from engines.embedded.target import EmbeddedTarget
from engines.embedded.versions import POINTER
from indexer.exit_codes import ExitCode
from indexer.jobs import run_job
from search_api.app import create_app
from tests.conftest import CASEWORKER_KEY, GEOCODING_CACHE, offline_geocoder, test_settings
from tests.indexer.test_cli import cli, fixture_records, write_lines

OLDER_ONLY = 60  # records in the older version; the live one has ONLY_LIVE too
ONLY_LIVE = 65


def _build(data_dir: Path) -> tuple[str, str]:
    """Two versions: the older one and the live one; returns their names."""
    records = fixture_records()
    target = EmbeddedTarget(data_dir / "embedded")
    names = []
    for count in (OLDER_ONLY, 70):
        source = write_lines(data_dir / f"export-{count}.jsonl", records[:count])
        report = run_job(target, [source], offline_geocoder(), incremental=False)
        assert report.version is not None
        names.append(report.version)
    return names[0], names[1]


def _largest(folder: Path, pattern: str) -> Path:
    return max(folder.glob(pattern), key=lambda p: p.stat().st_size)


def _scramble(path: Path) -> None:
    """Random bytes over the middle of a file, its size unchanged."""
    data = bytearray(path.read_bytes())
    rng = random.Random(12)
    middle = len(data) // 2
    data[middle - 512 : middle + 512] = rng.randbytes(1024)
    path.write_bytes(bytes(data))


def _garbage_pointer(root: Path, live: str) -> None:
    (root / POINTER).write_bytes(b"\x00\xffnot json at all{")


def _missing_version(root: Path, live: str) -> None:
    (root / POINTER).write_text(
        json.dumps({"live": "providers-20990101T000000000000Z", "previous": None, "switched_at": "x"})
    )


def _outside_data_dir(root: Path, live: str) -> None:
    (root / POINTER).write_text(json.dumps({"live": "../../../etc", "previous": None, "switched_at": "x"}))


def _random_bytes_in_columns(root: Path, live: str) -> None:
    _scramble(_largest(root / live / "columns", "*.npy"))


def _damaged_tantivy_file(root: Path, live: str) -> None:
    _scramble(_largest(root / live / "text", "*.idx"))


def _truncated_segment(root: Path, live: str) -> None:
    segment = _largest(root / live / "text", "*.*")
    with segment.open("r+b") as f:
        f.truncate(segment.stat().st_size // 3)


DAMAGES: dict[str, Callable[[Path, str], None]] = {
    "garbage in the live pointer": _garbage_pointer,
    "a pointer to a missing version": _missing_version,
    "a pointer out of the data dir": _outside_data_dir,
    "random bytes in the column file": _random_bytes_in_columns,
    "a damaged tantivy file": _damaged_tantivy_file,
    "a truncated live segment": _truncated_segment,
}
# Damage to the pointer leaves every version intact: the newest (the live one) is served.
POINTER_DAMAGES = {"garbage in the live pointer", "a pointer to a missing version", "a pointer out of the data dir"}


def _search(client: TestClient | httpx.Client) -> httpx.Response:
    response: httpx.Response = client.post(
        "/v1/providers/search", json={"size": 100}, headers={"X-API-Key": CASEWORKER_KEY}
    )
    return response


def _ids(response: httpx.Response) -> set[str]:
    return {hit["name"] for hit in response.json()["hits"]}


@pytest.mark.parametrize("damage", list(DAMAGES))
def test_a_server_starting_on_a_damaged_index_falls_back(
    damage: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    older, live = _build(tmp_path)
    DAMAGES[damage](tmp_path / "embedded", live)
    with TestClient(create_app(test_settings(tmp_path))) as client:
        answer = _search(client)
        assert answer.status_code == 200, answer.text
        ready = client.get("/readyz", headers={"X-API-Key": CASEWORKER_KEY}).json()
    expected = live if damage in POINTER_DAMAGES else older
    assert ready["version"] == expected and ready["reason"]
    assert ready["documents"] == (70 if expected == live else OLDER_ONLY)
    assert "INDEX DAMAGED" in caplog.text and f"serving {expected}" in caplog.text


@pytest.mark.parametrize("damage", list(DAMAGES))
def test_status_names_the_damage_without_a_traceback(damage: str, tmp_path: Path) -> None:
    older, live = _build(tmp_path)
    DAMAGES[damage](tmp_path / "embedded", live)
    done = cli(tmp_path, "status", check=False)
    assert done.returncode == ExitCode.FAILED
    assert "Traceback" not in done.stdout + done.stderr
    assert "DAMAGED" in done.stdout
    assert f"{older}  intact" in done.stdout


def test_every_version_damaged_answers_503_with_the_reason(tmp_path: Path) -> None:
    older, live = _build(tmp_path)
    for version in (older, live):
        _random_bytes_in_columns(tmp_path / "embedded", version)
    with TestClient(create_app(test_settings(tmp_path))) as client:
        answer = _search(client)
        assert answer.status_code == 503, answer.text
        assert "no intact index version" in answer.text and answer.headers.get("Retry-After")
        assert client.get("/readyz").status_code == 503


def test_a_running_server_keeps_what_it_serves_when_the_pointer_goes_bad(tmp_path: Path) -> None:
    _, live = _build(tmp_path)
    with TestClient(create_app(test_settings(tmp_path))) as client:
        before = _search(client)
        _garbage_pointer(tmp_path / "embedded", live)
        after = _search(client)
        assert after.status_code == 200 and _ids(after) == _ids(before)
        ready = client.get("/readyz", headers={"X-API-Key": CASEWORKER_KEY}).json()
        assert ready["version"] == live and "pointer" in ready["reason"]


def test_a_reindex_repairs_a_damaged_pointer_and_rollback_refuses_a_damaged_version(tmp_path: Path) -> None:
    older, live = _build(tmp_path)
    _random_bytes_in_columns(tmp_path / "embedded", older)
    refused = cli(tmp_path, "rollback", "--to", older, check=False)
    assert refused.returncode == ExitCode.FAILED and "is damaged" in refused.stderr
    _garbage_pointer(tmp_path / "embedded", live)
    source = write_lines(tmp_path / "again.jsonl", fixture_records()[:70])
    cli(tmp_path, "reindex", "--source", str(source), "--geocoding-cache", str(GEOCODING_CACHE))
    status = cli(tmp_path, "status")
    assert "integrity: intact" in status.stdout


def test_rollback_checks_what_changed_since_the_last_full_check_and_status_hashes_everything(
    tmp_path: Path,
) -> None:
    """The rollback makes the server's check (a file whose size or modification time moved is hashed
    again), not a full hash of a million providers' version on a loaded machine; bytes changed in
    place behind a restored modification time are left to ``status``, which hashes every file."""
    older, _ = _build(tmp_path)
    column = _largest(tmp_path / "embedded" / older / "columns", "*.npy")
    stamp = column.stat()
    with column.open("r+b") as f:  # the last bytes inverted, the size unchanged
        f.seek(-16, os.SEEK_END)
        tail = f.read()
        f.seek(-16, os.SEEK_END)
        f.write(bytes(b ^ 0xFF for b in tail))
    os.utime(column, ns=(stamp.st_atime_ns, stamp.st_mtime_ns))
    assert cli(tmp_path, "rollback", "--to", older).returncode == 0
    status = cli(tmp_path, "status", check=False)
    assert status.returncode != 0 and "DAMAGED" in status.stdout and column.name in status.stdout


def test_a_sync_refuses_to_build_on_a_damaged_live_version(tmp_path: Path) -> None:
    _, live = _build(tmp_path)
    _random_bytes_in_columns(tmp_path / "embedded", live)
    source = write_lines(tmp_path / "sync.jsonl", fixture_records()[:1])
    done = cli(tmp_path, "sync", "--source", str(source), "--geocoding-cache", str(GEOCODING_CACHE), check=False)
    assert done.returncode == ExitCode.FAILED and "is damaged" in done.stderr and "Traceback" not in done.stderr


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Callable[[], tuple[subprocess.Popen[str], httpx.Client]]]:
    """Starts ``placeringssok serve`` on the data dir (again and again); stops what it started."""
    started: list[subprocess.Popen[str]] = []
    env = os.environ | {
        "PLACERINGSSOK_DATA_DIR": str(tmp_path),
        "PLACERINGSSOK_API_KEYS": json.dumps({CASEWORKER_KEY: {"role": "caseworker"}}),
    }

    def start() -> tuple[subprocess.Popen[str], httpx.Client]:
        port = _free_port()
        process = subprocess.Popen(
            [sys.executable, "-m", "indexer", "serve", "--port", str(port)],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        started.append(process)
        client = httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if client.get("/healthz").status_code == 200:
                    return process, client
            except httpx.TransportError:
                time.sleep(0.2)
        pytest.fail("the server did not start")

    yield start
    for process in started:
        if process.poll() is None:
            process.terminate()
            process.wait(timeout=20)


def _output(process: subprocess.Popen[str]) -> str:
    if process.poll() is None:
        process.terminate()
    out, _ = process.communicate(timeout=20)
    return out


def test_a_segment_truncated_under_a_running_server(
    tmp_path: Path, server: Callable[[], tuple[subprocess.Popen[str], httpx.Client]]
) -> None:
    older, live = _build(tmp_path)
    process, client = server()
    assert _search(client).status_code == 200
    _truncated_segment(tmp_path / "embedded", live)
    time.sleep(1.5)  # past the size check's interval
    answers = [_search(client).status_code for _ in range(5)]
    assert process.poll() is None, "the server died:\n" + _output(process)
    assert set(answers) <= {200, 503} and answers[-1] == 200, answers
    ready: dict[str, Any] = client.get("/readyz", headers={"X-API-Key": CASEWORKER_KEY}).json()
    assert ready["version"] == older
    log = _output(process)
    assert "INDEX DAMAGED" in log and live in log
    # And it starts again on the same damaged data dir, serving the intact version.
    process, client = server()
    assert _search(client).status_code == 200
    assert client.get("/readyz", headers={"X-API-Key": CASEWORKER_KEY}).json()["version"] == older
    assert "INDEX DAMAGED" in _output(process)


@pytest.mark.parametrize("folder", ["columns", "positions"])
def test_a_mapped_array_truncated_under_a_running_server(
    folder: str, tmp_path: Path, server: Callable[[], tuple[subprocess.Popen[str], httpx.Client]]
) -> None:
    """Columns and positions are mapped when a version opens, not copied: one cut short under a
    running server is noticed by the size check, and the intact version served."""
    older, live = _build(tmp_path)
    process, client = server()
    assert _search(client).status_code == 200
    path = _largest(tmp_path / "embedded" / live / folder, "*.npy")
    with path.open("r+b") as f:
        f.truncate(path.stat().st_size // 3)
    time.sleep(1.5)  # past the size check's interval
    answers = [_search(client).status_code for _ in range(5)]
    assert process.poll() is None, "the server died:\n" + _output(process)
    assert set(answers) <= {200, 503} and answers[-1] == 200, answers
    assert client.get("/readyz", headers={"X-API-Key": CASEWORKER_KEY}).json()["version"] == older
    log = _output(process)
    assert "INDEX DAMAGED" in log and live in log
