"""Rows' places as 32-bit unit vectors in spatial order: a circle reads only the rows near it.

``core.geography.distance_km`` defines every distance. Deciding "within r km" for a million rows
with it costs a haversine (five transcendental functions in 64 bits) per row. The squared chord
between two unit vectors costs three subtractions and three multiplications, and in 32 bits numpy
runs them several values per instruction. Haversine's ``h`` is exactly a quarter of the squared
chord, so "within r km" is "chord <= 2 sin(r / 2R)" on the exact values; the 32-bit chord is within
``CHORD_SLACK`` of the exact one. Rows whose chord is farther than that slack from the cut are
decided by the chord; the rest are measured with ``distance_km``: every decision is the one
``distance_km`` makes, and only a thin ring of rows pays for a haversine.

Even the chord of every row is a pass over a million rows per new circle (a new school, a new
exclusion zone, each of the page's growing circles). So the vectors are kept in spatial order:
by latitude band (``BANDS_PER_DEGREE``), then by longitude within the band. A circle's bounding box
is one run of positions per band it crosses (found by one ``searchsorted``), and only those rows'
chords are taken: a circle costs about the rows in its box, not the table.

Vectors are placed when a version is written (a build, or a merge of small writes) and stored
beside its columns (``save``); a snapshot maps them (``load``), so opening a version computes
nothing. A version written before positions were stored has none: its rows are placed when it
opens (``of``). Rows a delta appends (rows never move) go after the placed ones in row order, and
every circle reads all of them (a few thousand at most between versions); ``extended`` places
everything again, off the request path, once they grow past an eighth of the placed rows.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from core.errors import IndexDamaged
from core.geography import EARTH_RADIUS_KM, distance_km
from engines.embedded.bitsets import of_rows, pack, rows_of
from engines.embedded.columns import Mask, Words, mapped, save_with_room

Floats32 = NDArray[np.float32]
Rows = NDArray[np.int64]
Positions32 = NDArray[np.int32]
# Positions to read: a run, or scattered ones.
Where = slice | NDArray[np.int32] | NDArray[np.intp]
# Each 32-bit component is within 2^-24 (6e-8) of the exact one, for the rows and the point alike,
# so the difference vector is off by at most sqrt(3) x 1.2e-7 (2.1e-7, what rows at every distance
# show); the squares and sums add a few 32-bit roundings relative to the result. 2e-6 of the radius
# (13 m) plus 1e-5 relative is about ten times that.
CHORD_SLACK = 2e-6
RELATIVE_SLACK = 1e-5
# Latitude bands 1/32 degree (3.5 km) high: a 5 km circle crosses 3 or 4 of them, a 300 km one 175.
BANDS_PER_DEGREE = 32
# The sort key is band x _BAND_SPAN + (lon + 180 modulo 360): a band's keys (0..360 past its start)
# never reach the next band's.
_BAND_SPAN = 1024.0
# A circle's box is drawn for a radius this much larger (relative, and 1 m): every row distance_km
# puts within the radius is inside it despite the box's own rounding. Rows in the box are decided
# by their chords as before, so a wider box costs rows read, never a wrong decision.
_BOX_RELATIVE = 1e-9
_BOX_KM = 1e-3
# Runs spanning at most this many times the rows they hold are read as one run.
_SPAN_SHARE = 4
# A circle whose box holds more than 1/_WIDE_SHARE of the placed rows is decided over every row's
# chord from its point: one pass for the point's circles (the page grows several around one point),
# then a comparison per row and circle, with no rows to scatter into the set. (The 8,261 circles of
# 2,000 distinct searches at 1M, runs read as one up to twice their rows: 0.36 ms each on average
# with an eighth, 0.43 with a quarter, 0.41 when every circle read every row's chord; with a quarter,
# runs read as one up to 4x their rows: 0.40.)
_WIDE_SHARE = 8
# Appended rows past this share of the placed ones (and this many at least) are placed again.
_TAIL_SHARE = 8
_TAIL_MIN = 4096
# A version's stored positions (``Positions.save``): one ``.npy`` per array, in this folder of it.
FOLDER = "positions"
_STORED = ("x", "y", "z", "key", "row", "px", "py", "pz")
# Those in row order, stored with room (``columns.room_for``).
_BY_ROW = frozenset({"x", "y", "z"})


def _unit(lat: NDArray[np.float64], lon: NDArray[np.float64]) -> tuple[Floats32, Floats32, Floats32]:
    phi, lam = np.radians(lat), np.radians(lon)
    cos_phi = np.cos(phi)
    return (
        (cos_phi * np.cos(lam)).astype(np.float32),
        (cos_phi * np.sin(lam)).astype(np.float32),
        np.sin(phi).astype(np.float32),
    )


def _key(lat: NDArray[np.float64], lon: NDArray[np.float64]) -> NDArray[np.float64]:
    """Spatial sort key (NaN, last in any sort, for a row without a place)."""
    key: NDArray[np.float64] = np.floor((lat + 90.0) * BANDS_PER_DEGREE) * _BAND_SPAN
    key += np.remainder(lon + 180.0, 360.0)
    return key


def _band(lat: float) -> int:
    """The band of ``lat``, as ``_key`` computes it (the same roundings, each monotone: a row north
    of a latitude is never in a band south of its band)."""
    return math.floor((lat + 90.0) * BANDS_PER_DEGREE)


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


def box(lat: float, lon: float, km: float) -> tuple[float, float, float, float] | None:
    """(south, north, west, east) in degrees holding every point within ``km`` of the point (west
    -inf and east inf: every longitude); None when the circle holds the whole earth."""
    angle = (km * (1.0 + _BOX_RELATIVE) + _BOX_KM) / EARTH_RADIUS_KM
    if angle >= math.pi:
        return None
    reach = math.degrees(angle)
    phi = math.radians(lat)
    # The widest a cap reaches in longitude is asin(sin(angle) / cos(lat)), unless it holds a pole
    # (or all but touches one, where that asin has no precision left).
    if angle + abs(phi) >= math.pi / 2 - 1e-6:
        return lat - reach, lat + reach, -math.inf, math.inf
    spread = math.degrees(math.asin(min(1.0, math.sin(angle) / math.cos(phi))) * (1.0 + _BOX_RELATIVE))
    west, east = lon - spread, lon + spread
    if west < -180.0 or east > 180.0:  # across the antimeridian: a band's whole run
        return lat - reach, lat + reach, -math.inf, math.inf
    return lat - reach, lat + reach, west, east


def _runs(starts: NDArray[np.intp], ends: NDArray[np.intp]) -> NDArray[np.intp]:
    """Every position in the runs ``starts[i]..ends[i]`` (ascending, not overlapping)."""
    lengths = ends - starts
    total = int(lengths.sum())
    if len(starts) == 1:
        return np.arange(starts[0], ends[0])
    # Each position is its run's start plus its place among all the runs' positions less the
    # positions in the runs before.
    shift = np.repeat(starts - (np.cumsum(lengths) - lengths), lengths)
    shift += np.arange(total)
    return shift


@dataclass(frozen=True)
class Positions:
    """Unit vectors of rows ``0..n-1`` in row order (arrays may be longer: room for rows a delta
    appends), and of the first ``placed`` rows again in spatial order."""

    n: int
    x: Floats32
    y: Floats32
    z: Floats32
    placed: int
    # Spatial order: each placed position's sort key (ascending, NaN last: rows without a place),
    # its row, and its unit vector.
    key: NDArray[np.float64]
    row: Positions32
    px: Floats32
    py: Floats32
    pz: Floats32

    @classmethod
    def of(cls, lat: NDArray[np.float64], lon: NDArray[np.float64]) -> Positions:
        """Positions of rows ``0..len(lat)-1`` (a column store's ``number("lat")``, ``number("lon")``),
        every one placed. No room in memory: ``save`` writes it, and the first delta of a version
        without stored positions grows them."""
        x, y, z = _unit(lat, lon)
        return cls._placed(len(lat), x, y, z, lat, lon)

    def save(self, folder: Path) -> None:
        """Store these positions (every row placed, as ``of`` makes them) as ``.npy`` files in
        ``folder``, for ``load``."""
        if self.placed != self.n:
            raise ValueError(f"only positions with every row placed are stored ({self.placed} of {self.n})")
        folder.mkdir(parents=True, exist_ok=True)
        for name in _STORED:
            array: NDArray[np.generic] = getattr(self, name)
            if name in _BY_ROW:  # with room for the rows small writes append, as the columns
                save_with_room(folder / f"{name}.npy", array, self.n)
            else:
                np.save(folder / f"{name}.npy", np.ascontiguousarray(array[: self.n]))

    @classmethod
    def load(cls, folder: Path, n: int) -> Positions | None:
        """The positions ``save`` stored in ``folder``, mapped: the unit vectors by row
        copy-on-write (a delta's rows go into their room, in this process's pages), the spatial
        order read-only; None if there are none (a version written before they were stored).
        ``n``: the rows of the columns they were made from."""
        if not folder.is_dir():
            return None
        arrays = [mapped(folder / f"{name}.npy", "c" if name in _BY_ROW else "r") for name in _STORED]
        x, y, z, key, row, px, py, pz = arrays
        short = [
            name
            for name, array in zip(_STORED, arrays, strict=True)
            if len(array) < n or (len(array) != n and name not in _BY_ROW)
        ]
        if short:
            raise IndexDamaged(
                f"the stored positions ({', '.join(short)}) do not hold the columns' {n} rows; "
                "roll back ('placeringssok rollback') or reindex"
            )
        return cls(n, x, y, z, n, key, row, px, py, pz)

    @classmethod
    def _placed(
        cls, n: int, x: Floats32, y: Floats32, z: Floats32, lat: NDArray[np.float64], lon: NDArray[np.float64]
    ) -> Positions:
        key = _key(lat[:n], lon[:n])
        order = np.argsort(key)
        return cls(n, x, y, z, n, key[order], order.astype(np.int32), x[order], y[order], z[order])

    def extended(self, lat: NDArray[np.float64], lon: NDArray[np.float64]) -> Positions:
        """These positions and those of the rows past ``n`` in the columns ``lat`` and ``lon`` (the one
        way rows are added: a delta's appended rows). As with the columns, arrays with room are
        shared: the new rows go past this object's ``n``, which none of its readers look at."""
        if len(lat) <= self.n:
            return self
        start, end = self.n, len(lat)
        x, y, z = self.x, self.y, self.z
        if end > len(x):
            # Room for the deltas to come, as the columns keep (an eighth more, or half as many again).
            capacity = max(end + end // 8, len(x) + len(x) // 2)
            x, y, z = (np.concatenate([a[:start], np.zeros(capacity - start, dtype=np.float32)]) for a in (x, y, z))
        x[start:end], y[start:end], z[start:end] = _unit(lat[start:end], lon[start:end])
        if end - self.placed > max(_TAIL_MIN, self.placed // _TAIL_SHARE):
            return Positions._placed(end, x, y, z, lat, lon)
        return Positions(end, x, y, z, self.placed, self.key, self.row, self.px, self.py, self.pz)

    def chord2(self, lat: float, lon: float, rows: NDArray[np.int64] | None = None) -> Floats32:
        """Squared chord (unit sphere, 32 bits) from the point to every row, or to ``rows``; NaN for a
        row without a place."""
        return _chord2(lat, lon, self.x, self.y, self.z, slice(0, self.n) if rows is None else rows)

    def _box_runs(self, lat: float, lon: float, km: float) -> tuple[NDArray[np.intp], NDArray[np.intp]]:
        """Runs of placed positions (starts, ends) holding every placed row in the circle's box."""
        bounds = box(lat, lon, km)
        if bounds is None:
            return np.array([0]), np.array([self.placed])
        south, north, west, east = bounds
        bands = np.arange(_band(south), _band(north) + 1, dtype=np.float64) * _BAND_SPAN
        # (-inf, inf): the band's whole run, whose keys lie within 0..360 past its start.
        keys = self.key
        starts = np.searchsorted(keys, bands + (max(west, -181.0) + 180.0), side="left")
        ends = np.searchsorted(keys, bands + (min(east, 181.0) + 180.0), side="right")
        keep = ends > starts
        return starts[keep], ends[keep]

    def within(
        self,
        lat: float,
        lon: float,
        km: float,
        row_lat: NDArray[np.float64],
        row_lon: NDArray[np.float64],
        chords: Callable[[], Floats32],
    ) -> Words:
        """The rows that ``distance_km`` puts within ``km`` of the point, as a set (``bitsets``);
        ``row_lat`` and ``row_lon`` are the columns the positions were made from. A circle whose box
        holds few rows reads only those (and the appended ones); a wider one reads every row's chord
        from the point, from ``chords`` (``chord2`` of the point: its caller keeps them for the
        point's next circles)."""
        starts, ends = self._box_runs(lat, lon, km)
        total = int((ends - starts).sum())
        if total * _WIDE_SHARE > self.placed:
            return pack(_decided(chords(), lat, lon, km, row_lat, row_lon))
        found = [np.zeros(0, dtype=np.int32)]
        if total:
            first, last = int(starts[0]), int(ends[-1])
            # Runs close together are read as one (rows between them are decided as well, by their
            # chords): a view costs nothing, a gather of scattered positions a copy of each vector.
            at = slice(first, last) if last - first <= _SPAN_SHARE * total else _runs(starts, ends)
            rows = self.row[at]
            chord2 = _chord2(lat, lon, self.px, self.py, self.pz, at)
            found.append(rows[_decided(chord2, lat, lon, km, row_lat, row_lon, rows)])
        if self.n > self.placed:
            tail = slice(self.placed, self.n)
            chord2 = _chord2(lat, lon, self.x, self.y, self.z, tail)
            inside = _decided(chord2, lat, lon, km, row_lat[tail], row_lon[tail])
            found.append((self.placed + np.flatnonzero(inside)).astype(np.int32))
        return of_rows(np.concatenate(found) if len(found) > 2 else found[-1], self.n)

    def within_appended(
        self, since: int, lat: float, lon: float, km: float, row_lat: NDArray[np.float64], row_lon: NDArray[np.float64]
    ) -> Mask:
        """For the rows from ``since`` on (rows a delta appended; rows never move), whether
        ``distance_km`` puts each within ``km`` of the point: what a circle's set over the rows
        before ``since`` needs to hold every row."""
        at = slice(since, self.n)
        return _decided(_chord2(lat, lon, self.x, self.y, self.z, at), lat, lon, km, row_lat[at], row_lon[at])


def _chord2(lat: float, lon: float, x: Floats32, y: Floats32, z: Floats32, at: Where) -> Floats32:
    qx, qy, qz = (np.float32(v[0]) for v in _unit(np.array([lat]), np.array([lon])))
    dx, dy, dz = x[at] - qx, y[at] - qy, z[at] - qz
    dx *= dx
    dy *= dy
    dz *= dz
    dx += dy
    dx += dz
    return dx


def _decided(
    chord2: Floats32,
    lat: float,
    lon: float,
    km: float,
    row_lat: NDArray[np.float64],
    row_lon: NDArray[np.float64],
    rows: NDArray[np.int32] | None = None,
) -> Mask:
    """Which of the rows (``rows`` of the columns ``row_lat``, ``row_lon``, or the columns' own) whose
    squared chords from the point are ``chord2`` ``distance_km`` puts within ``km``."""
    low, high = chord_cut(km)
    # NaN (no place) is neither surely in nor possibly in: outside, as distance_km's NaN is.
    inside: Mask = chord2 < low
    # The ring near the cut is thin: found through its packed words, not by scanning a million flags.
    near = rows_of(pack((chord2 <= high) ^ inside))
    if len(near):
        measured = near if rows is None else rows[near]
        inside[near[distance_km(lat, lon, row_lat[measured], row_lon[measured]) <= km]] = True
    return inside
