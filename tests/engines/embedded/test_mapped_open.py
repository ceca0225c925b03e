"""Opening a version copies and computes nothing: columns mapped copy-on-write, positions stored at
build time. What a reader writes into its columns (homes' confirmations, a delta's rows) never
reaches the files; a version built before positions were stored still opens and answers the same."""

from __future__ import annotations

import asyncio
import hashlib
import json
import shutil
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from core.documents import IndexedProvider
from core.errors import IndexDamaged
from core.vacancy_ledger import VacancyLedger
from core.writing import Deletion
from engines.embedded.bitsets import rows_of
from engines.embedded.columns import KEYWORD_FIELDS, NUMBER_FIELDS, STORED_MULTI, ColumnStore
from engines.embedded.integrity import CHECKSUMS, VERIFIED, damage, record_checksums
from engines.embedded.positions import FOLDER as POSITIONS
from engines.embedded.positions import Positions
from engines.embedded.search import EmbeddedBackend
from engines.embedded.snapshot import Snapshot
from tests.engines.embedded.test_search_caches import EVERY_FACET, answer, keeping_nothing, plan_of
from tests.engines.embedded.test_small_writes import _same_answers, build, changed, plans

_ARRAYS = ("x", "y", "z", "key", "row", "px", "py", "pz")


