"""Sanity-check ``core/data/municipalities.json`` and print a summary.

Checks: 290 unique 4-digit codes; the 21 counties with their expected
municipality counts; every code's first two digits equal its ``county_code``;
names, seats and coordinates present; coordinates inside Sweden's bounding
box; each seat near the centroid of the other seats of its county; and a set
of well-known anchor codes carrying the right names.

The distance limit is 120 km, except for Västra Götaland and the large
northern counties, whose seats are legitimately spread further apart
(Strömstad lies ~120 km, Kiruna ~200 km from the centroid of their counties'
other seats); there the limit is set from the county's size.  A seat geocoded
to the wrong town or county still shows up, since it lands hundreds of
kilometres away.

Exit status is 0 when every check passes, 1 otherwise.
"""

from __future__ import annotations

import json
import math
import sys
from collections import Counter
from pathlib import Path
from typing import Any

DATA = Path(__file__).resolve().parent.parent / "core" / "data" / "municipalities.json"

EXPECTED_COUNTS: dict[str, int] = {
    "01": 26, "03": 8, "04": 9, "05": 13, "06": 13, "07": 8, "08": 12,
    "09": 1, "10": 5, "12": 33, "13": 6, "14": 49, "17": 16, "18": 12,
    "19": 10, "20": 15, "21": 10, "22": 7, "23": 8, "24": 15, "25": 14,
}  # fmt: skip

ANCHORS: dict[str, str] = {
    "0114": "Upplands Väsby",
    "0127": "Botkyrka",
    "0136": "Haninge",
    "0180": "Stockholm",
    "0184": "Solna",
    "0380": "Uppsala",
    "0580": "Linköping",
    "0680": "Jönköping",
    "0780": "Växjö",
    "0880": "Kalmar",
    "0980": "Gotland",
    "1080": "Karlskrona",
    "1280": "Malmö",
    "1281": "Lund",
    "1282": "Landskrona",
    "1283": "Helsingborg",
    "1290": "Kristianstad",
    "1380": "Halmstad",
    "1480": "Göteborg",
    "1485": "Uddevalla",
    "1490": "Borås",
    "1780": "Karlstad",
    "1880": "Örebro",
    "1980": "Västerås",
    "2080": "Falun",
    "2180": "Gävle",
    "2281": "Sundsvall",
    "2283": "Sollefteå",
    "2380": "Östersund",
    "2480": "Umeå",
    "2482": "Skellefteå",
    "2580": "Luleå",
    "2581": "Piteå",
    "2584": "Kiruna",
}

ANCHOR_SEATS: dict[str, str] = {"0120": "Gustavsberg", "0980": "Visby", "2584": "Kiruna"}

LAT_RANGE = (55.0, 69.2)
LON_RANGE = (10.9, 24.2)
DEFAULT_MAX_KM = 120.0
# Västra Götaland (Strömstad ~120 km out) and the large northern counties:
# seats spread over 300-500 km.
MAX_KM_BY_COUNTY: dict[str, float] = {"14": 150.0, "23": 180.0, "24": 200.0, "25": 250.0}


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in kilometres."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371.0 * math.asin(math.sqrt(a))


def check(doc: dict[str, Any]) -> list[str]:
    """Run all checks; return a list of problems (empty when clean)."""
    counties = {c["code"]: c["name"] for c in doc["counties"]}
    munis: list[dict[str, Any]] = doc["municipalities"]
    problems = _check_totals(doc, counties, munis)
    for m in munis:
        problems += _check_municipality(m, counties)
    problems += _check_per_county_and_names(munis)
    problems += _check_anchors(munis)
    problems += distance_outliers(munis)
    return problems


def _check_totals(doc: dict[str, Any], counties: dict[str, str], munis: list[dict[str, Any]]) -> list[str]:
    problems: list[str] = []
    if len(doc["counties"]) != 21 or set(counties) != set(EXPECTED_COUNTS):
        problems.append(f"counties: expected the 21 codes {sorted(EXPECTED_COUNTS)}, got {sorted(counties)}")
    codes = [m["code"] for m in munis]
    if len(munis) != 290:
        problems.append(f"expected 290 municipalities, got {len(munis)}")
    dupes = [c for c, n in Counter(codes).items() if n > 1]
    if dupes:
        problems.append(f"duplicate codes: {dupes}")
    return problems


