"""Folding a live version's deltas into a new version, so small writes stay small.

Every small write leaves a delta file; readers and the next writer replay them all. When they
pile up (``merge_due``), ``merge_deltas`` makes a new version without copying what it can share:
tantivy's segment files and the document parts are hardlinked (neither is ever modified in place;
tantivy replaces its meta files by rename), the columns (and their rows' positions) and name words
are written once with the deltas applied, the documents the deltas appended become one new part,
and the tantivy documents of dead rows are deleted in the new version only. It is verified, then
made live by the pointer switch; until then readers keep the old version with its deltas. A kill
at any point leaves an orphan folder, removed by the next writer.

Merging costs O(index) in time (the columns are rewritten) but runs after the small write was
acknowledged, off every search's path.
"""

from __future__ import annotations

import os
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import tantivy

from core.atomic_files import write_json_atomically
from engines.embedded.columns import ColumnStore, ColumnValues
from engines.embedded.deltas import delta_files, read_delta
from engines.embedded.integrity import record_checksums
from engines.embedded.names import ROWS, WORDS, encode_words, save_names
from engines.embedded.sources import SourceWriter
from engines.embedded.text_index import open_index
from engines.embedded.versions import MANIFEST, IndexVersions
from engines.embedded.writer import documents_by_type, read_manifest, save_columns, verify_version

# Merge when this many deltas wait, or when they hold this many bytes. A merge holds the writer lock
# (seconds at a million providers), so small writes wait for it: rare, as replaying deltas is cheap.
MERGE_AFTER_DELTAS = 256
MERGE_AFTER_BYTES = 64_000_000
_HEAP = 20_000_000
_ROW_CEILING = 2**62


def merge_due(live: Path) -> bool:
    files = delta_files(live)
    return len(files) >= MERGE_AFTER_DELTAS or sum(f.stat().st_size for f in files) >= MERGE_AFTER_BYTES


def _link_tree(source: Path, target: Path) -> None:
    target.mkdir(parents=True)
    for path in source.iterdir():
        if path.is_file() and not path.name.endswith(".lock"):
            os.link(path, target / path.name)


def _delete_dead(folder: Path, columns: ColumnStore) -> None:
    """Drop the tantivy documents of dead rows and of rows no delta acknowledged, in ``folder`` only."""
    index = open_index(folder / "text")
    writer = index.writer(heap_size=_HEAP, num_threads=1)
    dead = np.flatnonzero(~columns.alive).tolist()
    if dead:
        writer.delete_documents_by_query(tantivy.Query.term_set_query(index.schema, "row", dead))
    unknown = tantivy.Query.range_query(index.schema, "row", tantivy.FieldType.Unsigned, columns.n, _ROW_CEILING)
    writer.delete_documents_by_query(unknown)
    writer.commit()
    writer.wait_merging_threads()


def merge_deltas(versions: IndexVersions, live: Path) -> str:
    """A new version holding ``live`` and its deltas, verified; returns its name (not yet live)."""
    started = time.monotonic()
    folder = versions.new_version_dir()
    _link_tree(live / "text", folder / "text")
    _link_tree(live / "sources", folder / "sources")
    columns = ColumnStore.load(live / "columns", extendable=True)
    manifest = read_manifest(live)
    tombstones: dict[str, float] = dict(manifest.get("tombstones", {}))
    words = [np.load(live / WORDS)]
    word_rows = [np.load(live / ROWS)]
    appended = SourceWriter(folder / "sources", first_row=columns.n)
    for path in delta_files(live):
        delta = read_delta(path)
        columns = columns.extended([ColumnValues(*values) for values in delta["rows"]], delta["kill"])
        appended.append([document.encode() for document in delta["documents"]])
        words.append(encode_words([word for word, _ in delta["names"]]))
        word_rows.append(np.array([row for _, row in delta["names"]], dtype=np.int64))
        tombstones |= delta["tombstones"]
    appended.close()
    save_columns(folder, columns)
    save_names(folder, words, word_rows)
    _delete_dead(folder, columns)
    live_tombstones = {i: stamp for i, stamp in tombstones.items() if columns.row_of(i) is None}
    write_json_atomically(
        folder / MANIFEST,
        {
            **manifest,
            "version": folder.name,
            "built_at": datetime.now(UTC).isoformat(),
            "build_seconds": round(time.monotonic() - started, 3),
            "documents": columns.live_count,
            "by_provider_type": documents_by_type(columns),
            "merged_from": live.name,
            "tombstones": live_tombstones,
        },
    )
    record_checksums(folder)
    verify_version(folder)
    return folder.name
