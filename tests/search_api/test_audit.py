"""The caseworkers' audit log: who, when, which route and which providers; never the criteria."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from core.audit import AuditEntry, AuditLog
from core.documents import IndexedProvider
from search_api.app import create_app
from tests.conftest import CASEWORKER_KEY, PUBLIC_KEY, test_settings
from tests.support.identity_provider import IdentityProvider

CRITERIA = {
    "q": "självskadebeteende",
    "municipality_code": "0780",
    "max_km": 923.5,
    "needs": ["sjalvskadebeteende"],
    "exclude": [{"lat": 56.987654, "lon": 14.123456, "radius_km": 7.25}],
}
# What the criteria say, as it would be written if it leaked into the file.
CRITERIA_TRACES = ["självskade", "sjalvskade", "0780", "923.5", "56.98", "14.12", "7.25"]


def _audit_cli(data_dir: Path, *args: str) -> str:
    env = os.environ | {"PLACERINGSSOK_DATA_DIR": str(data_dir)}
    done = subprocess.run(
        [sys.executable, "-m", "indexer", "audit", *args], env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def test_the_audit_export_lists_subjects_and_providers_and_no_criteria(
    embedded_data_dir: Path, tmp_path: Path, fixture_documents: list[IndexedProvider]
) -> None:
    idp = IdentityProvider.create(tmp_path)
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    for name in ("embedded", "schools.json"):
        (data_dir / name).symlink_to(embedded_data_dir / name)
    settings = test_settings(data_dir, **idp.settings(), opaque_ids=True)
    with TestClient(create_app(settings)) as client:
        token = idp.token(sub="anna.handlaggare", org="Växjö kommun")
        searched = client.post("/v1/providers/search", json=CRITERIA, headers={"Authorization": f"Bearer {token}"})
        assert searched.status_code == 200 and searched.json()["hits"]
        shown = [hit["id"] for hit in searched.json()["hits"]]
        opened = client.get(f"/v1/providers/{shown[0]}", headers={"Authorization": f"Bearer {token}"})
        assert opened.status_code == 200
        other = idp.token(sub="bo.handlaggare", org="Växjö kommun")
        client.post("/v1/providers/search", json={"q": "trauma"}, headers={"Authorization": f"Bearer {other}"})
        # Public callers are not audited; a caseworker server key is, under its name.
        client.post("/v1/providers/search", json=CRITERIA, headers={"X-API-Key": PUBLIC_KEY})
        client.post("/v1/providers/search", json={}, headers={"X-API-Key": CASEWORKER_KEY})

    today = datetime.now(UTC).date().isoformat()
    exported = json.loads(_audit_cli(data_dir, "--since", today, "--subject", "anna.handlaggare", "--json"))
    assert [(e["method"], e["route"]) for e in exported] == [
        ("POST", "/v1/providers/search"),
        ("GET", "/v1/providers/{provider_id}"),
    ]
    assert all(e["subject"] == "anna.handlaggare" and e["organisation"] == "Växjö kommun" for e in exported)
    assert exported[0]["providers"] == shown and exported[1]["providers"] == [shown[0]]
    everyone = _audit_cli(data_dir, "--since", today)
    assert "anna.handlaggare" in everyone and "bo.handlaggare" in everyone and "test-server" in everyone
    assert len(everyone.splitlines()) == 4  # the public search is not there
    assert _audit_cli(data_dir, "--since", "2999-01-01") == ""
    # For the review, the register's own ids (the API's key turns public ids back).
    with_register_ids = json.loads(_audit_cli(data_dir, "--since", today, "--json", "--register-ids"))
    register_ids = {doc["id"] for doc in fixture_documents}
    assert with_register_ids[0]["providers"] and set(with_register_ids[0]["providers"]) <= register_ids
    assert not set(shown) & register_ids
    # Nothing of the criteria, in the export or in the file itself.
    written = "".join(p.read_text(encoding="utf-8") for p in (data_dir / "audit").iterdir())
    for trace in CRITERIA_TRACES:
        assert trace not in everyone and trace not in written, trace


def test_an_unwritable_audit_log_refuses_caseworkers_not_the_public(embedded_data_dir: Path, tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("")
    settings = test_settings(embedded_data_dir)
    app = create_app(settings)
    app.state.audit = AuditLog(blocker / "audit")
    with TestClient(app) as client:
        refused = client.post("/v1/providers/search", json={}, headers={"X-API-Key": CASEWORKER_KEY})
        assert refused.status_code == 503 and "audit log" in refused.json()["detail"]
        assert client.post("/v1/providers/search", json={}, headers={"X-API-Key": PUBLIC_KEY}).status_code == 200


@pytest.mark.parametrize("subject", [None, "a"])
def test_entries_before_since_are_left_out(tmp_path: Path, subject: str | None) -> None:
    log = AuditLog(tmp_path)

    log.append(AuditEntry("a", None, "/r", "GET", 200, ["x"], at="2026-10-31T23:59:59+00:00"))
    log.append(AuditEntry("a", None, "/r", "GET", 200, ["y"], at="2026-11-01T00:00:00+00:00"))
    log.append(AuditEntry("b", None, "/r", "GET", 200, ["z"], at="2026-11-02T00:00:00+00:00"))
    found = [e.providers[0] for e in log.entries(datetime(2026, 11, 1).date(), subject)]
    assert found == (["y"] if subject else ["y", "z"])


def test_entries_are_one_json_line_each_in_their_month_and_read_back_as_written(tmp_path: Path) -> None:
    log = AuditLog(tmp_path / "audit")
    odd = 'Åsa "handläggare" \\ \n\t\x01'
    written = [
        AuditEntry(odd, "Kommunen", "/r", "POST", 200, ["x", "y"], at="2026-11-30T23:30:00+00:00"),
        # A lone surrogate (a token's subject may carry one) is written escaped, not refused.
        AuditEntry("\ud800", None, "/r", "GET", 200, [], via="api_key", at="2026-12-01T00:00:00+00:00"),
        AuditEntry("c", None, "/r", "GET", 503, ["z"], at="2026-11-30T20:00:00-05:00"),
    ]
    for entry in written:
        log.append(entry)
    assert sorted(p.name for p in (tmp_path / "audit").iterdir()) == ["audit-2026-11.jsonl", "audit-2026-12.jsonl"]
    lines = [line for p in sorted((tmp_path / "audit").iterdir()) for line in p.read_bytes().splitlines()]
    assert len(lines) == 3 and all(line.startswith(b'{"subject":') for line in lines)
    assert sorted(log.entries(datetime(2026, 11, 1).date()), key=lambda e: e.at) == sorted(written, key=lambda e: e.at)
    # A month's file deleted under a running API is made again by the next entry.
    (tmp_path / "audit" / "audit-2026-11.jsonl").unlink()
    log.append(written[0])
    assert [e.subject for e in log.entries(datetime(2026, 11, 1).date())] == [odd, "\ud800"]


def test_a_month_file_moved_deleted_or_replaced_gets_the_next_entry_in_a_new_file(tmp_path: Path) -> None:
    """Whatever happens to a month's file under the running API, the next entry goes to the file its
    name leads to then, and nothing more to a file moved or deleted (a rotation, a retention)."""
    log = AuditLog(tmp_path / "audit")
    month = tmp_path / "audit" / "audit-2026-11.jsonl"

    def entry(subject: str) -> AuditEntry:
        return AuditEntry(subject, None, "/r", "GET", 200, [], at="2026-11-15T12:00:00+00:00")

    log.append(entry("first"))
    moved = tmp_path / "reviewed.jsonl"
    month.rename(moved)  # as a rotation would
    log.append(entry("after-move"))
    assert [json.loads(line)["subject"] for line in moved.read_text().splitlines()] == ["first"]
    assert [json.loads(line)["subject"] for line in month.read_text().splitlines()] == ["after-move"]

    kept = os.open(month, os.O_RDONLY)  # a reader holding the deleted file sees what it got
    try:
        month.unlink()
        log.append(entry("after-delete"))
        assert os.read(kept, 1000).decode().count("\n") == 1
    finally:
        os.close(kept)
    assert [json.loads(line)["subject"] for line in month.read_text().splitlines()] == ["after-delete"]

    replacement = tmp_path / "audit" / "replacement"
    replacement.write_text("")
    replacement.replace(month)
    log.append(entry("after-replace"))
    assert [json.loads(line)["subject"] for line in month.read_text().splitlines()] == ["after-replace"]

    (tmp_path / "audit").rename(tmp_path / "archived")  # the whole folder moved away
    log.append(entry("after-folder"))
    assert [json.loads(line)["subject"] for line in month.read_text().splitlines()] == ["after-folder"]
    assert "after-folder" not in (tmp_path / "archived" / month.name).read_text()


def test_entries_from_threads_and_processes_sharing_one_file_stay_whole_lines(tmp_path: Path) -> None:
    directory = tmp_path / "audit"
    writer = (
        "import sys\nfrom pathlib import Path\nfrom core.audit import AuditEntry, AuditLog\n"
        "log = AuditLog(Path(sys.argv[1]))\n"
        "for i in range(300):\n"
        "    log.append(AuditEntry('p' + sys.argv[2], None, '/r', 'GET', 200, ['x' * 40] * 20,"
        " at='2026-11-15T12:00:00+00:00'))\n"
    )
    processes = [
        subprocess.Popen([sys.executable, "-c", writer, str(directory), str(n)], cwd=Path(__file__).parents[2])
        for n in range(3)
    ]
    log = AuditLog(directory)

    def write(subject: str) -> None:
        for _ in range(300):
            log.append(AuditEntry(subject, None, "/r", "GET", 200, ["y" * 40] * 20, at="2026-11-15T12:00:00+00:00"))

    threads = [threading.Thread(target=write, args=(f"t{n}",)) for n in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert all(process.wait(timeout=120) == 0 for process in processes)
    lines = (directory / "audit-2026-11.jsonl").read_text().splitlines()
    subjects = [json.loads(line)["subject"] for line in lines]
    assert sorted(set(subjects)) == ["p0", "p1", "p2", "t0", "t1", "t2"] and len(subjects) == 6 * 300
