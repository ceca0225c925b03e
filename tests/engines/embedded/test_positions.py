"""The 32-bit chord prefilter and the spatial order decide every row exactly as
``core.geography.distance_km`` does, also for rows a hair's breadth from the cut, near the poles,
across the antimeridian, for a radius of 0 and one holding the earth, and keep doing so as rows are
appended."""

from __future__ import annotations

import math

import numpy as np
import pytest
from numpy.typing import NDArray

from core.geography import EARTH_RADIUS_KM, distance_km
from engines.embedded.bitsets import rows_of
from engines.embedded.positions import Positions, box, km_at_least

Point = tuple[float, float]
Floats = NDArray[np.float64]


def within(
    positions: Positions, lat: Floats, lon: Floats, point_lat: float, point_lon: float, km: float
) -> NDArray[np.bool_]:
    """``Positions.within`` as a mask, with the point's chords to every row made when asked for."""
    words = positions.within(point_lat, point_lon, km, lat, lon, lambda: positions.chord2(point_lat, point_lon))
    assert len(words) == (positions.n + 63) // 64
    mask = np.zeros(positions.n, dtype=bool)
    mask[rows_of(words)] = True
    return mask


def _at_distance(
    origin: Point, km: NDArray[np.float64], bearing: NDArray[np.float64]
) -> tuple[NDArray[np.float64], ...]:
    """Points ``km`` from ``origin`` along ``bearing`` (radians): the direct geodesic problem on a sphere."""
    phi1, lam1 = math.radians(origin[0]), math.radians(origin[1])
    delta = km / EARTH_RADIUS_KM
    phi2 = np.arcsin(math.sin(phi1) * np.cos(delta) + math.cos(phi1) * np.sin(delta) * np.cos(bearing))
    lam2 = lam1 + np.arctan2(
        np.sin(bearing) * np.sin(delta) * math.cos(phi1), np.cos(delta) - math.sin(phi1) * np.sin(phi2)
    )
    return np.degrees(phi2), (np.degrees(lam2) + 540.0) % 360.0 - 180.0