def _check_municipality(m: dict[str, Any], counties: dict[str, str]) -> list[str]:
    problems: list[str] = []
    code = m["code"]
    if not (isinstance(code, str) and len(code) == 4 and code.isdigit()):
        problems.append(f"{code}: not a 4-digit string")
    if code[:2] != m["county_code"]:
        problems.append(f"{code}: county_code {m['county_code']} != code prefix")
    if m["county_code"] not in counties:
        problems.append(f"{code}: unknown county {m['county_code']}")
    for field in ("name", "seat"):
        if not m.get(field) or not str(m[field]).strip():
            problems.append(f"{code}: empty {field}")
        elif "kommun" in str(m[field]).lower():
            problems.append(f"{code}: {field} contains 'kommun'")
    lat, lon = m.get("lat"), m.get("lon")
    if not isinstance(lat, (int, float)) or not isinstance(lon, (int, float)):
        problems.append(f"{code}: missing coordinates")
    elif not LAT_RANGE[0] <= lat <= LAT_RANGE[1] or not LON_RANGE[0] <= lon <= LON_RANGE[1]:
        problems.append(f"{code}: ({lat}, {lon}) outside Sweden's bounding box")
    return problems


def _check_per_county_and_names(munis: list[dict[str, Any]]) -> list[str]:
    problems: list[str] = []
    per_county = Counter(m["county_code"] for m in munis)
    for cc, want in EXPECTED_COUNTS.items():
        if per_county.get(cc, 0) != want:
            problems.append(f"county {cc}: expected {want} municipalities, got {per_county.get(cc, 0)}")
    names = [m["name"] for m in munis]
    dup_names = [n for n, k in Counter(names).items() if k > 1]
    if dup_names:
        problems.append(f"duplicate names: {dup_names}")
    return problems


def _check_anchors(munis: list[dict[str, Any]]) -> list[str]:
    problems: list[str] = []
    by_code = {m["code"]: m for m in munis}
    for code, name in ANCHORS.items():
        got = by_code.get(code, {}).get("name")
        if got != name:
            problems.append(f"anchor {code}: expected {name!r}, got {got!r}")
    for code, seat in ANCHOR_SEATS.items():
        got = by_code.get(code, {}).get("seat")
        if got != seat:
            problems.append(f"anchor {code}: expected seat {seat!r}, got {got!r}")
    return problems


def distance_outliers(munis: list[dict[str, Any]]) -> list[str]:
    """Seats far from the centroid of the other seats in their county."""
    out: list[str] = []
    for m in munis:
        others = [o for o in munis if o["county_code"] == m["county_code"] and o["code"] != m["code"]]
        if not others:
            continue  # Gotland: a single municipality
        clat = sum(o["lat"] for o in others) / len(others)
        clon = sum(o["lon"] for o in others) / len(others)
        km = haversine_km(m["lat"], m["lon"], clat, clon)
        limit = MAX_KM_BY_COUNTY.get(m["county_code"], DEFAULT_MAX_KM)
        if km > limit:
            out.append(
                f"{m['code']} {m['name']} (seat {m['seat']}): {km:.0f} km from its county's "
                f"other seats (limit {limit:.0f} km)"
            )
    return out


def max_distances(munis: list[dict[str, Any]]) -> dict[str, tuple[float, str]]:
    """Per county, the largest seat-to-centroid-of-others distance (for the summary)."""
    res: dict[str, tuple[float, str]] = {}
    for m in munis:
        others = [o for o in munis if o["county_code"] == m["county_code"] and o["code"] != m["code"]]
        if not others:
            continue
        clat = sum(o["lat"] for o in others) / len(others)
        clon = sum(o["lon"] for o in others) / len(others)
        km = haversine_km(m["lat"], m["lon"], clat, clon)
        if km > res.get(m["county_code"], (-1.0, ""))[0]:
            res[m["county_code"]] = (km, m["seat"])
    return res


def main() -> int:
    """Load, check, print a summary; return the exit status."""
    doc = json.loads(DATA.read_text(encoding="utf-8"))
    munis = doc["municipalities"]
    counties = {c["code"]: c["name"] for c in doc["counties"]}
    per_county = Counter(m["county_code"] for m in munis)
    far = max_distances(munis)

    print(f"{DATA}")
    n_codes = len({m["code"] for m in munis})
    print(f"{len(munis)} municipalities, {n_codes} unique codes, {len(counties)} counties")
    for cc in sorted(counties):
        km, seat = far.get(cc, (0.0, "-"))
        limit = MAX_KM_BY_COUNTY.get(cc, DEFAULT_MAX_KM)
        print(
            f"  {cc} {counties[cc]:<22} {per_county.get(cc, 0):>3}"
            f" (expected {EXPECTED_COUNTS.get(cc, '?'):>2})"
            f"  farthest seat: {seat} {km:.0f} km (limit {limit:.0f})"
        )

    problems = check(doc)
    if problems:
        print(f"\n{len(problems)} problem(s):")
        for p in problems:
            print(f"  - {p}")
        return 1
    print(f"\nOK: all checks passed ({len(ANCHORS)} anchors, coordinates in bounds, no distance outliers)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
