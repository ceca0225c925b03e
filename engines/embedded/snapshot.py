"""One readable state of the embedded index: a version plus the small writes (deltas) applied to it.

A snapshot never changes once searches can see it. A newer one is made off the request path (see
``search.EmbeddedBackend``): a version switch opens the new folder (columns mapped and copied with
room for appended rows, documents mapped, name suggestions read, no document parsed), and a delta
extends the current snapshot's columns past its last row and takes a fresh tantivy searcher. Text
hits whose rows the columns do not hold (a write killed before it was acknowledged) are ignored.
"""

from __future__ import annotations

import dataclasses
import gc
import threading
from collections import OrderedDict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from operator import itemgetter
from pathlib import Path
from typing import Any

import numpy as np
import tantivy
from numpy.typing import NDArray

from core.documents import StoredProvider
from engines.embedded.columns import ColumnStore, ColumnValues, Mask
from engines.embedded.deltas import delta_files, delta_seq, read_delta
from engines.embedded.keyword_bits import KeywordBits
from engines.embedded.names import NameIndex
from engines.embedded.positions import Positions
from engines.embedded.sources import SourceStore
from engines.embedded.text_index import open_index

# Whole-table filter masks kept per snapshot (1,000,000 rows: 1 MB each).
MASK_CACHE_SIZE = 128
# Text match sets kept per snapshot: paging or ticking a facet repeats the same words.
TEXT_CACHE_SIZE = 32
# Matches at least this share of the rows (1/DENSE_SHARE) are ordered through a table of every row.
DENSE_SHARE = 32


_gc_lock = threading.Lock()
_gc_pausing = 0
_gc_was_enabled = False


@contextmanager
def _gc_paused() -> Iterator[None]:
    """No cyclic garbage collection while tantivy hands over every match as a Python tuple: the
    hundreds of thousands of new tuples trigger full collections that traverse them all again and
    again (a cold text search at 1M rows spent half its time there). Tuples hold no cycles; the
    collector resumes when the last search collecting matches (on any thread) is done."""
    global _gc_pausing, _gc_was_enabled
    with _gc_lock:
        if _gc_pausing == 0:
            _gc_was_enabled = gc.isenabled()
            gc.disable()
        _gc_pausing += 1
    try:
        yield
    finally:
        with _gc_lock:
            _gc_pausing -= 1
            if _gc_pausing == 0 and _gc_was_enabled:
                gc.enable()


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
    # Rows' places as unit vectors (``positions``) and keyword facets as bitsets (``keyword_bits``),
    # made here so no search pays for them.
    positions: Positions
    keyword_bits: KeywordBits
    # The last ledger confirmation applied to ``columns`` (engines.embedded.vacancy_overlay).
    ledger_seq: int = 0
    masks: dict[Any, Mask] = dataclasses.field(default_factory=dict)
    texts: OrderedDict[Any, TextMatches] = dataclasses.field(default_factory=OrderedDict)

    @classmethod
    def open(cls, folder: Path) -> Snapshot:
        index = open_index(folder / "text")
        deltas = delta_files(folder)
        # Read the delta list before taking the searcher: tantivy then holds every listed delta's rows.
        index.reload()
        columns = ColumnStore.load(folder / "columns", extendable=True)
        snapshot = cls(
            version=folder.name,
            folder=folder,
            index=index,
            searcher=index.searcher(),
            columns=columns,
            sources=SourceStore.open(folder / "sources"),
            names=NameIndex.open(folder),
            applied=0,
            positions=Positions.of(columns.number("lat"), columns.number("lon")),
            keyword_bits=KeywordBits.of(columns),
        )
        return snapshot.with_deltas(deltas)

    def with_deltas(self, paths: list[Path] | None = None) -> Snapshot:
        """This snapshot plus every delta it has not applied yet (itself if there is none)."""
        pending = [p for p in (delta_files(self.folder) if paths is None else paths) if delta_seq(p) > self.applied]
        if not pending:
            return self
        self.index.reload()
        columns, sources, names, applied = self.columns, self.sources, self.names, self.applied
        for path in pending:
            delta = read_delta(path)
            if delta["start"] != columns.n:
                break  # a gap: never apply rows out of order; the next refresh retries
            rows = [ColumnValues(*values) for values in delta["rows"]]
            columns = columns.extended(rows, delta["kill"])
            documents = {delta["start"] + i: d.encode() for i, d in enumerate(delta["documents"])}
            sources = sources.with_appended(documents)
            names = names.with_added((word, row) for word, row in delta["names"])
            applied = delta["seq"]
        return Snapshot(
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

    def source(self, row: int) -> StoredProvider:
        source: StoredProvider = self.sources.document(row)  # type: ignore[assignment]  # the stored document
        return source

    def cached_mask(self, key: Any, make: Any) -> Mask:
        mask = self.masks.get(key)
        if mask is None:
            if len(self.masks) >= MASK_CACHE_SIZE:
                self.masks.clear()
            mask = self.masks[key] = make()
        return mask

    def text_matches(self, key: Any, query: tantivy.Query) -> TextMatches:
        """Every document matching ``query`` as sorted rows and their scores, without a Python
        object per match kept beyond the call."""
        found = self.texts.get(key)
        if found is not None:
            self.texts.move_to_end(key)
            return found
        searcher = self.searcher
        with _gc_paused():
            # One search for every match: a first search to count them costs a third more. Scores and
            # addresses are taken out of the hits without unzipping them into more tuples.
            hits = searcher.search(query, limit=max(1, searcher.num_docs), count=False).hits
            scores = np.fromiter(map(itemgetter(0), hits), dtype=np.float64, count=len(hits))
            found_rows = searcher.fast_field_values("row", list(map(itemgetter(1), hits))) if hits else []
            rows = np.fromiter(found_rows, dtype=np.int64, count=len(hits))
            del hits, found_rows
        known = rows < self.columns.n
        rows, scores = rows[known], scores[known]
        live = self.columns.alive[rows]
        found = _by_row(rows[live], scores[live], self.columns.n)
        self.texts[key] = found
        if len(self.texts) > TEXT_CACHE_SIZE:
            self.texts.popitem(last=False)
        return found
