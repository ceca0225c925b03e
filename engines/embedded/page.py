"""The page of hits: scores and distances measured only for rows that can reach it.

Hits in the plan's tier (the permit covers the child) come first; within each part the sort's key
(``core.ranking``'s score for relevance), then distance, then id. Every factor but text is at most
1, so a row outside a box of half-width ``r`` around the origin (farther than ``r``) scores at most
``best text x decay(r)``: rows are measured box by growing box until the page is certain, instead of
a haversine for every hit. Sorting by price or by vacancy date needs distances only for the rows at
or above the page's last key.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from core.geography import bounding_box, distance_km
from core.ranking import decay_factor, freshness_factor, ranking_score
from engines.embedded.columns import ColumnStore, Mask
from engines.embedded.snapshot import TextMatches
from search_api.plan import SearchPlan

Rows = NDArray[np.int64]
Floats = NDArray[np.float64]
# Half the circumference: a box this wide holds the whole earth.
_EVERYWHERE_KM = 20_100.0


@dataclass(frozen=True)
class Page:
    rows: Rows
    score: Floats
    text_score: Floats
    distance: Floats


@dataclass(frozen=True)
class _Measured:
    """Scores and distances of ``positions`` (into the hits)."""

    positions: Rows
    score: Floats
    text_score: Floats
    distance: Floats


def _measure(plan: SearchPlan, c: ColumnStore, hits: Rows, text: Floats | None, positions: Rows) -> _Measured:
    rows = hits[positions]
    text_score = text[positions] if text is not None else np.ones(len(rows))
    if plan.origin is not None:
        distance = distance_km(plan.origin.lat, plan.origin.lon, c.number("lat")[rows], c.number("lon")[rows])
    else:
        distance = np.zeros(len(rows))
    freshness = freshness_factor(c.number("vacancies_updated_at")[rows], plan.stale_before)
    decay = decay_factor(distance, plan.decay) if plan.decay is not None else None
    return _Measured(positions, ranking_score(text_score, freshness, decay), text_score, distance)


def _kth(values: Floats, k: int) -> float:
    return float(np.partition(values, k - 1)[k - 1])


def _near_origin(
    plan: SearchPlan, c: ColumnStore, hits: Rows, text: Floats | None, subset: Rows, end: int
) -> _Measured:
    """``subset`` of the hits measured box by growing box around the origin, until no row outside
    the circle in the box can reach the first ``end`` of the subset."""
    assert plan.origin is not None
    lat, lon = c.number("lat")[hits[subset]], c.number("lon")[hits[subset]]
    best_text = float(text[subset].max()) if text is not None and len(subset) else 1.0
    radius = max(plan.decay.offset_km + plan.decay.scale_km if plan.decay else 0.0, 10.0)
    while radius < _EVERYWHERE_KM:
        low_lat, high_lat, low_lon, high_lon = bounding_box(plan.origin.lat, plan.origin.lon, radius)
        inside = subset[(lat >= low_lat) & (lat <= high_lat) & (lon >= low_lon) & (lon <= high_lon)]
        measured = _measure(plan, c, hits, text, inside)
        # Rows outside the circle are farther than ``radius``: they lose the distance tie-break too.
        in_circle = measured.distance <= radius
        if np.count_nonzero(in_circle) >= end:
            if plan.sort == "distance":
                return measured
            assert plan.decay is not None
            # Rounding to 32 bits is monotone: no row outside the circle scores above this.
            bound = float(ranking_score(best_text, 1.0, decay_factor(radius, plan.decay))[()])
            if -_kth(-measured.score[in_circle], end) >= bound:
                return measured
        radius *= 2
    return _measure(plan, c, hits, text, subset)


def _primary(plan: SearchPlan, c: ColumnStore, rows: Rows, measured: _Measured | None) -> Floats:
    if plan.sort == "price":
        return np.nan_to_num(c.number("price_per_day_sek")[rows], nan=np.inf)
    if plan.sort == "vacancies_updated":
        return np.nan_to_num(-c.number("vacancies_updated_at")[rows], nan=np.inf)
    assert measured is not None
    return measured.distance if plan.sort == "distance" else -measured.score


def _at_or_above(primary: Floats, end: int) -> Rows:
    """Positions that can reach the first ``end`` (ties at the last key included)."""
    if len(primary) <= 4 * end:
        return np.arange(len(primary))
    return np.flatnonzero(primary <= _kth(primary, end))


def _pool(plan: SearchPlan, c: ColumnStore, hits: Rows, text: Floats | None, subset: Rows, end: int) -> _Measured:
    """``subset`` of the hits, measured where needed: at least every row of its first ``end``."""
    if plan.sort in ("price", "vacancies_updated"):
        reaching = subset[_at_or_above(_primary(plan, c, hits[subset], None), end)]
        return _measure(plan, c, hits, text, reaching)
    if plan.origin is not None and len(subset) > 4 * end:
        return _near_origin(plan, c, hits, text, subset, end)
    return _measure(plan, c, hits, text, subset)


def _joined(first: _Measured, second: _Measured) -> _Measured:
    return _Measured(
        np.concatenate([first.positions, second.positions]),
        np.concatenate([first.score, second.score]),
        np.concatenate([first.text_score, second.text_score]),
        np.concatenate([first.distance, second.distance]),
    )


def page(plan: SearchPlan, c: ColumnStore, hits: Rows, matches: TextMatches | None, tier: Mask | None) -> Page:
    """The requested page of ``hits`` (sorted rows standing after every filter and selection);
    ``tier``, over the hits, marks those ranked first."""
    end = plan.offset + plan.size
    text = matches.scores[np.searchsorted(matches.rows, hits)] if matches is not None else None
    if tier is None:
        measured = _pool(plan, c, hits, text, np.arange(len(hits)), end)
    else:
        first, rest = np.flatnonzero(tier), np.flatnonzero(~tier)
        measured = _pool(plan, c, hits, text, first, end)
        if len(first) < end:
            measured = _joined(measured, _pool(plan, c, hits, text, rest, end - len(first)))
    rows = hits[measured.positions]
    primary = _primary(plan, c, rows, measured)
    ids = c.id_array()[rows]
    keys = [ids, measured.distance] if plan.sort == "distance" else [ids, measured.distance, primary]
    if tier is not None:
        keys.append((~tier[measured.positions]).astype(np.int8))
    order = np.lexsort(keys)[plan.offset : end]
    return Page(rows[order], measured.score[order], measured.text_score[order], measured.distance[order])
