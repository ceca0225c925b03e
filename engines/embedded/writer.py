"""Writing the embedded index: a full build into a new version, or a small write onto the live one.

Both paths apply the same rule per document: a record replaces the indexed one only if it is newer
(``updated_at``), and a tombstone deletes only what is older than itself.

- ``EmbeddedWriter`` (reindex) builds a new version folder: columns collected per chunk and joined
  once, rows' positions placed and stored, documents streamed to the sources file, name suggestions
  stored; nothing becomes live until the version has been verified and the pointer switched. Linear
  in the number of records.
- ``DeltaWriter`` (sync, and any small write) changes the live version without copying it: new
  tantivy documents are committed as a new segment with rows past every known row, then one delta
  file (``deltas/delta-<seq>.json``: the new rows' columns, documents and name words, the rows that
  die, the tombstones) is written and renamed into place. The rename is the acknowledgement. A kill
  before it leaves tantivy documents whose rows no delta names: readers ignore rows they have no
  columns for, and the next small write deletes them before it adds its own. Cost follows the
  records written plus a binary search per id in the mapped id index.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import time
from array import array
from collections import Counter
from collections.abc import Sequence
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import tantivy
from numpy.typing import NDArray

from core.atomic_files import write_json_atomically
from core.errors import VerificationFailed
from core.records import id_hash
from core.writing import Deletion, WriteCounts
from engines.embedded.columns import ColumnBuilder, ColumnStore, ColumnValues
from engines.embedded.deltas import DELTAS, delta_files, read_delta
from engines.embedded.integrity import record_checksums
from engines.embedded.names import encode_words, save_names
from engines.embedded.positions import FOLDER as POSITIONS
from engines.embedded.positions import Positions
from engines.embedded.sources import SourceWriter
from engines.embedded.text_index import PreparedProvider, open_index, with_row
from engines.embedded.versions import MANIFEST, IndexVersions

# Split between tantivy's indexing threads (one per core). Bounded so a build of a million providers
# stays well under 1 GB: the Python side that feeds tantivy (validation, analysis) is the slower one,
# and twice the heap measured no faster at 100,000 providers.
_WRITER_HEAP = 64_000_000
# A small write adds one small segment: one indexing thread with tantivy's smallest useful heap.
_DELTA_HEAP = 20_000_000
_ROW_CEILING = 2**62


def _newest_per_id(items: Sequence[PreparedProvider], counts: WriteCounts) -> dict[str, PreparedProvider]:
    """Newest per id within a chunk: the same id twice in one export must not index twice."""
    newest: dict[str, PreparedProvider] = {}
    for item in items:
        seen = newest.get(item.columns.id)
        if seen is not None:
            older = item if item.columns.updated_at <= seen.columns.updated_at else seen
            counts.stale += 1
            counts.stale_ids.append(older.columns.id)
            if older is item:
                continue
        newest[item.columns.id] = item
    return newest


@dataclass
class _Known:
    """What a writer knows of each id: its row and stamp (row -1: deleted at that stamp)."""

    rows: dict[str, tuple[int, float]] = field(default_factory=dict)

    def stale(self, provider_id: str, stamp: float, base: ColumnStore | None) -> bool:
        known = self.newest(provider_id, base)
        return known is not None and known >= stamp

    def newest(self, provider_id: str, base: ColumnStore | None) -> float | None:
        entry = self.rows.get(provider_id)
        if entry is not None:
            return entry[1]
        if base is not None:
            row = base.row_of(provider_id)
            if row is not None:
                return float(base.numbers["updated_at"][row])
        return None

    def row(self, provider_id: str, base: ColumnStore | None) -> int | None:
        entry = self.rows.get(provider_id)
        if entry is not None:
            return entry[0] if entry[0] >= 0 else None
        return base.row_of(provider_id) if base is not None else None


class _RowsById:
    """A build's row of each id, as sorted runs of (id bytes, row) merged like a binary counter: about
    twenty bytes an id where a dict of strings takes 140, and a chunk's ids are looked up in one
    ``searchsorted`` per run. A later run's entry wins; row -1 means removed."""

    def __init__(self) -> None:
        self._runs: list[tuple[NDArray[np.bytes_], NDArray[np.int64]]] = []

    def rows(self, ids: NDArray[np.bytes_]) -> NDArray[np.int64]:
        """Each id's row, -1 where it has none."""
        found = np.full(len(ids), -1, dtype=np.int64)
        for keys, rows in self._runs:  # oldest first: a later run overrides
            if not len(keys) or not len(ids):
                continue
            at = np.minimum(np.searchsorted(keys, ids), len(keys) - 1)
            hit = keys[at] == ids
            found[hit] = rows[at[hit]]
        return found

    def row(self, provider_id: str) -> int | None:
        row = int(self.rows(np.array([provider_id.encode()]))[0])
        return row if row >= 0 else None

    def set(self, ids: NDArray[np.bytes_], rows: NDArray[np.int64]) -> None:
        order = np.argsort(ids, kind="stable")
        self._runs.append((ids[order], rows[order]))
        while len(self._runs) > 1 and len(self._runs[-2][0]) <= 2 * len(self._runs[-1][0]):
            newer = self._runs.pop()
            self._runs[-1] = _merged(self._runs[-1], newer)

    def clear(self) -> None:
        self._runs = []


