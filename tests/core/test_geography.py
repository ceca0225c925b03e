"""The distance function, and the box the embedded engine reads a circle's rows from (``positions.box``)."""

from __future__ import annotations

import math

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from core.geography import distance_km
from engines.embedded.positions import box


@settings(max_examples=300, deadline=None)
@given(
    lat=st.floats(-80, 80),
    lon=st.floats(-180, 180),
    km=st.floats(0.1, 2000),
    bearing=st.floats(0, 2 * math.pi),
    fraction=st.floats(0, 1),
)
def test_the_box_holds_every_point_of_the_circle(
    lat: float, lon: float, km: float, bearing: float, fraction: float
) -> None:
    # Walk a great circle from the centre at most km away, then check the end is inside the box.
    d = km * fraction / 6371.0088
    phi1, lmb1 = math.radians(lat), math.radians(lon)
    phi2 = math.asin(math.sin(phi1) * math.cos(d) + math.cos(phi1) * math.sin(d) * math.cos(bearing))
    lmb2 = lmb1 + math.atan2(
        math.sin(bearing) * math.sin(d) * math.cos(phi1), math.cos(d) - math.sin(phi1) * math.sin(phi2)
    )
    end_lat, end_lon = math.degrees(phi2), (math.degrees(lmb2) + 540.0) % 360.0 - 180.0
    assert distance_km(lat, lon, end_lat, end_lon) <= km + 1e-6
    bounds = box(lat, lon, km)
    assert bounds is not None  # only a circle holding the whole earth has none
    low_lat, high_lat, low_lon, high_lon = bounds
    assert low_lat - 1e-9 <= end_lat <= high_lat + 1e-9
    assert low_lon - 1e-9 <= end_lon <= high_lon + 1e-9


def test_scalar_and_vector_distances_agree() -> None:
    rng = np.random.default_rng(3)
    lats, lons = rng.uniform(55, 69, 1000), rng.uniform(11, 24, 1000)
    vector = distance_km(62.0, 17.0, lats, lons)
    scalar = np.array([distance_km(62.0, 17.0, float(a), float(b)) for a, b in zip(lats, lons, strict=True)])
    assert np.max(np.abs(vector - scalar)) < 1e-9
