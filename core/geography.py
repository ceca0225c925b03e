"""Swedish geography: municipalities and their seats, coordinate conversion, and the one distance.

Everything that measures a distance calls ``distance_km``: the embedded engine, the Elasticsearch
backend's reported distances, the explanations and the tests' oracle. It is haversine on the mean
Earth radius, the same as Elasticsearch's ``arc`` distance.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import TYPE_CHECKING, Any, overload

import numpy as np
from numpy.typing import NDArray

if TYPE_CHECKING:
    from pyproj import Transformer

EARTH_RADIUS_KM = 6371.0088


@dataclass(frozen=True, slots=True)
class Municipality:
    code: str
    name: str
    county_code: str
    seat: str
    lat: float
    lon: float


@dataclass(frozen=True, slots=True)
class County:
    code: str
    name: str


@cache
def _table() -> dict[str, Any]:
    text = resources.files("core").joinpath("data/municipalities.json").read_text(encoding="utf-8")
    table: dict[str, Any] = json.loads(text)
    return table


@cache
def municipalities() -> dict[str, Municipality]:
    """All 290 municipalities by SCB code, with the WGS84 position of their seat."""
    return {m["code"]: Municipality(**m) for m in _table()["municipalities"]}


@cache
def counties() -> dict[str, County]:
    return {c["code"]: County(**c) for c in _table()["counties"]}


def county_codes() -> frozenset[str]:
    return frozenset(counties())


@overload
def distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float: ...
@overload
def distance_km(
    lat1: float, lon1: float, lat2: NDArray[np.float64], lon2: NDArray[np.float64]
) -> NDArray[np.float64]: ...
def distance_km(
    lat1: float, lon1: float, lat2: float | NDArray[np.float64], lon2: float | NDArray[np.float64]
) -> float | NDArray[np.float64]:
    """Great-circle distance in km (haversine, R = 6371.0088 km); vectorised over the second point."""
    if isinstance(lat2, float | int) and isinstance(lon2, float | int):
        # One pair: plain floats, as numpy's per-call overhead is ten times the arithmetic.
        h = (
            math.sin(math.radians(lat2 - lat1) / 2) ** 2
            + math.cos(math.radians(lat1)) * math.cos(math.radians(lat2)) * math.sin(math.radians(lon2 - lon1) / 2) ** 2
        )
        return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(min(h, 1.0)))
    phi1 = np.radians(lat1)
    phi2 = np.radians(lat2)
    h = (
        np.sin((phi2 - phi1) / 2) ** 2
        + np.cos(phi1) * np.cos(phi2) * np.sin(np.radians(np.subtract(lon2, lon1)) / 2) ** 2
    )
    distances: NDArray[np.float64] = 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.minimum(h, 1.0)))
    return distances


# pyproj is imported when a coordinate is first converted: most processes (a search server, a sync of
# records that carry lat/lon) never convert one, and importing it costs tens of milliseconds.
@cache
def _sweref_to_wgs84() -> Transformer:
    from pyproj import Transformer

    # always_xy: inputs are (easting, northing), outputs (lon, lat), whatever the CRS axis order says.
    return Transformer.from_crs("EPSG:3006", "EPSG:4326", always_xy=True)


@cache
def _wgs84_to_sweref() -> Transformer:
    from pyproj import Transformer

    return Transformer.from_crs("EPSG:4326", "EPSG:3006", always_xy=True)


def sweref99tm_to_wgs84(northing: float, easting: float) -> tuple[float, float]:
    """SWEREF 99 TM (EPSG:3006) northing/easting in metres to WGS84 (lat, lon)."""
    lon, lat = _sweref_to_wgs84().transform(easting, northing)
    return lat, lon


def wgs84_to_sweref99tm(lat: float, lon: float) -> tuple[float, float]:
    """WGS84 to SWEREF 99 TM (northing, easting): the fixtures generator writes the register's form."""
    easting, northing = _wgs84_to_sweref().transform(lon, lat)
    return northing, easting


def seat_of(municipality_code: str) -> tuple[float, float]:
    m = municipalities()[municipality_code]
    return m.lat, m.lon
