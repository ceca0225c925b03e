"""Single-valued keyword facets as packed bitsets, one per value, kept beside a snapshot's columns.

Counting a facet over a million rows by its codes (``bincount(codes[rows])``) spends its time
indexing the codes by the mask; with one bitset per value a count is a popcount of ``bits & rows``,
as the multi-valued fields' counts are (``ColumnStore.multi_counts``). Only the facets counted when
a request names none (a search box's groups) get bitsets: a municipality's 290 would cost 40 MB at a
million rows for a facet few ask for, which is counted from the codes instead.

Made when a snapshot opens and extended with the rows a delta appends, never on the request path.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from core.facets import FACETS
from engines.embedded.bitsets import Counting
from engines.embedded.columns import ColumnStore, Words, words_for

BIT_FIELDS: tuple[str, ...] = tuple(f.field for f in FACETS if f.kind == "keyword" and f.default)


def _packed_words(codes: NDArray[np.int32], value: int, words: int) -> Words:
    packed = np.zeros(words * 8, dtype=np.uint8)
    bits = np.packbits(codes == value, bitorder="little")
    packed[: len(bits)] = bits
    return packed.view(np.uint64)


@dataclass(frozen=True)
class KeywordBits:
    """Bitsets of rows ``0..n-1`` per field: (values, words); words past ``n`` may hold later rows."""

    n: int
    bits: dict[str, Words]

    @classmethod
    def of(cls, columns: ColumnStore) -> KeywordBits:
        return cls(0, {f: np.zeros((0, 0), dtype=np.uint64) for f in BIT_FIELDS}).extended(columns)

    def extended(self, columns: ColumnStore) -> KeywordBits:
        """These bitsets and the rows ``columns`` holds past ``n``. As with the columns, arrays with
        room are shared: only words from row ``n`` on are rewritten, and a reader of this object
        never counts a bit past its ``n`` (its packed rows are zero there)."""
        if columns.n <= self.n:
            return self
        first_word = self.n // 64
        bits: dict[str, Words] = {}
        for name in BIT_FIELDS:
            values = len(columns.keyword_values[name])
            current = self.bits[name]
            if values > current.shape[0] or words_for(columns.n) > current.shape[1]:
                grown = np.zeros((values, words_for(len(columns.ids))), dtype=np.uint64)
                grown[: current.shape[0], : current.shape[1]] = current
                current = grown
            codes = columns.codes(name)[first_word * 64 :]
            words = words_for(len(codes))
            for value in range(values):
                current[value, first_word : first_word + words] = _packed_words(codes, value, words)
            bits[name] = current
        return KeywordBits(columns.n, bits)

    def counts(self, name: str, values: list[str], rows: Counting) -> dict[str, int] | None:
        """How many of ``rows`` hold each value; None for a field without bitsets."""
        bits = self.bits.get(name)
        if bits is None:
            return None
        counts = rows.counts(bits).tolist()
        return {v: c for v, c in zip(values, counts, strict=False) if c}
