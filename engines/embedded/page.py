"""The page of hits: scores and distances measured only for rows that can reach it.

Hits in the plan's tier (the permit covers the child) come first; within each part the sort's key
(``core.ranking``'s score for relevance), then distance, then id. Every factor but text is at most
1, so a row farther than ``r`` from the origin scores at most ``best text x decay(r)``: rows are
measured circle by growing circle until the page is certain, instead of a haversine for every hit.
Each circle is a set of rows (``bitsets``) the snapshot keeps, so finding a circle's hits is an AND
of words, whatever the number of hits. Sorting by price or by vacancy date needs distances only for
the rows at or above the page's last key. Only the rows that can reach the page are then sorted by
the full key (the id last).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Protocol

import numpy as np
from numpy.typing import NDArray

from core.geography import distance_km
from core.ranking import Decay, decay_factor, freshness_factor, ranking_score
from engines.embedded.bitsets import count, holds, rows_of
from engines.embedded.columns import ColumnStore, Words
from engines.embedded.positions import Positions, km_at_least
from engines.embedded.snapshot import TextMatches
from search_api.plan import Not, SearchPlan, WithinKm

Rows = NDArray[np.int64]
Floats = NDArray[np.float64]
# Half the circumference: a circle this wide holds the whole earth.
_EVERYWHERE_KM = 20_100.0
# The first circle measured: growing circles are counted (cheap) before any row in them is measured.
_FIRST_RADIUS_KM = 5.0
# How much a circle grows while it holds too few hits, and at least when its bound is too high.
_GROWTH = 2.0
_STEP = 1.25
# A circle holding more than this many times the page is halved towards the last that held too few,
# at most this many times (each circle is a set the snapshot keeps).
_ENOUGH = 16
_NARROWING = 8
# Fewer rows than this are measured outright: screening them (chords, best scores, a partition, a
# first measure) takes more numpy calls than measuring them all, whatever their number.
_MEASURED_OUTRIGHT = 256
# Bounds kept (``_bound``), for any search: a pure function of the best text score, radius and decay.
_BOUNDS_KEPT = 4096


class Circles(Protocol):
    """The rows' places (a snapshot)."""

    positions: Positions

    def within(self, lat: float, lon: float, km: float) -> Words:
        """Every row ``core.geography.distance_km`` puts within ``km`` of the point."""
        ...


@dataclass(frozen=True)
class Page:
    rows: Rows
    score: Floats
    text_score: Floats
    distance: Floats


@dataclass(frozen=True)
class _Measured:
    """Scores and distances of ``rows``."""

    rows: Rows
    score: Floats
    text_score: Floats
    distance: Floats

    def __getitem__(self, keep: Rows) -> _Measured:
        return _Measured(self.rows[keep], self.score[keep], self.text_score[keep], self.distance[keep])


_MEASURED_FIELDS = ("rows", "score", "text_score", "distance")


def _text_of(matches: TextMatches, rows: Rows) -> Floats:
    """The text scores of ``rows`` (every one a match)."""
    return matches.scores[np.searchsorted(matches.rows, rows)]


def _measure(plan: SearchPlan, c: ColumnStore, matches: TextMatches | None, rows: Rows) -> _Measured:
    text_score = _text_of(matches, rows) if matches is not None else np.ones(len(rows))
    if plan.origin is not None:
        distance = distance_km(plan.origin.lat, plan.origin.lon, c.number("lat")[rows], c.number("lon")[rows])
    else:
        distance = np.zeros(len(rows))
    freshness = freshness_factor(c.number("vacancies_updated_at")[rows], plan.stale_before)
    decay = decay_factor(distance, plan.decay) if plan.decay is not None else None
    return _Measured(rows, ranking_score(text_score, freshness, decay), text_score, distance)


def _screened(
    plan: SearchPlan, c: ColumnStore, circles: Circles, matches: TextMatches | None, rows: Rows, end: int
) -> _Measured:
    """``rows`` measured, but for those that surely cannot reach the first ``end``. Each row's
    32-bit chord gives a distance it is surely at or beyond (``km_at_least``), so a score it cannot
    exceed (every factor is monotone, and so is rounding to 32 bits); the ``end`` rows with the best
    of these are measured first, and a row whose best is below all their scores is left out (sorting
    by distance: a row surely farther than all of them)."""
    if len(rows) <= max(4 * end, _MEASURED_OUTRIGHT):
        return _measure(plan, c, matches, rows)
    assert plan.origin is not None
    at_least = km_at_least(circles.positions.chord2(plan.origin.lat, plan.origin.lon, rows))
    if plan.sort == "distance":
        first = _measure(plan, c, matches, rows[np.argpartition(np.nan_to_num(at_least, nan=np.inf), end - 1)[:end]])
        reach = at_least <= first.distance.max()
    else:
        assert plan.decay is not None
        text_score = _text_of(matches, rows) if matches is not None else np.ones(len(rows))
        freshness = freshness_factor(c.number("vacancies_updated_at")[rows], plan.stale_before)
        best = ranking_score(text_score, freshness, decay_factor(at_least, plan.decay))
        first = _measure(plan, c, matches, rows[np.argpartition(np.nan_to_num(-best, nan=np.inf), end - 1)[:end]])
        reach = best >= first.score.min()
    return _measure(plan, c, matches, rows[reach | np.isnan(at_least)])


def _kth(values: Floats, k: int) -> float:
    return float(np.partition(values, k - 1)[k - 1])


def _best_text(matches: TextMatches | None, part: Words, held: int) -> float:
    """The best text score of the ``held`` rows of ``part`` (every one a match: the hits are)."""
    if matches is None:
        return 1.0
    # Through the part's rows when they are few against the matches, else through the matches.
    scores = (
        _text_of(matches, rows_of(part)) if held * 8 < len(matches.rows) else matches.scores[holds(part, matches.rows)]
    )
    return float(scores.max()) if len(scores) else 1.0


