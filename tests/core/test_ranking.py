"""The one ranking definition: floored decay, 32-bit scores, the same on every engine."""

from __future__ import annotations

import numpy as np

from core.geography import distance_km
from core.ranking import DECAY_FLOOR, STALE_FACTOR, decay_factor, decay_for, ranking_score


def test_the_floor_is_the_same_number_in_32_and_64_bits() -> None:
    assert float(np.float32(DECAY_FLOOR)) == DECAY_FLOOR
    # The smallest score the floor can give stays a normal 32-bit float, far from zero.
    smallest = ranking_score(1e-3, STALE_FACTOR, DECAY_FLOOR)
    assert smallest > np.finfo(np.float32).tiny * 1e20


def test_a_home_800_km_away_does_not_score_zero() -> None:
    """The real-server failure: 812 km with the default radius is about 3e-78, 0.0 as a 32-bit float."""
    decay = decay_for(None)
    distance = distance_km(56.0, 12.0, 63.3, 12.0)
    assert distance > 800
    unfloored = np.exp(-((distance - decay.offset_km) ** 2) / (2 * decay.sigma_squared))
    assert np.float32(unfloored) == 0.0, "the premise: without the floor the decay underflows"
    assert decay_factor(distance, decay) == DECAY_FLOOR
    fresh, stale = (
        ranking_score(1.0, 1.0, decay_factor(distance, decay)),
        ranking_score(1.0, STALE_FACTOR, decay_factor(distance, decay)),
    )
    assert fresh > stale > 0, "freshness still separates far-away homes"


def test_near_homes_keep_the_gauss() -> None:
    decay = decay_for(40.0)
    assert decay_factor(decay.offset_km, decay) == 1.0
    assert decay_factor(decay.offset_km + decay.scale_km, decay) == 0.5
    distances = np.array([5.0, 20.0, 40.0, 80.0, 2000.0])
    factors = decay_factor(distances, decay)
    assert isinstance(factors, np.ndarray)
    assert np.all(np.diff(factors) <= 0) and factors[-1] == DECAY_FLOOR


def test_scores_are_rounded_to_32_bits_after_each_product() -> None:
    """As Lucene's function_score: text x decay rounded, then x freshness rounded."""
    text, decay = np.float32(0.7310586), 0.3333333333333333
    expected = np.float32(float(np.float32(float(text) * decay)) * STALE_FACTOR)
    got = ranking_score(text, STALE_FACTOR, decay)
    assert got == expected and float(np.float32(got)) == float(got)
    # Two 64-bit scores closer than 32-bit precision tie, so the tie-breaks decide on every engine.
    a, b = ranking_score(1.0, 1.0, 0.5), ranking_score(1.0, 1.0, 0.5 + 1e-12)
    assert a == b


def test_without_an_origin_there_is_no_decay() -> None:
    assert ranking_score(np.array([2.5, 1.0]), np.array([1.0, STALE_FACTOR]), None).tolist() == [2.5, 0.800000011920929]
