"""Sets of rows as packed bits: ``words_for(n)`` uint64 words, row ``r`` at bit ``r % 64`` of word ``r // 64``.

A search's candidate set, its filters, selections and facet counts are ANDs and popcounts over words:
a million rows are 125 KB as bits against 1 MB as a boolean mask, so each step streams an eighth of
the memory. A set never holds a bit at or past its rows' count (``n``), so counts need no trimming
and a complement is taken against ``every_row(n)``.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from engines.embedded.columns import Mask, Words, pack_mask, words_for

Rows = NDArray[np.int64]
# Below this share of words holding rows, a set is made and read word by word, not bit by bit.
SPARSE_SHARE = 8
# Below this share of words holding rows, counts gather those words instead of streaming every word.
GATHER_SHARE = 2
_ONE = np.uint64(1)


_scratches = threading.local()


def _scratch(shape: tuple[int, int]) -> tuple[Words, NDArray[np.uint8]]:
    """This thread's buffers for a count's intermediate words and popcounts, kept between searches:
    a million rows' worth for a dozen values is megabytes, and memory that large is mapped fresh
    by each allocation (page faults cost more than the count itself)."""
    size = shape[0] * shape[1]
    words: Words | None = getattr(_scratches, "words", None)
    if words is None or len(words) < size:
        words = _scratches.words = np.empty(size, dtype=np.uint64)
        _scratches.popcounts = np.empty(size, dtype=np.uint8)
    popcounts: NDArray[np.uint8] = _scratches.popcounts
    return words[:size].reshape(shape), popcounts[:size].reshape(shape)


def pack(mask: Mask) -> Words:
    return pack_mask(mask, words_for(len(mask)))


def of_rows(rows: Rows, n: int) -> Words:
    """The set holding ``rows`` (each below ``n``)."""
    if len(rows) * SPARSE_SHARE >= n:
        mask = np.zeros(n, dtype=bool)
        mask[rows] = True
        return pack(mask)
    words = np.zeros(words_for(n), dtype=np.uint64)
    np.bitwise_or.at(words, rows >> 6, _ONE << (rows & 63).astype(np.uint64))
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
    return int(np.bitwise_count(words).sum(dtype=np.int64))


def holds(words: Words, rows: Rows) -> Mask:
    """Whether each of ``rows`` is in the set."""
    held: Mask = ((words[rows >> 6] >> (rows & 63).astype(np.uint64)) & _ONE).astype(bool)
    return held


@dataclass(frozen=True)
class Counting:
    """A set of rows to count bitsets over. When fewer than half its words hold rows (a radius, a
    rare need), only those words (``held``, at ``at``) are read from each bitset: gathering them
    costs less than streaming every word, up to about that share."""

    words: Words
    at: NDArray[np.intp] | None
    held: Words

    @classmethod
    def of(cls, words: Words) -> Counting:
        at = np.flatnonzero(words)
        if len(at) * GATHER_SHARE < len(words):
            return cls(words, at, words[at])
        return cls(words, None, words)

    def total(self) -> int:
        return count(self.held)

    def counts(self, bits: Words) -> NDArray[np.uint32]:
        """Per bitset (a row of ``bits``, which may be wider: room for rows to come), how many of
        the rows it holds."""
        if self.at is not None:
            # (``take`` along an axis is several times faster than indexing ``bits[:, at]``.)
            gathered = np.take(bits, self.at, axis=1)
            gathered &= self.held
            counted: NDArray[np.uint32] = np.bitwise_count(gathered).sum(axis=1, dtype=np.uint32)
            return counted
        anded, popcounts = _scratch((len(bits), len(self.words)))
        np.bitwise_and(bits[:, : len(self.words)], self.words, out=anded)
        np.bitwise_count(anded, out=popcounts)
        counted = popcounts.sum(axis=1, dtype=np.uint32)
        return counted

    def count_in(self, words: Words) -> int:
        """How many of the rows ``words`` (one set) holds."""
        if self.at is None:
            return count(words[: len(self.words)] & self.words)
        return count(np.take(words, self.at) & self.held)
