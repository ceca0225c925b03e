"""Name suggestions: every word of every institutional name, lowercased, with its provider's row,
made when the document is indexed and stored sorted as two arrays, so opening an index parses
nothing and a prefix is a binary search.

Confidential homes are left out: their public name is a neutral label, not something to suggest.
A row that has died (deleted, or replaced by a small write) is skipped at lookup, so a renamed home
is suggested by its new name only.
"""

from __future__ import annotations

from bisect import bisect_left, insort
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from core.documents import IndexedProvider
from core.name_suggestions import name_words as words_of
from core.vocabularies import INSTITUTIONAL_TYPES
from engines.embedded.columns import mapped

WORDS = "names.words.npy"
ROWS = "names.rows.npy"
_INSTITUTIONAL = frozenset(str(t) for t in INSTITUTIONAL_TYPES)


def name_words(doc: IndexedProvider) -> list[str]:
    if doc["provider_type"] not in _INSTITUTIONAL:
        return []
    return words_of(doc["name"])


def encode_words(words: list[str]) -> NDArray[np.bytes_]:
    return np.array([w.encode() for w in words], dtype=np.bytes_) if words else np.array([], dtype="S1")


def save_names(folder: Path, words: list[NDArray[np.bytes_]], rows: list[NDArray[np.int64]]) -> None:
    """Store the words (chunk by chunk, as ``encode_words`` made them) sorted, with their rows."""
    every = np.concatenate(words) if words else np.array([], dtype="S1")
    order = np.argsort(every, kind="stable")
    np.save(folder / WORDS, every[order])
    np.save(folder / ROWS, (np.concatenate(rows) if rows else np.array([], dtype=np.int64))[order])


@dataclass(frozen=True)
class NameIndex:
    words: NDArray[np.bytes_]
    rows: NDArray[np.int64]
    # Words of documents written after the build, sorted: (word, row).
    added: list[tuple[bytes, int]] = field(default_factory=list)

    @classmethod
    def open(cls, folder: Path) -> NameIndex:
        # Mapped: a prefix's binary search reads a few pages; nothing is read when a version opens.
        return cls(mapped(folder / WORDS), mapped(folder / ROWS))

    def with_added(self, words: Iterable[tuple[str, int]]) -> NameIndex:
        added = list(self.added)
        for word, row in words:
            insort(added, (word.encode(), row))
        return NameIndex(self.words, self.rows, added)

    def rows_with_prefix(self, prefix: str) -> Iterable[int]:
        """Rows whose name has a word starting with ``prefix``, in word order, built rows first."""
        needle = prefix.lower().encode()
        at = int(np.searchsorted(self.words, needle))
        while at < len(self.words) and self.words[at].startswith(needle):
            yield int(self.rows[at])
            at += 1
        at = bisect_left(self.added, (needle, -1))
        while at < len(self.added) and self.added[at][0].startswith(needle):
            yield self.added[at][1]
            at += 1
