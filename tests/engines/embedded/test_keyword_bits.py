"""Keyword facet bitsets count as the codes do, as rows (and values never seen) are appended."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from engines.embedded.bitsets import Counting
from engines.embedded.columns import ColumnStore, pack_mask, words_for
from engines.embedded.keyword_bits import BIT_FIELDS, KeywordBits


def _store(codes: dict[str, list[int]], values: dict[str, list[str]], capacity: int) -> ColumnStore:
    n = len(next(iter(codes.values())))

    def padded(column: list[int]) -> np.typing.NDArray[np.int32]:
        array = np.zeros(capacity, dtype=np.int32)
        array[:n] = column
        return array

    return ColumnStore(
        n=n,
        ids=np.zeros(capacity, dtype="S8"),
        alive=np.ones(n, dtype=bool),
        numbers={},
        flags={},
        keyword_values=values,
        keyword_codes={name: padded(column) for name, column in codes.items()},
        multi_values={},
        multi_bits={},
        id_sorted=np.zeros(0, dtype="S8"),
        id_sorted_rows=np.zeros(0, dtype=np.int64),
    )


def _expected(store: ColumnStore, name: str, rows: np.typing.NDArray[np.bool_]) -> dict[str, int]:
    counts = np.bincount(store.codes(name)[rows], minlength=len(store.keyword_values[name]))
    return {v: int(c) for v, c in zip(store.keyword_values[name], counts, strict=True) if c}


def test_counts_match_the_codes_as_rows_and_values_are_appended() -> None:
    rng = np.random.default_rng(7)
    values = {name: [f"{name}-{i}" for i in range(5)] for name in BIT_FIELDS}
    codes = {name: rng.integers(0, 5, 1000).tolist() for name in BIT_FIELDS}
    store = _store(codes, values, capacity=1100)
    bits = KeywordBits.of(store)
    readers = [(store, bits)]
    # Appends within the room (shared arrays), then past it (grown), with values never seen before.
    for extra, new_values in ((37, 0), (50, 2), (400, 3)):
        grown_values = {name: [*values[name], *(f"{name}-new-{i}" for i in range(new_values))] for name in BIT_FIELDS}
        more = {name: codes[name] + rng.integers(0, len(grown_values[name]), extra).tolist() for name in BIT_FIELDS}
        store = _store(more, grown_values, capacity=max(1100, len(more[BIT_FIELDS[0]])))
        bits = bits.extended(store)
        readers.append((store, bits))
        codes, values = more, grown_values
    for reader_store, reader_bits in readers:
        # Many rows (every word read) and few (only the words holding rows are read).
        few = np.zeros(reader_store.n, dtype=bool)
        few[[3, 40]] = True
        for rows in (rng.random(reader_store.n) < 0.6, few):
            packed = Counting.of(pack_mask(rows, words_for(reader_store.n)))
            assert (packed.at is None) == (rows is not few)
            for name in BIT_FIELDS:
                got = reader_bits.counts(name, reader_store.keyword_values[name], packed)
                assert got == _expected(reader_store, name, rows)


def test_a_field_without_bitsets_is_left_to_the_codes() -> None:
    store = _store({name: [0, 1] for name in BIT_FIELDS}, {name: ["a", "b"] for name in BIT_FIELDS}, capacity=2)
    every = Counting.of(pack_mask(store.alive, 1))
    assert KeywordBits.of(replace(store)).counts("municipality_code", ["a"], every) is None
