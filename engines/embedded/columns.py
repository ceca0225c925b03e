"""The column store: one numpy array per filterable field, one row per indexed document.

tantivy answers "which documents match these Swedish words, how well"; filters, geo, exact facet
counts and sorting run here, vectorised, the way Elasticsearch uses doc values.

Rows are only ever appended. A replaced or deleted document's row is marked dead, and the tantivy
document carries its row number so text hits join to columns. A store may be *extended*: arrays
have room at the end (a store opened from disk maps its files copy-on-write, and the files keep
room past their rows, ``room_for``; past the room arrays are grown by half), new rows are written
past every existing reader's ``n``, and the extended store is a new object with its own ``n`` and
``alive``, so a search holding the old store never sees a half-applied write.

Layout on disk (``columns/`` in a version folder), every array an ``.npy`` a reader maps lazily:
ids as compact byte strings, numbers as float64, flags as bool, single-valued keywords as int32
codes, multi-valued keywords as one packed bitset per value (``mb.<field>``: values x words), and
``id_order`` (ids sorted) so an id finds its row without a dictionary of every id.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from operator import itemgetter
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, NamedTuple

import numpy as np
from numpy.typing import NDArray

from core.atomic_files import write_json_atomically
from core.documents import IndexedProvider
from core.facets import FACETS
from core.permits import permit_required

if TYPE_CHECKING:
    from engines.embedded.bitsets import Counting

# The facets' fields, in the registry's order (the tantivy schema's too). Single-valued keyword
# fields are stored as int codes into a value list; multi-valued ones as one packed bitset per value.
KEYWORD_FIELDS: tuple[str, ...] = tuple(facet.field for facet in FACETS if facet.kind == "keyword")
MULTI_FIELDS: tuple[str, ...] = tuple(facet.field for facet in FACETS if facet.kind == "multi")
_FACET_FIELDS = (*KEYWORD_FIELDS, *MULTI_FIELDS)
# One C call per document; a tuple as long as there are two facets or more.
_facet_values = itemgetter(*_FACET_FIELDS)
# The permit's own scope, for the permit tier and filter (``PermitCovers``); columns only.
PERMIT_GROUPS = "permit_target_groups"
STORED_MULTI: tuple[str, ...] = (*MULTI_FIELDS, PERMIT_GROUPS)
NUMBER_FIELDS: tuple[str, ...] = (
    "permit_age_min",
    "permit_age_max",
    "lat",
    "lon",
    "age_min",
    "age_max",
    "capacity",
    "vacancies",
    "price_per_day_sek",
    "vacancies_updated_at",
    "updated_at",
)
FLAG_FIELDS: tuple[str, ...] = ("has_vacancy", "permit_revoked", "confidential", "permit_present", "permit_required")

Mask = NDArray[np.bool_]
Words = NDArray[np.uint64]


def _epoch(value: datetime | None) -> float:
    return math.nan if value is None else value.timestamp()


class ColumnValues(NamedTuple):
    """One document's values for the column store: small and cheap to send between processes."""

    id: str
    lat: float
    lon: float
    age_min: float
    age_max: float
    capacity: float
    vacancies: float
    price_per_day_sek: float
    vacancies_updated_at: float
    updated_at: float
    has_vacancy: bool
    permit_revoked: bool
    confidential: bool
    # The facet fields' values, in _FACET_FIELDS order: a str per keyword field, a list per multi-valued one.
    facets: tuple[Any, ...]
    permit_age_min: float
    permit_age_max: float
    permit_present: bool
    permit_required: bool
    permit_target_groups: list[str]


def _optional(value: int | None) -> float:
    return math.nan if value is None else value


def column_values(doc: IndexedProvider) -> ColumnValues:
    price = doc["price_per_day_sek"]
    permit = doc["ivo_permit"]
    return ColumnValues(
        doc["id"],
        doc["location"]["lat"],
        doc["location"]["lon"],
        doc["age_min"],
        doc["age_max"],
        doc["capacity"],
        doc["vacancies"],
        math.nan if price is None else price,
        _epoch(doc["vacancies_updated_at"]),
        _epoch(doc["updated_at"]),
        doc["has_vacancy"],
        doc["permit_revoked"],
        doc["confidential"],
        _facet_values(doc),
        math.nan if permit is None else _optional(permit["age_min"]),
        math.nan if permit is None else _optional(permit["age_max"]),
        permit is not None,
        permit_required(doc["provider_type"], doc["ownership"]),
        [] if permit is None else permit["target_groups"],
    )


