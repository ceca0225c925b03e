"""The embedded backend: compiles a search plan to tantivy (text) and numpy (everything else).

tantivy scores the Swedish text; the column store narrows candidates clause by clause, cheapest
first, measures exact haversine distances only for the rows still standing, counts facets and sorts.
A new live version (a reindex, sync or rollback by another process) is picked up on the next request.
"""

from __future__ import annotations

import asyncio
import dataclasses
import gc
import logging
import os
import threading
import time
from bisect import bisect_left
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar, cast

import numpy as np
import orjson
import tantivy
from numpy.typing import NDArray

from core.documents import StoredProvider
from core.errors import PlaceringssokError
from core.facets import FACET_BY_NAME, STATUS_FACETS
from core.geography import bounding_box, distance_km
from core.name_suggestions import name_words, offered_names
from core.ranking import decay_factor, freshness_factor, ranking_score
from core.vacancies import JA, STATUSES, Confirmation, status_codes
from core.vacancy_ledger import VacancyLedger
from core.vocabularies import INSTITUTIONAL_TYPES
from engines.embedded.columns import KEYWORD_FIELDS, MULTI_FIELDS, PERMIT_GROUPS, ColumnStore
from engines.embedded.integrity import damage, sizes_changed
from engines.embedded.recovery import Opened, open_live_or_fallback
from engines.embedded.text_index import open_index
from engines.embedded.text_query import compile_text
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

T = TypeVar("T")
log = logging.getLogger("placeringssok.index")
# How often the served version's file sizes are compared with its checksums list.
SIZE_CHECK_INTERVAL_S = 1.0
Rows = NDArray[np.int64]
Mask = NDArray[np.bool_]
Scalar = TypeVar("Scalar", bound=np.generic)
# How much a compound part or a one-typo match counts against the word as typed.
# Whole-table filter masks kept per index version (100,000 rows: 100 kB each).
MASK_CACHE_SIZE = 256


@dataclass
class _Snapshot:
    version: str
    index: tantivy.Index
    searcher: tantivy.Searcher
    columns: ColumnStore
    address_of_row: list[Any]
    alive_rows: Rows
    id_rank: NDArray[np.int64]
    name_words: list[tuple[str, str, str, str]]
    masks: dict[Clause, Mask] = dataclasses.field(default_factory=dict)
    # The last ledger confirmation applied to ``columns`` (engines.embedded.vacancy_overlay).
    ledger_seq: int = 0

    @classmethod
    def open(cls, version_dir: Path) -> _Snapshot:
        columns = ColumnStore.load(version_dir / "columns.npz")
        index = open_index(version_dir / "text")
        index.reload()
        searcher = index.searcher()
        hits = searcher.search(tantivy.Query.all_query(), limit=max(1, searcher.num_docs), count=False).hits
        addresses = [address for _, address in hits]
        rows = searcher.fast_field_values("row", addresses) if addresses else []
        address_of_row: list[Any] = [None] * len(columns)
        for address, row in zip(addresses, rows, strict=True):
            address_of_row[cast(int, row)] = address  # "row" is an unsigned-integer fast field
        alive_rows = np.flatnonzero(columns.flags["alive"]).astype(np.int64)
        id_rank = np.empty(len(columns), dtype=np.int64)
        id_rank[np.argsort(columns.ids, kind="stable")] = np.arange(len(columns))
        return cls(
            version=version_dir.name,
            index=index,
            searcher=searcher,
            columns=columns,
            address_of_row=address_of_row,
            alive_rows=alive_rows,
            id_rank=id_rank,
            name_words=_name_words(columns, searcher, address_of_row, alive_rows),
        )

    def source(self, row: int) -> StoredProvider:
        doc = self.searcher.doc(self.address_of_row[row])
        source: StoredProvider = orjson.loads(doc.to_dict()["source"][0])
        return source


def _name_words(
    columns: ColumnStore, searcher: tantivy.Searcher, address_of_row: list[Any], alive_rows: Rows
) -> list[tuple[str, str, str, str]]:
    """(word, name, provider type, id) for every word of every institutional name, sorted for prefix
    lookup.

    Confidential homes are left out: their public name is a neutral label, not something to suggest.
    """
    type_values = columns.keyword_values["provider_type"]
    codes = columns.keyword_codes["provider_type"]
    institutional = {str(t) for t in INSTITUTIONAL_TYPES}
    words: list[tuple[str, str, str, str]] = []
    for row in alive_rows:
        provider_type = type_values[codes[row]]
        if provider_type not in institutional:
            continue
        name = orjson.loads(searcher.doc(address_of_row[row]).to_dict()["source"][0])["name"]
        for word in name_words(name):
            words.append((word, name, provider_type, str(columns.ids[row])))
    words.sort()
    return words


