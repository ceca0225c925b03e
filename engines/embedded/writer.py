"""Writing the embedded index: a full build into a new version, or a sync onto a copy of the live one.

Both paths apply the same rule per document: a record replaces the indexed one only if it is newer
(``updated_at``), and a tombstone deletes only what is older than itself. Nothing becomes live until
the new version has been verified and the pointer switched.
"""

from __future__ import annotations

import json
import shutil
import time
from collections.abc import Sequence
from contextlib import suppress
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import tantivy

from core.atomic_files import write_json_atomically
from core.errors import VerificationFailed
from core.records import id_hash
from core.writing import Deletion, WriteCounts
from engines.embedded.columns import ColumnStore
from engines.embedded.integrity import record_checksums
from engines.embedded.text_index import PreparedProvider, open_index, with_row
from engines.embedded.versions import MANIFEST, IndexVersions

_WRITER_HEAP = 256_000_000


class EmbeddedWriter:
    """Writes one new version. ``base`` is the live version a sync starts from (None: empty)."""

    def __init__(self, versions: IndexVersions, base: Path | None) -> None:
        self.versions = versions
        self.started = time.monotonic()
        self.dir = versions.new_version_dir()
        if base is not None:
            shutil.copytree(base / "text", self.dir / "text")
            self.columns = ColumnStore.load(base / "columns.npz")
            manifest = _read_manifest(base)
            self.tombstones: dict[str, float] = manifest.get("tombstones", {})
        else:
            (self.dir / "text").mkdir()
            self.columns = ColumnStore.empty()
            self.tombstones = {}
        self.index = open_index(self.dir / "text")
        self.writer = self.index.writer(heap_size=_WRITER_HEAP)
        self.counts = WriteCounts()

    def _newest_known(self, provider_id: str) -> float | None:
        row = self.columns.row_of(provider_id)
        if row is not None:
            return float(self.columns.numbers["updated_at"][row])
        return self.tombstones.get(provider_id)

    def upsert(self, items: Sequence[PreparedProvider]) -> None:
        # Newest per id within the chunk first: the same id twice in one export must not index twice.
        newest: dict[str, PreparedProvider] = {}
        for item in items:
            seen = newest.get(item.columns.id)
            if seen is not None:
                older = item if item.columns.updated_at <= seen.columns.updated_at else seen
                self._count_stale(older.columns.id)
                if older is item:
                    continue
            newest[item.columns.id] = item
        fresh: list[PreparedProvider] = []
        for provider_id, item in newest.items():
            known = self._newest_known(provider_id)
            if known is not None and known >= item.columns.updated_at:
                self._count_stale(provider_id)
                continue
            self._remove(provider_id)
            self.tombstones.pop(provider_id, None)
            fresh.append(item)
        rows = self.columns.append([item.columns for item in fresh])
        for item, row in zip(fresh, rows, strict=True):
            self.writer.add_json(with_row(item.tantivy_json, row))
        self.counts.indexed += len(fresh)

    def _count_stale(self, provider_id: str) -> None:
        self.counts.stale += 1
        self.counts.stale_ids.append(provider_id)

    def delete(self, deletions: Sequence[Deletion]) -> None:
        for deletion in deletions:
            stamp = deletion.updated_at.timestamp()
            known = self._newest_known(deletion.id)
            if known is not None and known >= stamp:
                self._count_stale(deletion.id)
                continue
            if self._remove(deletion.id):
                self.counts.deleted += 1
            self.counts.deleted_ids.append(deletion.id)
            self.tombstones[deletion.id] = stamp

    def _remove(self, provider_id: str) -> bool:
        row = self.columns.row_of(provider_id)
        if row is None:
            return False
        self.columns.kill([row])
        self.writer.delete_documents_by_term("id", provider_id)
        return True

    def commit(self, sources: list[str]) -> str:
        """Persist, verify from disk, and return the version name (not yet live)."""
        self.writer.commit()
        self.writer.wait_merging_threads()
        self.columns.save(self.dir / "columns.npz")
        by_type: dict[str, int] = {}
        alive = self.columns.flags["alive"]
        codes = self.columns.keyword_codes["provider_type"][alive]
        for code, value in enumerate(self.columns.keyword_values["provider_type"]):
            count = int((codes == code).sum())
            if count:
                by_type[value] = count
        manifest = {
            "version": self.dir.name,
            "built_at": datetime.now(UTC).isoformat(),
            "build_seconds": round(time.monotonic() - self.started, 3),
            "documents": self.columns.live_count,
            "by_provider_type": by_type,
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


def _read_manifest(version_dir: Path) -> dict[str, Any]:
    manifest: dict[str, Any] = json.loads((version_dir / MANIFEST).read_text(encoding="utf-8"))
    return manifest


def verify_version(version_dir: Path) -> None:
    """Open the version as a reader would: the counts must agree and a smoke query must find a document."""
    manifest = _read_manifest(version_dir)
    columns = ColumnStore.load(version_dir / "columns.npz")
    index = open_index(version_dir / "text")
    index.reload()
    searcher = index.searcher()
    if searcher.num_docs != manifest["documents"] or columns.live_count != manifest["documents"]:
        raise VerificationFailed(
            f"{version_dir.name}: the text index holds {searcher.num_docs} documents, the columns "
            f"{columns.live_count}, the manifest {manifest['documents']}; the version is not used"
        )
    if manifest["documents"]:
        alive_rows = columns.flags["alive"].nonzero()[0]
        probe = str(columns.ids[alive_rows[len(alive_rows) // 2]])
        query = tantivy.Query.term_query(index.schema, "id", probe)
        # tantivy's stub omits SearchResult.count, which the extension sets when count=True (the default).
        if searcher.search(query, limit=1).count != 1:  # type: ignore[attr-defined]
            raise VerificationFailed(f"{version_dir.name}: the smoke query for id #{id_hash(probe)} found nothing")
