"""The record schema, normalisation and reading exports: every bad record reported, good ones kept."""

from __future__ import annotations

import json
import math
from typing import Any

import orjson
import pytest
from pydantic import ValidationError

from core.documents import INDEXED_PROVIDER
from core.geography import distance_km, municipalities, sweref99tm_to_wgs84, wgs84_to_sweref99tm
from core.records import SOURCE_LINE, Provider, Tombstone, source_line_json_schema
from indexer.normalise import to_document
from indexer.source import read_source
from tests.conftest import BROKEN, PROVIDERS, offline_geocoder


def test_sweref99tm_test_vector_converts_to_wgs84() -> None:
    lat, lon = sweref99tm_to_wgs84(northing=7089182.02, easting=756195.491)
    assert lat == pytest.approx(63.8357714, abs=1e-6)
    assert lon == pytest.approx(20.2117231, abs=1e-6)
    northing, easting = wgs84_to_sweref99tm(lat, lon)
    assert northing == pytest.approx(7089182.02, abs=0.01) and easting == pytest.approx(756195.491, abs=0.01)


def test_distance_is_haversine_on_the_mean_radius() -> None:
    # One degree along a meridian is R * pi / 180 on the mean radius R = 6371.0088 km.
    assert distance_km(60.0, 15.0, 61.0, 15.0) == pytest.approx(6371.0088 * math.pi / 180, rel=1e-12)
    # A quarter of a great circle: pole to equator.
    assert distance_km(90.0, 0.0, 0.0, 0.0) == pytest.approx(6371.0088 * math.pi / 2, rel=1e-12)
    assert distance_km(63.0, 20.0, 63.0, 20.0) == 0.0


def test_municipality_table_is_complete() -> None:
    table = municipalities()
    assert len(table) == 290
    assert table["0780"].name == "Växjö" and table["2584"].name == "Kiruna"
    assert {m.county_code for m in table.values()} == {m.code[:2] for m in table.values()}


def _good_line() -> dict[str, Any]:
    line: dict[str, Any] = json.loads(PROVIDERS.read_text(encoding="utf-8").splitlines()[1])
    return line


def test_a_tombstone_and_a_provider_are_told_apart() -> None:
    assert isinstance(SOURCE_LINE.validate_python(_good_line()), Provider)
    tomb = SOURCE_LINE.validate_python({"id": "prv-1", "deleted": True, "updated_at": "2026-11-01T10:00:00+01:00"})
    assert isinstance(tomb, Tombstone)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"provider_type": "villa"}, "provider_type"),
        ({"age_min": 18, "age_max": 12}, "age_min"),
        ({"location": {"lat": 95, "lon": 14}}, "location.lat"),
        ({"location": {"lat": 56.9, "lon": 14.8, "address": "Storgatan 1, Växjö"}}, "location"),
        ({"languages": ["xx"]}, "languages.0"),
        ({"updated_at": "2026-11-01T10:00:00"}, "updated_at"),
    ],
)
def test_bad_values_are_rejected_with_their_field(change: dict[str, Any], field: str) -> None:
    with pytest.raises(ValidationError) as info:
        SOURCE_LINE.validate_python(_good_line() | change)
    text = str(info.value)
    assert field.split(".")[0] in text


def test_broken_export_reports_every_bad_record_and_keeps_the_good() -> None:
    results = list(read_source([BROKEN], offline_geocoder()))
    good = [r.document["id"] for r in results if r.document]
    bad = {r.line: r.problems for r in results if r.problems}
    assert sorted(good) == ["ok-001", "ok-002", "ok-003", "ok-004", "ok-005"]
    assert len(bad) >= 11
    fields = {p.field for problems in bad.values() for p in problems}
    assert {"name", "location.lat", "location", "age_min", "municipality_code", "(line)"} <= fields
    for problems in bad.values():
        for problem in problems:
            assert problem.line > 0 and problem.reason and str(BROKEN) in str(problem)


def test_confidential_homes_lose_name_position_and_contacts() -> None:
    raw = next(
        json.loads(line)
        for line in PROVIDERS.read_text(encoding="utf-8").splitlines()
        if '"provider_type": "familjehem"' in line
    )
    doc = to_document(Provider.model_validate(raw), offline_geocoder())
    INDEXED_PROVIDER.validate_python(doc)
    assert doc["confidential"] and doc["location_precision"] == "municipality"
    assert raw["name"] not in orjson.dumps(doc).decode()
    assert doc["address"] is None and doc["phone"] is None and doc["email"] is None
    assert doc["name"] == f"Familjehem i {raw['municipality']} kommun"
    seat = municipalities()[raw["municipality_code"]]
    assert (doc["location"]["lat"], doc["location"]["lon"]) == (round(seat.lat, 6), round(seat.lon, 6))


def test_the_json_schema_describes_both_line_kinds() -> None:
    schema = source_line_json_schema()
    text = json.dumps(schema)
    assert "provider_type" in text and "sweref99tm" in text and "deleted" in text
    assert schema["$schema"].startswith("https://json-schema.org/")