class EmbeddedBackend:
    def __init__(self, root: Path, ledger: VacancyLedger | None = None, threads: int = 0) -> None:
        # Searches run on these threads, never on the event loop: one slow search must not hold up
        # /healthz or anyone else's request. numpy and tantivy release the GIL for their heavy parts.
        self._pool = ThreadPoolExecutor(max_workers=threads or os.cpu_count() or 2, thread_name_prefix="search")
        self._overlay = VacancyOverlay(ledger)
        self._versions = IndexVersions(root)
        self._pointer_path = root / POINTER
        self._lock = threading.Lock()
        self._stamp: tuple[int, int] | None = None
        self._served: Opened[_Snapshot] | None = None
        self._sizes_checked = 0.0

    def _snapshot(self) -> _Snapshot:
        try:
            st = os.stat(self._pointer_path)
        except FileNotFoundError as exc:
            raise BackendUnavailable(
                "no index has been built yet; run 'placeringssok reindex --source FILE'", retry_after_s=30
            ) from exc
        stamp = (st.st_mtime_ns, st.st_ino)
        changed = self._served_files_changed()
        if self._served is None or stamp != self._stamp or changed:
            with self._lock:
                if self._served is None or stamp != self._stamp or changed:
                    before = self._served
                    self._served = open_live_or_fallback(
                        self._versions, _Snapshot.open, self._served, current_damaged=changed
                    )
                    if before is None or self._served.snapshot is not before.snapshot:
                        self._overlay.start(self._served.snapshot)
                    self._stamp = stamp
                    # The snapshot's hundreds of thousands of long-lived objects would otherwise be
                    # walked by every full garbage collection: a 50 ms pause in the middle of a search.
                    gc.freeze()
        snap = self._served.snapshot
        if self._overlay.catch_up(snap):
            # Only masks over the vacancy columns are stale; the rest (roles, permits, places) stay.
            for clause in [c for c in snap.masks if _reads_vacancies(c)]:
                snap.masks.pop(clause, None)
        return snap

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
                    self._served = open_live_or_fallback(self._versions, _Snapshot.open, served, current_damaged=True)
            raise BackendUnavailable(
                f"the index version being served is damaged ({problem}); an intact one is served from now on",
                retry_after_s=1,
            ) from exc

    # -- the plan, compiled -------------------------------------------------------------------

    def _with_filters(self, snap: _Snapshot, text_query: tantivy.Query, plan: SearchPlan) -> tantivy.Query:
        """The text query narrowed by the filters tantivy can apply itself, at no score.

        Collecting every text match costs per match, so keyword filters and the box around a radius
        go into the query. Only a superset is needed: every filter is applied exactly afterwards.
        """
        schema = snap.index.schema
        clauses: list[tuple[tantivy.Occur, tantivy.Query]] = [(tantivy.Occur.Must, text_query)]

        def no_score(query: tantivy.Query) -> tuple[tantivy.Occur, tantivy.Query]:
            return tantivy.Occur.Must, tantivy.Query.const_score_query(query, 0.0)

        for clause in plan.filters:
            if isinstance(clause, AnyOf):
                clauses.append(no_score(tantivy.Query.term_set_query(schema, clause.field, list(clause.values))))
            elif isinstance(clause, AllOf):
                clauses += [no_score(tantivy.Query.term_query(schema, clause.field, v)) for v in clause.values]
            elif isinstance(clause, Not) and isinstance(clause.clause, AnyOf):
                inner = clause.clause
                clauses.append(
                    (tantivy.Occur.MustNot, tantivy.Query.term_set_query(schema, inner.field, list(inner.values)))
                )
            elif isinstance(clause, WithinKm):
                low_lat, high_lat, low_lon, high_lon = bounding_box(clause.lat, clause.lon, clause.km)
                for field, low, high in (("lat", low_lat, high_lat), ("lon", low_lon, high_lon)):
                    box = tantivy.Query.range_query(
                        schema, field, tantivy.FieldType.Float, low, high, use_inverted_index=False
                    )
                    clauses.append(no_score(box))
        return tantivy.Query.boolean_query(clauses) if len(clauses) > 1 else text_query

    def _mask(
        self, snap: _Snapshot, clause: Clause, rows: Rows | None, origin_distance: NDArray[np.float64] | None
    ) -> Mask:
        """The clause over ``rows``, or over every row of the column store when ``rows`` is None."""
        c = snap.columns

        def pick(column: NDArray[Scalar]) -> NDArray[Scalar]:
            return column if rows is None else column[rows]

        if isinstance(clause, Not):
            return ~self._mask(snap, clause.clause, rows, origin_distance)
        if isinstance(clause, AnyOf | AllOf) and clause.field in KEYWORD_FIELDS:
            values = c.keyword_values[clause.field]
            table = np.zeros(len(values) + 1, dtype=bool)
            for value in clause.values:
                if value in values:
                    table[values.index(value)] = True
            selected: Mask = table[pick(c.keyword_codes[clause.field])]
            return selected
        if isinstance(clause, AnyOf | AllOf):
            assert clause.field in MULTI_FIELDS, clause.field
            values = c.multi_values[clause.field]
            present = [values.index(v) for v in clause.values if v in values]
            size = len(c) if rows is None else len(rows)
            if not present or (isinstance(clause, AllOf) and len(present) < len(clause.values)):
                return np.zeros(size, dtype=bool)
            matrix = c.multi_matrix[clause.field]
            picked: Mask = (
                matrix[:, present] if rows is None else matrix[np.ix_(rows, np.asarray(present, dtype=np.int64))]
            )
            # numpy's stub types all/any over an axis as "scalar or array"; over axis 1 of a matrix it is an array.
            return picked.all(axis=1) if isinstance(clause, AllOf) else picked.any(axis=1)  # type: ignore[return-value]
        if isinstance(clause, AtMost):
            return pick(c.numbers[clause.field]) <= clause.value
        if isinstance(clause, AtLeast):
            return pick(c.numbers[clause.field]) >= clause.value
        if isinstance(clause, Flag):
            equal: Mask = pick(c.flags[clause.field]) == clause.value
            return equal
        if isinstance(clause, PermitCovers):
            return _permit_covers(c, clause, rows)
        if isinstance(clause, VacancyStatusIn):
            wanted = np.array([status in clause.statuses for status in STATUSES])
            codes = status_codes(
                pick(c.numbers["vacancies"]), pick(c.numbers["vacancies_updated_at"]), clause.fresh_after
            )
            status_mask: Mask = wanted[codes]
            return status_mask
        if isinstance(clause, WithinKm):
            if origin_distance is not None:
                return origin_distance <= clause.km
            return distance_km(clause.lat, clause.lon, pick(c.numbers["lat"]), pick(c.numbers["lon"])) <= clause.km
        raise TypeError(f"unknown clause {clause!r}")

    def _table_mask(self, snap: _Snapshot, clause: Clause) -> Mask:
        """The clause over the whole table, kept per version: the same filters (role, permits, a
        county) come back request after request. Never modified by callers."""
        if _depends_on_now(clause):
            return self._mask(snap, clause, None, None)
        mask = snap.masks.get(clause)
        if mask is None:
            if len(snap.masks) >= MASK_CACHE_SIZE:
                snap.masks.clear()
            mask = snap.masks[clause] = self._mask(snap, clause, None, None)
        return mask

    def _facet_counts(self, snap: _Snapshot, facet: str, rows: Rows, fresh_after: float) -> dict[str, int]:
        c = snap.columns
        if facet in STATUS_FACETS:
            codes = status_codes(c.numbers["vacancies"][rows], c.numbers["vacancies_updated_at"][rows], fresh_after)
            counts = np.bincount(codes, minlength=len(STATUSES))
            if facet == "has_vacancy":
                counts = np.array([counts[JA], len(rows) - counts[JA]])
                return {k: int(n) for k, n in zip(("true", "false"), counts, strict=True) if n}
            return {status: int(n) for status, n in zip(STATUSES, counts, strict=True) if n}
        field = FACET_BY_NAME[facet].field
        if field in KEYWORD_FIELDS:
            counts = np.bincount(c.keyword_codes[field][rows], minlength=len(c.keyword_values[field]))
            return {v: int(n) for v, n in zip(c.keyword_values[field], counts, strict=False) if n}
        if field in MULTI_FIELDS:
            counts = np.count_nonzero(c.multi_matrix[field][rows], axis=0)
            return {v: int(n) for v, n in zip(c.multi_values[field], counts, strict=True) if n}
        flags = c.flags[field][rows]
        yes = int(flags.sum())
        return {k: n for k, n in (("true", yes), ("false", len(rows) - yes)) if n}

    def _execute(self, plan: SearchPlan) -> BackendResult:  # noqa: C901 - split by the engine rewrite (issue 9)
        snap = self._snapshot()
        c = snap.columns
        # Keyword, number and flag filters as whole-table masks (cached), ANDed; then the rows left.
        standing = c.flags["alive"].copy()
        full_text_score: NDArray[np.float64] | None = None
        text_query = compile_text(snap.index.schema, plan.text) if plan.text is not None else None
        if plan.text is not None:
            standing[:] = False
            if text_query is not None:
                scored = self._with_filters(snap, text_query, plan)
                found = snap.searcher.search(scored, limit=max(1, snap.searcher.num_docs), count=False).hits
                text_rows = np.asarray(
                    snap.searcher.fast_field_values("row", [address for _, address in found]), dtype=np.int64
                )
                standing[text_rows] = c.flags["alive"][text_rows]
                full_text_score = np.zeros(len(c))
                full_text_score[text_rows] = [score for score, _ in found]
        geo = [f for f in plan.filters if isinstance(f.clause if isinstance(f, Not) else f, WithinKm)]
        for clause in plan.filters:
            if clause not in geo:
                standing &= self._table_mask(snap, clause)
        for clause in geo:
            if isinstance(clause, WithinKm):
                # A box around the circle drops most rows for four comparisons each; exact below.
                low_lat, high_lat, low_lon, high_lon = bounding_box(clause.lat, clause.lon, clause.km)
                lat, lon = c.numbers["lat"], c.numbers["lon"]
                standing &= (lat >= low_lat) & (lat <= high_lat) & (lon >= low_lon) & (lon <= high_lon)
        rows = np.flatnonzero(standing)
        text_score = full_text_score[rows] if full_text_score is not None else None
        # Haversine only for the rows still standing.
        distance = None
        if plan.origin is not None:
            distance = distance_km(plan.origin.lat, plan.origin.lon, c.numbers["lat"][rows], c.numbers["lon"][rows])
        for clause in geo:
            inner = clause.clause if isinstance(clause, Not) else clause
            assert isinstance(inner, WithinKm)
            same_origin = plan.origin is not None and (inner.lat, inner.lon) == (plan.origin.lat, plan.origin.lon)
            keep = self._mask(snap, clause, rows, (distance if same_origin else None))
            rows = rows[keep]
            if text_score is not None:
                text_score = text_score[keep]
            if distance is not None:
                distance = distance[keep]
        # Multi-select: one mask per facet selection over the rows every filter left standing.
        selection_masks = {name: self._table_mask(snap, clause)[rows] for name, clause in plan.selections}
        everything = np.ones(len(rows), dtype=bool)
        for mask in selection_masks.values():
            everything &= mask
        facets: dict[str, dict[str, int]] = {}
        for facet in plan.facets:
            others = np.ones(len(rows), dtype=bool)
            for name, mask in selection_masks.items():
                if name != facet:
                    others &= mask
            facets[facet] = self._facet_counts(snap, facet, rows[others], plan.stale_before)
        hits_rows = rows[everything]
        hit_text = text_score[everything] if text_score is not None else np.ones(len(hits_rows))
        hit_distance = distance[everything] if distance is not None else np.zeros(len(hits_rows))
        freshness = freshness_factor(c.numbers["vacancies_updated_at"][hits_rows], plan.stale_before)
        decay = decay_factor(hit_distance, plan.decay) if plan.decay is not None else None
        score = ranking_score(hit_text, freshness, decay)
        tier = self._table_mask(snap, plan.tier)[hits_rows] if plan.tier is not None else None
        page = _page(plan, c, snap.id_rank, hits_rows, score, hit_distance, tier)
        hits = []
        for i in page:
            source = snap.source(int(hits_rows[i]))
            hits.append(
                BackendHit(
                    source=source,
                    score=float(score[i]),
                    text_score=float(hit_text[i]),
                )
            )
        return BackendResult(total=len(hits_rows), hits=hits, facets=facets)

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
        snap = self._snapshot()
        needle = prefix.lower()
        if not needle.strip():
            return []
        words = snap.name_words
        candidates: list[tuple[str, str]] = []
        # Every word with the prefix sits in one run of the sorted list; all of it, as the order is
        # by name (core.name_suggestions), not by word.
        for word, name, provider_type, provider_id in words[bisect_left(words, (needle, "", "", "")) :]:
            if not word.startswith(needle):
                break
            if provider_type in visible_types:
                candidates.append((name, provider_id))
        return offered_names(candidates, limit)

    async def readiness(self) -> Readiness:
        return await self._off_loop(self._readiness)

    def _readiness(self) -> Readiness:
        try:
            snap = self._snapshot()
        except BackendUnavailable as exc:
            return Readiness(ready=False, version=None, documents=None, reason=exc.reason)
        served = self._served
        problem = served.problem if served is not None else None
        return Readiness(ready=True, version=snap.version, documents=len(snap.alive_rows), reason=problem)

    async def close(self) -> None:
        # The pool stays: a backend handed to several apps (tests) outlives each one's lifespan.
        self._served = None

    async def apply_confirmation(self, confirmation: Confirmation) -> None:
        """Nothing to write: the next search reads the ledger (every worker does, not only this one)."""
        self._snapshot()


