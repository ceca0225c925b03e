"""The API against the brute-force oracle, for criteria hypothesis makes up."""

from __future__ import annotations

import functools
from datetime import UTC, datetime, timedelta
from typing import Any, get_args

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from core.documents import IndexedProvider
from core.facets import FacetName
from core.geography import municipalities
from core.schools import SchoolRegister
from core.vocabularies import Method, Ownership, ProviderType, TargetGroup
from tests.conformance.conftest import Api
from tests.support.oracle import TTL_DAYS, at_one_moment, oracle_search

MUNICIPALITIES = sorted(municipalities())
COUNTIES = sorted({code[:2] for code in MUNICIPALITIES})
LANGUAGES = ["sv", "en", "ar", "so", "ti", "fa", "prs"]
ALL_FACETS = list(get_args(FacetName))


def _subset(values: list[str], most: int) -> st.SearchStrategy[list[str]]:
    return st.lists(st.sampled_from(values), max_size=most, unique=True)


@st.composite
def criteria_strategy(draw: st.DrawFn, school_codes: list[str]) -> dict[str, Any]:
    c: dict[str, Any] = {}
    origin = draw(st.sampled_from(["school", "point", "municipality_code", None]))
    if origin == "school":
        c["school"] = draw(st.sampled_from(school_codes))
    elif origin == "point":
        c["point"] = {
            "lat": draw(st.floats(55.4, 68.5, allow_nan=False)),
            "lon": draw(st.floats(11.5, 23.5, allow_nan=False)),
        }
    elif origin == "municipality_code":
        c["municipality_code"] = draw(st.sampled_from(MUNICIPALITIES))
    if origin:
        min_km = draw(st.one_of(st.none(), st.floats(0, 300, allow_nan=False)))
        max_km = draw(st.one_of(st.none(), st.floats(5, 900, allow_nan=False)))
        if min_km is not None and max_km is not None and max_km <= min_km:
            max_km = min_km + 50
        if min_km is not None:
            c["min_km"] = min_km
        if max_km is not None:
            c["max_km"] = max_km
        c["sort"] = draw(st.sampled_from(["distance", "relevance"]))
    zones = (
        []
        if draw(st.booleans())
        else draw(
            st.lists(
                st.one_of(
                    st.builds(
                        lambda lat, lon, r: {"lat": lat, "lon": lon, "radius_km": r},
                        st.floats(55.4, 68.5),
                        st.floats(11.5, 23.5),
                        st.floats(1, 250),
                    ),
                    st.builds(lambda m: {"municipality_code": m}, st.sampled_from(MUNICIPALITIES)),
                    st.builds(lambda k: {"county_code": k}, st.sampled_from(COUNTIES)),
                ),
                max_size=2,
            )
        )
    )
    if zones:
        c["exclude"] = zones
    if draw(st.integers(0, 3)) == 0:
        # Far from where the child is at risk: a place that is not the origin.
        place = draw(st.sampled_from(["school", "municipality_code"]))
        value = draw(st.sampled_from(school_codes if place == "school" else MUNICIPALITIES))
        c["far_from"] = {place: value, "min_km": draw(st.floats(10, 400, allow_nan=False))}
    groups = [str(t) for t in TargetGroup]
    for key, values, most in (
        ("needs", groups, 2),
        ("provider_types", [str(t) for t in ProviderType], 3),
        ("target_groups", groups, 2),
        ("methods", [str(m) for m in Method], 2),
        ("languages", LANGUAGES, 2),
        ("county_codes", COUNTIES, 3),
        ("ownership", [str(o) for o in Ownership], 2),
        ("vacancy_status", ["ja", "nej", "okänd"], 2),
    ):
        # Each filter is used now and then: piling them all on would leave nothing to compare.
        chosen = draw(_subset(values, most)) if draw(st.integers(0, 3)) == 0 else []
        if chosen:
            c[key] = chosen
    for key, strategy in (
        ("has_vacancy", st.booleans()),
        ("age", st.integers(0, 21)),
        ("gender", st.sampled_from(["flickor", "pojkar", "alla"])),
        ("max_price_per_day", st.integers(1000, 9000)),
        ("permit_valid", st.booleans()),
        ("permit_covers_needs", st.booleans()),
    ):
        if draw(st.integers(0, 3)) == 0:
            c[key] = draw(strategy)
    c["facets"] = ALL_FACETS
    return c


@pytest.fixture(scope="module")
def school_positions(api: Api) -> dict[str, tuple[float, float]]:
    return {s.code: (s.lat, s.lon) for s in SchoolRegister.load(api.settings.schools_path).all()}


def test_api_agrees_with_the_oracle(
    api: Api, fixture_documents: list[IndexedProvider], school_positions: dict[str, tuple[float, float]]
) -> None:
    codes = sorted(school_positions)
    totals: list[int] = []

    @settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
    @given(criteria=criteria_strategy(codes), role=st.sampled_from(["caseworker", "public"]))
    def check(criteria: dict[str, Any], role: str) -> None:
        at_one_moment(fixture_documents, lambda: compare(criteria, role))

    def compare(criteria: dict[str, Any], role: str) -> None:
        expected = oracle_search(fixture_documents, criteria, role, school_positions)
        body = api.search({**criteria, "size": 100}, role)
        assert body["total"] == expected.total
        got_facets = {
            name: {v["value"]: v["count"] for v in values if v["count"]} for name, values in body["facets"].items()
        }
        assert got_facets == expected.facets
        hits = api.search_all(criteria, role, limit=300)
        assert [h["id"] for h in hits] == expected.ordered_ids[:300]
        assert {h["id"]: h["distance_km"] for h in hits} == {
            i: expected.distances[i] for i in expected.ordered_ids[:300]
        }
        totals.append(expected.total)

    check()
    # Random criteria are often very narrow; the comparison must still have been made on real hits.
    assert sum(1 for t in totals if t > 0) >= 10, totals


