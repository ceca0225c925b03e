"""The embedded backend as a place jobs write to: versions in a folder, a pointer file, a lock.

Small writes (the live-vacancy path builds on this):

- ``apply(documents, deletions)`` upserts and deletes a few records on the live version: it takes
  the writer lock, writes one delta (``writer.DeltaWriter``) and returns once the delta file is in
  place, which is the acknowledgement. A partial update (say the vacancy fields of one home) is an
  upsert of the whole document with a newer ``updated_at``. A server in this process has applied it
  before ``apply`` returns (``publication``); one in another process applies it with its next
  search, or its background refresh (every 50 ms), without reopening the index.
- A sync job (``run_job(incremental=True)``) writes one delta the same way; ``switch_to`` the live
  version is then a no-op.
- When deltas pile up (``merge.merge_due``), they are merged into a new version after the write
  was acknowledged: inside the sync job, and on a background thread after ``apply``. ``merge``
  runs one explicitly.
"""

from __future__ import annotations

import shutil
import threading
from collections.abc import Sequence
from contextlib import AbstractContextManager
from pathlib import Path

from core.documents import IndexedProvider
from core.errors import IndexDamaged, WriterBusy
from core.settings import DEFAULT_KEEP_VERSIONS
from core.writing import Deletion, WriteCounts
from engines.embedded.deltas import delta_files, read_delta
from engines.embedded.integrity import damage_unless_unchanged
from engines.embedded.merge import merge_deltas, merge_due
from engines.embedded.publication import published
from engines.embedded.text_index import prepare_provider
from engines.embedded.versions import IndexVersions
from engines.embedded.writer import DeltaWriter, EmbeddedWriter

MB = 1 << 20
# How long a small write waits for another writer (a merge, a sync) before it gives up.
APPLY_WAIT_S = 120.0
# Disk per byte of export a version takes, with room for tantivy's merges (measured: 1.2).
SIZE_PER_SOURCE_BYTE = 1.5


def folder_bytes(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


class EmbeddedTarget:
    prepare = staticmethod(prepare_provider)

    def __init__(self, root: Path, keep_versions: int = DEFAULT_KEEP_VERSIONS) -> None:
        self.versions = IndexVersions(root)
        self.keep_versions = keep_versions

    def writer_lock(self) -> AbstractContextManager[None]:
        return self.versions.writer_lock()

    def begin(self, *, from_live: bool) -> EmbeddedWriter | DeltaWriter:
        if from_live:
            return DeltaWriter(self.versions, self._intact_live())
        return EmbeddedWriter(self.versions)

    def apply(
        self,
        documents: Sequence[IndexedProvider],
        deletions: Sequence[Deletion] = (),
        *,
        merge_in_background: bool = True,
    ) -> WriteCounts:
        """Upsert and delete a few records on the live index, newest ``updated_at`` winning; returns
        once the write is acknowledged (durable, and picked up by readers)."""
        with self.versions.writer_lock(wait_s=APPLY_WAIT_S):
            writer = DeltaWriter(self.versions, self._intact_live())
            writer.upsert([prepare_provider(doc) for doc in documents])
            writer.delete(list(deletions))
            writer.commit(["apply"])
            published(self.versions.root)
            due = merge_due(self.versions.live_dir())
        if due and merge_in_background:
            threading.Thread(target=self._merge_if_free, name="delta-merge", daemon=True).start()
        return writer.counts

    def _intact_live(self) -> Path:
        live = self.versions.live_dir()
        problem = damage_unless_unchanged(live)
        if problem is not None:
            raise IndexDamaged(
                f"the live version {live.name} is damaged ({problem}), so a sync cannot build on it; "
                "run 'placeringssok rollback --to VERSION' or a reindex"
            )
        return live

    def _merge_if_free(self) -> None:
        try:
            with self.writer_lock():
                if merge_due(self.versions.live_dir()):
                    self._merge()
        except WriterBusy:
            return  # another writer holds the lock; the next small write tries again

    def merge(self) -> str:
        """Fold the live version's deltas into a new live version; returns its name."""
        with self.writer_lock():
            return self._merge()

    def _merge(self) -> str:
        version = merge_deltas(self.versions, self.versions.live_dir())
        # The merged version takes the live one's place: the previous version (the one a rollback
        # returns to) stays, as after any sync.
        self.versions.replace_live(version)
        published(self.versions.root)
        self.versions.remove_unreferenced(self.keep_versions)
        return version

    def switch_to(self, version: str) -> None:
        pointer = self.versions.pointer_or_none()
        if pointer is None or pointer.live != version:
            self.versions.switch_to(version)
        elif merge_due(self.versions.root / version):
            # A sync updated the live version in place (previous and switch time stay, as on
            # Elasticsearch); its deltas are merged when they pile up.
            self._merge()
        published(self.versions.root)

    def live_version(self) -> str | None:
        pointer = self.versions.pointer_or_none()
        return pointer.live if pointer else None

    def documents_in(self, version: str) -> int:
        """Documents of the version as built, plus what its small writes added and removed."""
        try:
            deltas = [read_delta(path) for path in delta_files(self.versions.root / version)]
            changed = sum(len(delta["rows"]) - len(delta["kill"]) for delta in deltas)
            return int(self.versions.manifest(version)["documents"]) + changed
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise IndexDamaged(f"the manifest of {version} cannot be read ({type(exc).__name__})") from exc

    def remove_unreferenced(self) -> list[str]:
        return self.versions.remove_unreferenced(self.keep_versions)

    def rollback(self, to: str | None = None) -> str:
        live = self.versions.rollback(to).live
        published(self.versions.root)
        return live

    def disk_full_message(self, source_bytes: int) -> str:
        root = self.versions.root.resolve()
        free = shutil.disk_usage(root if root.exists() else root.parent).free
        live = self.live_version()
        live_size = folder_bytes(root / live) if live and (root / live).is_dir() else 0
        # Measured: a version takes about 1.2 times its JSON Lines export; the live one's size bounds
        # what a merge of small writes (new columns beside hardlinks) or a reindex needs.
        need = max(live_size, int(source_bytes * SIZE_PER_SOURCE_BYTE))
        return (
            f"the disk holding the data dir {root} is full: {free / MB:.1f} MB free, and a new index version "
            f"needs about {need / MB:.1f} MB. Free space there or set PLACERINGSSOK_DATA_DIR to a larger "
            "disk, then run again; the live index is unchanged"
        )
