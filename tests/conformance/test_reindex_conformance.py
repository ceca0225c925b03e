"""Reindex, rollback and sync mean the same on every backend.

Each case gets a namespace of its own: a fresh data dir (embedded) or a fresh alias on the server
(Elasticsearch), written through the real ``run_job`` and read back through the real search backend.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

import pytest

from core.documents import StoredProvider
from core.settings import Backend, Settings
from core.writing import IndexTarget
from indexer.jobs import JobReport, run_job
from indexer.status import STATUS_FIELDS, index_status, status_text
from search_api.backends import Readiness, SearchBackend, make_backend
from search_api.plan import visible_types
from tests.conftest import PROVIDERS, offline_geocoder, test_settings
from tests.support.elastic_server import elasticsearch_url

T = TypeVar("T")
EVERY_TYPE = visible_types("caseworker")


@dataclass
class Namespace:
    """One backend's index, empty at the start of a test."""

    settings: Settings
    files: Path

    def target(self) -> IndexTarget[Any]:
        if self.settings.backend is Backend.elasticsearch:
            from engines.elasticsearch.target import ElasticsearchTarget

            return ElasticsearchTarget.from_settings(self.settings)
        from engines.embedded.target import EmbeddedTarget

        return EmbeddedTarget(self.settings.embedded_dir)

    def _source(self, name: str, records: list[dict[str, Any]]) -> Path:
        path = self.files / f"{name}.jsonl"
        path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
        return path

    def reindex(self, *batches: list[dict[str, Any]]) -> JobReport:
        sources = [self._source(f"reindex-{i}", batch) for i, batch in enumerate(batches)]
        # Batches of any size replace each other here: the shrink guard has tests of its own.
        return run_job(self.target(), sources, offline_geocoder(), incremental=False, allow_shrink=True)

    def sync(self, records: list[dict[str, Any]]) -> JobReport:
        return run_job(self.target(), [self._source("sync", records)], offline_geocoder(), incremental=True)

    def rollback(self) -> str:
        target = self.target()
        with target.writer_lock():
            return target.rollback()

    def _ask(self, question: Callable[[SearchBackend], Awaitable[T]]) -> T:
        async def asking() -> T:
            backend = make_backend(self.settings)  # a new reader each time: no cached version
            try:
                return await question(backend)
            finally:
                await backend.close()

        # In a thread of its own: other suites (the browser's) may leave an event loop running here.
        with ThreadPoolExecutor(max_workers=1) as thread:
            return thread.submit(asyncio.run, asking()).result()

    def readiness(self) -> Readiness:
        return self._ask(lambda backend: backend.readiness())

    def provider(self, provider_id: str) -> StoredProvider | None:
        return self._ask(lambda backend: backend.get(provider_id, EVERY_TYPE))


@pytest.fixture(scope="module")
def server_url() -> Iterator[str]:
    with elasticsearch_url() as url:
        yield url


@pytest.fixture(params=["embedded", "elasticsearch"])
def namespace(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Namespace]:
    files = tmp_path / "sources"
    files.mkdir()
    if request.param == "embedded":
        yield Namespace(test_settings(tmp_path / "data"), files)
        return
    from tests.support.elastic_index import drop_namespace, elasticsearch_test_settings

    settings = elasticsearch_test_settings(request.getfixturevalue("server_url"), tmp_path / "data")
    try:
        yield Namespace(settings, files)
    finally:
        drop_namespace(settings)


@pytest.fixture(scope="module")
def records() -> list[dict[str, Any]]:
    return [json.loads(line) for line in PROVIDERS.read_text(encoding="utf-8").splitlines()[:80]]


def _an_institution(batch: list[dict[str, Any]]) -> dict[str, Any]:
    # Confidential homes get a neutral name in the index; a renamed HVB shows which record won.
    return next(r for r in batch if r["provider_type"] == "hvb")


def _shifted(record: dict[str, Any], days: int, **changes: Any) -> dict[str, Any]:
    updated = datetime.fromisoformat(record["updated_at"]) + timedelta(days=days)
    return {**record, **changes, "updated_at": updated.isoformat()}


