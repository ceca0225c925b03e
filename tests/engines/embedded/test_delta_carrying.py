"""What a snapshot keeps (filter sets, circles, chords, text matches, parsed documents) is carried into
the snapshot a small write (a delta) makes, updated for the delta's rows alone, and gives exactly what
a snapshot keeping nothing makes: upserts moving homes into and out of kept circles, changing a kept
clause's value, new homes, deletions, a delta ending on and starting at a word's boundary (rows in
multiples of 64), and the columns' arrays growing."""

from __future__ import annotations

import asyncio
import functools
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from core.documents import IndexedProvider
from core.vacancy_ledger import VacancyLedger
from core.writing import Deletion
from engines.embedded.search import EmbeddedBackend, clause_rows
from engines.embedded.snapshot import Snapshot
from search_api.plan import Clause, SearchPlan
from tests.engines.embedded.test_search_caches import BODIES, STOCKHOLM, answer, plan_of
from tests.engines.embedded.test_small_writes import build, changed

STALE_BEFORE = 1.7e9
NEAR_STOCKHOLM = {"lat": 59.335, "lon": 18.065}
FAR_NORTH = {"lat": 67.85, "lon": 20.22}


def fresh_answers(root: Path, plans: list[SearchPlan], ledger: VacancyLedger | None) -> list[tuple[Any, ...]]:
    """Answers of a backend opened now (so keeping nothing from before the write)."""
    backend = EmbeddedBackend(root, ledger)
    try:
        return [answer(backend, plan) for plan in plans]
    finally:
        asyncio.run(backend.close())


def carried_as_made_afresh(backend: EmbeddedBackend) -> int:
    """Every set, chord and document the served snapshot keeps equals what a snapshot opened now
    makes; how many sets were compared."""
    snap = backend._snapshot()
    fresh = Snapshot.open(backend._versions.live_dir())
    backend._overlay.start(fresh)
    compared = 0
    for key, words in list(snap.masks.items()):
        if isinstance(key, Clause):
            expected = clause_rows(fresh, key)
        elif key[0] == "within":
            expected = fresh.within(*key[1:])
        elif key[0] == "text":
            query = functools.partial(backend._text_query, fresh, *key[1])
            expected = fresh.text_rows(key[1], fresh.text_matches(key[1], query))
        else:
            expected = clause_rows(fresh, key[0])  # a set over the vacancy columns, at a ledger position
            assert key[1] == snap.ledger_seq == fresh.ledger_seq
        assert np.array_equal(words, expected), key
        compared += 1
    for key, matches in list(snap.texts.items()):
        made = fresh.text_matches(key, functools.partial(backend._text_query, fresh, *key))
        assert np.array_equal(matches.rows, made.rows) and np.array_equal(matches.scores, made.scores), key
    for point, chord2 in list(snap._chords.items()):
        assert np.array_equal(chord2, fresh.positions.chord2(*point)), point
    for row, document in list(snap._documents.items()):
        assert snap.columns.alive[row] and document == fresh.sources.document(row), row
    return compared


def kept_keys(backend: EmbeddedBackend) -> set[Any]:
    """The kept sets a delta carries: filter clauses and circles (not text, not vacancy columns)."""
    snap = backend._snapshot()
    return {k for k in snap.masks if isinstance(k, Clause) or (isinstance(k, tuple) and k[0] == "within")}


@pytest.fixture()
def ledger(tmp_path: Path) -> Any:
    opened = VacancyLedger(tmp_path / "ledger.sqlite")
    yield opened
    opened.close()


def test_kept_sets_carried_over_deltas_answer_as_a_backend_keeping_nothing(
    tmp_path: Path, fixture_documents: list[IndexedProvider], ledger: VacancyLedger
) -> None:
    docs = fixture_documents
    root = tmp_path / "index"
    target = build(root, docs[:600])
    backend = EmbeddedBackend(root, ledger)
    home = next(d for d in docs[:600] if d["vacancies"] > 0 and d["vacancies_updated_at"] is not None)
    ledger.confirm(home["id"], 0, None, datetime(2030, 1, 1, tzinfo=UTC), "test", "home")
    radius = plan_of({"point": STOCKHOLM, "max_km": 25, "facets": ["provider_type"]}, STALE_BEFORE)
    plans = [plan_of(body, STALE_BEFORE) for body in BODIES] + [radius]
    version = 0

    def search_all() -> list[tuple[Any, ...]]:
        got = [answer(backend, plan) for plan in plans]
        assert got == fresh_answers(root, plans, ledger)
        return got

    def write(upserts: list[IndexedProvider]) -> None:
        nonlocal version
        version += 1
        before = backend._snapshot()
        kept, texts = kept_keys(backend), set(before.texts)
        assert kept and texts
        target.apply([changed(d, version) for d in upserts], merge_in_background=False)
        after = backend._snapshot()
        assert after is not before and after.columns.n == before.columns.n + len(upserts)
        # Carried before any search asks: the sets kept before the write, made valid for it; the
        # text matches made again (warmed) before the snapshot served.
        assert kept <= kept_keys(backend) and texts <= set(after.texts)
        assert carried_as_made_afresh(backend) >= len(kept)

    first = search_all()
    search_all()  # from what the first round kept
    inside_before = {hit[0] for hit in first[-1][2]}
    mover = next(d for d in docs[:600] if d["location"]["lat"] > 65.0)
    leaver = next(d for d in docs[:600] if d["id"] in inside_before)
    # Values a kept clause reads, changed: needs for "target_groups", ages for "age".
    needs_changed = [
        changed(d, 0, target_groups=["missbruk", "trauma"], age_min=12, age_max=17)
        for d in docs[:600]
        if "missbruk" not in d["target_groups"] and d["id"] not in {mover["id"], leaver["id"]}
    ][:20]
    newcomers = [changed(d, 0, location=NEAR_STOCKHOLM) for d in docs[600:618]]
    # 600 rows + 40 = 640: the delta ends on a word's boundary.
    write(
        [changed(mover, 0, location=NEAR_STOCKHOLM), changed(leaver, 0, location=FAR_NORTH), *needs_changed, *newcomers]
    )
    moved = search_all()
    assert moved[-1][0] == first[-1][0] + len(newcomers)  # one in, one out, the newcomers in
    assert mover["id"] in {hit[0] for hit in fresh_answers(root, [replace(radius, size=100)], ledger)[0][2]}
    # 641: a delta starting at a new word.
    write([changed(docs[620], 0, location=NEAR_STOCKHOLM)])
    assert search_all()[-1][0] == moved[-1][0] + 1
    # Deletions alone: no document added to tantivy, so the text matches are carried too, without
    # the deleted homes (two of a text search's hits).
    snap = backend._snapshot()
    texts = set(snap.texts)
    assert texts
    text_hits = answer(backend, plans[5])
    gone = [d for d in docs[:600] if d["id"] in {hit[0] for hit in text_hits[2]}][:2]
    target.apply(
        [], [Deletion(d["id"], d["updated_at"] + timedelta(hours=50)) for d in gone], merge_in_background=False
    )
    assert set(backend._snapshot().texts) == texts
    carried_as_made_afresh(backend)
    assert search_all()[5][0] == text_hits[0] - len(gone)
    # 711: across a word's boundary (704).
    write([changed(d, 0, vacancies=0, has_vacancy=False) for d in docs[300:370]])
    search_all()
    # Past the columns' room (600 + 1,024 rows): every array grows.
    standing = [d for d in docs if d not in gone]
    write(standing)
    search_all()
    write(standing)
    assert backend._snapshot().columns.n > 600 + 1024
    search_all()
    asyncio.run(backend.close())
