"""One permit check over everything said about the child's needs, however the caseworker said it."""

from __future__ import annotations

from typing import Any

from tests.conformance.conftest import Api

SELF_HARM = "sjalvskadebeteende"
WARNING = "Tillståndet omfattar inte självskadebeteende"


def _uncovered(hit: dict[str, Any]) -> bool:
    return hit["explanation"]["permit"]["covered"] is False


def _permit_lacks_self_harm(hit: dict[str, Any]) -> bool:
    return hit["permit"] is not None and SELF_HARM not in {t["value"] for t in hit["permit"]["target_groups"]}


def test_a_target_group_alone_drives_the_permit_check(api: Api) -> None:
    hits = api.search_all({"target_groups": [SELF_HARM], "permit_valid": False})
    lacking = [h for h in hits if _permit_lacks_self_harm(h)]
    assert lacking, "the fixtures hold homes for self-harm whose permit does not cover it"
    for hit in lacking:
        assert _uncovered(hit)
        assert WARNING in hit["explanation"]["permit"]["messages"]
        assert SELF_HARM in hit["explanation"]["permit"]["missing_needs"]


def test_needs_and_target_groups_give_the_same_check(api: Api) -> None:
    by_group = {h["id"]: h["explanation"]["permit"] for h in api.search_all({"target_groups": [SELF_HARM]})}
    by_need = {h["id"]: h["explanation"]["permit"] for h in api.search_all({"needs": [SELF_HARM]})}
    assert by_group == by_need


def test_covered_homes_rank_first_in_every_sort(api: Api) -> None:
    for sort, origin in (("relevance", {}), ("distance", {"municipality_code": "1280"}), ("price", {})):
        hits = api.search_all({"target_groups": [SELF_HARM], "age": 15, "sort": sort, **origin})
        tiers = [_uncovered(h) for h in hits]
        assert True in tiers and False in tiers, sort
        assert tiers == sorted(tiers), f"an uncovered home ranks above a covered one ({sort})"


def test_the_permit_filter_leaves_out_every_uncovered_home(api: Api) -> None:
    criteria = {"target_groups": [SELF_HARM], "age": 15}
    everything = api.search_all(criteria)
    covered = api.search_all({**criteria, "permit_covers_needs": True})
    assert 0 < len(covered) < len(everything)
    assert not [h for h in covered if _uncovered(h)]
    assert [h["id"] for h in covered] == [h["id"] for h in everything if not _uncovered(h)]


def test_the_age_counts_in_the_permit_check(api: Api) -> None:
    hits = api.search_all({"age": 19, "permit_valid": False})
    outside = [h for h in hits if h["permit"] and h["permit"]["age_max"] is not None and h["permit"]["age_max"] < 19]
    assert outside
    assert all(_uncovered(h) for h in outside)
    filtered = {h["id"] for h in api.search_all({"age": 19, "permit_covers_needs": True})}
    assert not filtered & {h["id"] for h in outside}
