"""The embedded backend: compiles a search plan to tantivy (text) and numpy (everything else).

One candidate set, the snapshot's rows as packed bits (``bitsets``), goes through named steps:

1. ``_filter``: the plan's filters as whole-table sets (kept per snapshot), and the text matches
   (tantivy, narrowed by the filters it can take; kept per snapshot for paging and facet clicks);
2. ``_geo``: radius and exclusion circles, exact haversine only for rows near each circle's edge
   (``positions``), each circle's set kept per snapshot;
3. ``_counts``: facet counts over the set, as popcounts of packed bitsets (multi-valued fields, and
   ``keyword_bits`` for the default keyword facets) and the snapshot's vacancy status sets (remade
   only when a confirmation arrives or the staleness boundary passes a row's moment);
4. ``page``: the permit tier, then ``core.ranking``'s score, measured only for rows that can reach
   the page (see ``page.py``); documents are read for the page only.

Steps 1-3 follow from the criteria alone, so their outcome (the hits as a read-only set, the total,
the facet counts) is kept per snapshot (``Snapshot.searches``, least recently used out) under a key
holding everything it was computed from (``_search_key``): a caseworker paging, changing the sort or
coming back from a home's page, or a portal's box asking again, gets only step 4 done, and a page
asked for again is itself kept with the search (``KeptSearch.page``, by ``_page_key``). This is
Elasticsearch's shard request cache (hit counts and aggregations kept until the next refresh): a new
snapshot (version or delta) starts with none, a confirmation lets go of those that read the vacancy
columns, and the ones that read the vacancy status are found again exactly while the staleness
boundary passes no home's confirmation moment (``_VacancyReads``). Where only the status facets read
the vacancy columns, they are counted per search over the kept hits (``_search_key``).

New versions and small writes (deltas) are found by a background thread, which looks at the disk
every ``REFRESH_INTERVAL_S`` (50 ms), opens or applies them and swaps them in as one reference. A
search touches no file to learn whether anything changed: it takes the reference it finds, never
waits for an open, and serves another process's write (the CLI's sync, another server worker's
write) within 50 ms plus the time to open or apply it. A write made in this process is installed
before it returns (``publication``), so the very next search sees it.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import os
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
import tantivy

from core.documents import StoredProvider
from core.errors import PlaceringssokError
from core.facets import FACET_BY_NAME, STATUS_FACETS
from core.name_suggestions import offered_names
from core.vacancies import JA, NEJ, OKAND, STATUSES, Confirmation
from core.vacancy_ledger import VacancyLedger
from engines.embedded import publication
from engines.embedded.bitsets import Counting, count, pack, rows_of
from engines.embedded.collector_process import CollectorProcess
from engines.embedded.columns import (
    KEYWORD_FIELDS,
    MULTI_FIELDS,
    PERMIT_GROUPS,
    ColumnStore,
    Mask,
    Words,
)
from engines.embedded.deltas import DELTAS
from engines.embedded.integrity import damage, sizes_changed
from engines.embedded.narrowing import narrowable, narrowed_text
from engines.embedded.pacing import Pacing
from engines.embedded.page import Page, page
from engines.embedded.popcounts import codes_in
from engines.embedded.recovery import Opened, open_live_or_fallback
from engines.embedded.snapshot import SEARCHES_KEPT, KeptSearch, Scored, Snapshot, TextKey, TextMatches, is_circle
from engines.embedded.vacancy_overlay import VACANCY_COLUMNS, VacancyOverlay
from engines.embedded.versions import POINTER, IndexVersions
from search_api.backends import BackendHit, BackendResult, BackendUnavailable, Readiness
from search_api.plan import (
    AllOf,
    AnyOf,
    AtLeast,
    AtMost,
    Clause,
    Flag,
    Not,
    PermitCovers,
    SearchPlan,
    VacancyStatusIn,
    WithinKm,
)
from search_api.text_plan import TextSearch

T = TypeVar("T")
log = logging.getLogger("placeringssok.index")
# How often the served version's file sizes are compared with its checksums list.
SIZE_CHECK_INTERVAL_S = 1.0
# How often the background thread looks for a new version or delta.
REFRESH_INTERVAL_S = 0.05
# What a new version is warmed with before it serves (``_warm``): the text match sets and the row
# sets (filters, circles) the version before it used last, within a time budget.
WARM_TEXTS = 16
WARM_SETS = 64
# ... and the searches it kept (hits, facet counts) with their pages, newest first.
WARM_SEARCHES = 32
# The warm-up's own working time (pauses not counted).
WARM_BUDGET_S = 1.0
# A version's warm-up (and the open before it) works at most this share of the time: each step, each
# search of a text match set's collection and each delta replayed is followed by a pause three times
# as long as it took (``Pacing``). A switch happens on a loaded machine (a rollback in an incident,
# a reindex) while every worker keeps searching: at full speed the warm-up took a second of both
# cores at a million providers in half a second and doubled every search's time meanwhile, the
# search tail following the switches. Paced, the old version serves a second or two longer at a
# million providers. A tenth of the time took about 5 s at 1M with deltas: switches every 5 s then
# cut every warm-up short (a newer version or delta stops it) and each version served cold. Pausing
# only after whole text sets let a set's searches run back to back (50-90 ms at a million rows); a
# version's deltas were replayed in one go (a tenth of a second for 51 under load). A load that
# makes each piece take longer makes the pauses longer too. A version's text match sets are
# collected by the collector process, unpaced at its lower priority (``collector_process``).
WARM_DUTY = 0.25
# How long a version swapped out may wait for its last searches before it is simply let go (freed
# whenever the last one ends, at once).
RETIRE_WITHIN_S = 2.0
# A delta's snapshot is warmed with the text match sets only (it carries the row sets), within this
# budget, and only until another delta arrives (the write waits for its visibility meanwhile; the
# next snapshot is warmed in turn), so a write shows at most about one text search later.
WARM_DELTA_BUDGET_S = 0.25


def _keyword_table(c: ColumnStore, clause: AnyOf | AllOf) -> Mask:
    """Per code of a single-valued keyword field, whether the clause selects it."""
    values = c.keyword_values[clause.field]
    table = np.zeros(len(values) + 1, dtype=bool)
    for value in clause.values:
        if value in values:
            table[values.index(value)] = True
    return table


def clause_set(c: ColumnStore, clause: Clause) -> Words:
    """``clause_mask`` as a set; a keyword clause packed from its codes in one compiled pass."""
    if isinstance(clause, AnyOf | AllOf) and clause.field in KEYWORD_FIELDS:
        return codes_in(c.codes(clause.field), _keyword_table(c, clause))
    return pack(clause_mask(c, clause))


def clause_mask(c: ColumnStore, clause: Clause) -> Mask:
    """A clause over the columns alone, for every row of the store (``clause_rows`` takes the rest)."""
    if isinstance(clause, AnyOf | AllOf) and clause.field in KEYWORD_FIELDS:
        selected: Mask = _keyword_table(c, clause)[c.codes(clause.field)]
        return selected
    if isinstance(clause, AnyOf | AllOf):
        assert clause.field in MULTI_FIELDS, clause.field
        return c.multi_mask(clause.field, clause.values, every=isinstance(clause, AllOf))
    if isinstance(clause, AtMost):
        return c.number(clause.field) <= clause.value
    if isinstance(clause, AtLeast):
        return c.number(clause.field) >= clause.value
    if isinstance(clause, Flag):
        equal: Mask = c.flag(clause.field) == clause.value
        return equal
    if isinstance(clause, PermitCovers):
        return _permit_covers(c, clause)
    raise TypeError(f"unknown clause {clause!r}")


def _permit_covers(c: ColumnStore, clause: PermitCovers) -> Mask:
    """``PermitCovers`` over the permit columns: a live permit whose scope holds every need and the
    age (an open end holds any age), or no permit where none is required."""
    present = c.flag("permit_present")
    covered = present & ~c.flag("permit_revoked")
    if clause.needs:
        covered &= c.multi_mask(PERMIT_GROUPS, clause.needs, every=True)
    if clause.age is not None:
        low, high = c.number("permit_age_min"), c.number("permit_age_max")
        covered &= (np.isnan(low) | (low <= clause.age)) & (np.isnan(high) | (high >= clause.age))
    result: Mask = covered | (~present & ~c.flag("permit_required"))
    return result


def _newest(kept: Iterable[T], most: int) -> list[T]:
    """The keys (or values) of a least-recently-used mapping, most recent first; none if searches
    changed it while it was read (a warm-up is an optimisation, never a reason to fail)."""
    try:
        return list(kept)[::-1][:most]
    except RuntimeError:
        return []


def _boundless(clause: Clause) -> Clause:
    if isinstance(clause, VacancyStatusIn):
        return replace(clause, fresh_after=0.0)
    if isinstance(clause, Not):
        return Not(_boundless(clause.clause))
    return clause


def _at_no_boundary(plan: SearchPlan) -> SearchPlan:
    """The plan with every staleness boundary in it set aside: the same search at any moment."""
    return replace(
        plan,
        stale_before=0.0,
        filters=tuple(map(_boundless, plan.filters)),
        selections=tuple((name, _boundless(clause)) for name, clause in plan.selections),
        tier=_boundless(plan.tier) if plan.tier is not None else None,
    )


def _reads_vacancies(clause: Any) -> bool:
    inner = clause.clause if isinstance(clause, Not) else clause
    return getattr(inner, "field", None) in VACANCY_COLUMNS


# How many rows a search's set holds, and how many of them are ``ja`` and ``nej``.
Tally = tuple[int, int, int]


def _status_counts(facet: str, tally: Tally) -> dict[str, int]:
    """Counts by vacancy status (``Snapshot.status``)."""
    total, yes, full = tally
    if facet == "has_vacancy":
        return {k: n for k, n in (("true", yes), ("false", total - yes)) if n}
    counts = {JA: yes, NEJ: full, OKAND: total - yes - full}
    return {status: counts[code] for code, status in enumerate(STATUSES) if counts[code]}


def _selects_every_value(c: ColumnStore, clause: Clause) -> bool:
    """A keyword filter naming every value the column holds (a caseworker's every provider type):
    in a text query it would only make tantivy intersect the matches with every document."""
    return (
        isinstance(clause, AnyOf)
        and clause.field in KEYWORD_FIELDS
        and set(c.keyword_values[clause.field]) <= set(clause.values)
    )


def _is_geo(clause: Clause) -> bool:
    return isinstance(clause.clause if isinstance(clause, Not) else clause, WithinKm)


def _status_rows(snap: Snapshot, clause: VacancyStatusIn) -> Words:
    status = snap.status(clause.fresh_after)
    chosen = [s in clause.statuses for s in STATUSES]
    rows = np.zeros_like(snap.every)
    if chosen[JA]:
        rows |= status.ja
    if chosen[NEJ]:
        rows |= status.nej
    if chosen[OKAND]:
        rows |= snap.every ^ (status.ja | status.nej)
    return rows


def clause_rows(snap: Snapshot, clause: Clause) -> Words:
    """The clause over the whole table as a set, kept per snapshot (vacancy status from the
    snapshot's status sets; a negation from its clause's set)."""
    if isinstance(clause, Not):
        return snap.every ^ clause_rows(snap, clause.clause)
    if isinstance(clause, VacancyStatusIn):
        return _status_rows(snap, clause)
    c = snap.columns
    if isinstance(clause, WithinKm):
        return snap.within(clause.lat, clause.lon, clause.km)
    # Confirmations rewrite the vacancy columns in place: a set made from them is kept per ledger position.
    if _reads_vacancies(clause):
        return snap.cached_bits((clause, snap.ledger_seq), lambda: clause_set(c, clause))
    # A rule over single rows: the set is carried over a delta, evaluated on the delta's rows only.
    return snap.cached_bits(clause, lambda: clause_set(c, clause), functools.partial(_clause_rule, clause))


def _clause_rule(clause: Clause, columns: ColumnStore) -> Mask:
    return clause_mask(columns, clause)


def _text_key(snap: Snapshot, plan: SearchPlan) -> TextKey | None:
    """What a text match set is kept under: the words, and the filters tantivy narrows them by."""
    if plan.text is None:
        return None
    c = snap.columns
    return plan.text, tuple(f for f in plan.filters if narrowable(f) and not _selects_every_value(c, f))


# Facets counted over a column a confirmation writes (the status facets among them).
_VACANCY_FACETS = frozenset(name for name, facet in FACET_BY_NAME.items() if facet.field in VACANCY_COLUMNS)


class _VacancyReads:
    """What a search reads of the vacancy columns, as a kept search's key holds it: the ledger
    position the columns were at, and for each status clause the ``StatusBits`` token in place of
    its boundary. The boundary (now minus the TTL) moves with every search, yet the status sets are
    the same until it passes a home's confirmation moment (``StatusBits.holds_at``): keyed by the
    boundary nothing would be found again; by the token, exactly while the sets hold."""

    def __init__(self, snap: Snapshot) -> None:
        self.snap = snap
        # Read before any status set or column (``Snapshot.status``): a newer column only ever
        # lands under an older position, which no later search asks for.
        self.seq = snap.ledger_seq
        self.read = False

    def clause(self, clause: Clause) -> object:
        if isinstance(clause, Not):
            return ("not", self.clause(clause.clause))
        if isinstance(clause, VacancyStatusIn):
            self.read = True
            return ("status", clause.statuses, self.snap.status(clause.fresh_after).token)
        if getattr(clause, "field", None) in VACANCY_COLUMNS:
            self.read = True
        return clause

    def facets(self, counted: frozenset[str], stale_before: float) -> int | None:
        """The status sets' token if a status facet is among the ``counted``."""
        if not counted.isdisjoint(_VACANCY_FACETS):
            self.read = True
        if not counted.isdisjoint(STATUS_FACETS):
            self.read = True
            return self.snap.status(stale_before).token
        return None


@dataclass(frozen=True)
class _SearchKey:
    """What a search's outcome is kept under (``key``), and the status facets it leaves out, counted
    per search over the kept hits (``per_search``)."""

    key: tuple[object, ...]
    per_search: frozenset[str]


def _search_key(snap: Snapshot, plan: SearchPlan, text_key: TextKey | None) -> _SearchKey:
    """Everything a search's hits, total and facet counts follow from, on this snapshot: the
    filters, the text matches' key, the selections, the facets asked for (in order: the answer
    keeps it) and what was read of the vacancy columns (first: None when nothing was, so a
    confirmation drops only the searches that read them). Not the origin, tier, decay, sort or page:
    only ``page`` reads them. A step before the page that comes to read another field of the plan
    must add it here (``test_kept_searches`` lists the fields).

    When neither filters nor selections read the vacancy columns, the hits do not depend on them:
    the status facets (asked for by default) are then counted per search over the kept hits (two
    popcounts), and confirmations and the moving staleness boundary leave the kept search standing."""
    reads = _VacancyReads(snap)
    filters = tuple(reads.clause(clause) for clause in plan.filters)
    selections = tuple((name, reads.clause(clause)) for name, clause in plan.selections)
    asked = frozenset(plan.facets)
    per_search = frozenset() if reads.read else STATUS_FACETS & asked
    status = reads.facets(asked - per_search, plan.stale_before)
    vacancies = (reads.seq, status) if reads.read else None
    return _SearchKey((vacancies, filters, text_key, selections, plan.facets), per_search)


def _page_key(plan: SearchPlan) -> tuple[object, ...]:
    """What a page reads beyond its kept search's hits and text matches: the tier, origin, decay,
    sort and the page asked for. It reads the hits' freshness too, which the kept page checks
    (``KeptSearch.page``)."""
    return plan.tier, plan.origin, plan.decay, plan.sort, plan.offset, plan.size


def _facet_counts(snap: Snapshot, facet: str, rows: Counting, tally: Callable[[Counting], Tally]) -> dict[str, int]:
    c = snap.columns
    if facet in STATUS_FACETS:
        return _status_counts(facet, tally(rows))
    field = FACET_BY_NAME[facet].field
    if field in KEYWORD_FIELDS:
        values = c.keyword_values[field]
        counted = snap.keyword_bits.counts(field, values, rows)
        if counted is not None:
            return counted
        counts = np.bincount(c.codes(field)[rows_of(rows.words)], minlength=len(values))
        return {v: int(n) for v, n in zip(values, counts, strict=False) if n}
    if field in MULTI_FIELDS:
        return c.multi_counts(field, rows)
    yes = rows.count_in(clause_rows(snap, Flag(field, True)))
    no = rows.total() - yes
    return {k: n for k, n in (("true", yes), ("false", no)) if n}


def _facets_of(
    snap: Snapshot, plan: SearchPlan, kept: KeptSearch, per_search: frozenset[str]
) -> dict[str, dict[str, int]]:
    """The answer's facets in the order asked for: copies of the kept counts (they stay as they are
    whatever the caller does with its answer), and the status facets counted now over the kept hits."""
    tally: Tally | None = None
    if per_search:
        # The same status sets (their token) give the same tally of the same hits.
        bits = snap.status(plan.stale_before)
        tally = kept.tallies.get(bits.token)
        if tally is None:
            rows = Counting.of(kept.hits)
            tally = (kept.total, rows.count_in(bits.ja), rows.count_in(bits.nej))
            kept.tallies.clear()
            kept.tallies[bits.token] = tally
    return {
        facet: _status_counts(facet, tally) if tally is not None and facet in per_search else dict(kept.facets[facet])
        for facet in plan.facets
    }


@dataclass
class _Candidates:
    standing: Words
    text: TextMatches | None


@dataclass(frozen=True)
class WarmUp:
    """What a warm-up did (the log line of a version switch: how long the old version served on)."""

    done: int
    steps: int
    collected_elsewhere: int
    worked_s: float
    took_s: float
    stopped: str | None

    def __str__(self) -> str:
        how = f"stopped by {self.stopped}" if self.stopped else "complete"
        return (
            f"warmed in {self.took_s:.2f} s ({self.done} of {self.steps} steps, {self.worked_s:.2f} s of work, "
            f"{self.collected_elsewhere} text sets from the collector process; {how})"
        )


class EmbeddedBackend:
    def __init__(self, root: Path, ledger: VacancyLedger | None = None, threads: int = 0) -> None:
        # Searches run on these threads, never on the event loop: one slow search must not hold up
        # /healthz or anyone else's request. numpy and tantivy release the GIL for their heavy parts.
        self._pool = ThreadPoolExecutor(max_workers=threads or os.cpu_count() or 2, thread_name_prefix="search")
        # Homes' confirmations (a durable ledger) over the vacancy columns: engines.embedded.vacancy_overlay.
        self._overlay = VacancyOverlay(ledger)
        self._versions = IndexVersions(root)
        self._pointer_path = root / POINTER
        self._lock = threading.Lock()
        self._served: Opened[Snapshot] | None = None
        self._sizes_checked = 0.0
        self._seen: tuple[object, ...] | None = None
        self._stop = threading.Event()
        self._refresher: threading.Thread | None = None
        # Versions swapped out, with when: the refresher frees them part by part (``_retire``).
        self._retiring: list[tuple[Snapshot, float]] = []
        # Started at the first version switch after the first open: a warm-up follows (``_text_set``).
        self._collector = CollectorProcess()
        publication.register(root, self)

    # -- snapshots, off the request path ------------------------------------------------------

    def _stamp(self) -> tuple[object, ...]:
        """What the refresher compares: the pointer (its file and what it names) and how many deltas
        the live version has (a count, not the folder's mtime, which a second delta within the same
        clock tick would leave unchanged)."""
        try:
            st = os.stat(self._pointer_path)
        except FileNotFoundError as exc:
            raise BackendUnavailable(
                "no index has been built yet; run 'placeringssok reindex --source FILE'", retry_after_s=30
            ) from exc
        live = self._live_name()
        try:
            deltas = len(os.listdir(self._versions.root / live / DELTAS)) if live else 0
        except FileNotFoundError:
            deltas = 0
        return (st.st_mtime_ns, st.st_ino, st.st_size, live, deltas)

    def _live_name(self) -> str | None:
        """The live version's name, None when the pointer cannot be read (``recovery`` decides)."""
        try:
            return self._versions.live_dir().name
        except (PlaceringssokError, OSError, ValueError):
            return None

    def _refresh(self, *, force: bool = False) -> None:
        """Make the snapshot match the disk: a new version opened (or, if the live one is damaged, an
        intact one: ``recovery``), or new deltas applied to the one served. ``force``: look even if
        the stamp did not move (a write of this process, which must not be missed)."""
        with self._lock:
            self._refresh_locked(force)
            if self._refresher is None and self._served is not None:
                # Whoever opened the first snapshot (a search, readiness at startup) starts the
                # refresher: from now on it alone finds other processes' writes.
                self._refresher = threading.Thread(
                    target=self._run_refresher, args=(self._stop,), name="index-refresh", daemon=True
                )
                self._refresher.start()

    def _refresh_locked(self, force: bool) -> None:
        stamp = self._stamp()
        changed = self._served_files_changed()
        served = self._served
        if stamp == self._seen and served is not None and not changed and not force:
            return
        live = self._live_name()
        if served is not None and not changed and served.version == live and served.problem is None:
            fresh = served.snapshot.with_deltas()
            if fresh is not served.snapshot:
                self._overlay.start(fresh)
                # The kept sets came along (``Snapshot.with_deltas``); text matches, whose scores
                # follow every added document, are made again before it serves.
                self._warm(fresh, served.snapshot, WARM_DELTA_BUDGET_S, sets=False, until=self._disk_moved(stamp))
                self._served = Opened(fresh, served.version)
        else:
            # Paced as a warm-up is while an intact version serves: replaying a version's deltas holds
            # the GIL (hundreds of milliseconds for a few hundred at a million providers).
            duty = WARM_DUTY if served is not None and not changed else 1.0
            if served is not None:
                self._collector.start()  # (once) it starts while the version opens, before the warm-up
            paced = functools.partial(Snapshot.open, between=Pacing(duty))
            started = time.monotonic()
            opened = open_live_or_fallback(self._versions, paced, served, current_damaged=changed)
            if served is None or opened.snapshot is not served.snapshot:
                self._overlay.start(opened.snapshot)
                if served is not None:
                    open_s = time.monotonic() - started
                    # A newer version or a delta written meanwhile stops it: the next refresh opens that.
                    warm_until = self._disk_moved(stamp)
                    warmed = self._warm(
                        opened.snapshot, served.snapshot, WARM_BUDGET_S, duty=WARM_DUTY, until=warm_until
                    )
                    log.info("serving version %s: opened in %.2f s, then %s", opened.version, open_s, warmed)
            self._served = opened
            if served is not None and opened.snapshot is not served.snapshot:
                self._retiring.append((served.snapshot, time.monotonic()))
        self._seen = stamp

    def _disk_moved(self, stamp: tuple[object, ...]) -> Callable[[], bool]:
        """Whether the disk holds more than ``stamp`` saw (a newer delta or version: stop warming and
        serve)."""

        def moved() -> bool:
            try:
                return self._stamp() != stamp
            except BackendUnavailable:
                return True

        return moved

    def _warm(
        self,
        new: Snapshot,
        old: Snapshot,
        budget_s: float,
        *,
        sets: bool = True,
        duty: float = 1.0,
        until: Callable[[], bool] = lambda: False,
    ) -> WarmUp:
        """Make the searches ``old`` answered last again on ``new`` before it serves (as Solr warms a
        new searcher): otherwise each worker's first search of each kind after a version switch or
        a delta pays for new text matches (70 ms at 1M) and, after a switch, circles and whole
        searches, and the search tail follows the writes. Off the request path (the old snapshot
        serves meanwhile), working at most ``budget_s`` and ``duty`` of the time (``WARM_DUTY``),
        stopped once ``until`` holds; ``sets``: the row sets and the kept searches too (a delta
        carries the sets, and searches it again on the next search: warming them would hold a
        write's visibility back)."""
        pace = Pacing(duty)
        started, answered = time.monotonic(), self._collector.answered
        steps = list(self._warm_steps(new, old, sets, pace))
        done, stopped = 0, None
        for step in steps:
            if pace.worked > budget_s or until():
                stopped = "its budget spent" if pace.worked > budget_s else "a newer version or delta"
                break
            try:
                step()
            except Exception:  # a warm-up is an optimisation: the search itself will say what is wrong
                stopped = "a step failed"
                break
            done += 1
            pace()
        return WarmUp(
            done, len(steps), self._collector.answered - answered, pace.worked, time.monotonic() - started, stopped
        )

    def _warm_steps(self, new: Snapshot, old: Snapshot, sets: bool, pace: Pacing) -> Iterator[Callable[[], object]]:
        """The warm-up's steps, newest first: text match sets (paced between their searches too),
        then row sets, then whole searches. A version's text sets are collected by the collector
        process; a delta's here: a write waits for them (``WARM_DELTA_BUDGET_S``), and the process,
        giving way to the searches, took over a second under load at a million providers."""
        collector = self._collector if sets else None
        for key, matches in _newest(old.texts.items(), WARM_TEXTS):
            yield functools.partial(self._text_set, new, key, len(matches.rows), pace, collector)
        if not sets:
            return
        for key in _newest(old.masks, WARM_SETS):
            if is_circle(key):
                yield functools.partial(new.within, *key[1:])
            elif isinstance(key, Clause) and not _reads_vacancies(key):
                yield functools.partial(clause_rows, new, key)
        # The newest of each search once: a search that selects by the vacancy status is kept anew
        # each time the boundary passes a home's moment, and the older ones are never asked again
        # (12 of the 32 newest in a benchmark of 20 searches at a million providers).
        warmed: set[SearchPlan] = set()
        for search in _newest(old.searches.values(), SEARCHES_KEPT):
            same = _at_no_boundary(search.plan)
            if same not in warmed and len(warmed) < WARM_SEARCHES:
                warmed.add(same)
                yield functools.partial(self._answer, new, search.plan)

    def _text_set(
        self, snap: Snapshot, key: TextKey, expected: int, pace: Pacing, collector: CollectorProcess | None
    ) -> Words:
        """A text match set, collected by the ``collector`` if given and it can (its hand-over of the
        matches then holds that process's GIL, not this one's), else here."""

        def elsewhere() -> Scored | None:
            collected = collector.collect(snap, key, expected) if collector is not None else None
            if collected is None:
                return None
            scored, worked = collected
            pace.add(worked)
            return scored

        query = functools.partial(self._text_query, snap, *key)
        return snap.text_rows(key, snap.text_matches(key, query, expected, pace, elsewhere))

    def _served_files_changed(self) -> bool:
        """Sizes of the served version's files, at most once a second: a file truncated under an open
        index must be noticed before a search reads past its new end (which kills the process)."""
        served, now = self._served, time.monotonic()
        if served is None or now - self._sizes_checked < SIZE_CHECK_INTERVAL_S:
            return False
        self._sizes_checked = now
        problem = sizes_changed(self._versions.root / served.version)
        if problem is not None:
            log.error("INDEX DAMAGED: %s changed while being served: %s", served.version, problem)
        return problem is not None

    def _guarded(self, work: Callable[..., T], *args: Any) -> T:
        """Run ``work``; if it fails and the served version's files turn out damaged, answer 503 and
        serve an intact version from the next request on, rather than a 500 after a 500."""
        served = self._served
        try:
            return work(*args)
        except (KeyboardInterrupt, SystemExit, GeneratorExit, PlaceringssokError):
            raise
        except BaseException as exc:  # tantivy's panics are BaseExceptions
            problem = damage(self._versions.root / served.version) if served is not None else None
            if served is None or problem is None:
                raise
            log.error("INDEX DAMAGED: %s failed a search: %s", served.version, problem)
            with self._lock:
                if self._served is served:
                    self._served = open_live_or_fallback(self._versions, Snapshot.open, served, current_damaged=True)
            raise BackendUnavailable(
                f"the index version being served is damaged ({problem}); an intact one is served from now on",
                retry_after_s=1,
            ) from exc

    def _run_refresher(self, stop: threading.Event) -> None:
        while not stop.wait(REFRESH_INTERVAL_S):
            try:
                with self._lock:
                    if stop.is_set():
                        return  # closed while waiting for the lock: open nothing more
                    self._refresh_locked(False)
                self._retire()
            except Exception:
                continue

    def _retire(self) -> None:
        """Free the versions no longer served part by part, paced (``Snapshot.release``), once no
        search holds them; one still held after ``RETIRE_WITHIN_S`` is left to be freed whenever
        its last search ends. (Only a version's own snapshot: a delta's shares its parts.)"""
        while self._retiring:
            snap, since = self._retiring[0]
            # Beyond the list, this name and the call's argument, only a search still running on it
            # holds it (none can reach it anew: it is no longer served).
            held = sys.getrefcount(snap) > 3
            if held and time.monotonic() - since < RETIRE_WITHIN_S:
                return
            self._retiring.pop(0)
            if not held:
                snap.release(Pacing(WARM_DUTY))
            del snap

    def install_written(self) -> None:
        """A write in this process is on disk: open and serve it now, on the writer's thread, before
        the write is acknowledged (``publication``). Nothing to do before the first search."""
        if self._served is not None:
            self._refresh(force=True)

    def _snapshot(self) -> Snapshot:
        """The snapshot to search: whatever the refresher (or a writer of this process) last
        installed. Nothing here reads a file: the ledger's position is compared in memory."""
        served = self._served
        if served is None:
            served = self._first_open()
        snap = served.snapshot
        if self._overlay.catch_up(snap):
            # Only sets over the vacancy columns are stale (they are kept per ledger position: these
            # would never be asked for again); the rest (roles, permits, places) stay.
            snap.drop_sets(
                lambda key: isinstance(key, tuple) and len(key) == 2 and _reads_vacancies(key[0]),
                lambda key: key[0] is not None,  # ``_search_key``'s ledger position
            )
        return snap

    def _first_open(self) -> Opened[Snapshot]:
        """The first search opens what is live (BackendUnavailable before the first build)."""
        self._refresh()
        served = self._served
        assert served is not None
        return served

    # -- the plan, in steps over one candidate set --------------------------------------------

    def _filter(self, snap: Snapshot, plan: SearchPlan) -> _Candidates:
        """Every filter but the circles, and the text matches."""
        standing = snap.alive.copy()
        for clause in plan.filters:
            if not _is_geo(clause):
                standing &= clause_rows(snap, clause)
        key = _text_key(snap, plan)
        matches = self._matches(snap, key)
        if key is not None and matches is not None:
            standing &= snap.text_rows(key, matches)
        return _Candidates(standing, matches)

    def _matches(self, snap: Snapshot, key: TextKey | None) -> TextMatches | None:
        if key is None:
            return None
        # Compiled only when the snapshot keeps no matches for these words and filters.
        return snap.text_matches(key, lambda: self._text_query(snap, *key))

    def _text_query(self, snap: Snapshot, text: TextSearch, narrowing: tuple[Clause, ...]) -> tantivy.Query:
        return narrowed_text(snap.index.schema, text, narrowing)

    def _geo(self, snap: Snapshot, plan: SearchPlan, standing: Words) -> None:
        """Radius and exclusion circles, in place (each circle's set kept per snapshot: a caseworker
        keeps the school and radius while paging and ticking facets)."""
        for clause in plan.filters:
            if _is_geo(clause):
                standing &= clause_rows(snap, clause)

    def _counts(self, snap: Snapshot, plan: SearchPlan, standing: Words) -> tuple[dict[str, dict[str, int]], Words]:
        """Facet counts (each facet applies every selection but its own) and the hits."""
        selections = {name: clause_rows(snap, clause) for name, clause in plan.selections}
        hits = standing.copy()
        for selected in selections.values():
            hits &= selected
        facets: dict[str, dict[str, int]] = {}
        counting = Counting.of(hits)
        # Vacancy status once for every status facet of this search, and its tally once per set
        # counted (both status facets count the same set unless one is selected).
        status = functools.cache(lambda: snap.status(plan.stale_before))
        tallies: dict[int, tuple[Counting, Tally]] = {}

        def tally(rows: Counting) -> Tally:
            found = tallies.get(id(rows))
            if found is None:
                bits = status()
                found = tallies[id(rows)] = (rows, (rows.total(), rows.count_in(bits.ja), rows.count_in(bits.nej)))
            return found[1]

        for facet in plan.facets:
            rows = counting
            if facet in selections:
                own = standing.copy()
                for name, selected in selections.items():
                    if name != facet:
                        own &= selected
                rows = Counting.of(own)
            facets[facet] = _facet_counts(snap, facet, rows, tally)
        return facets, hits

    def _kept(
        self, snap: Snapshot, plan: SearchPlan, text_key: TextKey | None, key: _SearchKey
    ) -> tuple[KeptSearch, TextMatches | None, dict[str, dict[str, int]]]:
        """The search's hits, total and facet counts, from what the snapshot keeps for its key, or
        made and kept; its text matches when they were looked up here (a kept page needs none); and
        the answer's facets."""
        kept = snap.kept_search(key.key)
        if kept is not None:
            return kept, None, _facets_of(snap, plan, kept, key.per_search)
        candidates = self._filter(snap, plan)
        self._geo(snap, plan, candidates.standing)
        # Every facet (the status facets too, from the same count of the hits) for this answer; the
        # kept ones are copies, so no caller can change them.
        facets, hits = self._counts(snap, plan, candidates.standing)
        keeping = {name: dict(counts) for name, counts in facets.items() if name not in key.per_search}
        return snap.keep_search(key.key, hits, count(hits), keeping, plan), candidates.text, facets

    def _page(self, snap: Snapshot, plan: SearchPlan, hits: Words, matches: TextMatches | None) -> Page:
        tier = clause_rows(snap, plan.tier) if plan.tier is not None else None
        return page(plan, snap.columns, snap, hits, matches, tier)

    def _answer(self, snap: Snapshot, plan: SearchPlan) -> tuple[KeptSearch, Page, dict[str, dict[str, int]]]:
        """The plan's kept search (found or made), its page (found or made) and the answer's facets."""
        text_key = _text_key(snap, plan)
        key = _search_key(snap, plan, text_key)
        kept, looked_up, facets = self._kept(snap, plan, text_key, key)

        def made() -> Page:
            matches = looked_up if looked_up is not None else self._matches(snap, text_key)
            return self._page(snap, plan, kept.hits, matches)

        status = snap.status(plan.stale_before)
        return kept, kept.page(_page_key(plan), made, status, plan.stale_before), facets

    def _execute(self, plan: SearchPlan) -> BackendResult:
        snap = self._snapshot()
        kept, ranked, facets = self._answer(snap, plan)
        hits = [
            BackendHit(source, score, text)
            for source, score, text in zip(
                snap.sources_of(ranked.rows.tolist()), ranked.score.tolist(), ranked.text_score.tolist(), strict=True
            )
        ]
        return BackendResult(total=kept.total, hits=hits, facets=facets)

    # -- the backend interface ----------------------------------------------------------------

    async def _off_loop(self, work: Callable[..., T], *args: Any) -> T:
        return await asyncio.get_running_loop().run_in_executor(self._pool, self._guarded, work, *args)

    async def search(self, plan: SearchPlan) -> BackendResult:
        return await self._off_loop(self._execute, plan)

    async def get(self, provider_id: str, visible_types: frozenset[str]) -> StoredProvider | None:
        return await self._off_loop(self._get, provider_id, visible_types)

    def _get(self, provider_id: str, visible_types: frozenset[str]) -> StoredProvider | None:
        snap = self._snapshot()
        row = snap.columns.row_of(provider_id)
        if row is None:
            return None
        source = snap.source(row)
        return source if source["provider_type"] in visible_types else None

    async def suggest_names(self, prefix: str, visible_types: frozenset[str], limit: int) -> list[str]:
        return await self._off_loop(self._suggest_names, prefix, visible_types, limit)

    def _suggest_names(self, prefix: str, visible_types: frozenset[str], limit: int) -> list[str]:
        if not prefix.strip():
            return []
        snap = self._snapshot()
        c = snap.columns
        types, codes = c.keyword_values["provider_type"], c.codes("provider_type")
        # Every row with a word of that prefix, then core.name_suggestions orders and cuts, as on
        # Elasticsearch.
        candidates = [
            (str(snap.source(row)["name"]), c.ids[row].decode())
            for row in snap.names.rows_with_prefix(prefix)
            if row < c.n and c.alive[row] and types[codes[row]] in visible_types
        ]
        return offered_names(candidates, limit)

    async def readiness(self) -> Readiness:
        return await self._off_loop(self._readiness)

    def _readiness(self) -> Readiness:
        try:
            # Readiness may wait for an open (searches never do): it reports what the disk holds now.
            self._refresh()
            snap = self._snapshot()
        except BackendUnavailable as exc:
            return Readiness(ready=False, version=None, documents=None, reason=exc.reason)
        served = self._served
        problem = served.problem if served is not None else None
        return Readiness(ready=True, version=snap.version, documents=snap.columns.live_count, reason=problem)

    async def apply_confirmation(self, confirmation: Confirmation) -> None:
        """Nothing to write: the ledger took the confirmation into its memory before acknowledging it,
        so this (and the next search of this worker) applies it to the columns; other workers' within
        the ledger's ``CHECK_INTERVAL_S``."""
        self._snapshot()

    async def close(self) -> None:
        # The pool stays: a backend handed to several apps (tests) outlives each one's lifespan; the
        # refresher stops and starts again with the next search.
        with self._lock:
            self._stop.set()
            self._stop, self._refresher, self._served = threading.Event(), None, None
            self._retiring.clear()
            self._collector.stop()
