"""The page of hits: scores and distances measured only for rows that can reach it.

Hits in the plan's tier (the permit covers the child) come first; within each part the sort's key
(``core.ranking``'s score for relevance), then distance, then id. Every factor but text is at most
1, so a row farther than ``r`` from the origin scores at most ``best text x decay(r)``: rows are
measured circle by growing circle (each circle's rows found by their 32-bit chords, ``positions``)
until the page is certain, instead of a haversine for every hit. Sorting by price or by vacancy date
needs distances only for the rows at or above the page's last key. Only the rows that can reach the
page are then sorted by the full key (the id last).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from core.geography import distance_km
from core.ranking import decay_factor, freshness_factor, ranking_score
from engines.embedded.columns import ColumnStore, Mask
from engines.embedded.positions import Positions, chord_cut
from engines.embedded.snapshot import TextMatches
from search_api.plan import SearchPlan

Rows = NDArray[np.int64]
Floats = NDArray[np.float64]
# Half the circumference: a circle this wide holds the whole earth.
_EVERYWHERE_KM = 20_100.0
# The first circle measured: growing circles are counted (cheap) before any row in them is measured.
_FIRST_RADIUS_KM = 5.0


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
    plan: SearchPlan, c: ColumnStore, places: Positions, hits: Rows, text: Floats | None, subset: Rows, end: int
) -> _Measured:
    """``subset`` of the hits measured circle by growing circle around the origin, until no row
    outside the circle can reach the first ``end`` of the subset."""
    assert plan.origin is not None
    chord2 = places.chord2(plan.origin.lat, plan.origin.lon, hits[subset])
    best_text = float(text[subset].max()) if text is not None and len(subset) else 1.0
    radius = _FIRST_RADIUS_KM
    while radius < _EVERYWHERE_KM:
        # Every row within the radius and a few just beyond it (the chord's slack).
        reaching = chord2 <= chord_cut(radius)[1]
        if np.count_nonzero(reaching) < end:
            radius *= 2
            continue
        measured = _measure(plan, c, hits, text, subset[reaching])
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
    last = _kth(primary, end)
    if np.isnan(last):  # fewer than ``end`` keys at all: every row reaches the page
        return np.arange(len(primary))
    return np.flatnonzero(primary <= last)


def _pool(
    plan: SearchPlan, c: ColumnStore, places: Positions, hits: Rows, text: Floats | None, subset: Rows, end: int
) -> _Measured:
    """``subset`` of the hits, measured where needed: every row that can be in its first ``end``
    (ties at the last key included), and no row that cannot."""
    if plan.sort in ("price", "vacancies_updated"):
        reaching = subset[_at_or_above(_primary(plan, c, hits[subset], None), end)]
        measured = _measure(plan, c, hits, text, reaching)
    elif plan.origin is not None and len(subset) > 4 * end:
        measured = _near_origin(plan, c, places, hits, text, subset, end)
    else:
        measured = _measure(plan, c, hits, text, subset)
    if len(measured.positions) <= end:
        return measured
    keep = _at_or_above(_primary(plan, c, hits[measured.positions], measured), end)
    return _Measured(measured.positions[keep], measured.score[keep], measured.text_score[keep], measured.distance[keep])


def _joined(first: _Measured, second: _Measured) -> _Measured:
    return _Measured(
        np.concatenate([first.positions, second.positions]),
        np.concatenate([first.score, second.score]),
        np.concatenate([first.text_score, second.text_score]),
        np.concatenate([first.distance, second.distance]),
    )


def page(
    plan: SearchPlan, c: ColumnStore, places: Positions, hits: Rows, matches: TextMatches | None, tier: Mask | None
) -> Page:
    """The requested page of ``hits`` (sorted rows standing after every filter and selection);
    ``tier``, over the hits, marks those ranked first."""
    end = plan.offset + plan.size
    text = matches.scores[np.searchsorted(matches.rows, hits)] if matches is not None else None
    if tier is None:
        measured = _pool(plan, c, places, hits, text, np.arange(len(hits)), end)
    else:
        first, rest = np.flatnonzero(tier), np.flatnonzero(~tier)
        measured = _pool(plan, c, places, hits, text, first, end)
        if len(first) < end:
            measured = _joined(measured, _pool(plan, c, places, hits, text, rest, end - len(first)))
    rows = hits[measured.positions]
    primary = _primary(plan, c, rows, measured)
    ids = c.id_array()[rows]
    keys = [ids, measured.distance] if plan.sort == "distance" else [ids, measured.distance, primary]
    if tier is not None:
        keys.append((~tier[measured.positions]).astype(np.int8))
    order = np.lexsort(keys)[plan.offset : end]
    return Page(rows[order], measured.score[order], measured.text_score[order], measured.distance[order])