def _tombstone(record: dict[str, Any], days: int) -> dict[str, Any]:
    return {"id": record["id"], "deleted": True, "updated_at": _shifted(record, days)["updated_at"]}


def test_reindex_switches_the_live_version(namespace: Namespace, records: list[dict[str, Any]]) -> None:
    first_batch, second_batch = records[:40], records[40:70]
    namespace.reindex(first_batch)
    first = namespace.readiness()
    assert first.ready and first.documents == 40
    assert namespace.provider(first_batch[0]["id"]) is not None
    assert namespace.provider(second_batch[0]["id"]) is None

    namespace.reindex(second_batch)
    second = namespace.readiness()
    assert second.ready and second.version != first.version and second.documents == 30
    assert namespace.provider(first_batch[0]["id"]) is None
    assert namespace.provider(second_batch[0]["id"]) is not None


def test_rollback_restores_the_previous_version(namespace: Namespace, records: list[dict[str, Any]]) -> None:
    namespace.reindex(records[:40])
    first = namespace.readiness().version
    namespace.reindex(records[40:70])
    second = namespace.readiness().version

    assert namespace.rollback() == first
    back = namespace.readiness()
    assert back.version == first and back.documents == 40
    assert namespace.provider(records[0]["id"]) is not None
    # ... and forward again: the rolled-back version became the previous one
    assert namespace.rollback() == second
    assert namespace.readiness().documents == 30


def test_sync_updates_the_live_version_and_rollback_returns_to_the_last_reindex(
    namespace: Namespace, records: list[dict[str, Any]]
) -> None:
    """The one meaning of sync and rollback, on every engine (README, "Sync, rollback and
    confirmations"):

    - a sync (like any small write) updates the live version in place; it makes no version that a
      rollback could return to, and the previous version stays the one the last reindex replaced;
    - rollback returns to that version: syncs applied since the last reindex are not in it, and they
      come back with a rollback forward, since they stay in the version they changed.
    """
    first_batch, second_batch, newcomer = records[:40], records[40:70], records[70]
    namespace.reindex(first_batch)
    first = namespace.readiness().version
    namespace.reindex(second_batch)
    home = _an_institution(second_batch)

    report = namespace.sync([_shifted(home, days=1, name="Nya namnet"), newcomer])
    assert (report.indexed, report.stale) == (2, 0)
    synced = namespace.readiness()
    assert synced.documents == 31
    assert namespace.provider(home["id"])["name"] == "Nya namnet"  # type: ignore[index]

    # Back to the version before the last reindex, not to the second build as it was before the sync.
    assert namespace.rollback() == first
    back = namespace.readiness()
    assert back.version == first and back.documents == 40
    assert namespace.provider(home["id"]) is None and namespace.provider(newcomer["id"]) is None

    # A sync now changes the version that is live (the first build) ...
    # (In place on Elasticsearch; the embedded engine still writes a copy that replaces the live
    # version, under a new name, so the name is not compared here.)
    assert namespace.sync([_shifted(first_batch[1], days=1)]).indexed == 1
    assert namespace.readiness().documents == 40
    # ... and forward again: the second build, with the sync it received.
    namespace.rollback()
    forward = namespace.readiness()
    assert forward.version == synced.version and forward.version != first and forward.documents == 31
    assert namespace.provider(home["id"])["name"] == "Nya namnet"  # type: ignore[index]
    assert namespace.provider(newcomer["id"]) is not None


def test_status_has_one_shape_on_every_backend(namespace: Namespace, records: list[dict[str, Any]]) -> None:
    """``placeringssok status`` (text and ``--json``): the same fields whatever the backend."""
    namespace.reindex(records[:40])
    first = namespace.readiness().version
    namespace.reindex(records[40:70])
    before_sync = index_status(namespace.settings)
    namespace.sync([records[70]])
    status = index_status(namespace.settings)

    assert tuple(status) == STATUS_FIELDS
    assert status["backend"] == str(namespace.settings.backend)
    assert status["data_dir"] == str(namespace.settings.data_dir.resolve())
    assert (status["cluster"] is None) == (namespace.settings.backend is Backend.embedded)
    assert status["live_version"] == namespace.readiness().version and status["previous_version"] == first
    assert status["documents"] == 31 == sum(status["by_provider_type"].values())
    assert status["switched_at"] and status["switched_at"] == before_sync["switched_at"], "a sync switches nothing"
    assert status["built_at"] and status["sources"]
    json.dumps(status)  # what --json prints
    text = status_text(status)
    for line in (f"live version: {status['live_version']}", f"previous version: {first}", "documents: 31"):
        assert line in text