def _merged(
    older: tuple[NDArray[np.bytes_], NDArray[np.int64]], newer: tuple[NDArray[np.bytes_], NDArray[np.int64]]
) -> tuple[NDArray[np.bytes_], NDArray[np.int64]]:
    """One sorted run of both; where an id is in both, the newer entry."""
    keys = np.concatenate([older[0], newer[0]])
    rows = np.concatenate([older[1], newer[1]])
    # Each newer key goes after the older ones equal to it; a stable sort keeps that order.
    order = np.argsort(keys, kind="stable")
    keys, rows = keys[order], rows[order]
    last = np.ones(len(keys), dtype=bool)
    last[:-1] = keys[:-1] != keys[1:]
    return keys[last], rows[last]


class EmbeddedWriter:
    """Writes one new version from nothing (a reindex)."""

    def __init__(self, versions: IndexVersions) -> None:
        self.versions = versions
        self.started = time.monotonic()
        self.dir = versions.new_version_dir()
        (self.dir / "text").mkdir()
        self.columns = ColumnBuilder()
        self.sources = SourceWriter(self.dir / "sources")
        self.name_words: list[NDArray[np.bytes_]] = []
        self.name_rows: list[NDArray[np.int64]] = []
        # Per id its row; per row its stamp: no Python object per record (a million of them is 140 MB).
        self.row_of = _RowsById()
        self.stamps = array("d")
        self.tombstones: dict[str, float] = {}
        self.index = open_index(self.dir / "text")
        self.writer = self.index.writer(heap_size=_WRITER_HEAP)
        self.counts = WriteCounts()

    def _stale(self, provider_id: str, stamp: float, row: int | None) -> bool:
        known = self.stamps[row] if row is not None else self.tombstones.get(provider_id)
        return known is not None and known >= stamp

    def upsert(self, items: Sequence[PreparedProvider]) -> None:
        fresh: list[PreparedProvider] = []
        newest = _newest_per_id(items, self.counts)
        # One lookup for the chunk; an id indexed before in this build is the rare case.
        known = self.row_of.rows(np.array([i.encode() for i in newest], dtype=np.bytes_))
        for (provider_id, item), row in zip(newest.items(), known.tolist(), strict=True):
            if row < 0 and provider_id not in self.tombstones:
                fresh.append(item)
                continue
            if self._stale(provider_id, item.columns.updated_at, row if row >= 0 else None):
                self._count_stale(provider_id)
                continue
            self._remove(provider_id)
            self.tombstones.pop(provider_id, None)
            fresh.append(item)
        rows = self.columns.append([item.columns for item in fresh])
        self.sources.append([item.source for item in fresh])
        words: list[str] = []
        word_rows: list[int] = []
        for item, row in zip(fresh, rows, strict=True):
            self.writer.add_json(with_row(item.tantivy_json, row))
            words += item.names
            word_rows += [row] * len(item.names)
            self.stamps.append(item.columns.updated_at)
        if fresh:
            ids = np.array([item.columns.id.encode() for item in fresh], dtype=np.bytes_)
            self.row_of.set(ids, np.arange(rows.start, rows.stop, dtype=np.int64))
        self.name_words.append(encode_words(words))
        self.name_rows.append(np.array(word_rows, dtype=np.int64))
        self.counts.indexed += len(fresh)

    def _count_stale(self, provider_id: str) -> None:
        self.counts.stale += 1
        self.counts.stale_ids.append(provider_id)

    def delete(self, deletions: Sequence[Deletion]) -> None:
        for deletion in deletions:
            stamp = deletion.updated_at.timestamp()
            if self._stale(deletion.id, stamp, self.row_of.row(deletion.id)):
                self._count_stale(deletion.id)
                continue
            if self._remove(deletion.id):
                self.counts.deleted += 1
            self.counts.deleted_ids.append(deletion.id)
            self.tombstones[deletion.id] = stamp

    def _remove(self, provider_id: str) -> bool:
        row = self.row_of.row(provider_id)
        if row is None:
            return False
        self.row_of.set(np.array([provider_id.encode()], dtype=np.bytes_), np.array([-1], dtype=np.int64))
        self.columns.kill([row])
        self.writer.delete_documents_by_term("row", row)
        return True

    def commit(self, sources: list[str]) -> str:
        """Persist, verify from disk, and return the version name (not yet live)."""
        self.writer.commit()
        self.writer.wait_merging_threads()
        self.sources.close()
        columns = self.columns.finish()
        save_columns(self.dir, columns)
        save_names(self.dir, self.name_words, self.name_rows)
        self.row_of.clear()
        manifest = {
            "version": self.dir.name,
            "built_at": datetime.now(UTC).isoformat(),
            "build_seconds": round(time.monotonic() - self.started, 3),
            "documents": columns.live_count,
            "by_provider_type": documents_by_type(columns),
            "sources": sources,
            "tombstones": self.tombstones,
        }
        write_json_atomically(self.dir / MANIFEST, manifest)
        record_checksums(self.dir)
        verify_version(self.dir)
        return self.dir.name

    def abandon(self) -> None:
        # tantivy's threads first: one still writing (a segment, .managed.json) as the folder goes
        # would leave it behind.
        with suppress(Exception):
            self.writer.rollback()
            self.writer.wait_merging_threads()
        shutil.rmtree(self.dir, ignore_errors=True)


