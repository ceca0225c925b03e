"""Ranking, defined once: both engines rank by exactly this, the oracle checks it, explanations report it.

``score = float32(float32(text_score x decay(distance)) x freshness)``, ties by distance (ascending),
then id (ascending).

- ``decay`` is a gauss ``exp(-max(0, d - offset)^2 / (2 sigma^2))`` with
  ``sigma^2 = -scale^2 / (2 ln(decay))``, floored at ``DECAY_FLOOR``. Scale and offset follow the
  radius the caseworker asked for: 40 km around a school and 600 km across Norrland each get a decay
  that spreads over their own radius.
- ``freshness`` follows the vacancy status (``core.vacancies``): 1 for ``ja`` and ``nej`` (confirmed
  within the TTL) and ``STALE_FACTOR`` for ``okänd`` (never confirmed, or longer ago than the TTL):
  an old "2 lediga platser" is worth less than a fresh one.
- Scores are 32-bit floats, rounded after each multiplication exactly where Lucene rounds
  (Elasticsearch's ``function_score`` multiplies in 64 bits and stores a 32-bit score, once for the
  decay's ``function_score`` and once for freshness'). Two homes whose 64-bit scores differ below
  32-bit precision therefore tie on both engines, and the tie-breaks decide, identically.
- Why the floor: 800 km away with the default 100 km radius the gauss is about 3e-78, which is 0.0 as
  a 32-bit score: every far home would tie at zero and lose freshness and text relevance. Beyond the
  distance where the decay reaches the floor every home counts as equally far; text and freshness
  order them, and distance breaks their ties. The floor, times any text score and ``STALE_FACTOR``,
  stays far above the smallest 32-bit float.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

# The radius assumed when a search has an origin but no max_km: regional, not a city block.
DEFAULT_RADIUS_KM = 100.0
STALE_FACTOR = 0.8
# 2^-20 (about 1e-6): a power of two, so it is the same number in 32 and 64 bits.
DECAY_FLOOR = 2.0**-20


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
    return np.maximum(np.exp(-(beyond**2) / (2 * decay.sigma_squared)), DECAY_FLOOR)


def freshness_factor(
    vacancies_updated_epoch: NDArray[np.float64] | float, stale_before_epoch: float
) -> NDArray[np.float64] | float:
    """1.0 where vacancies were confirmed at or after the cutoff (status ``ja``/``nej``), ``STALE_FACTOR``
    otherwise (``okänd``; NaN: never confirmed)."""
    fresh = np.greater_equal(vacancies_updated_epoch, stale_before_epoch)
    return np.where(fresh, 1.0, STALE_FACTOR)


Number = NDArray[np.floating[Any]] | np.floating[Any] | float


def _to_float32(values: NDArray[np.float64]) -> NDArray[np.float64]:
    """Rounded to the nearest 32-bit float, kept in a 64-bit array (every engine's sort takes it)."""
    return values.astype(np.float32).astype(np.float64)


def ranking_score(text_score: Number, freshness: Number, decay: Number | None) -> NDArray[np.float64]:
    """The score both engines sort by, in Lucene's arithmetic: each product taken in 64 bits, then
    rounded to 32 (``decay`` None: no origin, no decay). ``text_score`` is 1 without free text."""
    near = _to_float32(np.asarray(text_score, dtype=np.float64))
    if decay is not None:
        near = _to_float32(near * np.asarray(decay, dtype=np.float64))
    return _to_float32(near * np.asarray(freshness, dtype=np.float64))


def status_freshness(status: str) -> float:
    """``freshness_factor`` for one home whose status is known."""
    return STALE_FACTOR if status == "okänd" else 1.0
