"""One readable state of the embedded index: a version plus the small writes (deltas) applied to it.

A snapshot never changes once searches can see it. A newer one is made off the request path (see
``search.EmbeddedBackend``): a version switch opens the new folder (columns mapped copy-on-write,
so homes' confirmations written into them stay in this process; documents, name suggestions and the
rows' stored positions mapped; no document parsed, nothing copied or computed), and a delta extends
the current snapshot's columns past its last row (into the room the files keep, ``room_for``; past
it, grown) and takes a fresh tantivy searcher. Text hits whose rows the columns do not hold (a write
killed before it was acknowledged) are ignored.

What a snapshot keeps between searches is carried into the snapshot a delta makes, updated for the
delta's rows alone (``Snapshot.with_deltas``): a filter clause's set is its rule (``RowRule``)
evaluated on the appended rows, a circle's likewise, chords and parsed documents of rows still
alive stay. Killed rows' bits stay in those sets, as a set made afresh holds them (a dead row keeps
its columns; every search starts from ``alive``). Text matches stay only over a delta that added no
document to tantivy: its scores (BM25) depend on index-wide statistics, the number of documents and
of those holding each term, which any added document changes, so every kept score would differ
from the one a fresh search gives.
"""

from __future__ import annotations

import dataclasses
import itertools
import math
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from operator import itemgetter
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import numpy as np
import tantivy
from numpy.typing import NDArray

from core.documents import StoredProvider
from core.vacancies import status_masks
from engines.embedded.bitsets import every_row, holds, of_rows, pack
from engines.embedded.collector_pause import collector_paused
from engines.embedded.columns import ColumnStore, ColumnValues, Mask, Words
from engines.embedded.deltas import delta_files, delta_seq, read_delta
from engines.embedded.keyword_bits import KeywordBits
from engines.embedded.names import NameIndex
from engines.embedded.narrowing import within_rows
from engines.embedded.positions import FOLDER as POSITIONS
from engines.embedded.positions import Floats32, Positions
from engines.embedded.sources import SourceStore
from engines.embedded.text_index import open_index
from search_api.plan import Clause, SearchPlan
from search_api.text_plan import TextSearch

if TYPE_CHECKING:  # (page.py reads the snapshot's text matches: imported for the type alone)
    from engines.embedded.page import Page

# Whole-table row sets (filters, circles, text matches) kept per snapshot, least recently used out
# (packed bits: 1,000,000 rows are 125 KB each, 32 MB in all).
MASK_CACHE_SIZE = 256
# How far from the staleness boundary the moments on either side of it are looked for (seconds).
STATUS_WINDOW_S = 6 * 3600.0
# Points whose chords to every row are kept per snapshot (4 MB each at 1,000,000 rows): the wide
# circles of one search (its radius, the page's growing circles) share their point's chords.
CHORDS_CACHE_SIZE = 2
# Text match sets kept per snapshot: paging or ticking a facet repeats the same words.
TEXT_CACHE_SIZE = 32
# Parsed stored documents kept per snapshot (a few KB each): the homes near a school or matching
# common words come back page after page.
DOCUMENTS_KEPT = 2048
# Matches at least this share of the rows (1/DENSE_SHARE) are ordered through a table of every row.
DENSE_SHARE = 32
# Text matches are handed over by tantivy in pieces of about this many (``Snapshot._collect``): it
# makes a Python tuple per match holding the GIL, 20 to 50 ms for 200,000 matches at a million rows,
# which stalls every other search of the process (a version's warm-up makes such sets while searches
# run); a piece holds it for about 6 ms. (Smaller pieces hold it no shorter than Python's switch
# interval and cost more searches: 32,768 cost up to 75% more CPU at a million rows.)
COLLECT_PIECE = 65_536
# Searches' hits, facet counts and totals kept per snapshot (``KeptSearch``), least recently used
# out: at 1,000,000 rows 125 KB of hits and up to ~40 KB of counts (every facet) each, 21 MB at most.
SEARCHES_KEPT = 128
# Pages kept with each kept search (``KeptSearch.page``): a few hundred bytes each.
PAGES_KEPT = 16
# Each ``StatusBits`` made gets the next of these: what a kept search read them as (``KeptSearch``).
_status_tokens = itertools.count(1)

