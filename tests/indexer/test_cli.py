"""The indexer as ops run it: the real command in a subprocess, against a temporary data dir."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from core.documents import StoredProvider
from core.records import id_hash
from engines.embedded.search import EmbeddedBackend
from engines.embedded.versions import IndexVersions
from indexer.exit_codes import ExitCode
from tests.conftest import BROKEN, GEOCODING_CACHE, PROVIDERS, SCHOOLS

ALL_TYPES = frozenset(
    {
        "hvb",
        "stodboende",
        "familjehem",
        "jourhem",
        "konsulentstott_familjehem",
        "sis_ungdomshem",
        "lss_bostad_barn",
        "skyddat_boende",
    }
)


def cli(
    data_dir: Path, *args: str, check: bool = True, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    environment = os.environ | {"PLACERINGSSOK_DATA_DIR": str(data_dir), "PLACERINGSSOK_GEOCODER": "none"}
    done = subprocess.run(
        [sys.executable, "-m", "indexer", *args],
        env=environment | (env or {}),
        capture_output=True,
        text=True,
        timeout=300,
    )
    if check:
        assert done.returncode == 0, done.stdout + done.stderr
    return done


def reindex(
    data_dir: Path, *sources: Path, extra: tuple[str, ...] = (), check: bool = True
) -> subprocess.CompletedProcess[str]:
    args = ["reindex", "--geocoding-cache", str(GEOCODING_CACHE), *extra]
    for source in sources:
        args += ["--source", str(source)]
    return cli(data_dir, *args, check=check)


def live(data_dir: Path) -> str:
    pointer = IndexVersions(data_dir / "embedded").pointer()
    assert pointer is not None
    return pointer.live


def provider(data_dir: Path, provider_id: str) -> StoredProvider | None:
    backend = EmbeddedBackend(data_dir / "embedded")
    return asyncio.run(backend.get(provider_id, ALL_TYPES))


def write_lines(path: Path, records: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    return path


def fixture_records() -> list[dict[str, Any]]:
    return [json.loads(line) for line in PROVIDERS.read_text(encoding="utf-8").splitlines() if line.strip()]


def test_reindex_indexes_good_records_and_reports_each_bad_one(tmp_path: Path) -> None:
    done = reindex(tmp_path, PROVIDERS, BROKEN, check=False)
    assert done.returncode == ExitCode.RECORDS_REJECTED, done.stderr
    bad_lines = [line for line in done.stderr.splitlines() if line.startswith("bad record:")]
    assert len(bad_lines) >= 12
    # A rejected id is shown by its line and a short hash: the id field may hold anything.
    assert any(f"{BROKEN}:2 (id #{id_hash('bad-missing-name')}): name:" in line for line in bad_lines)
    assert any(f"{BROKEN}:6 (id #{id_hash('bad-latitude')}): location.lat:" in line for line in bad_lines)
    assert "bad-missing-name" not in done.stderr + done.stdout
    assert "805 indexed" in done.stdout and "12 records were rejected" in done.stderr
    for good in ("ok-001", "ok-005", "prv-000001"):
        assert provider(tmp_path, good) is not None
    assert provider(tmp_path, "bad-latitude") is None


def test_too_many_errors_leave_the_live_index_alone(tmp_path: Path) -> None:
    reindex(tmp_path, PROVIDERS)
    before = live(tmp_path)
    done = reindex(tmp_path, BROKEN, extra=("--max-errors", "3"), check=False)
    assert done.returncode == ExitCode.TOO_MANY_BAD_RECORDS
    assert "more than --max-errors 3 allows" in done.stderr
    # The job stops writing at the limit but reads on: every bad line is reported.
    assert len([line for line in done.stderr.splitlines() if line.startswith("bad record:")]) >= 12
    assert live(tmp_path) == before
    assert provider(tmp_path, "prv-000001") is not None
    assert [p.name for p in (tmp_path / "embedded").glob("providers-*")] == [before]


def test_status_rollback_and_version_retention(tmp_path: Path) -> None:
    reindex(tmp_path, PROVIDERS)
    first = live(tmp_path)
    reindex(tmp_path, BROKEN, extra=("--allow-shrink", "--max-errors", "100%"), check=False)
    second = live(tmp_path)
    reindex(tmp_path, PROVIDERS)
    third = live(tmp_path)
    # Three versions are kept by default: two bad runs in a row still leave a good one.
    assert sorted(p.name for p in (tmp_path / "embedded").glob("providers-*")) == sorted([first, second, third])
    status = cli(tmp_path, "status").stdout
    assert f"live version: {third}" in status and f"previous version: {second}" in status
    assert "documents: 800" in status and "familjehem" in status and "sis_ungdomshem" in status
    cli(tmp_path, "rollback")
    assert live(tmp_path) == second
    assert provider(tmp_path, "ok-001") is not None and provider(tmp_path, "prv-000002") is None
    cli(tmp_path, "rollback", "--to", first)
    assert live(tmp_path) == first and provider(tmp_path, "ok-001") is None
    refused = cli(tmp_path, "rollback", "--to", "../../../etc", check=False)
    assert refused.returncode == ExitCode.FAILED and "no complete version by that name" in refused.stderr
    assert live(tmp_path) == first
    reindex(tmp_path, PROVIDERS)
    fourth = live(tmp_path)
    # Live first, then the previous one (first), then the newest other: second is the oldest build left out.
    kept = sorted(p.name for p in (tmp_path / "embedded").glob("providers-*"))
    assert kept == sorted([fourth, first, third])


def test_sync_applies_newer_records_and_tombstones_only(tmp_path: Path) -> None:
    records = fixture_records()
    reindex(tmp_path, PROVIDERS)
    newer = records[1] | {"vacancies": 0, "updated_at": "2027-01-01T10:00:00+01:00"}
    older = records[2] | {"vacancies": 0, "name": "Gammalt namn", "updated_at": "2020-01-01T10:00:00+01:00"}
    tomb_new = {"id": records[3]["id"], "deleted": True, "updated_at": "2027-01-01T10:00:00+01:00"}
    tomb_old = {"id": records[4]["id"], "deleted": True, "updated_at": "2020-01-01T10:00:00+01:00"}
    fresh = records[5] | {"id": "prv-new-001", "updated_at": "2026-11-23T10:00:00+01:00"}
    source = write_lines(tmp_path / "sync.jsonl", [newer, older, tomb_new, tomb_old, fresh])
    done = cli(tmp_path, "sync", "--source", str(source), "--geocoding-cache", str(GEOCODING_CACHE))
    assert "2 indexed, 1 deleted, 2 older than the indexed version" in done.stdout
    newer_doc, older_doc = provider(tmp_path, records[1]["id"]), provider(tmp_path, records[2]["id"])
    assert newer_doc is not None and newer_doc["vacancies"] == 0
    assert older_doc is not None and older_doc["name"] != "Gammalt namn"
    assert provider(tmp_path, records[3]["id"]) is None
    assert provider(tmp_path, records[4]["id"]) is not None
    assert provider(tmp_path, "prv-new-001") is not None
    # A deleted provider does not come back through an older record either.
    resurrect = records[3] | {"updated_at": "2026-12-01T10:00:00+01:00"}
    cli(tmp_path, "sync", "--source", str(write_lines(tmp_path / "again.jsonl", [resurrect])))
    assert provider(tmp_path, records[3]["id"]) is None


def test_a_second_writer_is_refused(tmp_path: Path) -> None:
    reindex(tmp_path, PROVIDERS)
    with IndexVersions(tmp_path / "embedded").writer_lock():
        done = reindex(tmp_path, PROVIDERS, check=False)
    assert done.returncode == 1 and "another reindex or sync is running" in done.stderr


def test_validate_writes_nothing_and_load_schools(tmp_path: Path) -> None:
    done = cli(tmp_path, "validate", "--source", str(BROKEN), "--geocoding-cache", str(GEOCODING_CACHE), check=False)
    assert done.returncode == ExitCode.RECORDS_REJECTED and "5 good records" in done.stderr
    assert f"#{id_hash('bad-latitude')}" in done.stdout and "bad-latitude" not in done.stdout
    assert not (tmp_path / "embedded").exists()
    loaded = cli(tmp_path, "load-schools", "--source", str(SCHOOLS))
    assert "loaded 300 schools" in loaded.stdout
    schools = json.loads((tmp_path / "schools.json").read_text(encoding="utf-8"))
    assert all(55 < s["lat"] < 69.5 and 10.5 < s["lon"] < 24.5 for s in schools)


def test_schema_command_prints_json_schema(tmp_path: Path) -> None:
    schema = json.loads(cli(tmp_path, "schema").stdout)
    assert "Provider" in schema["$defs"] and "Tombstone" in schema["$defs"]


def test_every_command_has_help(tmp_path: Path) -> None:
    for command in ("reindex", "sync", "validate", "load-schools", "status", "rollback", "schema", "serve"):
        assert "Usage" in cli(tmp_path, command, "--help").stdout


def test_a_killed_reindex_leaves_the_live_index_serving(tmp_path: Path) -> None:
    reindex(tmp_path, PROVIDERS)
    before = live(tmp_path)
    records = fixture_records()
    big = [r | {"id": f"{r['id']}-{copy}"} for copy in range(40) for r in records]
    source = write_lines(tmp_path / "big.jsonl", big)
    env = os.environ | {"PLACERINGSSOK_DATA_DIR": str(tmp_path), "PLACERINGSSOK_GEOCODER": "none"}
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "indexer",
            "reindex",
            "--source",
            str(source),
            "--geocoding-cache",
            str(GEOCODING_CACHE),
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    embedded = tmp_path / "embedded"
    while time.monotonic() < deadline:
        building = [p for p in embedded.glob("providers-*") if p.name != before and (p / "text").exists()]
        if building and any((building[0] / "text").iterdir()):
            break
        time.sleep(0.02)
    else:
        pytest.fail("the reindex never started writing a new version")
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=10)
    assert process.returncode == -signal.SIGKILL
    assert live(tmp_path) == before
    assert provider(tmp_path, "prv-000001") is not None
    reindex(tmp_path, PROVIDERS)
    assert live(tmp_path) != before
    leftovers = {p.name for p in embedded.glob("providers-*")}
    assert leftovers == {before, live(tmp_path)}