def save_columns(version_dir: Path, columns: ColumnStore) -> None:
    """A new version's columns, and its rows' positions placed once here rather than by every
    reader that opens it (``positions``)."""
    columns.save(version_dir / "columns")
    Positions.of(columns.number("lat"), columns.number("lon")).save(version_dir / POSITIONS)


def documents_by_type(columns: ColumnStore) -> dict[str, int]:
    counts = np.bincount(
        columns.codes("provider_type")[columns.alive], minlength=len(columns.keyword_values["provider_type"])
    )
    return {value: int(n) for value, n in zip(columns.keyword_values["provider_type"], counts, strict=False) if n}


class DeltaWriter:
    """One small write onto the live version (a sync, or a single record): see the module docstring."""

    def __init__(self, versions: IndexVersions, live: Path) -> None:
        self.versions = versions
        self.dir = live
        self.base = ColumnStore.load(live / "columns")
        self.known = _Known()
        self.next_row = self.base.n
        self.seq = 0
        self.tombstones: dict[str, float] = dict(read_manifest(live).get("tombstones", {}))
        for path in delta_files(live):
            self._replay(read_delta(path))
        self.counts = WriteCounts()
        self.rows: list[ColumnValues] = []
        self.documents: list[str] = []
        self.names: list[tuple[str, int]] = []
        self.tantivy_json: list[str] = []
        self.kill: list[int] = []
        self.new_tombstones: dict[str, float] = {}

    def _replay(self, delta: dict[str, Any]) -> None:
        for row in delta["kill"]:
            provider_id = _id_of(self.base, delta, row)
            if provider_id is not None:
                self.known.rows.setdefault(provider_id, (-1, float("-inf")))
        for offset, values in enumerate(delta["rows"]):
            self.known.rows[values[0]] = (
                delta["start"] + offset,
                float(values[ColumnValues._fields.index("updated_at")]),
            )
        for provider_id, stamp in delta["tombstones"].items():
            self.known.rows[provider_id] = (-1, stamp)
            self.tombstones[provider_id] = stamp
        self.next_row = delta["start"] + len(delta["rows"])
        self.seq = delta["seq"]

    def _stale(self, provider_id: str, stamp: float) -> bool:
        known = self.known.newest(provider_id, self.base)
        if known is None:
            known = self.tombstones.get(provider_id)
        return known is not None and known >= stamp

    def upsert(self, items: Sequence[PreparedProvider]) -> None:
        for provider_id, item in _newest_per_id(items, self.counts).items():
            if self._stale(provider_id, item.columns.updated_at):
                self.counts.stale += 1
                self.counts.stale_ids.append(provider_id)
                continue
            self._remove(provider_id)
            self.tombstones.pop(provider_id, None)
            row = self.next_row + len(self.rows)
            self.rows.append(item.columns)
            self.documents.append(item.source.decode())
            self.names += [(word, row) for word in item.names]
            self.tantivy_json.append(with_row(item.tantivy_json, row))
            self.known.rows[provider_id] = (row, item.columns.updated_at)
            self.counts.indexed += 1

    def delete(self, deletions: Sequence[Deletion]) -> None:
        for deletion in deletions:
            stamp = deletion.updated_at.timestamp()
            if self._stale(deletion.id, stamp):
                self.counts.stale += 1
                self.counts.stale_ids.append(deletion.id)
                continue
            if self._remove(deletion.id):
                self.counts.deleted += 1
            self.counts.deleted_ids.append(deletion.id)
            self.known.rows[deletion.id] = (-1, stamp)
            self.tombstones[deletion.id] = stamp
            self.new_tombstones[deletion.id] = stamp

    def _remove(self, provider_id: str) -> bool:
        row = self.known.row(provider_id, self.base)
        if row is None:
            return False
        self.kill.append(row)
        self.known.rows[provider_id] = (-1, self.known.newest(provider_id, self.base) or float("-inf"))
        return True

    def commit(self, sources: list[str]) -> str:
        """Commit the tantivy segment, then acknowledge with the delta file; returns the live version."""
        if not (self.rows or self.kill or self.new_tombstones):
            return self.dir.name
        index = open_index(self.dir / "text")
        writer = index.writer(heap_size=_DELTA_HEAP, num_threads=1)
        # Documents of a write killed before its delta file: no reader knows their rows; drop them.
        orphans = tantivy.Query.range_query(
            index.schema, "row", tantivy.FieldType.Unsigned, self.next_row, _ROW_CEILING
        )
        writer.delete_documents_by_query(orphans)
        for document in self.tantivy_json:
            writer.add_json(document)
        writer.commit()
        writer.wait_merging_threads()
        delta = {
            "seq": self.seq + 1,
            "start": self.next_row,
            "rows": [list(values) for values in self.rows],
            "documents": self.documents,
            "names": self.names,
            "kill": self.kill,
            "tombstones": self.new_tombstones,
            "sources": sources,
            "written_at": datetime.now(UTC).isoformat(),
        }
        write_delta(self.dir, delta)
        return self.dir.name

    def abandon(self) -> None:
        """Nothing to undo: until the delta file is renamed into place, no reader sees this write."""