def _reads_vacancies(clause: Clause) -> bool:
    inner = clause.clause if isinstance(clause, Not) else clause
    return getattr(inner, "field", None) in VACANCY_COLUMNS


def _depends_on_now(clause: Clause) -> bool:
    """Vacancy status moves with the clock (and with confirmations): never cached."""
    return isinstance(clause.clause if isinstance(clause, Not) else clause, VacancyStatusIn)


def _permit_covers(c: ColumnStore, clause: PermitCovers, rows: Rows | None) -> Mask:
    """``PermitCovers`` over the permit columns: a live permit whose scope holds every need and the
    age (an open end holds any age), or no permit where none is required."""

    def pick(column: NDArray[Scalar]) -> NDArray[Scalar]:
        return column if rows is None else column[rows]

    present = pick(c.flags["permit_present"])
    covered = present & ~pick(c.flags["permit_revoked"])
    scope = c.multi_values[PERMIT_GROUPS]
    for need in clause.needs:
        if need not in scope:
            covered = np.zeros_like(covered)
            break
        covered = covered & pick(c.multi_matrix[PERMIT_GROUPS][:, scope.index(need)])
    if clause.age is not None:
        low, high = pick(c.numbers["permit_age_min"]), pick(c.numbers["permit_age_max"])
        covered = covered & (np.isnan(low) | (low <= clause.age)) & (np.isnan(high) | (high >= clause.age))
    result: Mask = covered | (~present & ~pick(c.flags["permit_required"]))
    return result


