"""The warm-up's collector process: a real process collecting text match sets for a worker. It
collects exactly what the worker would (rows and scores to the bit, piece by piece too), refuses
another state of the index, and whatever happens to it (not ready yet, killed, asked for a folder
gone) the worker is answered None and collects the set itself; it prints nothing, whatever it is
asked; and a version switch warms through it."""

from __future__ import annotations

import asyncio
import logging
import os
import shutil
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

import engines.embedded.collector_process as collector_module
import engines.embedded.snapshot as snapshot_module
from core.documents import IndexedProvider
from engines.embedded.collector_process import CollectorProcess
from engines.embedded.narrowing import narrowed_text
from engines.embedded.search import EmbeddedBackend, _text_key
from engines.embedded.snapshot import Snapshot, TextKey
from engines.embedded.target import EmbeddedTarget
from tests.engines.embedded.test_search_caches import answer, keeping_nothing, plan_of
from tests.engines.embedded.test_small_writes import build, changed
from tests.engines.embedded.test_text_matches import STALE_BEFORE, WORDS, index_with_a_delta

READY_WITHIN_S = 60.0


def _keys(snap: Snapshot) -> list[TextKey]:
    keys = []
    for words in WORDS:
        for filters in ({}, {"provider_types": ["hvb", "stodboende"]}):
            key = _text_key(snap, plan_of({"q": words, **filters}, STALE_BEFORE))
            assert key is not None
            keys.append(key)
    return keys


def _ready(collector: CollectorProcess, snap: Snapshot, key: TextKey) -> None:
    """Wait for the process's imports: until then it answers nothing (None)."""
    deadline = time.monotonic() + READY_WITHIN_S
    while collector.collect(snap, key, 0) is None:
        assert time.monotonic() < deadline, "the collector process answered nothing within a minute"
        time.sleep(0.1)


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory, fixture_documents: list[IndexedProvider]) -> Path:
    return index_with_a_delta(tmp_path_factory.mktemp("collected"), fixture_documents)


@pytest.fixture
def collector() -> Iterator[CollectorProcess]:
    started = CollectorProcess()
    yield started
    started.stop()


