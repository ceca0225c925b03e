"""School-anchored distance, minimum distance and exclusion zones, all exact."""

from __future__ import annotations

from core.documents import IndexedProvider
from core.geography import distance_km, seat_of
from core.schools import SchoolRegister
from tests.conformance.conftest import Api


def test_minimum_distance_and_county_exclusion(api: Api, fixture_documents: list[IndexedProvider]) -> None:
    origin = seat_of("1280")  # Malmö: the area where the child is at risk
    criteria = {
        "municipality_code": "1280",
        "min_km": 150,
        "exclude": [{"county_code": "13"}, {"lat": 57.7, "lon": 11.97, "radius_km": 30}],
        "size": 100,
    }
    hits = api.search_all(criteria)
    assert hits, "somewhere in Sweden is more than 150 km from Malmö"
    by_id = {d["id"]: d for d in fixture_documents}
    for hit in hits:
        doc = by_id[hit["id"]]
        assert distance_km(*origin, doc["location"]["lat"], doc["location"]["lon"]) > 150
        assert doc["county_code"] != "13"
        assert distance_km(57.7, 11.97, doc["location"]["lat"], doc["location"]["lon"]) > 30


def test_the_mission_search(api: Api) -> None:
    """A 15-year-old girl who self-harms: near her school, far from the risk area, permit must cover."""
    body = api.search(
        {
            "school": _a_school_in(api, "0780"),
            "max_km": 150,
            "needs": ["sjalvskadebeteende"],
            "age": 15,
            "gender": "flickor",
            "exclude": [{"county_code": "12"}],
            "sort": "distance",
        }
    )
    assert body["total"] > 0
    # Homes whose permit covers her come first; nearest first within each tier.
    tiers = [h["explanation"]["permit"]["covered"] is False for h in body["hits"]]
    assert tiers == sorted(tiers)
    for tier in (False, True):
        distances = [h["distance_km"] for h, t in zip(body["hits"], tiers, strict=True) if t is tier]
        assert distances == sorted(distances) and all(d <= 150 for d in distances)
    for hit in body["hits"]:
        assert "sjalvskadebeteende" in {t["value"] for t in hit["target_groups"]}
        assert hit["age_min"] <= 15 <= hit["age_max"]
        assert hit["county_code"] != "12"
        permit = hit["explanation"]["permit"]
        if hit["permit"] and "sjalvskadebeteende" not in {t["value"] for t in hit["permit"]["target_groups"]}:
            assert permit["covered"] is False
            assert "Tillståndet omfattar inte självskadebeteende" in permit["messages"]


def _a_school_in(api: Api, municipality_code: str) -> str:
    schools = SchoolRegister.load(api.settings.schools_path).all()
    return next(s.code for s in schools if s.municipality_code == municipality_code)


def test_far_from_a_place_that_is_not_the_school(api: Api, fixture_documents: list[IndexedProvider]) -> None:
    """Within 40 km of her school and more than 150 km from Malmö, where she is at risk."""
    school = _a_school_in(api, "0780")  # Växjö: about 190 km from Malmö
    schools = {s.code: s for s in SchoolRegister.load(api.settings.schools_path).all()}
    malmo = seat_of("1280")
    hits = api.search_all({"school": school, "max_km": 100, "far_from": {"municipality_code": "1280", "min_km": 150}})
    assert hits
    by_id = {d["id"]: d for d in fixture_documents}
    near = api.search_all({"school": school, "max_km": 100})
    dropped = {h["id"] for h in near} - {h["id"] for h in hits}
    assert dropped, "some homes within 100 km of Växjö are within 150 km of Malmö"
    for provider_id in dropped:
        doc = by_id[provider_id]
        assert distance_km(*malmo, doc["location"]["lat"], doc["location"]["lon"]) <= 150
    for hit in hits:
        doc = by_id[hit["id"]]
        assert distance_km(*malmo, doc["location"]["lat"], doc["location"]["lon"]) > 150
        assert (
            distance_km(schools[school].lat, schools[school].lon, doc["location"]["lat"], doc["location"]["lon"]) <= 100
        )


def test_far_from_names_its_own_field(api: Api) -> None:
    body = api.search({"far_from": {"school": "00000000", "min_km": 10}}, expect=422)
    assert body["errors"][0]["field"] == "far_from.school"
    body = api.search({"far_from": {"min_km": 10}}, expect=422)
    assert body["errors"][0]["field"] == "far_from"
