"""What the register knows about confidential homes and no caller may ever learn.

The tests know the true secrets (from the raw export); the index must not.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from core.geography import distance_km, sweref99tm_to_wgs84

CONFIDENTIAL = {"familjehem", "jourhem", "konsulentstott_familjehem", "skyddat_boende"}
GENERIC_NAME_WORDS = {"familjen", "jourhemmet", "hos", "familjehemmet", "och", "skyddat", "boende", "i"}


@dataclass(frozen=True)
class Secret:
    id: str
    name: str
    surnames: tuple[str, ...]
    strings: tuple[str, ...]
    lat: float
    lon: float


def true_position(record: dict[str, Any]) -> tuple[float, float] | None:
    location = record["location"]
    if "sweref99tm" in location:
        return sweref99tm_to_wgs84(location["sweref99tm"]["northing"], location["sweref99tm"]["easting"])
    if "lat" in location:
        return location["lat"], location["lon"]
    return None


def secrets_of(records: list[dict[str, Any]]) -> list[Secret]:
    found = []
    for record in records:
        if record["provider_type"] not in CONFIDENTIAL:
            continue
        position = true_position(record)
        assert position is not None, "confidential fixtures carry an exact position"
        words = [w.strip(",.") for w in record["name"].split()]
        surnames = tuple(w for w in words if w.lower() not in GENERIC_NAME_WORDS and len(w) > 2)
        strings = tuple(
            s for s in (record["name"], record.get("address"), record.get("phone"), record.get("email")) if s
        )
        found.append(Secret(record["id"], record["name"], surnames, strings, position[0], position[1]))
    assert len(found) > 100
    return found


def positions_near_secrets(pairs: list[tuple[float, float]], secrets: list[Secret], km: float = 2.0) -> list[str]:
    """Ids of confidential homes that some (lat, lon) pair lies within ``km`` of."""
    return [s.id for s in secrets for lat, lon in pairs if distance_km(lat, lon, s.lat, s.lon) <= km]


def lat_lon_pairs(value: object) -> list[tuple[float, float]]:
    """Every {"lat": .., "lon": ..} object anywhere in a JSON value."""
    found: list[tuple[float, float]] = []
    if isinstance(value, dict):
        if isinstance(value.get("lat"), int | float) and isinstance(value.get("lon"), int | float):
            found.append((float(value["lat"]), float(value["lon"])))
        for item in value.values():
            found += lat_lon_pairs(item)
    elif isinstance(value, list):
        for item in value:
            found += lat_lon_pairs(item)
    return found
