"""The sets a snapshot keeps between searches (filters, circles, text matches, vacancy status) give
the answers of a backend that keeps nothing, and are not used once what they were made from changed:
a home's confirmation, a small write, the staleness boundary passing a home's moment."""

from __future__ import annotations

import asyncio
import itertools
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from core.documents import IndexedProvider
from core.facets import FACETS
from core.geography import distance_km
from core.vacancy_ledger import VacancyLedger
from engines.embedded import page as page_module
from engines.embedded.bitsets import Counting, holds, of_rows, pack, rows_of
from engines.embedded.columns import ColumnStore
from engines.embedded.page import Page, _measure, _primary, page
from engines.embedded.search import EmbeddedBackend, clause_rows
from engines.embedded.snapshot import STATUS_WINDOW_S, status_bits
from search_api.backends import BackendResult
from search_api.criteria import SearchCriteria
from search_api.plan import Flag, Origin, SearchPlan, build_plan
from tests.engines.embedded.test_small_writes import build, changed

EVERY_FACET = [f.name for f in FACETS]
STOCKHOLM = {"lat": 59.33, "lon": 18.06}
BODIES: list[dict[str, Any]] = [
    {"facets": EVERY_FACET},
    {"point": STOCKHOLM, "max_km": 300, "target_groups": ["missbruk", "trauma"]},
    {"point": STOCKHOLM, "max_km": 40, "has_vacancy": True, "facets": EVERY_FACET},
    {"point": {"lat": 57.7, "lon": 11.97}, "min_km": 50, "sort": "distance", "page": 2, "size": 7},
    {"point": STOCKHOLM, "exclude": [{"lat": 59.3, "lon": 18.0, "radius_km": 80}], "vacancy_status": ["okänd"]},
    {"q": "missbruk ungdomar", "point": STOCKHOLM, "max_km": 500, "has_vacancy": False},
    {"q": "trauma", "county_codes": ["01", "14"], "sort": "vacancies_updated", "vacancy_status": ["ja", "nej"]},
    {"needs": ["missbruk"], "age": 15, "permit_covers_needs": True, "sort": "price", "facets": EVERY_FACET},
]


def plan_of(body: dict[str, Any], stale_before: float) -> SearchPlan:
    criteria = SearchCriteria.model_validate(body)
    point = criteria.point
    origin = Origin(point.lat, point.lon) if point is not None else None
    return build_plan(criteria, origin, "caseworker", stale_before)


def answer(backend: EmbeddedBackend, plan: SearchPlan) -> tuple[Any, ...]:
    result: BackendResult = asyncio.run(backend.search(plan))
    return result.total, result.facets, [(h.source["id"], h.score) for h in result.hits]


def keeping_nothing(root: Path, plan: SearchPlan, ledger: VacancyLedger | None = None) -> tuple[Any, ...]:
    """The answer of a backend opened for this one search."""
    backend = EmbeddedBackend(root, ledger)
    try:
        return answer(backend, plan)
    finally:
        asyncio.run(backend.close())


def moments(docs: list[IndexedProvider]) -> list[float]:
    return sorted({d["vacancies_updated_at"].timestamp() for d in docs if d["vacancies_updated_at"] is not None})


@pytest.fixture()
def docs(fixture_documents: list[IndexedProvider]) -> list[IndexedProvider]:
    return fixture_documents[:600]