def _rows_in(part: Words, matches: TextMatches | None, floor: float | None) -> Rows:
    """The rows of ``part``; with a ``floor`` (an ``end``-th best score the rows reach already),
    only the text matches scoring at least that: no other factor is above 1."""
    if matches is None or floor is None:
        return rows_of(part)
    rows = matches.rows[matches.scores >= floor]
    return rows[holds(part, rows)]


@functools.lru_cache(maxsize=_BOUNDS_KEPT)
def _bound(best_text: float, radius: float, decay: Decay) -> float:
    """The best score of a row farther than ``radius`` (rounding to 32 bits is monotone). Kept: the
    circles step through the same radii search after search, and numpy on scalars costs about
    as much as the page's other work."""
    return float(ranking_score(best_text, 1.0, decay_factor(radius, decay))[()])


def _excluded_around(plan: SearchPlan, lat: float, lon: float) -> float:
    """The widest circle around the point that the plan's filters leave no row in (0 if none)."""
    around = [
        f.clause.km
        for f in plan.filters
        if isinstance(f, Not) and isinstance(f.clause, WithinKm) and (f.clause.lat, f.clause.lon) == (lat, lon)
    ]
    return max(around, default=0.0)


def _near_origin(
    plan: SearchPlan,
    c: ColumnStore,
    circles: Circles,
    part: Words,
    held_in_part: int,
    matches: TextMatches | None,
    end: int,
) -> _Measured:
    """The rows of ``part`` (``held_in_part`` of them) measured circle by growing circle around the
    origin, until no row outside the circle can reach the first ``end`` of the part."""
    assert plan.origin is not None
    lat, lon = plan.origin.lat, plan.origin.lon
    best_text = _best_text(matches, part, held_in_part) if plan.sort != "distance" else 1.0

    def bound(radius: float) -> float:
        assert plan.decay is not None
        return _bound(best_text, radius, plan.decay)

    # No hit lies within a minimum distance from the origin: the first circle is past it.
    fewer = _excluded_around(plan, lat, lon)
    radius, narrowing = max(_FIRST_RADIUS_KM, fewer * _GROWTH), _NARROWING
    page_last: float | None = None
    while radius < _EVERYWHERE_KM:
        inside = part & circles.within(lat, lon, radius)
        held = count(inside)
        if held < end:
            radius, fewer = radius * _GROWTH, radius
            continue
        # Halved towards the smallest circle holding the page while it holds many more (only before
        # the first circle measured: a later one must reach its bound).
        for _ in range(narrowing):
            if held <= _ENOUGH * end:
                break
            middle = (fewer + radius) / 2
            narrower = part & circles.within(lat, lon, middle)
            held_narrower = count(narrower)
            if held_narrower < end:
                fewer = middle
            else:
                radius, inside, held = middle, narrower, held_narrower
        # (This circle holds the last one's measured rows: its page is at least that one's.)
        measured = _screened(plan, c, circles, matches, _rows_in(inside, matches, page_last), end)
        # Rows outside the circle are farther than ``radius``: they lose the distance tie-break too.
        if plan.sort == "distance":
            return measured
        page_last = -_kth(-measured.score, end)
        if page_last >= bound(radius):
            return measured
        # The next circle is one whose bound the page already reaches: measured, it settles the page.
        narrowing = 0
        radius *= _STEP
        while radius < _EVERYWHERE_KM and bound(radius) > page_last:
            radius *= _STEP
    return _screened(plan, c, circles, matches, _rows_in(part, matches, page_last), end)


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
    plan: SearchPlan, c: ColumnStore, circles: Circles, part: Words, matches: TextMatches | None, end: int
) -> _Measured:
    """The rows of ``part``, measured where needed: every row that can be in its first ``end`` (ties
    at the last key included), and no row that cannot."""
    if plan.sort in ("price", "vacancies_updated"):
        rows = rows_of(part)
        measured = _measure(plan, c, matches, rows[_at_or_above(_primary(plan, c, rows, None), end)])
    elif plan.origin is not None and (held := count(part)) > max(4 * end, _MEASURED_OUTRIGHT):
        measured = _near_origin(plan, c, circles, part, held, matches, end)
    else:
        measured = _measure(plan, c, matches, rows_of(part))
    if len(measured.rows) <= end:
        return measured
    return measured[_at_or_above(_primary(plan, c, measured.rows, measured), end)]


def page(
    plan: SearchPlan,
    c: ColumnStore,
    circles: Circles,
    hits: Words,
    matches: TextMatches | None,
    tier: Words | None,
) -> Page:
    """The requested page of ``hits`` (the rows standing after every filter and selection); those
    also in ``tier`` rank first."""
    end = plan.offset + plan.size
    parts = [hits] if tier is None else [hits & tier, hits & ~tier]
    measured: list[_Measured] = []
    wanted = end
    for part in parts:
        measured.append(_pool(plan, c, circles, part, matches, wanted))
        wanted -= count(part)
        if wanted <= 0:
            break
    joined = (
        measured[0]
        if len(measured) == 1
        else _Measured(*(np.concatenate([getattr(m, f) for m in measured]) for f in _MEASURED_FIELDS))
    )
    ids = c.id_array()[joined.rows]
    keys = [ids, joined.distance]
    if plan.sort != "distance":
        keys.append(_primary(plan, c, joined.rows, joined))
    if tier is not None:
        keys.append(np.repeat(np.arange(len(measured), dtype=np.int8), [len(m.rows) for m in measured]))
    order = np.lexsort(keys)[plan.offset : end]
    return Page(joined.rows[order], joined.score[order], joined.text_score[order], joined.distance[order])
