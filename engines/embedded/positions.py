"""Rows' places as 32-bit unit vectors: a cheap, conservative prefilter for distances.

``core.geography.distance_km`` defines every distance. Deciding "within r km" for a million rows
with it costs a haversine (five transcendental functions in 64 bits) per row. The squared chord
between two unit vectors costs three subtractions and three multiplications, and in 32 bits numpy
runs them several values per instruction. Haversine's ``h`` is exactly a quarter of the squared
chord, so "within r km" is "chord <= 2 sin(r / 2R)" on the exact values; the 32-bit chord is within
``CHORD_SLACK`` of the exact one. Rows whose chord is farther than that slack from the cut are
decided by the chord; the rest are measured with ``distance_km``: every decision is the one
``distance_km`` makes, and only a thin ring of rows pays for a haversine.

Vectors are made when a snapshot opens and extended with the rows a delta appends (rows never move),
never on the request path.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from core.geography import EARTH_RADIUS_KM, distance_km
from engines.embedded.bitsets import pack, rows_of
from engines.embedded.columns import Mask

Floats32 = NDArray[np.float32]
# Each 32-bit component is within 2^-24 (6e-8) of the exact one, for the rows and the point alike,
# so the difference vector is off by at most sqrt(3) x 1.2e-7 (2.1e-7, what rows at every distance
# show); the squares and sums add a few 32-bit roundings relative to the result. 2e-6 of the radius
# (13 m) plus 1e-5 relative is about ten times that.
CHORD_SLACK = 2e-6
RELATIVE_SLACK = 1e-5


def _unit(lat: NDArray[np.float64], lon: NDArray[np.float64]) -> tuple[Floats32, Floats32, Floats32]:
    phi, lam = np.radians(lat), np.radians(lon)
    cos_phi = np.cos(phi)
    return (
        (cos_phi * np.cos(lam)).astype(np.float32),
        (cos_phi * np.sin(lam)).astype(np.float32),
        np.sin(phi).astype(np.float32),
    )


def chord_cut(km: float) -> tuple[float, float]:
    """Squared chords (unit sphere) below which a row is surely within ``km`` of a point, and above
    which it is surely not; in between, ``distance_km`` decides."""
    angle = km / EARTH_RADIUS_KM
    chord = 2.0 if angle >= math.pi else 2.0 * math.sin(angle / 2.0)
    slack = CHORD_SLACK + RELATIVE_SLACK * chord
    low = chord - slack
    return (low * low if low > 0 else -1.0), (chord + slack) ** 2


def km_at_least(chord2: Floats32) -> NDArray[np.float64]:
    """For each 32-bit squared chord (``Positions.chord2``), a distance in km that ``distance_km``
    puts the row at or beyond: the chord less its slack (twice the relative part, for a slack taken
    from the 32-bit chord rather than the exact one); NaN for a row without a place."""
    chord = np.sqrt(chord2.astype(np.float64))
    low = chord - (CHORD_SLACK + 2 * RELATIVE_SLACK * chord)
    km: NDArray[np.float64] = 2.0 * EARTH_RADIUS_KM * np.arcsin(np.clip(low / 2.0, 0.0, 1.0))
    return km


@dataclass(frozen=True)
class Positions:
    """Unit vectors of rows ``0..n-1`` (arrays may be longer: room for rows a delta appends)."""

    n: int
    x: Floats32
    y: Floats32
    z: Floats32

    @classmethod
    def of(cls, lat: NDArray[np.float64], lon: NDArray[np.float64]) -> Positions:
        """Positions of rows ``0..len(lat)-1`` (a column store's ``number("lat")``, ``number("lon")``)."""
        empty = np.zeros(0, dtype=np.float32)
        return cls(0, empty, empty, empty).extended(lat, lon)

    def extended(self, lat: NDArray[np.float64], lon: NDArray[np.float64]) -> Positions:
        """These positions and those of the rows past ``n`` in the columns ``lat`` and ``lon``. As with
        the columns, arrays with room are shared: the new rows go past this object's ``n``, which
        none of its readers look at."""
        if len(lat) <= self.n:
            return self
        x, y, z = self.x, self.y, self.z
        if len(lat) > len(x):
            # Room for the deltas to come, as the columns keep (an eighth more, or half as many again).
            capacity = max(len(lat) + len(lat) // 8, len(x) + len(x) // 2)
            x, y, z = (np.zeros(capacity, dtype=np.float32) for _ in range(3))
            x[: self.n], y[: self.n], z[: self.n] = self.x[: self.n], self.y[: self.n], self.z[: self.n]
        start, end = self.n, len(lat)
        new_x, new_y, new_z = _unit(lat[start:end], lon[start:end])
        x[start:end], y[start:end], z[start:end] = new_x, new_y, new_z
        return Positions(end, x, y, z)

    def chord2(self, lat: float, lon: float, rows: NDArray[np.int64] | None = None) -> Floats32:
        """Squared chord (unit sphere, 32 bits) from the point to every row, or to ``rows``; NaN for a
        row without a place."""
        qx, qy, qz = (np.float32(v[0]) for v in _unit(np.array([lat]), np.array([lon])))
        if rows is None:
            dx, dy, dz = self.x[: self.n] - qx, self.y[: self.n] - qy, self.z[: self.n] - qz
        else:
            dx, dy, dz = self.x[rows], self.y[rows], self.z[rows]
            dx -= qx
            dy -= qy
            dz -= qz
        dx *= dx
        dy *= dy
        dz *= dz
        dx += dy
        dx += dz
        return dx


def within(
    positions: Positions,
    row_lat: NDArray[np.float64],
    row_lon: NDArray[np.float64],
    lat: float,
    lon: float,
    km: float,
    chord2: Floats32 | None = None,
) -> Mask:
    """The rows (every one of ``positions``) that ``distance_km`` puts within ``km`` of the point;
    ``row_lat`` and ``row_lon`` are the columns the positions were made from, ``chord2`` the point's
    ``positions.chord2`` if already made."""
    if chord2 is None:
        chord2 = positions.chord2(lat, lon)
    low, high = chord_cut(km)
    inside: Mask = chord2 < low
    # NaN (no place) is neither surely in nor possibly in: outside, as distance_km's NaN is. The
    # ring near the cut is thin: found through its packed words, not by scanning a million flags.
    near = rows_of(pack((chord2 <= high) ^ inside))
    exact = distance_km(lat, lon, row_lat[near], row_lon[near]) <= km
    inside[near[exact]] = True
    return inside