K = TypeVar("K")
V = TypeVar("V")

# A kept set's rule over single rows (a filter clause over the columns): the same rule over a store of
# some rows (``ColumnStore.rows_from``) gives those rows' part of the set.
RowRule = Callable[[ColumnStore], Mask]


def _by_row(rows: NDArray[np.int64], scores: NDArray[np.float64], n: int) -> TextMatches:
    """Matches ordered by row. Many matches are placed by their rows into a table of every row and
    read back in order (a stable sort of 200,000 rows costs 6 ms at a million rows; this 2); few,
    or a row matched twice (a document written again by a write killed before it was acknowledged),
    are sorted."""
    if len(rows) * DENSE_SHARE >= n:
        present = np.zeros(n, dtype=bool)
        present[rows] = True
        ordered = np.flatnonzero(present)
        if len(ordered) == len(rows):
            table = np.empty(n, dtype=np.float64)
            table[rows] = scores
            return TextMatches(ordered.astype(np.int64, copy=False), table[ordered])
    order = np.argsort(rows, kind="stable")
    return TextMatches(rows[order], scores[order])


@dataclass(frozen=True)
class StatusBits:
    """Rows whose vacancy status is ``ja`` and ``nej`` (the rest: ``okänd``), as ``status_masks``
    computes them at ``fresh_after``, over the columns as they were at ledger position ``ledger_seq``.
    The same sets hold for any boundary above the newest stale moment and at most the oldest fresh
    one: no row's moment lies between the two boundaries."""

    ledger_seq: int
    newest_stale: float
    oldest_fresh: float
    ja: Words
    nej: Words
    # The rows whose moments lie within the window around the boundary (exclusive), by moment: which
    # rows turn between two boundaries in the window (``turned``).
    window: tuple[float, float]
    near_moments: NDArray[np.float64]
    near_rows: NDArray[np.int64]
    # Tells these sets from any made before or after (for this or any snapshot): a search that read
    # them is kept under it, and found again for every boundary at which they hold.
    token: int = dataclasses.field(default_factory=lambda: next(_status_tokens), compare=False)

    def holds_at(self, ledger_seq: int, fresh_after: float) -> bool:
        return ledger_seq == self.ledger_seq and self.newest_stale < fresh_after <= self.oldest_fresh

    def turned(self, one: float, other: float) -> NDArray[np.int64] | None:
        """The rows fresh at one boundary and stale at the other (a moment at or after the earlier
        and before the later), over these columns; None when either lies outside the window."""
        span = self._span(one, other)
        return None if span is None else self.near_rows[span]

    def _span(self, one: float, other: float) -> slice | None:
        low, high = min(one, other), max(one, other)
        if not self.window[0] < low <= high < self.window[1]:
            return None
        first, end = np.searchsorted(self.near_moments, [low, high], side="left")
        return slice(int(first), int(end))

    def moved_to(self, vacancies: NDArray[np.float64], fresh_after: float) -> StatusBits | None:
        """These sets at another boundary within the window, over the same columns (``vacancies``
        their figures): only the rows that turned are looked at (a few, against a million for sets
        made afresh, 5 ms at a million rows, by every search that found the boundary past a moment)."""
        span = self._span(self.oldest_fresh, fresh_after)
        if span is None:
            return None
        turned = self.near_rows[span]
        ja, nej = self.ja.copy(), self.nej.copy()
        fresh = self.near_moments[span] >= fresh_after
        some = vacancies[turned] > 0
        word, bit = turned >> 6, np.left_shift(np.uint64(1), (turned & 63).astype(np.uint64))
        for bits, held in ((ja, fresh & some), (nej, fresh & ~some)):
            np.bitwise_and.at(bits, word, ~bit)
            np.bitwise_or.at(bits, word[held], bit[held])
        at = np.searchsorted(self.near_moments, fresh_after, side="left")
        newest_stale = float(self.near_moments[at - 1]) if at > 0 else self.window[0]
        oldest_fresh = float(self.near_moments[at]) if at < len(self.near_moments) else self.window[1]
        return dataclasses.replace(
            self, newest_stale=newest_stale, oldest_fresh=oldest_fresh, ja=ja, nej=nej, token=next(_status_tokens)
        )