def _reaching(primary: NDArray[np.float64], end: int) -> NDArray[np.int64]:
    """Positions that can reach the first ``end`` by ``primary``: only those need a full sort."""
    if len(primary) > 4 * end:
        threshold = np.partition(primary, end - 1)[end - 1]
        return np.flatnonzero(primary <= threshold)
    return np.arange(len(primary))


def _page(
    plan: SearchPlan,
    c: ColumnStore,
    id_rank: NDArray[np.int64],
    rows: Rows,
    score: NDArray[np.float64],
    distance: NDArray[np.float64],
    tier: Mask | None,
) -> NDArray[np.int64]:
    """Positions (into ``rows``) of the requested page, in the plan's order: the tier first, then the
    sort's key; ties by distance, then id."""
    ids = id_rank[rows]
    if plan.sort == "relevance":
        primary = -score
    elif plan.sort == "distance":
        primary = distance
    elif plan.sort == "price":
        primary = np.nan_to_num(c.numbers["price_per_day_sek"][rows], nan=np.inf)
    else:
        primary = np.nan_to_num(-c.numbers["vacancies_updated_at"][rows], nan=np.inf)
    keys = [ids, distance, primary] if plan.sort != "distance" else [ids, distance]
    end = plan.offset + plan.size
    if tier is None:
        candidates = _reaching(primary, end)
    else:
        keys.append((~tier).astype(np.int8))
        first, rest = np.flatnonzero(tier), np.flatnonzero(~tier)
        if len(first) >= end:
            candidates = first[_reaching(primary[first], end)]
        else:
            candidates = np.concatenate([first, rest[_reaching(primary[rest], end - len(first))]])
    order = np.lexsort([k[candidates] for k in keys])
    return candidates[order][plan.offset : end]