def test_rollback_needs_a_previous_version(namespace: Namespace, records: list[dict[str, Any]]) -> None:
    namespace.reindex(records[:10])
    with pytest.raises(Exception, match="no previous version"):
        namespace.rollback()


def test_three_versions_are_kept(namespace: Namespace, records: list[dict[str, Any]]) -> None:
    reports = [namespace.reindex(records[i : i + 10]) for i in (0, 10, 20, 30)]
    assert [r.removed_versions for r in reports[:3]] == [[], [], []]
    assert reports[3].removed_versions == [reports[0].version]


def test_rollback_to_a_kept_version(namespace: Namespace, records: list[dict[str, Any]]) -> None:
    reports = [namespace.reindex(records[i : i + 10]) for i in (0, 10, 20)]
    target = namespace.target()
    with target.writer_lock():
        assert target.rollback(reports[0].version) == reports[0].version
    assert namespace.readiness().version == reports[0].version
    assert namespace.provider(records[0]["id"]) is not None
    assert namespace.rollback() == reports[2].version  # the version it replaced became the previous one
    with target.writer_lock(), pytest.raises(Exception, match="no complete version by that name"):
        target.rollback("providers-none")


def test_an_older_record_never_overwrites_a_newer_one(namespace: Namespace, records: list[dict[str, Any]]) -> None:
    batch = records[:40]
    home = _an_institution(batch)
    namespace.reindex(batch)

    older = namespace.sync([_shifted(home, days=-1, name="Gamla namnet")])
    assert (older.indexed, older.stale) == (0, 1)
    assert namespace.provider(home["id"])["name"] == home["name"]  # type: ignore[index]

    newer = namespace.sync([_shifted(home, days=1, name="Nya namnet")])
    assert (newer.indexed, newer.stale) == (1, 0)
    assert namespace.provider(home["id"])["name"] == "Nya namnet"  # type: ignore[index]
    assert namespace.readiness().documents == 40


def test_within_one_reindex_the_newest_record_wins(namespace: Namespace, records: list[dict[str, Any]]) -> None:
    batch = records[:20]
    home = _an_institution(batch)
    report = namespace.reindex(batch, [_shifted(home, days=-3, name="Gamla namnet")])
    assert (report.indexed, report.stale) == (20, 1)
    assert namespace.provider(home["id"])["name"] == home["name"]  # type: ignore[index]


def test_tombstones_delete_only_what_is_older(namespace: Namespace, records: list[dict[str, Any]]) -> None:
    batch = records[:40]
    home = _an_institution(batch)
    namespace.reindex(batch)

    too_old = namespace.sync([_tombstone(home, days=-1)])
    assert (too_old.deleted, too_old.stale) == (0, 1)
    assert namespace.provider(home["id"]) is not None

    gone = namespace.sync([_tombstone(home, days=1)])
    assert gone.deleted == 1
    assert namespace.provider(home["id"]) is None
    assert namespace.readiness().documents == 39

    # The record the tombstone replaced cannot come back by being sent again.
    again = namespace.sync([home])
    assert again.stale == 1 and namespace.provider(home["id"]) is None


def test_a_second_writer_is_refused(namespace: Namespace, records: list[dict[str, Any]]) -> None:
    namespace.reindex(records[:5])
    with namespace.target().writer_lock(), pytest.raises(Exception, match="another reindex or sync"):
        namespace.reindex(records[5:10])
    assert namespace.readiness().documents == 5
    namespace.reindex(records[5:10])  # released: the next writer gets through
    assert namespace.readiness().documents == 5