def test_kept_sets_answer_as_a_backend_keeping_nothing(tmp_path: Path, docs: list[IndexedProvider]) -> None:
    build(tmp_path, docs)
    backend = EmbeddedBackend(tmp_path)
    # Boundaries among the homes' moments, so the vacancy status sets are made again and reused.
    known = moments(docs)
    boundaries = [known[len(known) // 3], known[len(known) // 3] + 0.5, known[len(known) // 2], known[0] - 1]
    plans = [plan_of(body, stale) for stale in boundaries for body in BODIES]
    for plan in [*plans, *plans]:  # the second round from what the first kept
        assert answer(backend, plan) == keeping_nothing(tmp_path, plan), plan
    # Text sets dropped (the benchmark's cold searches): made again, the same answers.
    snap = backend._snapshot()
    snap.forget_texts()
    assert (
        not snap.texts and not snap.searches and not [k for k in snap.masks if isinstance(k, tuple) and k[0] == "text"]
    )
    for plan in plans:
        assert answer(backend, plan) == keeping_nothing(tmp_path, plan), plan
    asyncio.run(backend.close())


def test_a_confirmation_after_a_search_changes_the_next_answer(tmp_path: Path, docs: list[IndexedProvider]) -> None:
    build(tmp_path, docs)
    ledger = VacancyLedger(tmp_path / "ledger.sqlite")
    backend = EmbeddedBackend(tmp_path, ledger)
    stale_before = moments(docs)[0] - 1  # every register figure is fresh
    plan = plan_of({"has_vacancy": True, "facets": EVERY_FACET}, stale_before)
    # A filter over a column a confirmation writes: its set is kept per ledger position.
    flagged = replace(plan, filters=(*plan.filters, Flag("has_vacancy", True)))
    before, flagged_before = answer(backend, plan), answer(backend, flagged)
    home = next(d for d in docs if d["vacancies"] > 0 and d["vacancies_updated_at"] is not None)
    ledger.confirm(home["id"], 0, None, datetime(2030, 1, 1, tzinfo=UTC), "test", "home")
    after, flagged_after = answer(backend, plan), answer(backend, flagged)
    assert after == keeping_nothing(tmp_path, plan, ledger)
    assert flagged_after == keeping_nothing(tmp_path, flagged, ledger)
    assert (after[0], flagged_after[0]) == (before[0] - 1, flagged_before[0] - 1)
    assert after[1]["has_vacancy"]["false"] == before[1]["has_vacancy"]["false"] + 1
    # The set kept for the position before is let go, not left to age out.
    snap = backend._snapshot()
    kept = [k for k in snap.masks if isinstance(k, tuple) and isinstance(k[0], Flag)]
    assert kept == [(Flag("has_vacancy", True), snap.ledger_seq)]
    asyncio.run(backend.close())
    ledger.close()


def test_the_staleness_boundary_passing_a_moment_changes_the_status_counts(
    tmp_path: Path, docs: list[IndexedProvider]
) -> None:
    build(tmp_path, docs)
    backend = EmbeddedBackend(tmp_path)
    moment = moments(docs)[len(moments(docs)) // 2]
    answers = []
    # Just at the moment (fresh), past it (stale), and back: each as a backend keeping nothing says.
    for stale_before in (moment - 0.5, moment, moment + 0.5, moment + 0.75, moment):
        plan = plan_of({"facets": EVERY_FACET, "vacancy_status": ["ja", "nej"]}, stale_before)
        answers.append(answer(backend, plan))
        assert answers[-1] == keeping_nothing(tmp_path, plan)
    assert answers[0] == answers[1] == answers[4] != answers[2] == answers[3]
    assert answers[2][0] < answers[1][0]
    asyncio.run(backend.close())


def test_a_small_write_after_a_circle_search_changes_the_next_answer(
    tmp_path: Path, docs: list[IndexedProvider]
) -> None:
    target = build(tmp_path, docs)
    backend = EmbeddedBackend(tmp_path)
    plan = plan_of({"point": STOCKHOLM, "max_km": 25, "facets": EVERY_FACET}, 1.7e9)
    outside = plan_of({"point": STOCKHOLM, "min_km": 25}, 1.7e9)
    before, outside_before = answer(backend, plan), answer(backend, outside)
    mover = next(d for d in docs if d["location"]["lat"] < 58.0)
    inside = next(d for d in docs if d["id"] in {hit[0] for hit in before[2]})
    moved = changed(mover, 1, location={"lat": 59.331, "lon": 18.061})
    target.apply([moved], [])
    after, outside_after = answer(backend, plan), answer(backend, outside)
    assert (after[0], outside_after[0]) == (before[0] + 1, outside_before[0] - 1)
    assert after == keeping_nothing(tmp_path, plan) and outside_after == keeping_nothing(tmp_path, outside)
    target.apply([changed(inside, 2, location=mover["location"])], [])
    assert answer(backend, plan)[0] == before[0]
    asyncio.run(backend.close())


def _columns(vacancies: np.typing.NDArray[np.float64], moments: np.typing.NDArray[np.float64]) -> ColumnStore:
    n = len(vacancies)
    return ColumnStore(
        n=n,
        ids=np.zeros(n, dtype="S4"),
        alive=np.ones(n, dtype=bool),
        numbers={"vacancies": vacancies, "vacancies_updated_at": moments},
        flags={},
        keyword_values={},
        keyword_codes={},
        multi_values={},
        multi_bits={},
        id_sorted=np.zeros(0, dtype="S4"),
        id_sorted_rows=np.zeros(0, dtype=np.int64),
    )


@pytest.mark.parametrize("spacing", [1.0, STATUS_WINDOW_S / 3])
def test_status_sets_are_reused_only_while_no_moment_lies_between_the_boundaries(spacing: float) -> None:
    """Moments close together (every boundary between two of them reuses the sets) and far apart
    (past the window around the boundary the sets are made again, never reused wrongly)."""
    rng = np.random.default_rng(9)
    moments = rng.integers(0, 40, 300).astype(np.float64) * spacing
    moments[rng.random(300) < 0.1] = np.nan  # never confirmed
    columns = _columns(rng.integers(0, 3, 300).astype(np.float64), moments)
    boundaries = [b / 2 * spacing for b in range(-2, 84)]
    reused = 0
    for first, second in itertools.product(boundaries, boundaries):
        kept, made = status_bits(columns, 4, first), status_bits(columns, 4, second)
        same = np.array_equal(kept.ja, made.ja) and np.array_equal(kept.nej, made.nej)
        between = np.any((moments >= min(first, second)) & (moments < max(first, second)))
        if abs(second - first) < STATUS_WINDOW_S:
            assert kept.holds_at(4, second) == (not between)
        assert not (kept.holds_at(4, second) and between)
        assert same or not kept.holds_at(4, second)
        assert not kept.holds_at(5, second)
        reused += kept.holds_at(4, second) and first != second
    assert reused > 0


@pytest.mark.parametrize("share", [0.0, 0.001, 0.05, 0.5, 1.0])
def test_row_sets_hold_exactly_their_rows(share: float) -> None:
    rng = np.random.default_rng(int(share * 1000))
    for n in (1, 63, 64, 65, 1000, 4099):
        mask = rng.random(n) < share
        rows = np.flatnonzero(mask)
        words = pack(mask)
        assert np.array_equal(of_rows(rows, n), words)
        assert np.array_equal(of_rows(rng.permutation(rows), n), words)
        assert np.array_equal(rows_of(words), rows)
        probe = rng.integers(0, n, 50)
        assert np.array_equal(holds(words, probe), mask[probe])
        counting = Counting.of(words)
        assert counting.total() == len(rows)
        other = rng.random(n) < 0.5
        assert counting.count_in(pack(other)) == np.count_nonzero(mask & other)


def _every_row_measured(backend: EmbeddedBackend, plan: SearchPlan) -> tuple[Page, Page]:
    """The page as served, and as measuring every hit and sorting them all by the full key makes it."""
    snap = backend._snapshot()
    candidates = backend._filter(snap, plan)
    backend._geo(snap, plan, candidates.standing)
    _, hits = backend._counts(snap, plan, candidates.standing)
    tier = clause_rows(snap, plan.tier) if plan.tier is not None else None
    served = page(plan, snap.columns, snap, hits, candidates.text, tier)
    every = _measure(plan, snap.columns, candidates.text, rows_of(hits))
    keys = [snap.columns.id_array()[every.rows], every.distance]
    if plan.sort != "distance":
        keys.append(_primary(plan, snap.columns, every.rows, every))
    if tier is not None:
        keys.append(~holds(tier, every.rows))
    order = np.lexsort(keys)[plan.offset : plan.offset + plan.size]
    return served, Page(every.rows[order], every.score[order], every.text_score[order], every.distance[order])


def _crowded(tmp_path: Path, docs: list[IndexedProvider]) -> EmbeddedBackend:
    """Two homes in three crowded around Stockholm (a few hundred metres to 60 km off), so circles
    hold many more than a page."""
    rng = np.random.default_rng(4)
    spread = rng.choice([0.01, 0.05, 0.5], len(docs))
    crowded = [
        d if i % 3 == 0 else {**d, "location": {"lat": 59.33 + rng.normal(0, s), "lon": 18.06 + rng.normal(0, 2 * s)}}
        for i, (d, s) in enumerate(zip(docs, spread, strict=True))
    ]
    build(tmp_path, crowded)  # type: ignore[arg-type]
    return EmbeddedBackend(tmp_path)


@pytest.fixture(params=["as shipped", "screening every set"])
def screening(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """As shipped, sets of a few hundred rows are measured outright; with 600 homes, screening them
    (and growing circles around the origin) is tested with that floor taken away."""
    if request.param != "as shipped":
        monkeypatch.setattr(page_module, "_MEASURED_OUTRIGHT", 0)


@pytest.mark.usefixtures("screening")
def test_the_page_is_the_one_measuring_every_hit_gives(tmp_path: Path, docs: list[IndexedProvider]) -> None:
    """Small pages (so growing, halved and screened circles decide them) deep and shallow, around
    crowded and empty places, by relevance and distance, with text, permit tiers and minimum distances."""
    backend = _crowded(tmp_path, docs)
    places = [STOCKHOLM, {"lat": 57.7, "lon": 11.97}, {"lat": 67.85, "lon": 20.22}, {"lat": 62.0, "lon": 15.0}]
    bodies: list[dict[str, Any]] = []
    for place, sort, size, page_no in itertools.product(places, ["relevance", "distance"], [1, 3], [1, 4]):
        body = {"point": place, "sort": sort, "size": size, "page": page_no}
        bodies += [
            body,
            {**body, "min_km": 100},
            {**body, "q": "missbruk"},
            {**body, "max_km": 400, "needs": ["missbruk"]},
        ]
    checked = 0
    for body in bodies:
        served, expected = _every_row_measured(backend, plan_of(body, moments(docs)[len(docs) // 4]))
        assert np.array_equal(served.rows, expected.rows), body
        assert np.array_equal(served.score, expected.score) and np.array_equal(served.distance, expected.distance)
        checked += len(expected.rows) > 0
    assert checked > len(bodies) // 2
    asyncio.run(backend.close())


@pytest.mark.usefixtures("screening")
def test_random_plans_page_as_sorting_every_hit_by_the_full_key(tmp_path: Path, docs: list[IndexedProvider]) -> None:
    """Random plans: any sort, page and size, with or without an origin, text, radius, minimum
    distance, exclusion zones, needs with the permit tier and facet selections."""
    backend = _crowded(tmp_path, docs)
    rng = np.random.default_rng(31)
    places = [STOCKHOLM, {"lat": 59.4, "lon": 17.9}, {"lat": 57.7, "lon": 11.97}, {"lat": 65.0, "lon": 21.0}]
    checked = 0
    for _ in range(80):
        body: dict[str, Any] = {
            "sort": str(rng.choice(["relevance", "distance", "price", "vacancies_updated"])),
            "size": int(rng.choice([1, 2, 5, 20])),
            "page": int(rng.choice([1, 2, 7])),
        }
        if rng.random() < 0.8:
            body["point"] = places[int(rng.integers(len(places)))]
            if rng.random() < 0.4:
                body["max_km"] = float(rng.choice([5, 30, 200, 2000]))
            if rng.random() < 0.3:
                body["min_km"] = min(float(rng.choice([1, 20, 100])), body.get("max_km", 1e9) / 2)
            if rng.random() < 0.3:
                body["exclude"] = [{"lat": 59.33, "lon": 18.06, "radius_km": float(rng.choice([2, 15]))}]
        elif body["sort"] == "distance":
            body["sort"] = "relevance"
        if rng.random() < 0.4:
            body["q"] = str(rng.choice(["missbruk", "trauma ungdomar", "familjehem", "DBT"]))
        if rng.random() < 0.3:
            body |= {"needs": ["missbruk"], "age": 15}
        if rng.random() < 0.2:
            body["has_vacancy"] = bool(rng.random() < 0.5)
        served, expected = _every_row_measured(backend, plan_of(body, moments(docs)[len(docs) // 3]))
        assert np.array_equal(served.rows, expected.rows), body
        assert np.array_equal(served.score, expected.score), body
        assert np.array_equal(served.text_score, expected.text_score), body
        assert np.array_equal(served.distance, expected.distance), body
        checked += len(expected.rows) > 1
    assert checked > 40
    asyncio.run(backend.close())


def test_kept_documents_are_the_stored_ones_and_a_small_write_shows_its_document(
    tmp_path: Path, docs: list[IndexedProvider]
) -> None:
    target = build(tmp_path, docs)
    backend = EmbeddedBackend(tmp_path)
    plan = plan_of({"point": STOCKHOLM, "max_km": 300}, 1.7e9)

    def sources() -> list[dict[str, Any]]:
        result: BackendResult = asyncio.run(backend.search(plan))
        return [dict(hit.source) for hit in result.hits]

    first = sources()
    snapshot = backend._snapshot()
    assert first == [snapshot.sources.document(snapshot.columns.row_of(s["id"]) or 0) for s in first]
    # A hit's document is its own: changing it changes no later answer.
    hit = asyncio.run(backend.search(plan)).hits[0]
    hit.source["name"] = "Ändrad i svaret"
    assert sources() == first
    # A small write puts the home's new document in a new row (and a new snapshot): the next page shows it.
    renamed = changed(next(d for d in docs if d["id"] == first[0]["id"]), 1, name="Nytt namn efter skrivning")
    target.apply([renamed], [])
    after = sources()
    assert {s["id"]: s["name"] for s in after}[first[0]["id"]] == "Nytt namn efter skrivning"
    assert after == keeping_nothing_sources(tmp_path, plan)
    asyncio.run(backend.close())


def keeping_nothing_sources(root: Path, plan: SearchPlan) -> list[dict[str, Any]]:
    backend = EmbeddedBackend(root)
    try:
        result: BackendResult = asyncio.run(backend.search(plan))
        return [dict(hit.source) for hit in result.hits]
    finally:
        asyncio.run(backend.close())


def test_a_new_version_is_warmed_with_the_last_searches_made_on_its_own_data(
    tmp_path: Path, docs: list[IndexedProvider]
) -> None:
    build(tmp_path, docs)
    backend = EmbeddedBackend(tmp_path)
    plans = [plan_of(body, 1.7e9) for body in BODIES]
    before = [answer(backend, plan) for plan in plans]
    old = backend._snapshot()
    # A version in which a sixth of the homes are gone and another sixth moved near Stockholm: the
    # circles and text matches kept for the old one would answer wrongly here.
    moved = [changed(d, 1, location={"lat": 59.34, "lon": 18.07}) for d in docs[100:200]]
    build(tmp_path, moved + docs[200:])
    new = backend._snapshot()
    assert new is not old
    # Made again on the new version before it served, not carried over from the old one.
    assert set(new.texts) == set(old.texts) and new.texts
    circles = [key for key in old.masks if isinstance(key, tuple) and key[0] == "within"]
    assert circles and all(key in new.masks and new.masks[key] is not old.masks[key] for key in circles)
    # So were the kept searches (hits, counts, pages), searched again: the answers below come from them.
    # (Their keys differ in the status sets' token where they read the vacancy status.)
    assert len(new.searches) == len(old.searches) > 0
    assert all(kept.pages for kept in new.searches.values())
    assert not {id(kept) for kept in new.searches.values()} & {id(kept) for kept in old.searches.values()}
    after = [answer(backend, plan) for plan in plans]
    assert after == [keeping_nothing(tmp_path, plan) for plan in plans]
    assert after != before
    asyncio.run(backend.close())


def test_circles_hold_every_row_within_them_after_small_writes(tmp_path: Path, docs: list[IndexedProvider]) -> None:
    """A snapshot's circles (rows in spatial order, then the rows deltas appended) against the plain
    haversine over every row, dead rows included (circles are whole-table sets)."""
    target = build(tmp_path, docs)
    backend = EmbeddedBackend(tmp_path)
    rng = np.random.default_rng(5)
    movers = [
        changed(d, 1, location={"lat": float(rng.uniform(55, 69)), "lon": float(rng.uniform(11, 24))})
        for d in docs[:40]
    ]
    for step in range(3):
        snap = backend._snapshot()
        c = snap.columns
        lat, lon = c.number("lat")[: c.n], c.number("lon")[: c.n]
        for _ in range(30):
            row = int(rng.integers(0, c.n))
            point = (float(lat[row]), float(lon[row])) if rng.random() < 0.5 else (59.33, 18.06)
            km = float(rng.choice([0.0, 1.0, 10.0, 40.0, 300.0, 3000.0, 30_000.0]))
            expected = of_rows(np.flatnonzero(distance_km(point[0], point[1], lat, lon) <= km), c.n)
            assert np.array_equal(snap.within(point[0], point[1], km), expected)
        target.apply(movers[step * 10 : step * 10 + 10], [])
        backend.install_written()
    assert backend._snapshot().columns.n == len(docs) + 30
    asyncio.run(backend.close())
