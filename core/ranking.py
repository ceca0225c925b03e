"""Distance decay, defined once: the embedded engine computes it, Elasticsearch's gauss function is
given the same scale and offset, and explanations report it.

``score = text_score x decay(distance) x freshness``; gauss decay
``exp(-max(0, d - offset)^2 / (2 sigma^2))`` with ``sigma^2 = -scale^2 / (2 ln(decay))``. Scale and
offset follow the radius the caseworker asked for: 40 km around a school and 600 km across Norrland
each get a decay that spreads over their own radius. ``freshness`` is 1 for vacancies confirmed
recently and ``STALE_FACTOR`` for stale or never confirmed ones: an old "2 lediga platser" is worth
less than a fresh one.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

# The radius assumed when a search has an origin but no max_km: regional, not a city block.
DEFAULT_RADIUS_KM = 100.0
STALE_FACTOR = 0.8


@dataclass(frozen=True, slots=True)
class Decay:
    scale_km: float
    offset_km: float
    decay: float = 0.5

    @property
    def sigma_squared(self) -> float:
        return -(self.scale_km**2) / (2 * math.log(self.decay))


def decay_for(max_km: float | None) -> Decay:
    """At the offset (a tenth of the radius) nothing is lost; half the radius beyond it, half the score."""
    radius = max_km if max_km else DEFAULT_RADIUS_KM
    return Decay(scale_km=radius / 2, offset_km=radius / 10)


def decay_factor(distance: NDArray[np.float64] | float, decay: Decay) -> NDArray[np.float64] | float:
    beyond = np.maximum(0.0, np.subtract(distance, decay.offset_km))
    return np.exp(-(beyond**2) / (2 * decay.sigma_squared))


def freshness_factor(
    vacancies_updated_epoch: NDArray[np.float64] | float, stale_before_epoch: float
) -> NDArray[np.float64] | float:
    """1.0 where vacancies were confirmed at or after the cutoff, ``STALE_FACTOR`` otherwise (NaN: never)."""
    fresh = np.greater_equal(vacancies_updated_epoch, stale_before_epoch)
    return np.where(fresh, 1.0, STALE_FACTOR)