def _rows_around(origin: Point, km: float, count: int, seed: int) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Rows crowded at the cut (within centimetres to metres of it), and some anywhere."""
    rng = np.random.default_rng(seed)
    offsets = np.concatenate([rng.normal(0, 1e-3, count), rng.normal(0, 1e-6, count), rng.uniform(-50, 50, count)])
    distance = np.abs(km + offsets)
    lat, lon = _at_distance(origin, distance, rng.uniform(0, 2 * math.pi, len(distance)))
    anywhere_lat, anywhere_lon = rng.uniform(-89, 89, count), rng.uniform(-180, 180, count)
    return np.concatenate([lat, anywhere_lat]), np.concatenate([lon, anywhere_lon])


@pytest.mark.parametrize(
    ("origin", "km"),
    [
        ((59.33, 18.06), 40.0),
        ((67.85, 20.22), 300.0),
        ((55.6, 13.0), 0.5),
        ((0.0, 179.99), 150.0),  # across the antimeridian
        ((-33.9, 151.2), 19_000.0),  # nearly the antipode
    ],
)
def test_within_decides_as_distance_km(origin: Point, km: float) -> None:
    lat, lon = _rows_around(origin, km, 4000, seed=int(km))
    among = np.ones(len(lat), dtype=bool)
    among[::7] = False
    expected = among & (distance_km(origin[0], origin[1], lat, lon) <= km)
    # The crowd at the cut really straddles it: both sides are tested.
    near_cut = np.abs(distance_km(origin[0], origin[1], lat, lon) - km) < 1e-3
    assert 0 < np.count_nonzero(expected & near_cut) < np.count_nonzero(near_cut)
    got = among & within(Positions.of(lat, lon), lat, lon, origin[0], origin[1], km)
    assert np.array_equal(got, expected)


def test_rows_without_a_place_are_never_within() -> None:
    lat = np.array([59.33, math.nan, 59.34])
    lon = np.array([18.06, 18.06, math.nan])
    got = within(Positions.of(lat, lon), lat, lon, 59.33, 18.06, 10.0)
    assert got.tolist() == [True, False, False]


def test_appended_rows_get_positions_and_readers_of_the_old_keep_theirs() -> None:
    lat, lon = _rows_around((62.0, 15.0), 100.0, 500, seed=3)
    first = Positions.of(lat[:700], lon[:700])
    grown = first.extended(lat[:1200], lon[:1200]).extended(lat, lon)
    assert (first.n, grown.n) == (700, len(lat))
    whole = Positions.of(lat, lon)
    assert np.array_equal(grown.chord2(62.0, 15.0), whole.chord2(62.0, 15.0))
    assert np.array_equal(first.chord2(62.0, 15.0), whole.chord2(62.0, 15.0)[:700])


def test_chords_to_some_rows_are_those_to_every_row() -> None:
    lat, lon = _rows_around((62.0, 15.0), 100.0, 500, seed=5)
    positions = Positions.of(lat, lon)
    rows = np.flatnonzero(np.random.default_rng(5).random(len(lat)) < 0.3)
    assert np.array_equal(positions.chord2(62.0, 15.0, rows), positions.chord2(62.0, 15.0)[rows], equal_nan=True)


@pytest.mark.parametrize(("origin", "km"), [((59.33, 18.06), 0.02), ((67.85, 20.22), 150.0), ((0.0, 179.99), 19_000.0)])
def test_the_least_distance_a_chord_allows_is_never_more_than_the_distance(origin: Point, km: float) -> None:
    lat, lon = _rows_around(origin, km, 4000, seed=int(km) + 1)
    positions = Positions.of(lat, lon)
    at_least = km_at_least(positions.chord2(origin[0], origin[1]))
    distance = distance_km(origin[0], origin[1], lat, lon)
    assert np.all(at_least <= distance)
    # and close to it: a bound that far below would measure rows for nothing
    assert np.all(distance - at_least < 0.05 + 2e-3 * distance)


def _random_rows(rng: np.random.Generator, count: int) -> tuple[Floats, Floats]:
    """Rows crowded in towns (many at one place), spread over Sweden, anywhere on earth (poles and
    the antimeridian included), and a few without a place."""
    towns_lat, towns_lon = rng.uniform(55, 69, 40), rng.uniform(11, 24, 40)
    town = rng.integers(0, 40, count)
    crowded_lat = towns_lat[town] + rng.normal(0, 0.05, count) * (rng.random(count) < 0.7)
    crowded_lon = towns_lon[town] + rng.normal(0, 0.1, count) * (rng.random(count) < 0.7)
    lat = np.concatenate([crowded_lat, rng.uniform(55, 69, count), rng.uniform(-90, 90, count), [90.0, -90.0, 0.0]])
    lon = np.concatenate([crowded_lon, rng.uniform(11, 24, count), rng.uniform(-180, 180, count), [0.0, 45.0, 180.0]])
    lat[rng.integers(0, len(lat), 5)] = math.nan
    return lat, lon


def _circles(rng: np.random.Generator, lat: Floats, lon: Floats, count: int) -> list[tuple[float, float, float]]:
    """At rows (so rows sit at distance 0) and anywhere, radii from 0 to holding the earth."""
    radii = [0.0, 0.001, 1.0, 5.0, 20.0, 40.0, 150.0, 300.0, 1500.0, 9000.0, 20_000.0, 25_000.0]
    placed = np.flatnonzero(~np.isnan(lat))
    circles = []
    for i in range(count):
        if i % 2:
            row = int(rng.choice(placed))
            point = (float(lat[row]), float(lon[row]))
        else:
            point = (float(rng.uniform(-90, 90)), float(rng.uniform(-180, 180)))
        circles.append((*point, radii[i % len(radii)] * (1.0 if i % 3 else float(rng.uniform(0.5, 1.5)))))
    circles += [
        (89.99, 10.0, 30.0),
        (-89.9, -170.0, 500.0),
        (0.0, 179.9, 100.0),
        (65.0, -179.99, 40.0),
        (90.0, 0.0, 1.0),
    ]
    return circles


def test_every_circle_holds_the_rows_distance_km_puts_within_it() -> None:
    """Random circles against the plain haversine over every row."""
    rng = np.random.default_rng(17)
    lat, lon = _random_rows(rng, 3000)
    positions = Positions.of(lat, lon)
    for point_lat, point_lon, km in _circles(rng, lat, lon, 120):
        expected = distance_km(point_lat, point_lon, lat, lon) <= km
        assert np.array_equal(within(positions, lat, lon, point_lat, point_lon, km), expected), (
            point_lat,
            point_lon,
            km,
        )


def test_appended_rows_are_in_every_circle_they_are_within() -> None:
    """Rows appended past the placed ones (a delta), in small steps and past the point where every
    row is placed again, and circles over the appended rows alone (``within_appended``)."""
    rng = np.random.default_rng(23)
    lat, lon = _random_rows(rng, 3000)
    # Rows at places the first rows never were: found only if the appended rows are read.
    lat[-2000:], lon[-2000:] = rng.uniform(-60, -10, 2000), rng.uniform(100, 150, 2000)
    positions = Positions.of(lat[:4000], lon[:4000])
    placed = []
    for end in (4001, 4300, 5000, 9000, len(lat)):
        grown = positions.extended(lat[:end], lon[:end])
        assert grown.n == end
        for point_lat, point_lon, km in _circles(rng, lat[:end], lon[:end], 24):
            distance = distance_km(point_lat, point_lon, lat[:end], lon[:end])
            got = within(grown, lat[:end], lon[:end], point_lat, point_lon, km)
            assert np.array_equal(got, distance <= km), (end, point_lat, point_lon, km)
            # The positions before keep answering for their own rows.
            old = within(positions, lat[:end], lon[:end], point_lat, point_lon, km)
            assert np.array_equal(old, distance[: positions.n] <= km)
            since = int(rng.integers(0, end))
            appended = grown.within_appended(since, point_lat, point_lon, km, lat[:end], lon[:end])
            assert np.array_equal(appended, distance[since:] <= km)
        positions = grown
        placed.append(grown.placed)
    # Appended rows read after the placed ones, and past an eighth of the placed rows placed again.
    assert placed == [4000, 4000, 4000, 9000, 9000]


@pytest.mark.parametrize(
    ("origin", "km"),
    [
        ((59.33, 18.06), 40.0),
        ((68.4, 17.4), 300.0),
        ((55.6, 13.0), 0.05),
        ((80.0, 100.0), 900.0),
        ((-45.0, -60.0), 5.0),
    ],
)
def test_rows_on_the_edge_at_every_bearing_are_found(origin: Point, km: float) -> None:
    """Rows a centimetre inside and outside the circle, at every bearing: at the northernmost,
    southernmost and widest points the box around the circle is as tight as it gets."""
    bearing = np.linspace(0, 2 * math.pi, 20_000, endpoint=False)
    inside_lat, inside_lon = _at_distance(origin, np.full(len(bearing), km - 1e-5), bearing)
    outside_lat, outside_lon = _at_distance(origin, np.full(len(bearing), km + 1e-5), bearing)
    lat, lon = np.concatenate([inside_lat, outside_lat]), np.concatenate([inside_lon, outside_lon])
    expected = distance_km(origin[0], origin[1], lat, lon) <= km
    assert np.count_nonzero(expected[: len(bearing)]) > 0.99 * len(bearing)
    assert np.array_equal(within(Positions.of(lat, lon), lat, lon, origin[0], origin[1], km), expected)
    # The box alone (a circle reads whole runs of it, which may hide a box too tight).
    bounds = box(origin[0], origin[1], km)
    assert bounds is not None
    south, north, west, east = bounds
    assert np.all((south <= lat[expected]) & (lat[expected] <= north))
    assert np.all((west <= lon[expected]) & (lon[expected] <= east))
