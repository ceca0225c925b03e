"""Text match sets. Ordered by row: the table of every row gives what a stable sort gives.
Narrowing inside tantivy leaves every match the filters keep, with the score it has without
narrowing, and a set kept for fewer filters answers a narrower search as a backend that keeps
nothing; a set collected piece by piece is the one a single search collects; on an index with
dead rows and a delta (rows tantivy holds twice or no longer serves)."""

from __future__ import annotations

import asyncio
import functools
from datetime import timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import engines.embedded.snapshot as snapshot_module
from core.documents import IndexedProvider
from core.writing import Deletion
from engines.embedded.bitsets import holds
from engines.embedded.narrowing import narrowable, with_filters
from engines.embedded.search import EmbeddedBackend, _text_key, clause_rows
from engines.embedded.snapshot import DENSE_SHARE, Snapshot, TextKey, _by_row
from engines.embedded.text_query import compile_text
from search_api.plan import SearchPlan
from tests.engines.embedded.test_search_caches import answer, keeping_nothing, plan_of
from tests.engines.embedded.test_small_writes import build, changed

STALE_BEFORE = 1.7e9
WORDS = [
    '"lågaffektivt bemötande"',  # a phrase
    "självskadebeteende",  # a compound: the whole word, or its parts at a lower weight
    "hedersrelaterat våld",  # a compound beside a word, and their phrase
    "flickor trauma",  # synonyms
    "missbrk",  # a typo: the term, or one edit away
    "missbruk ungdomar",
    "DBT",
]
FILTERS: list[dict[str, Any]] = [
    {},
    {"provider_types": ["hvb", "stodboende"]},
    {"needs": ["missbruk"], "age": 15},
    {"municipality_code": "0180", "min_km": 10, "exclude": [{"county_code": "01"}]},
    {"point": {"lat": 59.33, "lon": 18.06}, "max_km": 200, "county_codes": ["01", "03"]},
    {"target_groups": ["missbruk", "trauma"], "methods": ["KBT"], "sort": "price"},
]


