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
    distances = [h["distance_km"] for h in body["hits"]]
    assert distances == sorted(distances) and distances[-1] <= 150
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
