"""The 32-bit chord prefilter decides every row exactly as ``core.geography.distance_km`` does, also
for rows a hair's breadth from the cut, and keeps doing so as rows are appended."""

from __future__ import annotations

import math

import numpy as np
import pytest
from numpy.typing import NDArray

from core.geography import EARTH_RADIUS_KM, distance_km
from engines.embedded.positions import Positions, km_at_least, within

Point = tuple[float, float]


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