def status_bits(columns: ColumnStore, ledger_seq: int, fresh_after: float) -> StatusBits:
    moments = columns.number("vacancies_updated_at")
    ja, nej = status_masks(columns.number("vacancies"), moments, fresh_after)
    # The moments nearest the boundary on either side, looked for within a window around it only
    # (a reduction over every row under a mask costs milliseconds at a million): past the window the
    # window's edge stands in for them, which holds the same sets for a narrower span of boundaries.
    low, high = fresh_after - STATUS_WINDOW_S, fresh_after + STATUS_WINDOW_S
    rows = np.flatnonzero((moments > low) & (moments < high))
    by_moment = np.argsort(moments[rows], kind="stable")
    rows = rows[by_moment]
    near = moments[rows]
    later, earlier = near[near >= fresh_after], near[near < fresh_after]
    oldest_fresh = float(later.min()) if len(later) else high
    newest_stale = float(earlier.max()) if len(earlier) else low
    return StatusBits(ledger_seq, newest_stale, oldest_fresh, pack(ja), pack(nej), (low, high), near, rows)


def _recent(kept: OrderedDict[K, V], key: K) -> V | None:
    """``kept[key]`` marked most recently used, or None (every kept mapping here is least recently
    used out; the caller holds the lock that guards ``kept``)."""
    found = kept.get(key)
    if found is not None:
        kept.move_to_end(key)
    return found


def _trim(kept: OrderedDict[K, V], most: int) -> list[K]:
    """Drop the least recently used entries past ``most``; the keys dropped."""
    gone: list[K] = []
    while len(kept) > most:
        gone.append(kept.popitem(last=False)[0])
    return gone


