"""The stored documents (like Elasticsearch's ``_source``): orjson documents by row, in parts.

A page of 20 hits reads 20 slices of mapped files, with no per-document lookup in tantivy. A build
writes one part (``part-<first row>.bin`` and its row offsets); a merge of small writes hardlinks
the parts it has and adds one for the rows the deltas appended, so no part is ever rewritten.
Documents of deltas not merged yet are held in memory by the reader.
"""

from __future__ import annotations

import mmap
import os
from array import array
from bisect import bisect_right
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np
import orjson
from numpy.typing import NDArray


def _part(folder: Path, first_row: int) -> tuple[Path, Path]:
    return folder / f"part-{first_row:012d}.bin", folder / f"part-{first_row:012d}.offsets.npy"


class SourceWriter:
    """Appends documents in row order, as one part starting at ``first_row``."""

    def __init__(self, folder: Path, first_row: int = 0) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self._blob, self._offsets_path = _part(folder, first_row)
        # A merge's folder holds the live version's parts as hardlinks, among them an empty part at
        # the row this one starts at when the live version was itself merged from deltas that
        # appended nothing: writing through that name would write into the other version's file (the
        # version a rollback returns to). Its link is dropped, and the part is a file of its own.
        for path in (self._blob, self._offsets_path):
            path.unlink(missing_ok=True)
        self._file: BinaryIO = self._blob.open("xb")
        # 8 bytes a document, not a Python int each (36 MB at a million documents).
        self._offsets = array("q", [0])
        self._end = 0

    def append(self, documents: Sequence[bytes]) -> None:
        for document in documents:
            self._file.write(document)
            self._end += len(document)
            self._offsets.append(self._end)

    def close(self) -> None:
        self._file.flush()
        os.fsync(self._file.fileno())
        self._file.close()
        with self._offsets_path.open("xb") as f:
            np.save(f, np.frombuffer(self._offsets, dtype=np.int64))


@dataclass(frozen=True)
class _Part:
    first_row: int
    blob: bytes | mmap.mmap
    offsets: NDArray[np.int64]

    @classmethod
    def open(cls, blob: Path) -> _Part:
        offsets: NDArray[np.int64] = np.load(blob.with_suffix(".offsets.npy"))
        first_row = int(blob.stem.split("-")[1])
        if offsets[-1] == 0:
            return cls(first_row, b"", offsets)
        with blob.open("rb") as f:
            # The mapping outlives the file object; slices of it are plain bytes.
            return cls(first_row, mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ), offsets)

    @property
    def rows(self) -> int:
        return len(self.offsets) - 1


@dataclass(frozen=True)
class SourceStore:
    parts: tuple[_Part, ...]
    # Rows appended by small writes not merged yet: row -> document.
    appended: Mapping[int, bytes] = field(default_factory=dict)
    # Each part's first row, and the rows the parts hold: looked up for every hit of every page.
    _starts: list[int] = field(init=False, repr=False, compare=False)
    _built: int = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        last = self.parts[-1] if self.parts else None
        object.__setattr__(self, "_starts", [p.first_row for p in self.parts])
        object.__setattr__(self, "_built", last.first_row + last.rows if last is not None else 0)

    @classmethod
    def open(cls, folder: Path) -> SourceStore:
        parts = sorted((_Part.open(p) for p in folder.glob("part-*.bin")), key=lambda p: p.first_row)
        return cls(tuple(parts))

    @property
    def built_rows(self) -> int:
        return self._built

    def raw(self, row: int) -> bytes:
        if row >= self._built:
            return self.appended[row]
        part = self.parts[bisect_right(self._starts, row) - 1]
        at = row - part.first_row
        return part.blob[int(part.offsets[at]) : int(part.offsets[at + 1])]

    def document(self, row: int) -> dict[str, Any]:
        document: dict[str, Any] = orjson.loads(self.raw(row))
        return document

    def documents(self, rows: Sequence[int]) -> list[dict[str, Any]]:
        """The documents of ``rows`` (a page): each part's offsets read once for all its rows, as
        Python ints, rather than two numpy scalars per document."""
        return [orjson.loads(raw) for raw in self._raws(rows)]

    def _raws(self, rows: Sequence[int]) -> list[bytes]:
        if len(self.parts) != 1 or any(row >= self._built for row in rows):
            return [self.raw(row) for row in rows]
        part = self.parts[0]
        at = np.asarray(rows, dtype=np.int64) - part.first_row
        starts, ends = part.offsets[at].tolist(), part.offsets[at + 1].tolist()
        blob = part.blob
        return [blob[start:end] for start, end in zip(starts, ends, strict=True)]

    def with_appended(self, documents: Mapping[int, bytes]) -> SourceStore:
        return SourceStore(self.parts, {**self.appended, **documents})
