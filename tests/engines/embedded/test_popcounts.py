"""Facet counts over packed bitsets (the compiled ``popcounts`` routine, through ``bitsets.Counting``)
equal a plain boolean-mask count, on either path (streamed or gathered words), at every edge: rows
not a multiple of 64, an empty set, every row, bitsets wider than the set (room for rows to come).
A keyword clause's set packed from the codes equals the packed mask."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from numpy.typing import NDArray

from core.errors import NativeRoutineMissing
from engines.embedded import popcounts
from engines.embedded.bitsets import GATHER_SHARE, Counting, count, pack
from engines.embedded.columns import ColumnStore, words_for
from engines.embedded.popcounts import and_counts, and_counts_at, codes_in
from engines.embedded.search import clause_mask, clause_set
from search_api.plan import AllOf, AnyOf, Clause

Masks = NDArray[np.bool_]


def _bitsets(masks: Masks, room: int) -> NDArray[np.uint64]:
    """One packed bitset per mask, ``room`` words wider than the masks need (zero there)."""
    words = words_for(masks.shape[1])
    bits = np.zeros((len(masks), words + room), dtype=np.uint64)
    for value, mask in enumerate(masks):
        bits[value, :words] = pack(mask)
    return bits


def _sets(rng: np.random.Generator, n: int) -> dict[str, Masks]:
    """The row sets a search counts over: none, every row, scattered at several densities, and rows
    in one short run (a radius), which fills few words."""
    run = np.zeros(n, dtype=bool)
    run[n // 3 : n // 3 + max(1, n // 50)] = True
    return {
        "empty": np.zeros(n, dtype=bool),
        "every": np.ones(n, dtype=bool),
        "5%": rng.random(n) < 0.05,
        "30%": rng.random(n) < 0.3,
        "90%": rng.random(n) < 0.9,
        "run": run,
        "last row": np.arange(n) == n - 1,
    }


@pytest.mark.parametrize("n", [1, 63, 64, 65, 1000, 64 * 300 + 17])
@pytest.mark.parametrize("room", [0, 3])
def test_counts_equal_a_boolean_mask_count(n: int, room: int) -> None:
    rng = np.random.default_rng(n + room)
    values = rng.random((23, n)) < rng.random((23, 1))  # each value its own density, 0 to 1
    values[0] = False
    values[1] = True
    bits = _bitsets(values, room)
    for name, mask in _sets(rng, n).items():
        counting = Counting.of(pack(mask))
        expected = (values & mask).sum(axis=1)
        assert counting.counts(bits).tolist() == expected.tolist(), name
        assert counting.total() == count(pack(mask)) == int(mask.sum()), name
        for value in range(len(values)):
            assert counting.count_in(bits[value]) == int(expected[value]), (name, value)


def test_both_paths_are_taken_and_agree() -> None:
    """A set in few words is counted by gathering them, a scattered one by streaming every word;
    each path's counts equal the other's and the mask's."""
    n = 64 * 1000 + 5
    rng = np.random.default_rng(7)
    values = rng.random((12, n)) < 0.4
    bits = _bitsets(values, 1)
    few = np.zeros(n, dtype=bool)
    few[64 * 10 : 64 * 10 + 64 * 1000 // (2 * GATHER_SHARE)] = rng.random(64 * 1000 // (2 * GATHER_SHARE)) < 0.5
    scattered = rng.random(n) < 0.05
    gathered, streamed = Counting.of(pack(few)), Counting.of(pack(scattered))
    assert gathered.at is not None
    assert streamed.at is None
    for counting, mask in ((gathered, few), (streamed, scattered)):
        expected = (values & mask).sum(axis=1).tolist()
        assert counting.counts(bits).tolist() == expected
        words = pack(mask)
        assert and_counts(bits, words).tolist() == expected
        at = np.flatnonzero(words)
        assert and_counts_at(bits, at, words[at]).tolist() == expected


def test_counts_read_a_strided_view_of_wider_bitsets() -> None:
    """A field's bitsets are a window of wider arrays (every other value here): rows apart by the
    array's stride, not the window's width."""
    n = 500
    rng = np.random.default_rng(3)
    values = rng.random((10, n)) < 0.5
    bits = _bitsets(values, 5)[::2]
    hits = rng.random(n) < 0.5
    assert Counting.of(pack(hits)).counts(bits).tolist() == (values[::2] & hits).sum(axis=1).tolist()


def test_arrays_the_routine_would_read_past_are_refused() -> None:
    """The C loop trusts its arguments: anything that would make it read outside an array is a
    ValueError before the call."""
    bits = np.zeros((4, 10), dtype=np.uint64)
    with pytest.raises(ValueError, match="at least 11 words"):
        and_counts(bits, np.zeros(11, dtype=np.uint64))
    with pytest.raises(ValueError, match="2-D uint64"):
        and_counts(bits.astype(np.int64), np.zeros(10, dtype=np.uint64))
    with pytest.raises(ValueError, match="adjacent"):
        and_counts(np.zeros((4, 20), dtype=np.uint64)[:, ::2], np.zeros(10, dtype=np.uint64))
    with pytest.raises(ValueError, match="contiguous 1-D"):
        and_counts(bits, np.zeros(20, dtype=np.uint64)[::2])
    with pytest.raises(ValueError, match="outside"):
        and_counts_at(bits, np.array([2, 10]), np.ones(2, dtype=np.uint64))
    with pytest.raises(ValueError, match="outside"):
        and_counts_at(bits, np.array([-1, 2]), np.ones(2, dtype=np.uint64))
    with pytest.raises(ValueError, match="2 word positions for 1 words"):
        and_counts_at(bits, np.array([1, 2]), np.ones(1, dtype=np.uint64))


def test_the_library_is_built_from_the_source(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Where no library is built yet (a fresh clone), the first use compiles one; a changed source
    gets a library of its own."""
    monkeypatch.setattr(popcounts, "BUILD_DIR", tmp_path / "built")
    first = popcounts.build()
    assert first.parent == tmp_path / "built"
    assert first.exists()
    assert popcounts.build() == first
    source = tmp_path / "popcounts.c"
    source.write_text(popcounts.SOURCE.read_text() + "\n/* changed */\n")
    monkeypatch.setattr(popcounts, "SOURCE", source)
    second = popcounts.build()
    assert second != first
    assert second.exists()
    assert not first.exists()  # the stale build is removed


def test_without_a_compiler_the_error_says_what_to_do(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(popcounts, "BUILD_DIR", tmp_path / "built")
    monkeypatch.setenv("CC", str(tmp_path / "no-such-compiler"))
    with pytest.raises(NativeRoutineMissing, match=r"install gcc.*make setup"):
        popcounts.build()


def test_a_source_that_does_not_compile_is_reported(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    source = tmp_path / "popcounts.c"
    source.write_text("this is not C\n")
    monkeypatch.setattr(popcounts, "SOURCE", source)
    monkeypatch.setattr(popcounts, "BUILD_DIR", tmp_path / "built")
    with pytest.raises(NativeRoutineMissing, match=r"failed.*make setup"):
        popcounts.build()
    assert not list((tmp_path / "built").glob("*.so"))


@pytest.mark.parametrize("n", [0, 1, 63, 64, 65, 64 * 40 + 9])
def test_codes_in_equals_the_packed_table_lookup(n: int) -> None:
    rng = np.random.default_rng(n)
    codes = rng.integers(0, 6, n).astype(np.int32)
    for table in ([False] * 6, [True] * 6, [False, True, False, False, True, False], [True] + [False] * 5):
        marks = np.array(table)
        assert codes_in(codes, marks).tolist() == pack(marks[codes]).tolist()


def test_codes_outside_the_table_mark_nothing() -> None:
    outside = np.array([0, 5, -1, 2**31 - 1, 1, 6, 7], dtype=np.int32)
    codes = np.concatenate([outside, np.full(64 - len(outside), 6, dtype=np.int32), outside])  # a whole word, then 7
    table = np.ones(8, dtype=bool)[:6]  # the memory just past the table marks everything
    assert rows_of_set(codes_in(codes, table)) == [0, 1, 4, 64, 65, 68]


def rows_of_set(words: NDArray[np.uint64]) -> list[int]:
    return [r for r in range(len(words) * 64) if int(words[r // 64]) >> (r % 64) & 1]


def test_a_keyword_clause_set_equals_its_packed_mask() -> None:
    """``clause_rows`` packs a keyword clause from the codes (a value not in the column selects
    nothing; AllOf on a single-valued field is AnyOf); the store's arrays have room past ``n``."""
    n, room = 64 * 7 + 3, 100
    rng = np.random.default_rng(11)
    codes = np.full(n + room, 2, dtype=np.int32)
    codes[:n] = rng.integers(0, 4, n)  # code 3: no value (the table's last entry)
    values = {"ownership": ["enskild", "kommunal", "region"]}
    store = ColumnStore(
        n=n,
        ids=np.zeros(n + room, dtype="S8"),
        alive=np.ones(n, dtype=bool),
        numbers={},
        flags={},
        keyword_values=values,
        keyword_codes={"ownership": codes},
        multi_values={},
        multi_bits={},
        id_sorted=np.zeros(0, dtype="S8"),
        id_sorted_rows=np.zeros(0, dtype=np.int64),
    )
    clauses: list[Clause] = [
        AnyOf("ownership", ("kommunal",)),
        AnyOf("ownership", ("enskild", "region")),
        AnyOf("ownership", ("okänd",)),
        AllOf("ownership", ("region",)),
    ]
    for clause in clauses:
        assert clause_set(store, clause).tolist() == pack(clause_mask(store, clause)).tolist(), clause
    assert count(clause_set(store, clauses[0])) == int((codes[:n] == 1).sum())