@pytest.mark.parametrize("piece", [7, 65_536])
def test_the_process_collects_what_the_worker_collects(
    root: Path, collector: CollectorProcess, piece: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(snapshot_module, "COLLECT_PIECE", piece)
    snap = EmbeddedBackend(root)._snapshot()
    assert snap.applied and not snap.columns.alive.all(), "a delta, rows written again and dead ones"
    keys = _keys(snap)
    assert collector.collect(snap, keys[0], 0) is None, "not started: the worker collects"
    collector.start()
    _ready(collector, snap, keys[0])
    matched_some = 0
    for key in keys:
        here = snap._collect(narrowed_text(snap.index.schema, *key))
        for expected in (0, len(here.rows), 10 * len(here.rows) + piece):
            collected = collector.collect(snap, key, expected)
            assert collected is not None, key
            scored, worked = collected
            there = snap._standing(scored)
            assert there.rows.tobytes() == here.rows.tobytes(), (key, expected)
            assert there.scores.tobytes() == here.scores.tobytes(), (key, expected)
            assert worked > 0
        matched_some += len(here.rows) > piece
    assert matched_some or piece > 1000, "some sets took several pieces"


def test_another_state_of_the_index_is_left_to_the_worker(
    tmp_path: Path, fixture_documents: list[IndexedProvider], collector: CollectorProcess
) -> None:
    """A delta written after the snapshot was taken: the process's searcher holds more documents,
    whose scores differ (BM25 counts documents), so it answers None; a snapshot with the delta is
    answered."""
    docs = fixture_documents
    target = build(tmp_path, docs[:500])
    before = Snapshot.open(target.versions.live_dir())
    key = _keys(before)[0]
    collector.start()
    _ready(collector, before, key)
    target.apply([changed(d, 1, description="Nytt lågaffektivt bemötande") for d in docs[500:520]])
    assert collector.collect(before, key, 0) is None
    after = Snapshot.open(target.versions.live_dir())
    collected = collector.collect(after, key, 0)
    assert collected is not None
    here = after._collect(narrowed_text(after.index.schema, *key))
    assert after._standing(collected[0]).rows.tobytes() == here.rows.tobytes()


def test_a_process_that_fails_is_left_and_started_again_later(
    tmp_path: Path,
    fixture_documents: list[IndexedProvider],
    collector: CollectorProcess,
    monkeypatch: pytest.MonkeyPatch,
    capfd: pytest.CaptureFixture[str],
) -> None:
    target = build(tmp_path / "index", fixture_documents[:300])
    snap = Snapshot.open(target.versions.live_dir())
    key = _keys(snap)[0]
    collector.start()
    _ready(collector, snap, key)
    # Asked for a folder that is gone: None, the process goes on, and prints nothing (it would
    # quote the caseworker's words).
    moved = tmp_path / "moved"
    shutil.copytree(snap.folder, moved)
    gone = Snapshot.open(moved)
    shutil.rmtree(moved)
    assert collector.collect(gone, key, 0) is None
    assert collector.collect(snap, key, 0) is not None
    # Killed: None, and not started again at once (a process failing at start would be started at
    # every warm-up) ...
    process = collector._process
    assert process is not None and process.pid is not None
    os.kill(process.pid, 9)
    process.join(10)
    assert collector.collect(snap, key, 0) is None
    collector.start()
    assert collector.collect(snap, key, 0) is None
    # ... but once RESTART_AFTER_S has passed.
    monkeypatch.setattr(collector_module, "RESTART_AFTER_S", 0.0)
    collector.start()
    _ready(collector, snap, key)
    out, err = capfd.readouterr()
    assert "lågaffektivt" not in out + err


def test_a_version_switch_is_warmed_through_the_process(
    tmp_path: Path, fixture_documents: list[IndexedProvider], caplog: pytest.LogCaptureFixture
) -> None:
    """The first version switch after the first open starts the process (its own warm-up collects in
    the worker: the process is still starting); the next switch is warmed through it, with the
    sets a backend keeping nothing finds, and the log says how the warm-up went (no words)."""
    caplog.set_level(logging.INFO)
    docs = fixture_documents
    build(tmp_path, docs)
    backend = EmbeddedBackend(tmp_path)
    plans = [plan_of({"q": words}, STALE_BEFORE) for words in WORDS]
    for plan in plans:
        answer(backend, plan)
    build(tmp_path, [changed(d, 1, location={"lat": 59.34, "lon": 18.07}) for d in docs[:100]] + docs[100:])
    collector = backend._collector
    first = backend._snapshot()
    assert collector._process is not None, "the change started the process"
    _ready(collector, first, next(iter(first.texts)))
    answered = collector.answered
    build(tmp_path, docs[50:])
    second = backend._snapshot()
    assert collector.answered == answered + len(second.texts), "every set came from the process"
    said = [r.getMessage() for r in caplog.records if r.getMessage().startswith("serving version")]
    assert said[-1].startswith(f"serving version {second.version}: opened in ")
    assert f"{len(second.texts)} text sets from the collector process; complete)" in said[-1]
    assert not any(w.strip('"').split()[0] in r.getMessage() for r in caplog.records for w in WORDS)
    assert second is not first and set(second.texts) == set(first.texts)
    fresh = EmbeddedBackend(tmp_path)._snapshot()
    for key, matches in second.texts.items():
        want = fresh._collect(narrowed_text(fresh.index.schema, *key))
        assert np.array_equal(matches.rows, want.rows) and matches.scores.tobytes() == want.scores.tobytes()
    assert [answer(backend, plan) for plan in plans] == [keeping_nothing(tmp_path, plan) for plan in plans]
    # A delta's warm-up collects in the worker (a write waits for it), with the same sets.
    answered = collector.answered
    EmbeddedTarget(tmp_path).apply([changed(docs[60], 2, description="Lågaffektivt bemötande och DBT")])
    third = backend._snapshot()
    assert third.applied and set(third.texts) == set(second.texts) and collector.answered == answered
    assert [answer(backend, plan) for plan in plans] == [keeping_nothing(tmp_path, plan) for plan in plans]
    process = collector._process
    asyncio.run(backend.close())
    assert collector._process is None and process is not None and not process.is_alive()