def mapped(path: Path, mode: Literal["c", "r"] = "r") -> NDArray[Any]:
    """The array in an ``.npy`` file, mapped (read-only, or copy-on-write: writes stay in this
    process, the file is never changed): pages are read when touched, nothing when opened. A plain
    array over the mapping: a numpy memmap costs microseconds per slice. The file must keep its
    size while mapped (a read past a truncated file's end kills the process): versions are never
    written again, and ``integrity.sizes_changed`` watches the served one."""
    array: NDArray[Any] = np.load(path, mmap_mode=mode).view(np.ndarray)
    return array


def room_for(rows: int) -> int:
    """Rows of room a version's files keep past its ``rows`` (zeros): a reader maps them
    copy-on-write, and a small write's rows go there, into the reader's own pages. Without it the
    first delta after opening a version copied every column into memory (a quarter of a second of
    each worker's CPU at a million rows, on every switch to a version with small writes)."""
    return max(1024, rows // 8)


def save_with_room(path: Path, array: NDArray[Any], rows: int) -> None:
    """Write ``array``'s first ``rows`` (along its last axis, in words for a packed bitset when
    ``array`` is 2-D) and zeros for ``room_for(rows)`` more rows, as an ``.npy`` file."""
    if array.ndim == 2:
        shape: tuple[int, ...] = (array.shape[0], words_for(rows + room_for(rows)))
        kept: Any = (slice(None), slice(0, words_for(rows)))
    else:
        shape, kept = (rows + room_for(rows),), slice(0, rows)
    # The room is never written: a file extended to its size holds zeros there.
    stored = np.lib.format.open_memmap(path, mode="w+", dtype=array.dtype, shape=shape)
    stored[kept] = array[kept]
    stored.flush()
    del stored


def words_for(rows: int) -> int:
    return (rows + 63) // 64


def pack_mask(mask: Mask, words: int) -> Words:
    """A boolean mask as little-endian bits in ``words`` uint64 words (bits past the mask are 0)."""
    packed = np.zeros(words * 8, dtype=np.uint8)
    bits = np.packbits(mask, bitorder="little")
    packed[: len(bits)] = bits
    return packed.view(np.uint64)


@dataclass(frozen=True)
class ColumnStore:
    """Rows ``0..n-1`` of arrays that may be longer (room for appended rows); ``alive`` is length n."""

    n: int
    ids: NDArray[np.bytes_]
    alive: Mask
    numbers: dict[str, NDArray[np.float64]]
    flags: dict[str, Mask]
    keyword_values: dict[str, list[str]]
    keyword_codes: dict[str, NDArray[np.int32]]
    multi_values: dict[str, list[str]]
    multi_bits: dict[str, Words]
    # Ids sorted, with their rows: the rows a build wrote (``sorted_n`` of them).
    id_sorted: NDArray[np.bytes_]
    id_sorted_rows: NDArray[np.int64]
    # Ids whose row changed after the build (appended or deleted: -1).
    moved: dict[str, int] = field(default_factory=dict)

    def __len__(self) -> int:
        return self.n

    @property
    def live_count(self) -> int:
        return int(np.count_nonzero(self.alive))

    def number(self, name: str) -> NDArray[np.float64]:
        return self.numbers[name][: self.n]

    def flag(self, name: str) -> Mask:
        return self.flags[name][: self.n]

    def codes(self, name: str) -> NDArray[np.int32]:
        return self.keyword_codes[name][: self.n]

    def id_array(self) -> NDArray[np.bytes_]:
        return self.ids[: self.n]

    def row_of(self, provider_id: str) -> int | None:
        """The live row of a provider id, if it has one."""
        row = self.moved.get(provider_id)
        if row is None:
            key = provider_id.encode()
            at = int(np.searchsorted(self.id_sorted, key))
            if at >= len(self.id_sorted) or self.id_sorted[at] != key:
                return None
            row = int(self.id_sorted_rows[at])
        return row if 0 <= row < self.n and self.alive[row] else None

    def rows_of(self, provider_ids: Sequence[str]) -> list[int | None]:
        return [self.row_of(i) for i in provider_ids]

    # -- multi-valued fields --------------------------------------------------------------------

    def multi_mask(self, name: str, values: Iterable[str], every: bool) -> Mask:
        """Rows holding any (or, with ``every``, all) of the values."""
        known = self.multi_values[name]
        wanted = list(values)
        present = [known.index(v) for v in wanted if v in known]
        if not present or (every and len(present) < len(wanted)):
            return np.zeros(self.n, dtype=bool)
        bits = self.multi_bits[name]
        combined = bits[present[0]].copy()
        for index in present[1:]:
            if every:
                combined &= bits[index]
            else:
                combined |= bits[index]
        return np.unpackbits(combined.view(np.uint8), count=self.n, bitorder="little").view(bool)

    def multi_counts(self, name: str, rows: Counting) -> dict[str, int]:
        """How many of ``rows`` hold each value."""
        counts = rows.counts(self.multi_bits[name]).tolist()
        return {v: c for v, c in zip(self.multi_values[name], counts, strict=False) if c}

    def rows_from(self, first: int) -> ColumnStore:
        """Rows ``first..n-1`` as a store of their own (views, nothing copied; ``first`` at a word's
        start, so the packed multi-valued bits line up): a rule over single rows (a filter clause)
        evaluated here gives those rows' part of the whole store's answer. No id lookups."""
        assert first % 64 == 0 and 0 <= first <= self.n, first
        return replace(
            self,
            n=self.n - first,
            ids=self.ids[first:],
            alive=self.alive[first:],
            numbers={k: v[first:] for k, v in self.numbers.items()},
            flags={k: v[first:] for k, v in self.flags.items()},
            keyword_codes={k: v[first:] for k, v in self.keyword_codes.items()},
            multi_bits={k: v[:, first // 64 :] for k, v in self.multi_bits.items()},
            id_sorted=self.id_sorted[:0],
            id_sorted_rows=self.id_sorted_rows[:0],
            moved={},
        )

    # -- extending: the small-write path --------------------------------------------------------

    def extended(self, rows: Sequence[ColumnValues], kill: Iterable[int]) -> ColumnStore:
        """A new store with ``rows`` appended and the ``kill`` rows dead; this one is unchanged.

        Arrays are shared when they have room (the new rows go past this store's ``n``, which no
        reader of this store looks at: the files' room, copy-on-write, for a store mapped from disk),
        otherwise grown by half, so a stream of small writes costs amortised O(rows written), not
        O(index)."""
        start, end = self.n, self.n + len(rows)
        store = self._with_room(end)
        alive = np.ones(end, dtype=bool)
        alive[:start] = self.alive
        moved = dict(self.moved)
        for row in kill:
            alive[row] = False
            moved.setdefault(str(store.ids[row].decode()), -1)
        if rows:
            by_name = _by_name(rows)
            new_ids = np.array(by_name["id"], dtype=np.bytes_)
            if new_ids.dtype.itemsize > store.ids.dtype.itemsize:
                # The column is as wide as the longest id written so far: numpy would cut a longer
                # one silently, and once saved a cut id no longer finds its row.
                store = replace(store, ids=store.ids.astype(new_ids.dtype))
            store.ids[start:end] = new_ids
            for name in NUMBER_FIELDS:
                store.numbers[name][start:end] = by_name[name]
            for name in FLAG_FIELDS:
                store.flags[name][start:end] = by_name[name]
            keyword_values = {k: list(v) for k, v in store.keyword_values.items()}
            for name in KEYWORD_FIELDS:
                store.keyword_codes[name][start:end] = _codes(keyword_values[name], by_name[name])
            multi_values = {k: list(v) for k, v in store.multi_values.items()}
            multi_bits = dict(store.multi_bits)
            for name in STORED_MULTI:
                multi_bits[name] = _set_bits(multi_bits[name], multi_values[name], by_name[name], start)
            for offset, provider_id in enumerate(by_name["id"]):
                moved[provider_id] = start + offset
            store = replace(store, keyword_values=keyword_values, multi_values=multi_values, multi_bits=multi_bits)
        return replace(store, n=end, alive=alive, moved=moved)

    def _with_room(self, rows: int) -> ColumnStore:
        if rows <= len(self.ids) and rows <= self.multi_bits[MULTI_FIELDS[0]].shape[1] * 64:
            return self
        capacity = max(rows, len(self.ids) + len(self.ids) // 2, 1024)

        def grown(array: NDArray[Any]) -> NDArray[Any]:
            bigger = np.zeros(capacity, dtype=array.dtype)
            bigger[: self.n] = array[: self.n]
            return bigger

        def grown_bits(bits: Words) -> Words:
            bigger = np.zeros((bits.shape[0], words_for(capacity)), dtype=np.uint64)
            bigger[:, : bits.shape[1]] = bits
            return bigger

        return replace(
            self,
            ids=grown(self.ids),
            numbers={k: grown(v) for k, v in self.numbers.items()},
            flags={k: grown(v) for k, v in self.flags.items()},
            keyword_codes={k: grown(v) for k, v in self.keyword_codes.items()},
            multi_bits={k: grown_bits(v) for k, v in self.multi_bits.items()},
        )

    # -- disk -----------------------------------------------------------------------------------

    def save(self, folder: Path) -> None:
        """Write rows ``0..n-1`` (appended rows included, in their row order) as ``.npy`` files."""
        folder.mkdir(parents=True, exist_ok=True)
        ids = self.id_array()
        live_rows = np.flatnonzero(self.alive)
        order = live_rows[np.argsort(ids[live_rows], kind="stable")]
        exact: dict[str, NDArray[Any]] = {
            "alive": self.alive,
            "id_sorted": ids[order],
            "id_sorted_rows": order.astype(np.int64),
        }
        for name, array in exact.items():
            np.save(folder / f"{name}.npy", np.ascontiguousarray(array))
        # Row by row: with room for the rows small writes append (``room_for``).
        by_row: dict[str, NDArray[Any]] = {"ids": ids}
        by_row |= {f"n.{k}": self.number(k) for k in NUMBER_FIELDS}
        by_row |= {f"f.{k}": self.flag(k) for k in FLAG_FIELDS}
        by_row |= {f"kc.{k}": self.codes(k) for k in KEYWORD_FIELDS}
        by_row |= {f"mb.{k}": v for k, v in self.multi_bits.items()}
        for name, array in by_row.items():
            save_with_room(folder / f"{name}.npy", array, self.n)
        write_json_atomically(
            folder / "values.json",
            {"rows": self.n, "keyword_values": self.keyword_values, "multi_values": self.multi_values},
        )

    @classmethod
    def load(cls, folder: Path, *, extendable: bool = False) -> ColumnStore:
        """The store in ``folder``, its arrays mapped: ``extendable`` (a reader that applies small
        writes and homes' confirmations) copy-on-write, so what it writes stays in this process and
        the files stay as built, and only the pages it writes cost memory; else read-only (a writer
        that only looks up). Nothing is copied: rows appended go into the files' room
        (``room_for``), and only rows past it grow the arrays (``extended``); a version written
        before the files had room grows them at its first delta."""
        meta = json.loads((folder / "values.json").read_text(encoding="utf-8"))
        mode: Literal["c", "r"] = "c" if extendable else "r"

        def read(name: str) -> NDArray[Any]:
            return mapped(folder / f"{name}.npy", mode)

        return cls(
            n=int(meta["rows"]),
            ids=read("ids"),
            alive=np.array(np.load(folder / "alive.npy")),
            numbers={k: read(f"n.{k}") for k in NUMBER_FIELDS},
            flags={k: read(f"f.{k}") for k in FLAG_FIELDS},
            keyword_values={k: list(meta["keyword_values"][k]) for k in KEYWORD_FIELDS},
            keyword_codes={k: read(f"kc.{k}") for k in KEYWORD_FIELDS},
            multi_values={k: list(meta["multi_values"][k]) for k in STORED_MULTI},
            multi_bits={k: read(f"mb.{k}") for k in STORED_MULTI},
            id_sorted=mapped(folder / "id_sorted.npy"),
            id_sorted_rows=mapped(folder / "id_sorted_rows.npy"),
        )


def _by_name(rows: Sequence[ColumnValues]) -> dict[str, Sequence[Any]]:
    """The rows' values column by column, the facet fields each a column of their own."""
    by_name: dict[str, Sequence[Any]] = dict(zip(ColumnValues._fields, zip(*rows, strict=True), strict=True))
    by_name |= dict(zip(_FACET_FIELDS, zip(*by_name["facets"], strict=True), strict=True))
    return by_name


def _set_bits(bits: Words, values: list[str], lists: Sequence[Sequence[str]], start: int) -> Words:
    """Set the bits of rows ``start..`` for their values; a value never seen adds a bitset. (In one
    vectorised step: a delta of a thousand rows replayed item by item held the GIL for 10 ms.)"""
    held = _held(values, lists)
    if len(values) > bits.shape[0]:
        bits = np.concatenate([bits, np.zeros((len(values) - bits.shape[0], bits.shape[1]), dtype=np.uint64)])
    offsets, codes = np.nonzero(held)
    rows = offsets.astype(np.uint64) + np.uint64(start)
    words = (rows >> np.uint64(6)).astype(np.intp)
    np.bitwise_or.at(bits, (codes, words), np.left_shift(np.uint64(1), rows & np.uint64(63)))
    return bits


def _codes(values: list[str], column: Sequence[str]) -> NDArray[np.int32]:
    """Each row's value as its index in ``values``; a value never seen is appended to them."""
    index = {v: i for i, v in enumerate(values)}
    for value in dict.fromkeys(column):  # first appearance order: the same codes as row by row
        if value not in index:
            index[value] = len(values)
            values.append(value)
    return np.array([index[v] for v in column], dtype=np.int32)


def _held(values: list[str], lists: Sequence[Sequence[str]]) -> NDArray[np.bool_]:
    """Rows x values: which row holds which value, in one vectorised assignment per chunk."""
    flat = [item for items in lists for item in items]
    index = {v: i for i, v in enumerate(values)}
    for value in dict.fromkeys(flat):
        if value not in index:
            index[value] = len(values)
            values.append(value)
    held = np.zeros((len(lists), len(values)), dtype=bool)
    if flat:
        rows = np.repeat(np.arange(len(lists)), [len(items) for items in lists])
        held[rows, [index[item] for item in flat]] = True
    return held


class ColumnBuilder:
    """Collects a full build's rows chunk by chunk, as arrays per chunk; one concatenation at the end,
    so a build costs linear time and holds no Python object per row."""

    def __init__(self) -> None:
        self._chunks: list[dict[str, NDArray[Any]]] = []
        self._kill: list[int] = []
        self.keyword_values: dict[str, list[str]] = {f: [] for f in KEYWORD_FIELDS}
        self.multi_values: dict[str, list[str]] = {f: [] for f in STORED_MULTI}
        self.n = 0

    def append(self, rows: Sequence[ColumnValues]) -> range:
        start = self.n
        if not rows:
            return range(start, start)
        by_name = _by_name(rows)
        chunk: dict[str, NDArray[Any]] = {"ids": np.array(by_name["id"], dtype=np.bytes_)}
        chunk |= {name: np.array(by_name[name], dtype=np.float64) for name in NUMBER_FIELDS}
        chunk |= {name: np.array(by_name[name], dtype=bool) for name in FLAG_FIELDS}
        for name in KEYWORD_FIELDS:
            chunk[name] = _codes(self.keyword_values[name], by_name[name])
        for name in STORED_MULTI:
            # A bit per row and value until ``finish``: a byte each would be most of a build's memory.
            chunk[f"mb.{name}"] = np.packbits(_held(self.multi_values[name], by_name[name]), axis=0, bitorder="little")
        self._chunks.append(chunk)
        self.n += len(rows)
        return range(start, self.n)

    def kill(self, rows: Iterable[int]) -> None:
        self._kill.extend(rows)

    def finish(self) -> ColumnStore:
        n = self.n
        sizes = [len(chunk["ids"]) for chunk in self._chunks]

        def joined(name: str, dtype: Any) -> NDArray[Any]:
            # Each chunk's part is let go as it is copied: the peak is the build plus one column.
            parts = [c.pop(name) for c in self._chunks]
            return np.concatenate(parts) if parts else np.array([], dtype=dtype)

        ids = joined("ids", "S1")
        alive = np.ones(n, dtype=bool)
        alive[self._kill] = False
        multi_bits: dict[str, Words] = {}
        for name in STORED_MULTI:
            values = len(self.multi_values[name])
            held = np.zeros((n, values), dtype=bool)
            at = 0
            for chunk, size in zip(self._chunks, sizes, strict=True):
                block = np.unpackbits(chunk.pop(f"mb.{name}"), axis=0, count=size, bitorder="little").view(bool)
                held[at : at + size, : block.shape[1]] = block
                at += size
            bits = np.zeros((values, words_for(n)), dtype=np.uint64)
            for value in range(values):
                bits[value] = pack_mask(held[:, value], words_for(n))
            multi_bits[name] = bits
        live_rows = np.flatnonzero(alive)
        order = live_rows[np.argsort(ids[live_rows], kind="stable")] if n else np.array([], dtype=np.int64)
        store = ColumnStore(
            n=n,
            ids=ids,
            alive=alive,
            numbers={k: joined(k, np.float64) for k in NUMBER_FIELDS},
            flags={k: joined(k, bool) for k in FLAG_FIELDS},
            keyword_values=self.keyword_values,
            keyword_codes={k: joined(k, np.int32) for k in KEYWORD_FIELDS},
            multi_values=self.multi_values,
            multi_bits=multi_bits,
            id_sorted=ids[order],
            id_sorted_rows=order.astype(np.int64),
        )
        self._chunks = []
        return store
