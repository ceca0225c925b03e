"""A version swapped out is freed part by part by the refresher (``EmbeddedBackend._retire``), but
only once no search holds it: a search still running on it answers as before, and a version held
past ``RETIRE_WITHIN_S`` is simply let go."""

from __future__ import annotations

import asyncio
import time
import weakref
from pathlib import Path

import pytest

import engines.embedded.search as search_module
from core.documents import IndexedProvider
from engines.embedded.search import EmbeddedBackend
from engines.embedded.snapshot import Snapshot
from tests.engines.embedded.test_search_caches import answer, plan_of
from tests.engines.embedded.test_small_writes import build

WAIT_S = 10.0


def _released(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The snapshots ``Snapshot.release`` is called on (by id), the real release still done."""
    seen: list[int] = []
    real = Snapshot.release

    def release(self: Snapshot, between: object) -> None:
        seen.append(id(self))
        real(self, between)  # type: ignore[arg-type]

    monkeypatch.setattr(Snapshot, "release", release)
    return seen


def _until(done: object, what: str) -> None:
    deadline = time.monotonic() + WAIT_S
    while not done():  # type: ignore[operator]
        assert time.monotonic() < deadline, what
        time.sleep(0.02)


def test_a_version_no_search_holds_is_released_part_by_part(
    tmp_path: Path, fixture_documents: list[IndexedProvider], monkeypatch: pytest.MonkeyPatch
) -> None:
    released = _released(monkeypatch)
    build(tmp_path, fixture_documents)
    backend = EmbeddedBackend(tmp_path)
    plan = plan_of({"q": "trauma"}, 1.7e9)
    answer(backend, plan)
    old = backend._snapshot()
    old_id, gone = id(old), weakref.ref(old)
    del old
    build(tmp_path, fixture_documents[10:])
    _until(lambda: gone() is None, "the old version was freed")
    assert released == [old_id]
    asyncio.run(backend.close())


def test_a_version_a_search_still_holds_is_left_whole(
    tmp_path: Path, fixture_documents: list[IndexedProvider], monkeypatch: pytest.MonkeyPatch
) -> None:
    released = _released(monkeypatch)
    monkeypatch.setattr(search_module, "RETIRE_WITHIN_S", 0.5)
    build(tmp_path, fixture_documents)
    backend = EmbeddedBackend(tmp_path)
    plan = plan_of({"q": "trauma", "size": 5}, 1.7e9)
    before = answer(backend, plan)
    held = backend._snapshot()  # as a search running across the switch holds it
    build(tmp_path, fixture_documents)
    assert backend._snapshot() is not held
    _until(lambda: not backend._retiring, "the refresher let it go")
    assert released == []
    kept, page, _ = backend._answer(held, plan)
    assert kept.total == before[0] and len(page.rows) == 5
    asyncio.run(backend.close())