def _digests(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


def _same_positions(got: Positions, want: Positions, *, placed: bool = True) -> None:
    assert got.n == want.n
    if placed:
        assert got.placed == want.placed
    for name in _ARRAYS if placed else _ARRAYS[:3]:
        ours, theirs = getattr(got, name), getattr(want, name)
        length = got.n if name in ("x", "y", "z") else got.placed
        assert np.array_equal(ours[:length], theirs[:length], equal_nan=True), name


def _computed(columns: ColumnStore) -> Positions:
    return Positions.of(columns.number("lat"), columns.number("lon"))


def _without_stored_positions(version: Path) -> None:
    """The version as a build before positions were stored left it: no positions, none listed."""
    shutil.rmtree(version / POSITIONS)
    (version / VERIFIED).unlink(missing_ok=True)
    record_checksums(version)
    assert POSITIONS not in json.dumps(json.loads((version / CHECKSUMS).read_text())["files"])


def _by_id(columns: ColumnStore) -> dict[str, tuple[Any, ...]]:
    """Every live row's values, every column kind, by id (rows differ between a delta and a build)."""
    rows = np.flatnonzero(columns.alive)
    numbers = {k: columns.number(k)[rows] for k in NUMBER_FIELDS}
    flags = {k: columns.flag(k)[rows] for k in columns.flags}
    codes = {k: columns.codes(k)[rows] for k in KEYWORD_FIELDS}
    held = {
        k: {v: columns.multi_mask(k, [v], every=False)[rows] for v in columns.multi_values[k]} for k in STORED_MULTI
    }
    found = {}
    for i, row in enumerate(rows.tolist()):
        found[columns.ids[row].decode()] = (
            tuple(float(numbers[k][i]) if not np.isnan(numbers[k][i]) else None for k in NUMBER_FIELDS),
            tuple(bool(flags[k][i]) for k in sorted(flags)),
            tuple(columns.keyword_values[k][codes[k][i]] for k in KEYWORD_FIELDS),
            tuple(frozenset(v for v, mask in held[k].items() if mask[i]) for k in STORED_MULTI),
        )
    return found


def test_stored_positions_are_the_computed_ones(tmp_path: Path, fixture_documents: list[IndexedProvider]) -> None:
    docs = fixture_documents
    target = build(tmp_path, docs[:600])
    live = target.versions.live_dir()
    columns = ColumnStore.load(live / "columns")
    stored = Positions.load(live / POSITIONS, columns.n)
    assert stored is not None
    _same_positions(stored, _computed(columns))
    # Listed with the version's files, so a changed or truncated one is damage.
    listed = json.loads((live / CHECKSUMS).read_text())["files"]
    assert {f"{POSITIONS}/{name}.npy" for name in _ARRAYS} <= set(listed)
    with pytest.raises(IndexDamaged):
        Positions.load(live / POSITIONS, columns.n + 1)

    # A merge of small writes stores the positions of its own rows.
    target.apply(docs[600:650], [Deletion(d["id"], d["updated_at"] + timedelta(hours=1)) for d in docs[:5]])
    target.merge()
    merged = target.versions.live_dir()
    assert merged != live
    columns = ColumnStore.load(merged / "columns")
    stored = Positions.load(merged / POSITIONS, columns.n)
    assert stored is not None and stored.n == 650
    _same_positions(stored, _computed(columns))
    _same_positions(Snapshot.open(merged).positions, _computed(columns))


def test_a_version_without_stored_positions_opens_and_answers_the_same(
    tmp_path: Path, fixture_documents: list[IndexedProvider]
) -> None:
    docs = fixture_documents
    new_target, old_target = build(tmp_path / "new", docs[:600]), build(tmp_path / "old", docs[:600])
    old = old_target.versions.live_dir()
    _without_stored_positions(old)
    assert damage(old) is None
    assert Positions.load(old / POSITIONS, 600) is None
    snapshot = Snapshot.open(old)
    _same_positions(snapshot.positions, _computed(snapshot.columns))

    new_backend, old_backend = EmbeddedBackend(tmp_path / "new"), EmbeddedBackend(tmp_path / "old")
    _same_answers(old_backend, new_backend)
    # Small writes onto the old version: the positions it placed on opening grow as stored ones do.
    for target in (new_target, old_target):
        target.apply(docs[600:700], [Deletion(d["id"], d["updated_at"] + timedelta(hours=1)) for d in docs[10:15]])
    _same_answers(old_backend, new_backend)
    _same_positions(old_backend._snapshot().positions, new_backend._snapshot().positions)
    for backend in (new_backend, old_backend):
        asyncio.run(backend.close())


def test_a_delta_after_a_mapped_open_answers_like_a_fresh_build(
    tmp_path: Path, fixture_documents: list[IndexedProvider]
) -> None:
    docs = fixture_documents
    target = build(tmp_path / "delta", docs[:600])
    backend = EmbeddedBackend(tmp_path / "delta")
    for plan in plans():  # opened (mapped) and searched before any delta
        answer(backend, plan)
    files = _digests(target.versions.live_dir() / "columns")
    at_open = backend._snapshot()
    updates = [changed(d, 1, vacancies=0, has_vacancy=False, target_groups=["trauma"]) for d in docs[:60:4]]
    gone = [Deletion(d["id"], d["updated_at"] + timedelta(hours=1)) for d in docs[100:110]]
    target.apply([*docs[600:650], *updates], gone)
    # The rows went into the files' room, in this process's pages: no column or position was copied.
    first = backend._snapshot()
    assert first.columns.n > at_open.columns.n
    for name, array in at_open.columns.numbers.items():
        assert first.columns.numbers[name] is array, name
    assert first.columns.multi_bits["target_groups"] is at_open.columns.multi_bits["target_groups"]
    assert first.positions.x is at_open.positions.x
    target.apply(docs[650:])
    again = [changed(d, 3, capacity=d["capacity"] + 1) for d in docs[200:700]]
    target.apply(again)
    target.apply([changed(d, 4, capacity=d["capacity"] + 2) for d in docs[200:700]])
    # Past the room the files kept (1,024 rows past the 600): the arrays grew.
    assert backend._snapshot().columns.n > 600 + 1024
    assert backend._snapshot().columns.numbers["lat"] is not at_open.columns.numbers["lat"]

    final = {d["id"]: d for d in docs} | {d["id"]: d for d in [*updates, *again]}
    final |= {d["id"]: changed(d, 4, capacity=d["capacity"] + 2) for d in docs[200:700]}
    for deletion in gone:
        del final[deletion.id]
    build(tmp_path / "rebuilt", list(final.values()))
    rebuilt = EmbeddedBackend(tmp_path / "rebuilt")
    _same_answers(backend, rebuilt)
    got, want = backend._snapshot(), rebuilt._snapshot()
    assert _by_id(got.columns) == _by_id(want.columns)
    assert np.array_equal(np.flatnonzero(got.columns.alive), rows_of(got.alive))
    # A delta's rows are in row order only (``Positions.extended``); the version's as stored.
    _same_positions(got.positions, _computed(got.columns), placed=False)
    _same_positions(replace(got.positions, n=600), _computed(ColumnStore.load(target.versions.live_dir() / "columns")))
    # The version's column files are as built: the rows went to this process's arrays only.
    assert _digests(target.versions.live_dir() / "columns") == files
    for opened in (backend, rebuilt):
        asyncio.run(opened.close())


def test_a_confirmation_stays_in_the_process_and_the_column_files_stay_as_built(
    tmp_path: Path, fixture_documents: list[IndexedProvider]
) -> None:
    docs = fixture_documents[:600]
    target = build(tmp_path, docs)
    live = target.versions.live_dir()
    files = _digests(live / "columns")
    ledger = VacancyLedger(tmp_path / "ledger.sqlite")
    backend = EmbeddedBackend(tmp_path, ledger)
    plan = plan_of({"has_vacancy": True, "facets": EVERY_FACET}, 0.0)
    before = answer(backend, plan)
    home = next(d for d in docs if d["vacancies"] > 0 and d["vacancies_updated_at"] is not None)
    ledger.confirm(home["id"], 0, None, datetime(2030, 1, 1, tzinfo=UTC), "test", "home")
    after = answer(backend, plan)
    assert after[0] == before[0] - 1
    columns = backend._snapshot().columns
    row = columns.row_of(home["id"])
    assert row is not None
    assert (columns.number("vacancies")[row], columns.flag("has_vacancy")[row]) == (0, False)

    assert _digests(live / "columns") == files
    # A fresh open sees the built values; with the ledger, the confirmation again.
    fresh = Snapshot.open(live).columns
    assert (fresh.number("vacancies")[row], fresh.flag("has_vacancy")[row]) == (home["vacancies"], True)
    assert fresh.number("vacancies_updated_at")[row] == home["vacancies_updated_at"].timestamp()  # type: ignore[union-attr]
    assert keeping_nothing(tmp_path, plan, ledger) == after
    assert keeping_nothing(tmp_path, plan) == before
    asyncio.run(backend.close())
    ledger.close()