def _sorted(rows: np.ndarray, scores: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    order = np.argsort(rows, kind="stable")
    return rows[order], scores[order]


@pytest.mark.parametrize("count", [0, 1, 50, 1_000, 9_999])
def test_matches_in_row_order_with_their_scores(count: int) -> None:
    n = 10_000
    rng = np.random.default_rng(count)
    rows = rng.permutation(n)[:count].astype(np.int64)
    scores = rng.random(count)
    found = _by_row(rows, scores, n)
    want_rows, want_scores = _sorted(rows, scores)
    assert found.rows.dtype == np.int64
    assert np.array_equal(found.rows, want_rows)
    assert np.array_equal(found.scores, want_scores)


def test_a_row_matched_twice_keeps_both_matches() -> None:
    # A document written again by a write killed before it was acknowledged: both stay, as sorted.
    n = 1_000
    rows = np.concatenate([np.arange(n // DENSE_SHARE + 10, dtype=np.int64), np.array([3], dtype=np.int64)])
    scores = np.arange(len(rows), dtype=np.float64)
    found = _by_row(rows, scores, n)
    want_rows, want_scores = _sorted(rows, scores)
    assert np.array_equal(found.rows, want_rows)
    assert np.array_equal(found.scores, want_scores)


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory, fixture_documents: list[IndexedProvider]) -> Path:
    return index_with_a_delta(tmp_path_factory.mktemp("text"), fixture_documents)


def index_with_a_delta(path: Path, docs: list[IndexedProvider]) -> Path:
    """600 homes, then a delta: 40 more, a dozen written again (their old rows dead) and 5 deleted."""
    target = build(path, docs[:600])
    again = [changed(d, 1, description=f"{d['description']} Lågaffektivt bemötande.") for d in docs[:60:5]]
    deleted = [Deletion(d["id"], d["updated_at"] + timedelta(hours=1)) for d in docs[200:205]]
    target.apply([*docs[600:640], *again], deleted)
    return path


def plans() -> list[SearchPlan]:
    return [plan_of({"q": words, **filters}, STALE_BEFORE) for words in WORDS for filters in FILTERS]


def _key(snap: Snapshot, plan: SearchPlan) -> TextKey:
    key = _text_key(snap, plan)
    assert key is not None
    return key


def test_narrowed_matches_are_the_plain_matches_the_filters_keep(root: Path) -> None:
    backend = EmbeddedBackend(root)
    snap = backend._snapshot()
    assert snap.applied, "the index has a delta"
    assert not snap.columns.alive.all(), "the index has dead rows"
    schema = snap.index.schema
    narrowed_some = 0
    for plan in plans():
        assert plan.text is not None
        text = compile_text(schema, plan.text)
        plain = snap._collect(text)
        narrowing = tuple(f for f in plan.filters if narrowable(f))
        narrowed = snap._collect(with_filters(schema, text, narrowing))
        # A superset of what the filters keep of the plain matches, never a row the plain ones lack.
        assert np.isin(narrowed.rows, plain.rows).all(), plan
        kept = plain.rows
        for clause in plan.filters:
            kept = kept[holds(clause_rows(snap, clause), kept)]
        assert np.isin(kept, narrowed.rows).all(), plan
        narrowed_some += len(narrowed.rows) < len(plain.rows)
        # The same score, to the bit: a filter adds nothing to it.
        at = np.searchsorted(plain.rows, narrowed.rows)
        assert plain.scores[at].tobytes() == narrowed.scores.tobytes(), plan
        assert len(plain.rows) and snap.columns.alive[plain.rows].all()
    assert narrowed_some, "some filters narrowed tantivy's query"
    asyncio.run(backend.close())


def test_matches_kept_for_fewer_filters_answer_as_a_backend_keeping_nothing(root: Path) -> None:
    backend = EmbeddedBackend(root)
    for words in WORDS:
        # The words alone first: every narrower search below is served from that set.
        broad = plan_of({"q": words}, STALE_BEFORE)
        assert answer(backend, broad) == keeping_nothing(root, broad)
        snap = backend._snapshot()
        kept = snap.texts[_key(snap, broad)]
        for filters in FILTERS[1:]:
            plan = plan_of({"q": words, **filters}, STALE_BEFORE)
            assert answer(backend, plan) == keeping_nothing(root, plan), plan
            assert snap.texts[_key(snap, plan)] is kept
    asyncio.run(backend.close())


def test_narrow_searches_first_then_broader_ones_answer_as_keeping_nothing(root: Path) -> None:
    backend = EmbeddedBackend(root)
    # Each words' searches narrowed by filters first (the needs, then the excluded county): a set
    # kept for other or more filters never serves a search it would leave matches out of.
    order = [FILTERS[2], FILTERS[3], FILTERS[0], FILTERS[4], FILTERS[1], FILTERS[5]]
    for words in WORDS:
        for filters in order:
            plan = plan_of({"q": words, **filters}, STALE_BEFORE)
            assert answer(backend, plan) == keeping_nothing(root, plan), plan
    asyncio.run(backend.close())


@pytest.mark.parametrize("piece", [1, 7, 50])
def test_matches_collected_in_pieces_are_those_one_search_collects(
    root: Path, piece: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Pieces by ranges of rows (so no hand-over from tantivy holds the GIL long): the same rows,
    none twice, with the same scores to the bit, including rows written again and dead ones; and
    whatever count a warm-up expects (the version before's), too few or too many."""
    snap = EmbeddedBackend(root)._snapshot()
    schema = snap.index.schema
    in_pieces = 0
    for words in WORDS:
        plan = plan_of({"q": words}, STALE_BEFORE)
        assert plan.text is not None
        query = compile_text(schema, plan.text)
        whole = snap._collect(query)
        for expected in (None, 0, piece + 1, len(whole.rows), 10 * len(whole.rows) + piece + 1):
            searched: list[int] = []
            with monkeypatch.context() as patched:
                patched.setattr(snapshot_module, "COLLECT_PIECE", piece)
                pieces = snap._collect(query, expected, functools.partial(searched.append, 1))
            assert pieces.rows.tobytes() == whole.rows.tobytes(), (words, expected)
            assert pieces.scores.tobytes() == whole.scores.tobytes(), (words, expected)
            # A warm-up pauses after each search: after every piece when it took several (it expected,
            # or found, more than a piece).
            several = max(expected or 0, len(whole.rows)) > piece
            assert len(searched) >= (2 if several else 1), (words, expected)
        in_pieces += len(whole.rows) > piece
    assert in_pieces, "some words matched more than a piece"