def write_delta(version_dir: Path, delta: dict[str, Any]) -> None:
    folder = version_dir / DELTAS
    folder.mkdir(exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=version_dir, prefix=".delta.")
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        # dumps, not dump: json's C encoder serves only whole-document calls (dump is pure Python,
        # a quarter of a second for a thousand records); NaN stays NaN, as the reader expects.
        f.write(json.dumps(delta, ensure_ascii=False))
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, folder / f"delta-{delta['seq']:08d}.json")
    directory = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)


def _id_of(base: ColumnStore, delta: dict[str, Any], row: int) -> str | None:
    if row < base.n:
        return str(base.ids[row].decode())
    return None


def read_manifest(version_dir: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((version_dir / MANIFEST).read_text(encoding="utf-8"))
    return data


def manifest_with_deltas(version_dir: Path) -> dict[str, Any]:
    """The version's manifest with the counts its small writes changed (documents, by type), from
    the deltas and the killed rows' type codes alone: cost follows the writes, not the index."""
    manifest = read_manifest(version_dir)
    deltas = [read_delta(path) for path in delta_files(version_dir)]
    if not deltas:
        return manifest
    columns = ColumnStore.load(version_dir / "columns")
    by_type: Counter[str] = Counter(manifest["by_provider_type"])
    types = columns.keyword_values["provider_type"]
    appended: dict[int, str] = {}  # row -> type, of rows the deltas appended
    at = ColumnValues._fields.index("facets")
    for delta in deltas:
        for offset, values in enumerate(delta["rows"]):
            appended[delta["start"] + offset] = values[at][0]  # provider_type leads the facets
            by_type[values[at][0]] += 1
        for row in delta["kill"]:
            by_type[appended[row] if row >= columns.n else types[columns.codes("provider_type")[row]]] -= 1
    counts = {value: n for value, n in by_type.items() if n}
    return manifest | {"documents": sum(counts.values()), "by_provider_type": counts}


def verify_version(version_dir: Path) -> None:
    """Open the version as a reader would: the counts must agree and a smoke query must find a document."""
    manifest = read_manifest(version_dir)
    columns = ColumnStore.load(version_dir / "columns")
    Positions.load(version_dir / POSITIONS, columns.n)  # IndexDamaged unless they hold every row
    index = open_index(version_dir / "text")
    index.reload()
    searcher = index.searcher()
    if searcher.num_docs != manifest["documents"] or columns.live_count != manifest["documents"]:
        raise VerificationFailed(
            f"{version_dir.name}: the text index holds {searcher.num_docs} documents, the columns "
            f"{columns.live_count}, the manifest {manifest['documents']}; the version is not used"
        )
    if manifest["documents"]:
        alive_rows = np.flatnonzero(columns.alive)
        probe = str(columns.ids[alive_rows[len(alive_rows) // 2]].decode())
        query = tantivy.Query.term_query(index.schema, "id", probe)
        # tantivy's stub omits SearchResult.count, which the extension sets when count=True (the default).
        if searcher.search(query, limit=1).count != 1:  # type: ignore[attr-defined]
            raise VerificationFailed(f"{version_dir.name}: the smoke query for id #{id_hash(probe)} found nothing")
