"""Sets of rows as packed bits: ``words_for(n)`` uint64 words, row ``r`` at bit ``r % 64`` of word ``r // 64``.

A search's candidate set, its filters, selections and facet counts are ANDs and popcounts over words:
a million rows are 125 KB as bits against 1 MB as a boolean mask, so each step streams an eighth of
the memory. A set never holds a bit at or past its rows' count (``n``), so counts need no trimming
and a complement is taken against ``every_row(n)``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from engines.embedded.columns import Mask, Words, pack_mask, words_for
from engines.embedded.popcounts import and_counts, and_counts_at

Rows = NDArray[np.int64]
# Below this share of words holding rows, a set is made and read word by word, not bit by bit.
SPARSE_SHARE = 8
# Below this share of words holding rows, counts gather those words instead of streaming every word
# (the compiled loop reads a gathered word at about a quarter of the speed of a streamed one).
GATHER_SHARE = 8
# Sets of at least 1/MASK_SHARE of the rows are made through a mask of every row, fewer from the
# sorted rows (at 1M, 30,000-80,000 rows OR-ed into words one by one took 0.16-0.44 ms, more than the mask).
MASK_SHARE = 64
_ONE = np.uint64(1)


def pack(mask: Mask) -> Words:
    return pack_mask(mask, words_for(len(mask)))


def of_rows(rows: NDArray[np.integer], n: int) -> Words:
    """The set holding ``rows`` (distinct, each below ``n``, in any order)."""
    if len(rows) * MASK_SHARE >= n:
        mask = np.zeros(n, dtype=bool)
        mask[rows] = True
        return pack(mask)
    # Few rows: sorted, each word's bits are OR-ed together, and no million flags are made and packed.
    rows = np.sort(rows)
    word = rows >> 6
    bits = np.left_shift(_ONE, (rows & 63).astype(np.uint64))
    first = np.flatnonzero(np.diff(word, prepend=-1))
    words = np.zeros(words_for(n), dtype=np.uint64)
    words[word[first]] = np.bitwise_or.reduceat(bits, first)
    return words


def every_row(n: int) -> Words:
    return pack(np.ones(n, dtype=bool))


def rows_of(words: Words) -> Rows:
    """The rows in the set, ascending; when few words hold any, only those are unpacked."""
    at = np.flatnonzero(words)
    if len(at) * SPARSE_SHARE >= len(words):
        return np.flatnonzero(np.unpackbits(words.view(np.uint8), bitorder="little").view(bool))
    # (``flatnonzero`` of bytes is ten times slower than of booleans.)
    bits = np.flatnonzero(np.unpackbits(words[at].view(np.uint8), bitorder="little").view(bool))
    rows: Rows = at[bits >> 6] * 64 + (bits & 63)
    return rows


def count(words: Words) -> int:
    return int(and_counts(words[np.newaxis], words)[0])


def holds(words: Words, rows: Rows) -> Mask:
    """Whether each of ``rows`` is in the set."""
    held: Mask = ((words[rows >> 6] >> (rows & 63).astype(np.uint64)) & _ONE).astype(bool)
    return held


@dataclass(frozen=True)
class Counting:
    """A set of rows to count bitsets over. When few of its words hold rows (a radius, a rare
    need: under 1 in ``GATHER_SHARE``), only those words (``held``, at ``at``) are read from each
    bitset: gathering them costs less than streaming every word, up to about that share."""

    words: Words
    at: NDArray[np.intp] | None
    held: Words

    @classmethod
    def of(cls, words: Words) -> Counting:
        if np.count_nonzero(words) * GATHER_SHARE < len(words):
            at = np.flatnonzero(words)
            return cls(words, at, words[at])
        return cls(words, None, words)

    def total(self) -> int:
        return count(self.held)

    def counts(self, bits: Words) -> NDArray[np.uint64]:
        """Per bitset (a row of ``bits``, which may be wider: room for rows to come), how many of
        the rows it holds: one compiled pass (``popcounts``)."""
        if self.at is not None:
            return and_counts_at(bits, self.at, self.held)
        return and_counts(bits, self.words)

    def count_in(self, words: Words) -> int:
        """How many of the rows ``words`` (one set) holds."""
        return int(self.counts(words[np.newaxis])[0])