def _joined(words: Words, first: int, rest: Words) -> Words:
    """A set's words before the one holding row ``first`` (a multiple of 64), then ``rest``."""
    joined = np.empty(first // 64 + len(rest), dtype=np.uint64)
    joined[: first // 64] = words[: first // 64]
    joined[first // 64 :] = rest
    return joined


def _items(kept: OrderedDict[Any, TextMatches]) -> list[tuple[Any, TextMatches]]:
    """A kept mapping's items; none if a search changed it while it was read (searches add text
    matches without the lock; carrying them is an optimisation, never a reason to fail)."""
    try:
        return list(kept.items())
    except RuntimeError:
        return []


def is_circle(key: Any) -> bool:
    return isinstance(key, tuple) and len(key) == 4 and key[0] == "within"


def _is_text(key: Any) -> bool:
    return isinstance(key, tuple) and key[:1] == ("text",)


@dataclass(frozen=True)
class PageMade:
    """What a kept page was made at: the vacancy columns' ledger position and the boundary."""

    ledger_seq: int
    fresh_after: float


@dataclass(frozen=True)
class KeptSearch:
    """What a search's criteria alone decide (its hits as a read-only set, their count, the facet
    counts), kept per snapshot under a key holding everything they were computed from (the engine's
    ``search._search_key``), and the pages made from them, each under what the page reads beyond
    the hits (the sort, the page asked for, the origin, the rows' freshness: ``search._page_key``)."""

    hits: Words
    total: int
    facets: dict[str, dict[str, int]]
    # The plan that made it: a new version is warmed by searching it again (``EmbeddedBackend._warm``).
    plan: SearchPlan
    # The hits' vacancy status tally (rows, ja, nej) by the ``StatusBits.token`` it was counted
    # with, for searches whose status facets are counted per search: only the newest is kept.
    tallies: dict[int, tuple[int, int, int]] = dataclasses.field(default_factory=dict)
    # The pages made from these hits, by what the page reads beyond them (``search._page_key``), as
    # Solr's query result cache keeps a query's ordered ids: asking again, or paging back, orders
    # nothing again. Least recently used out, PAGES_KEPT of them. Each with what it was made at
    # (``PageMade``): it serves as long as none of the hits turned stale or fresh since.
    pages: OrderedDict[Any, tuple[Page, PageMade]] = dataclasses.field(
        default_factory=OrderedDict, compare=False, repr=False
    )
    _pages_lock: threading.Lock = dataclasses.field(default_factory=threading.Lock, compare=False, repr=False)

    def page(self, key: Any, make: Callable[[], Page], status: StatusBits, fresh_after: float) -> Page:
        """The page kept under ``key`` if it still holds at the boundary ``fresh_after`` (``status``
        the sets there), or made and kept (its arrays read-only: answers read them)."""
        with self._pages_lock:
            found = _recent(self.pages, key)
        if found is not None and self._holds(found[1], status, fresh_after):
            return found[0]
        made = make()
        for array in (made.rows, made.score, made.text_score, made.distance):
            array.flags.writeable = False
        with self._pages_lock:
            self.pages[key] = (made, PageMade(status.ledger_seq, fresh_after))
            _trim(self.pages, PAGES_KEPT)
        return made

    def _holds(self, made: PageMade, status: StatusBits, fresh_after: float) -> bool:
        """A page reads the hits' freshness alone of the boundary (the freshness factor, the status
        a hit ranks by): made over the same vacancy columns, it holds while no hit turned. (Keyed by
        the status sets instead, every page was made again whenever the boundary passed any home's
        moment: every 2-3 s at a million homes, each time every page at once.)"""
        if made.ledger_seq != status.ledger_seq:
            return False
        turned = status.turned(made.fresh_after, fresh_after)
        return turned is not None and not holds(self.hits, turned).any()


# A text match set's key: the words, and the filters that narrowed tantivy's query (``narrowing``).
TextKey = tuple[TextSearch, tuple[Clause, ...]]


def text_state(searcher: tantivy.Searcher) -> tuple[int, int]:
    """What tantivy's scores follow, as far as a searcher shows it: its documents and segments (two
    searchers that agree score every document alike; BM25 reads index-wide statistics)."""
    return searcher.num_docs, searcher.num_segments


# Text matches as tantivy handed them over: rows (some perhaps past the columns' or dead) and scores.
Scored = tuple[NDArray[np.int64], NDArray[np.float64]]


@dataclass(frozen=True)
class TextMatches:
    rows: NDArray[np.int64]  # sorted
    scores: NDArray[np.float64]  # by ``rows``


@dataclass
class Snapshot:
    version: str
    folder: Path
    index: tantivy.Index
    searcher: tantivy.Searcher
    columns: ColumnStore
    sources: SourceStore
    names: NameIndex
    applied: int
    # Rows' places as unit vectors (``positions``, as the version stored them) and keyword facets as
    # bitsets (``keyword_bits``, made here), so no search pays for them.
    positions: Positions
    keyword_bits: KeywordBits
    # The last ledger confirmation applied to ``columns`` (engines.embedded.vacancy_overlay).
    ledger_seq: int = 0
    masks: OrderedDict[Any, Words] = dataclasses.field(default_factory=OrderedDict)
    texts: OrderedDict[TextKey, TextMatches] = dataclasses.field(default_factory=OrderedDict)
    # Never carried to another snapshot: a delta or version starts with none.
    searches: OrderedDict[Any, KeptSearch] = dataclasses.field(default_factory=OrderedDict)
    # Every row, and the live ones, as sets (``bitsets``).
    every: Words = dataclasses.field(init=False)
    alive: Words = dataclasses.field(init=False)
    _status: StatusBits | None = dataclasses.field(default=None, init=False)
    _chords: OrderedDict[tuple[float, float], Floats32] = dataclasses.field(default_factory=OrderedDict, init=False)
    _documents: OrderedDict[int, dict[str, Any]] = dataclasses.field(default_factory=OrderedDict, init=False)
    # The rules of the kept sets that have one (``cached_bits``): what a delta's rows are evaluated by.
    _rules: dict[Any, RowRule] = dataclasses.field(default_factory=dict, init=False)
    _cache_lock: threading.Lock = dataclasses.field(default_factory=threading.Lock, init=False)

    def __post_init__(self) -> None:
        self.every = every_row(self.columns.n)
        self.alive = pack(self.columns.alive)

    @classmethod
    def open(cls, folder: Path, between: Callable[[], object] = lambda: None) -> Snapshot:
        """The version in ``folder`` with its deltas; ``between`` runs after each part read and each
        delta read and applied (a server opening a version while it searches pauses there:
        ``with_deltas``)."""
        index = open_index(folder / "text")
        deltas = delta_files(folder)
        # Read the delta list before taking the searcher: tantivy then holds every listed delta's rows.
        index.reload()
        between()
        columns = ColumnStore.load(folder / "columns", extendable=True)
        searcher = index.searcher()
        between()
        sources, names = SourceStore.open(folder / "sources"), NameIndex.open(folder)
        between()
        lat, lon = columns.number("lat"), columns.number("lon")
        positions = Positions.load(folder / POSITIONS, columns.n) or Positions.of(lat, lon)
        keyword_bits = KeywordBits.of(columns)
        between()
        snapshot = cls(
            version=folder.name,
            folder=folder,
            index=index,
            searcher=searcher,
            columns=columns,
            sources=sources,
            names=names,
            applied=0,
            positions=positions,
            keyword_bits=keyword_bits,
        )
        return snapshot.with_deltas(deltas, between)

    def with_deltas(self, paths: list[Path] | None = None, between: Callable[[], object] = lambda: None) -> Snapshot:
        """This snapshot plus every delta it has not applied yet (itself if there is none);
        ``between`` runs after each delta read and each applied (a version with hundreds of deltas
        takes a second to replay, holding the GIL through each delta's JSON and columns)."""
        pending = [p for p in (delta_files(self.folder) if paths is None else paths) if delta_seq(p) > self.applied]
        if not pending:
            return self
        self.index.reload()
        columns, sources, names, applied = self.columns, self.sources, self.names, self.applied
        for path in pending:
            delta = read_delta(path)
            between()  # (parsing a sync's thousand records takes 10 ms at a million rows, applying them 5)
            if delta["start"] != columns.n:
                break  # a gap: never apply rows out of order; the next refresh retries
            rows = [ColumnValues(*values) for values in delta["rows"]]
            columns = columns.extended(rows, delta["kill"])
            documents = {delta["start"] + i: d.encode() for i, d in enumerate(delta["documents"])}
            sources = sources.with_appended(documents)
            names = names.with_added((word, row) for word, row in delta["names"])
            applied = delta["seq"]
            between()
        fresh = Snapshot(
            version=self.version,
            folder=self.folder,
            index=self.index,
            searcher=self.index.searcher(),
            columns=columns,
            sources=sources,
            names=names,
            applied=applied,
            positions=self.positions.extended(columns.number("lat"), columns.number("lon")),
            keyword_bits=self.keyword_bits.extended(columns),
        )
        self._carry_into(fresh)
        return fresh

    def _same_text(self, fresh: Snapshot) -> bool:
        """Whether tantivy scores every document in ``fresh`` as in this snapshot: no row appended
        (so no document added), and the same documents in the same segments (no orphaned document
        deleted, no merge that purged deleted ones)."""
        return fresh.columns.n == self.columns.n and text_state(self.searcher) == text_state(fresh.searcher)

    def _carry_into(self, fresh: Snapshot) -> None:
        """What this snapshot keeps, made valid for ``fresh`` (this plus deltas): see the module
        docstring. A set with a rule or a circle is this one's words up to the word holding the first
        appended row, then the rule or circle over the rows from that word on; searches on this
        snapshot keep using its own sets meanwhile (a set is never changed once made)."""
        old_n, n = self.columns.n, fresh.columns.n
        first = old_n - old_n % 64
        tail = fresh.columns.rows_from(first) if n > old_n else None
        same_text = self._same_text(fresh)
        with self._cache_lock:
            masks, rules = list(self.masks.items()), dict(self._rules)
            chords, documents = list(self._chords.items()), list(self._documents.items())
        texts = _items(self.texts)
        for key, words in masks:
            rule = rules.get(key)
            if rule is not None:
                fresh.masks[key] = words if tail is None else _joined(words, first, pack(rule(tail)))
                fresh._rules[key] = rule
            elif is_circle(key):
                fresh.masks[key] = (
                    words if tail is None else _joined(words, first, pack(fresh._within_from(first, *key[1:])))
                )
            elif same_text and _is_text(key):
                fresh.masks[key] = words & fresh.alive
        if same_text:
            alive = fresh.columns.alive
            for key, matches in texts:
                live = alive[matches.rows]
                fresh.texts[key] = TextMatches(matches.rows[live], matches.scores[live])
        for point, chord2 in chords:
            rows = np.arange(old_n, n)
            fresh._chords[point] = (
                np.concatenate([chord2, fresh.positions.chord2(*point, rows)]) if n > old_n else chord2
            )
        alive = fresh.columns.alive
        fresh._documents.update((row, document) for row, document in documents if alive[row])

    def source(self, row: int) -> StoredProvider:
        source: StoredProvider = self.sources.document(row)  # type: ignore[assignment]  # the stored document
        return source

    def sources_of(self, rows: list[int]) -> list[StoredProvider]:
        """The stored documents of a page's rows, in order. Parsed ones are kept, least recently
        used out (a row's document never changes within a snapshot: a delta appends rows and makes
        a new snapshot); each hit gets its own top-level copy, nested values are only ever read."""
        kept = self._documents
        found: dict[int, dict[str, Any]] = {}
        with self._cache_lock:
            for row in rows:
                document = _recent(kept, row)
                if document is not None:
                    found[row] = document
        missing = [row for row in dict.fromkeys(rows) if row not in found]
        if missing:
            parsed = dict(zip(missing, self.sources.documents(missing), strict=True))
            found.update(parsed)
            with self._cache_lock:
                kept.update(parsed)
                _trim(kept, DOCUMENTS_KEPT)
        documents: list[StoredProvider] = [dict(found[row]) for row in rows]  # type: ignore[misc]  # stored documents
        return documents

    def cached_bits(self, key: Any, make: Callable[[], Words], rule: RowRule | None = None) -> Words:
        """A row set over the whole table, made once per snapshot (two threads may both make it: the
        same set). Whoever changes what ``make`` reads in place (vacancy confirmations) puts what
        tells the versions apart (the ledger position) into ``key``, and gives no ``rule``: a set
        with a rule (``make`` is ``pack(rule(columns))``) is carried over deltas."""
        with self._cache_lock:
            found = _recent(self.masks, key)
        if found is not None:
            return found
        made = make()
        with self._cache_lock:
            self._keep_bits(key, made, rule)
        return made

    def _keep_bits(self, key: Any, bits: Words, rule: RowRule | None = None) -> None:
        self.masks[key] = bits
        if rule is not None:
            self._rules[key] = rule
        for gone in _trim(self.masks, MASK_CACHE_SIZE):
            self._rules.pop(gone, None)

    def kept_search(self, key: Any) -> KeptSearch | None:
        with self._cache_lock:
            return _recent(self.searches, key)

    def keep_search(
        self, key: Any, hits: Words, total: int, facets: dict[str, dict[str, int]], plan: SearchPlan
    ) -> KeptSearch:
        """Keep a search's outcome under ``key`` (with the ``plan`` that made it, for warming the
        next version). ``hits`` becomes read-only: sets are ANDed in place elsewhere, and a kept one
        changed by a caller would answer every later search wrongly."""
        hits.flags.writeable = False
        kept = KeptSearch(hits, total, facets, plan)
        with self._cache_lock:
            self.searches[key] = kept
            _trim(self.searches, SEARCHES_KEPT)
        return kept

    def within(self, lat: float, lon: float, km: float) -> Words:
        """Every row ``distance_km`` puts within ``km`` of the point, as a kept set (``Positions.within``:
        a circle reads the rows near it)."""
        return self.cached_bits(("within", lat, lon, km), lambda: self._within(lat, lon, km))

    def _within(self, lat: float, lon: float, km: float) -> Words:
        c = self.columns
        return self.positions.within(
            lat, lon, km, c.number("lat"), c.number("lon"), lambda: self._point_chords(lat, lon)
        )

    def _point_chords(self, lat: float, lon: float) -> Floats32:
        """The point's chords to every row, kept for its next wide circles."""
        with self._cache_lock:
            chord2 = self._chords.get((lat, lon))
        if chord2 is None:
            chord2 = self.positions.chord2(lat, lon)
            with self._cache_lock:
                self._chords[(lat, lon)] = chord2
                _trim(self._chords, CHORDS_CACHE_SIZE)
        return chord2

    def _within_from(self, first: int, lat: float, lon: float, km: float) -> Mask:
        """``_within`` for rows ``first..n-1`` only (a delta's rows): each row's decision is its own."""
        c = self.columns
        return self.positions.within_appended(first, lat, lon, km, c.number("lat"), c.number("lon"))

    def status(self, fresh_after: float) -> StatusBits:
        """Vacancy status sets at ``fresh_after``, remade only when a confirmation arrived or the
        boundary passed a row's moment (``StatusBits``)."""
        # The position is read before the columns: columns newer than it are only ever remade.
        seq = self.ledger_seq
        found = self._status
        if found is None or not found.holds_at(seq, fresh_after):
            moved = None
            if found is not None and found.ledger_seq == seq:
                moved = found.moved_to(self.columns.number("vacancies"), fresh_after)
            found = self._status = moved or status_bits(self.columns, seq, fresh_after)
        return found

    def drop_sets(self, stale: Callable[[Any], bool], stale_search: Callable[[Any], bool]) -> None:
        """Drop the kept sets and searches whose keys ``stale`` and ``stale_search`` pick (searches
        on other threads keep adding)."""
        with self._cache_lock:
            for kept, picks in ((self.masks, stale), (self.searches, stale_search)):
                for key in [k for k in kept if picks(k)]:
                    del kept[key]
                    self._rules.pop(key, None)

    def release(self, between: Callable[[], object]) -> None:
        """Let go of what this snapshot holds, part by part, ``between`` after each; only once no
        search can reach it (``search.EmbeddedBackend._retire``): it answers nothing after. Freed at
        once, a million rows' snapshot held the GIL 7 ms (the text index 2, the columns 3, the
        documents and names 1), and every search of the worker waited."""
        with self._cache_lock:
            for kept in (self.masks, self.texts, self.searches, self._chords, self._documents):
                kept.clear()
            self._status = None
        between()
        for part in ("searcher", "index", "columns", "positions", "keyword_bits", "sources", "names"):
            delattr(self, part)
            between()

    def forget_texts(self) -> None:
        """Drop every text match set kept, with its rows' set, and the searches kept (benchmarks:
        the cost of new words; a search for them finds none of these)."""
        with self._cache_lock:
            self.texts.clear()
            self.searches.clear()
            for key in [k for k in self.masks if _is_text(k)]:
                del self.masks[key]

    def text_rows(self, key: TextKey, matches: TextMatches) -> Words:
        """The rows of ``matches`` (``text_matches(key, ...)``) as a set."""
        return self.cached_bits(("text", key), lambda: of_rows(matches.rows, self.columns.n))

    def text_matches(
        self,
        key: TextKey,
        query_of: Callable[[], tantivy.Query],
        expected: int | None = None,
        between: Callable[[], object] = lambda: None,
        elsewhere: Callable[[], Scored | None] = lambda: None,
    ) -> TextMatches:
        """Every document matching the query (made by ``query_of`` when none is kept for ``key``) as
        sorted rows and their scores, without a Python object per match kept beyond the call. The
        matches kept for the same words under fewer narrowing filters serve as they are: narrowing
        only has to leave a superset (every filter applies exactly afterwards), and a filter adds
        nothing to a match's score (``narrowing``). ``expected``: about how many match; ``between``: called
        after each piece (``_collect``); ``elsewhere``: the matches collected by another process
        (a warm-up's ``collector_process``), None when it could not, and this process collects them."""
        with self._cache_lock:
            found = _recent(self.texts, key)
            if found is not None:
                return found
            broader = self._broader_text(key)
            if broader is not None:
                found = self.texts[broader]
                bits = self.masks.get(("text", broader))
                if bits is not None:
                    self._keep_bits(("text", key), bits)
                self._keep_text(key, found)
                return found
        scored = elsewhere()
        found = self._collect(query_of(), expected, between) if scored is None else self._standing(scored)
        with self._cache_lock:
            self._keep_text(key, found)
        return found

    def _keep_text(self, key: TextKey, matches: TextMatches) -> None:
        self.texts[key] = matches
        _trim(self.texts, TEXT_CACHE_SIZE)

    def _broader_text(self, key: TextKey) -> TextKey | None:
        """A kept key for the same words whose narrowing filters are among ``key``'s (the caller
        holds the lock)."""
        text, narrowing = key
        for kept in reversed(self.texts):
            if kept[0] == text and set(kept[1]) <= set(narrowing):
                return kept
        return None

    def _collect(
        self, query: tantivy.Query, expected: int | None = None, between: Callable[[], object] = lambda: None
    ) -> TextMatches:
        """Every match of ``query`` among the rows the columns hold (``collect_scored``)."""
        return self._standing(
            collect_scored(
                self.searcher, self.index.schema, query, self.columns.n, expected, between, piece=COLLECT_PIECE
            )
        )

    def _standing(self, scored: Scored) -> TextMatches:
        """The matches ``scored`` holds among the rows the columns hold, and alive, by row."""
        rows, scores = scored
        n = self.columns.n
        known = rows < n
        rows, scores = rows[known], scores[known]
        live = self.columns.alive[rows]
        return _by_row(rows[live], scores[live], n)


def collect_scored(
    searcher: tantivy.Searcher,
    schema: tantivy.Schema,
    query: tantivy.Query,
    n: int,
    expected: int | None = None,
    between: Callable[[], object] = lambda: None,
    *,
    piece: int,
) -> Scored:
    """Every match of ``query`` (rows below ``n`` once filtered: ``Snapshot._standing``), in no order.
    Up to ``piece`` matches come from one search that also counts them; more, from one search per
    range of rows (``within_rows``, the same scores), each range expected to hold about a piece, so
    no hand-over holds the GIL long. ``expected`` (a warm-up knows how many matched on the version
    before): more than a piece go to the pieces at once, sized by it, without a first search that
    counts them (a whole search of the query) and hands over a piece the pieces make again; the
    ranges still cover every row, whatever they hold. ``between`` runs after each search (a warm-up
    pauses there, so its searches never come in a burst)."""
    if expected is None or expected <= piece:
        with collector_paused():
            first = searcher.search(query, limit=piece, count=True)
            count: int = first.count  # type: ignore[attr-defined]  # tantivy's stub lacks the count
            pieces = [_scored_rows(searcher, first.hits)] if count <= piece else []
            del first
        between()
    else:
        count, pieces = expected, []
    if count > piece:
        step = max(1, math.ceil(n / math.ceil(count / piece)))
        limit = max(1, searcher.num_docs)
        for at in range(0, n, step):
            ranged = within_rows(schema, query, at, at + step)
            with collector_paused():
                pieces.append(_scored_rows(searcher, searcher.search(ranged, limit=limit, count=False).hits))
            between()
    if not pieces:
        pieces.append(_scored_rows(searcher, []))
    return np.concatenate([rows for rows, _ in pieces]), np.concatenate([scores for _, scores in pieces])


def _scored_rows(searcher: tantivy.Searcher, hits: list[tuple[float, tantivy.DocAddress]]) -> Scored:
    """Rows and scores of ``hits``, taken out without unzipping them into more tuples. (The hits'
    tuples hold no cycles: the first young collection untracks them, so they cost the cycle
    collector little.)"""
    scores = np.fromiter(map(itemgetter(0), hits), dtype=np.float64, count=len(hits))
    found = searcher.fast_field_values("row", list(map(itemgetter(1), hits))) if hits else []
    return np.fromiter(found, dtype=np.int64, count=len(hits)), scores