def test_oracle_is_not_vacuous(fixture_documents: list[IndexedProvider]) -> None:
    """The oracle itself filters: a strict search returns fewer providers than a loose one."""
    loose = oracle_search(fixture_documents, {"facets": []}, "caseworker", {})
    strict = oracle_search(
        fixture_documents, {"needs": ["sjalvskadebeteende"], "age": 15, "facets": []}, "caseworker", {}
    )
    public = oracle_search(fixture_documents, {"facets": []}, "public", {})
    assert 0 < strict.total < public.total < loose.total


def test_text_combined_with_filters_is_the_intersection(
    api: Api, fixture_documents: list[IndexedProvider], school_positions: dict[str, tuple[float, float]]
) -> None:
    """Free text narrows exactly like a filter: text hits under criteria = text hits ∩ oracle hits."""
    codes = sorted(school_positions)
    words = ["missbruk", "självskadebeteende", "flickor", "trauma", "KBT", "ensamkommande", '"lågaffektivt bemötande"']
    text_hits = {w: {h["id"] for h in api.search_all({"q": w, "permit_valid": False})} for w in words}
    assert all(text_hits.values())
    compared: list[int] = []

    @settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
    @given(
        criteria=criteria_strategy(codes), role=st.sampled_from(["caseworker", "public"]), word=st.sampled_from(words)
    )
    def check(criteria: dict[str, Any], role: str, word: str) -> None:
        at_one_moment(fixture_documents, lambda: compare(criteria, role, word))

    def compare(criteria: dict[str, Any], role: str, word: str) -> None:
        expected = set(oracle_search(fixture_documents, criteria, role, school_positions).ordered_ids) & text_hits[word]
        got = {h["id"] for h in api.search_all({**criteria, "q": word}, role)}
        assert got == expected
        compared.append(len(expected))

    check()
    assert sum(1 for n in compared if n > 0) >= 8, compared


# Origins at the ends of the country: most homes lie hundreds of km away, where the unfloored decay
# underflows a 32-bit score (the first case is the one a real Elasticsearch server failed on).
FAR_AWAY_ORIGINS = [
    {"point": {"lat": 56.0, "lon": 12.0}, "sort": "relevance", "has_vacancy": False},
    {"point": {"lat": 56.0, "lon": 12.0}, "sort": "relevance"},
    {"point": {"lat": 55.4, "lon": 11.5}, "sort": "relevance", "permit_valid": False},
    {"point": {"lat": 68.5, "lon": 23.5}, "sort": "relevance"},
    {"municipality_code": "2584", "sort": "relevance", "min_km": 300},
]


@pytest.mark.parametrize("criteria", FAR_AWAY_ORIGINS, ids=lambda c: str(c.get("point") or c.get("municipality_code")))
def test_far_away_homes_rank_as_the_oracle_ranks_them(
    api: Api,
    fixture_documents: list[IndexedProvider],
    school_positions: dict[str, tuple[float, float]],
    criteria: dict[str, Any],
) -> None:
    """Every hit in order, for both roles, including the homes 800+ km away whose decay is floored."""

    def compare(role: str) -> None:
        expected = oracle_search(fixture_documents, {**criteria, "facets": []}, role, school_positions)
        far = [i for i in expected.ordered_ids if (expected.distances[i] or 0) > 800]
        assert len(far) >= 2, "the case must reach homes beyond 800 km"
        hits = api.search_all(criteria, role, limit=2000)
        assert [h["id"] for h in hits] == expected.ordered_ids
        # The floor keeps every far home's score above zero (the order above holds the permit tier).
        assert min(h["explanation"]["ranking"]["score"] for h in hits) > 0

    for role in ("caseworker", "public"):
        at_one_moment(fixture_documents, functools.partial(compare, role))


def _confirmed_at(doc: IndexedProvider, moment: datetime) -> IndexedProvider:
    aged = doc.copy()
    aged["vacancies_updated_at"] = moment
    return aged


@pytest.mark.parametrize("ages_now", [True, False], ids=["ttl-passes-meanwhile", "no-ttl-moment-near"])
def test_a_comparison_is_run_again_only_across_a_ttl_moment(
    fixture_documents: list[IndexedProvider], ages_now: bool
) -> None:
    """The retry covers the wall clock passing a fixture confirmation's TTL, and nothing else."""
    moment = datetime.now(UTC) - timedelta(days=TTL_DAYS) if ages_now else datetime(2020, 1, 1, tzinfo=UTC)
    docs = [_confirmed_at(fixture_documents[0], moment)]
    calls: list[int] = []

    def disagrees_once() -> None:
        calls.append(1)
        assert len(calls) > 1, "fresh on one side, stale on the other"

    if ages_now:
        at_one_moment(docs, disagrees_once)
        assert len(calls) == 2
    else:
        with pytest.raises(AssertionError, match="fresh on one side"):
            at_one_moment(docs, disagrees_once)
        assert len(calls) == 1
