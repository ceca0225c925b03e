"""A search's hits, total and facet counts kept per snapshot (``Snapshot.searches``) answer as a
backend that keeps nothing: the same criteria again, another page or sort, after a confirmation, a
small write or the staleness boundary passing a home's moment; and criteria that differ only in
what the key must hold (selections, the facets asked for, the ledger position) never share one."""

from __future__ import annotations

import asyncio
import itertools
from dataclasses import fields, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import engines.embedded.snapshot as snapshot_module
from core.documents import IndexedProvider
from core.vacancy_ledger import VacancyLedger
from engines.embedded.bitsets import rows_of
from engines.embedded.search import EmbeddedBackend, _page_key
from engines.embedded.snapshot import Snapshot
from search_api.plan import Flag, SearchPlan
from tests.engines.embedded.test_search_caches import (
    BODIES,
    EVERY_FACET,
    STOCKHOLM,
    answer,
    keeping_nothing,
    moments,
    plan_of,
)
from tests.engines.embedded.test_small_writes import build, changed


@pytest.fixture()
def docs(fixture_documents: list[IndexedProvider]) -> list[IndexedProvider]:
    return fixture_documents[:600]


def kept(backend: EmbeddedBackend) -> list[Any]:
    snap: Snapshot = backend._snapshot()
    return list(snap.searches)


def test_the_same_criteria_again_are_answered_from_what_was_kept(tmp_path: Path, docs: list[IndexedProvider]) -> None:
    build(tmp_path, docs)
    backend = EmbeddedBackend(tmp_path)
    stale_before = moments(docs)[len(docs) // 3]
    plans = [plan_of(body, stale_before) for body in BODIES]
    first = [answer(backend, plan) for plan in plans]
    assert len(kept(backend)) == len(plans)
    again = [answer(backend, plan) for plan in plans]
    assert len(kept(backend)) == len(plans)  # found, not made again
    assert again == first == [keeping_nothing(tmp_path, plan) for plan in plans]
    asyncio.run(backend.close())


def test_other_pages_and_sorts_of_the_same_criteria_share_one_kept_search(
    tmp_path: Path, docs: list[IndexedProvider]
) -> None:
    build(tmp_path, docs)
    backend = EmbeddedBackend(tmp_path)
    body: dict[str, Any] = {"q": "missbruk", "point": STOCKHOLM, "max_km": 500, "facets": EVERY_FACET, "size": 5}
    pages = [{**body, "page": n, "sort": sort} for sort in ("relevance", "distance", "price") for n in (1, 2, 3)]
    answers = [answer(backend, plan_of(b, 1.7e9)) for b in pages]
    assert len(kept(backend)) == 1
    assert answers == [keeping_nothing(tmp_path, plan_of(b, 1.7e9)) for b in pages]
    assert answers[0][2] != answers[1][2] and answers[0][:2] == answers[1][:2]
    asyncio.run(backend.close())


def test_a_kept_search_cannot_be_changed_through_an_answer(tmp_path: Path, docs: list[IndexedProvider]) -> None:
    build(tmp_path, docs)
    backend = EmbeddedBackend(tmp_path)
    plan = plan_of({"facets": EVERY_FACET, "county_codes": ["01"]}, 1.7e9)
    expected = keeping_nothing(tmp_path, plan)
    # The answer of the search that made the kept one, and of one that found it.
    for _ in range(2):
        result = asyncio.run(backend.search(plan))
        result.facets["county_code"]["01"] = -1
        result.facets["target_groups"].clear()
        result.facets["has_vacancy"]["true"] = -1
        result.facets.clear()
        assert answer(backend, plan) == expected
    snap = backend._snapshot()
    for search in snap.searches.values():
        assert not search.hits.flags.writeable
        with pytest.raises(ValueError):
            np.bitwise_and(search.hits, np.uint64(0), out=search.hits)
    asyncio.run(backend.close())


def test_criteria_differing_only_in_selections_or_facets_are_kept_apart(
    tmp_path: Path, docs: list[IndexedProvider]
) -> None:
    """Fails if the key leaves out the selections, the facets asked for or their order."""
    build(tmp_path, docs)
    backend = EmbeddedBackend(tmp_path)
    base: dict[str, Any] = {"point": STOCKHOLM, "max_km": 400}
    bodies: list[dict[str, Any]] = [
        {**base, "facets": ["county_code", "target_groups"]},
        {**base, "facets": ["target_groups", "county_code"]},
        {**base, "facets": ["county_code"]},
        {**base, "facets": ["county_code", "target_groups"], "county_codes": ["01"]},
        {**base, "facets": ["county_code", "target_groups"], "county_codes": ["01", "03"]},
        {**base, "facets": ["county_code", "target_groups"], "target_groups": ["missbruk"]},
    ]
    plans = [plan_of(body, 1.7e9) for body in bodies]
    answers = [answer(backend, plan) for plan in plans]
    expected = [keeping_nothing(tmp_path, plan) for plan in plans]
    for got, wanted in zip(answers, expected, strict=True):
        assert got == wanted
        assert list(got[1]) == list(wanted[1])  # the facets in the order asked for
    assert len({repr(a[:2]) for a in answers}) == len(answers)  # every one differs
    assert len(kept(backend)) == len(plans)
    asyncio.run(backend.close())


def test_a_confirmation_makes_the_searches_that_read_vacancies_again(
    tmp_path: Path, docs: list[IndexedProvider]
) -> None:
    """Fails if the key leaves out the ledger position: the same criteria after a confirmation."""
    build(tmp_path, docs)
    ledger = VacancyLedger(tmp_path / "ledger.sqlite")
    backend = EmbeddedBackend(tmp_path, ledger)
    stale_before = moments(docs)[0] - 1  # every register figure is fresh
    counted = plan_of({"facets": ["has_vacancy", "county_code", "vacancy_status"]}, stale_before)
    selected = plan_of({"facets": ["has_vacancy", "county_code"], "has_vacancy": False}, stale_before)
    flagged = replace(counted, filters=(*counted.filters, Flag("has_vacancy", True)))
    plans = [counted, selected, flagged]
    before = [answer(backend, plan) for plan in plans]
    home = next(d for d in docs if d["vacancies"] > 0 and d["vacancies_updated_at"] is not None)
    ledger.confirm(home["id"], 0, None, datetime(2030, 1, 1, tzinfo=UTC), "test", "home")
    after = [answer(backend, plan) for plan in plans]
    assert after == [keeping_nothing(tmp_path, plan, ledger) for plan in plans]
    assert after[0][0] == before[0][0]
    assert after[0][1]["has_vacancy"]["false"] == before[0][1]["has_vacancy"]["false"] + 1
    assert after[0][1]["vacancy_status"] != before[0][1]["vacancy_status"]
    assert (after[1][0], after[2][0]) == (before[1][0] + 1, before[2][0] - 1)
    # Those whose hits read the vacancy columns were let go at once; the one whose hits did not
    # (its status counts are made per search) stays.
    snap = backend._snapshot()
    assert [key for key in snap.searches if key[0] is not None and key[0][0] != snap.ledger_seq] == []
    assert sum(key[0] is None for key in snap.searches) == 1
    asyncio.run(backend.close())
    ledger.close()


def test_status_counts_of_a_search_that_selects_no_status_follow_the_boundary(
    tmp_path: Path, docs: list[IndexedProvider]
) -> None:
    """One kept search (its hits read no vacancy column) whose status facets are counted per
    search: fails if they were kept with it."""
    build(tmp_path, docs)
    backend = EmbeddedBackend(tmp_path)
    known = moments(docs)
    moment = known[len(known) // 2]
    body = {"facets": EVERY_FACET, "point": STOCKHOLM, "max_km": 600}
    answers = [answer(backend, plan_of(body, b)) for b in (moment, moment + 0.5, moment)]
    assert len(kept(backend)) == 1
    assert answers == [keeping_nothing(tmp_path, plan_of(body, b)) for b in (moment, moment + 0.5, moment)]
    assert answers[0] == answers[2] and answers[0][1]["vacancy_status"] != answers[1][1]["vacancy_status"]
    asyncio.run(backend.close())


def test_the_staleness_boundary_reuses_a_kept_search_until_it_passes_a_moment(
    tmp_path: Path, docs: list[IndexedProvider]
) -> None:
    """Fails if the key holds the boundary itself (nothing found again) or not what it stands for
    (the status sets' token: an answer from before the boundary passed a home's moment)."""
    build(tmp_path, docs)
    backend = EmbeddedBackend(tmp_path)
    known = moments(docs)
    moment = known[len(known) // 2]
    gap = min(known[len(known) // 2 + 1] - moment, moment - known[len(known) // 2 - 1])
    body = {"facets": EVERY_FACET, "vacancy_status": ["ja", "nej"]}

    def plan(stale_before: float) -> SearchPlan:
        return plan_of(body, stale_before)

    # Boundaries at or just before the moment hold the same status sets: one kept search.
    same = [moment - gap / 2, moment - gap / 4, moment]
    answers = [answer(backend, plan(b)) for b in same]
    assert len(kept(backend)) == 1 and answers[0] == answers[1] == answers[2]
    # Past it, the home is stale: made again, as a backend keeping nothing answers.
    past = answer(backend, plan(moment + gap / 4))
    assert len(kept(backend)) == 2
    assert past == keeping_nothing(tmp_path, plan(moment + gap / 4)) != answers[0]
    assert answers[0] == keeping_nothing(tmp_path, plan(moment))
    asyncio.run(backend.close())


def test_a_small_write_starts_with_no_kept_search(tmp_path: Path, docs: list[IndexedProvider]) -> None:
    target = build(tmp_path, docs)
    backend = EmbeddedBackend(tmp_path)
    plan = plan_of({"point": STOCKHOLM, "max_km": 25, "facets": EVERY_FACET}, 1.7e9)
    before = answer(backend, plan)
    old = backend._snapshot()
    assert old.searches
    mover = next(d for d in docs if d["location"]["lat"] < 58.0)
    target.apply([changed(mover, 1, location={"lat": 59.331, "lon": 18.061})], [])
    new = backend._snapshot()
    assert new is not old and not new.searches
    after = answer(backend, plan)
    assert after == keeping_nothing(tmp_path, plan)
    assert after[0] == before[0] + 1
    asyncio.run(backend.close())


def test_every_field_of_the_plan_is_in_the_key_or_read_by_the_page_alone(
    tmp_path: Path, docs: list[IndexedProvider]
) -> None:
    """A new field of the plan fails this until ``search._search_key`` holds it or the page alone
    reads it; and every field the page alone reads is in the kept page's key (``_page_key``)."""
    keyed = {"text", "filters", "selections", "facets", "stale_before"}
    page_only = {"origin", "tier", "decay", "sort", "offset", "size"}
    assert {field.name for field in fields(SearchPlan)} == keyed | page_only
    build(tmp_path, docs)
    backend = EmbeddedBackend(tmp_path)
    plan = plan_of({"q": "trauma", "point": STOCKHOLM, "needs": ["trauma"], "page": 3, "size": 7}, 1.7e9)
    key = _page_key(plan)
    assert all(getattr(plan, name) is not None for name in page_only)
    assert [name for name in page_only if not any(part is getattr(plan, name) for part in key)] == []
    asyncio.run(backend.close())


def test_a_kept_page_is_asked_again_until_a_home_turns_stale_or_confirms(
    tmp_path: Path, docs: list[IndexedProvider]
) -> None:
    """The same page again is the kept one; fails if its key left out the rows' freshness (the
    status sets' token): the boundary passing the first hit's moment, or the home confirming
    again, reorders it."""
    build(tmp_path, docs)
    ledger = VacancyLedger(tmp_path / "ledger.sqlite")
    backend = EmbeddedBackend(tmp_path, ledger)
    body: dict[str, Any] = {"point": STOCKHOLM, "max_km": 800, "size": 10}
    every_fresh = moments(docs)[0] - 1
    first = answer(backend, plan_of(body, every_fresh))
    assert answer(backend, plan_of(body, every_fresh + 0.5)) == first  # the same status sets
    (search,) = backend._snapshot().searches.values()
    assert len(search.pages) == 1
    moment_of = {d["id"]: at.timestamp() for d in docs if (at := d["vacancies_updated_at"]) is not None}
    top = next(hit for hit, _ in first[2] if hit in moment_of)
    stale = plan_of(body, moment_of[top] + 0.5)
    turned = answer(backend, stale)
    assert turned == keeping_nothing(tmp_path, stale, ledger) and turned[2] != first[2]
    ledger.confirm(top, 1, None, datetime(2030, 1, 1, tzinfo=UTC), "test", "home")
    confirmed = answer(backend, stale)
    assert confirmed == keeping_nothing(tmp_path, stale, ledger) and confirmed[2] != turned[2]
    asyncio.run(backend.close())
    ledger.close()


def test_a_kept_page_holds_while_the_boundary_passes_only_homes_outside_its_hits(
    tmp_path: Path, docs: list[IndexedProvider], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The boundary passing homes that are not among the hits leaves the page as it was: the kept
    one serves (the same object), as a backend keeping nothing answers; passing a hit's moment makes
    it again. Fails if the page were kept by the status sets (made again at every moment passed) or
    kept past a hit turning stale. (The window around the boundary spans the fixture's months here.)"""
    monkeypatch.setattr(snapshot_module, "STATUS_WINDOW_S", 10 * 365 * 86400.0)
    build(tmp_path, docs)
    backend = EmbeddedBackend(tmp_path)
    body: dict[str, Any] = {"point": STOCKHOLM, "max_km": 60, "size": 5}
    moment_of = {d["id"]: at.timestamp() for d in docs if (at := d["vacancies_updated_at"]) is not None}
    answer(backend, plan_of(body, moments(docs)[0] - 1))
    snap = backend._snapshot()
    (search,) = snap.searches.values()
    in_hits = {snap.columns.ids[row].decode() for row in rows_of(search.hits)}
    # Two hits' moments with other homes' moments between them.
    hit_moments = sorted(m for pid, m in moment_of.items() if pid in in_hits)
    between = [
        (low, high, others)
        for low, high in itertools.pairwise(hit_moments)
        if (others := [m for pid, m in moment_of.items() if pid not in in_hits and low < m < high])
    ]
    assert between, "homes outside the hits turn stale between two hits"
    low, high, others = between[0]
    first = answer(backend, plan_of(body, low + 0.5))
    ((page, _),) = search.pages.values()
    outside = plan_of(body, max(others) + 0.5)
    again = answer(backend, outside)
    assert again == keeping_nothing(tmp_path, outside) and again[2] == first[2]
    assert next(iter(search.pages.values()))[0] is page, "the kept page served"
    turned = plan_of(body, high + 0.5)
    assert answer(backend, turned) == keeping_nothing(tmp_path, turned)
    assert next(iter(search.pages.values()))[0] is not page, "a hit turned: made again"
    asyncio.run(backend.close())


def test_a_new_version_is_warmed_with_each_search_once(tmp_path: Path, docs: list[IndexedProvider]) -> None:
    """A search selecting by the vacancy status is kept anew when the boundary passes a home's
    moment; a new version is warmed with the newest of them alone (the older are never asked
    again), and answers as a backend keeping nothing. Fails if every kept search were made again."""
    build(tmp_path, docs)
    backend = EmbeddedBackend(tmp_path)
    body: dict[str, Any] = {"has_vacancy": True, "point": STOCKHOLM, "max_km": 300}
    known = moments(docs)
    boundaries = [known[len(known) // 2] + d for d in (-0.5, 0.5)]
    for boundary in boundaries:
        answer(backend, plan_of(body, boundary))
    assert len(kept(backend)) == 2, "kept once per status sets"
    build(tmp_path, docs[10:])
    new = backend._snapshot()
    (warmed,) = new.searches.values()
    assert warmed.plan == plan_of(body, boundaries[1])
    latest = plan_of(body, boundaries[1])
    assert answer(backend, latest) == keeping_nothing(tmp_path, latest)
    asyncio.run(backend.close())
