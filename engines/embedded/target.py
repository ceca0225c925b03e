"""The embedded backend as a place jobs write to: versions in a folder, a pointer file, a lock."""

from __future__ import annotations

import shutil
from contextlib import AbstractContextManager
from pathlib import Path

from core.errors import IndexDamaged
from core.settings import DEFAULT_KEEP_VERSIONS
from engines.embedded.integrity import damage
from engines.embedded.text_index import prepare_provider
from engines.embedded.versions import IndexVersions
from engines.embedded.writer import EmbeddedWriter

MB = 1 << 20
# Disk per byte of export a version takes, with room for tantivy's merges (measured: 1.2).
SIZE_PER_SOURCE_BYTE = 1.5


def folder_bytes(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


class EmbeddedTarget:
    prepare = staticmethod(prepare_provider)

    def __init__(self, root: Path, keep_versions: int = DEFAULT_KEEP_VERSIONS) -> None:
        self.versions = IndexVersions(root)
        self.keep_versions = keep_versions
        self._syncing = False

    def writer_lock(self) -> AbstractContextManager[None]:
        return self.versions.writer_lock()

    def begin(self, *, from_live: bool) -> EmbeddedWriter:
        base = self.versions.live_dir() if from_live else None
        problem = damage(base) if base is not None else None
        if base is not None and problem is not None:
            raise IndexDamaged(
                f"the live version {base.name} is damaged ({problem}), so a sync cannot build on it; "
                "run 'placeringssok rollback --to VERSION' or a reindex"
            )
        self._syncing = from_live
        return EmbeddedWriter(self.versions, base)

    def switch_to(self, version: str) -> None:
        # A sync updates the live version (here by a copy that replaces it); only a reindex makes
        # the live version the previous one. test_reindex_conformance holds every engine to this.
        if self._syncing:
            self.versions.replace_live(version)
        else:
            self.versions.switch_to(version)

    def live_version(self) -> str | None:
        pointer = self.versions.pointer_or_none()
        return pointer.live if pointer else None

    def documents_in(self, version: str) -> int:
        try:
            return int(self.versions.manifest(version)["documents"])
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise IndexDamaged(f"the manifest of {version} cannot be read ({type(exc).__name__})") from exc

    def remove_unreferenced(self) -> list[str]:
        return self.versions.remove_unreferenced(self.keep_versions)

    def rollback(self, to: str | None = None) -> str:
        return self.versions.rollback(to).live

    def disk_full_message(self, source_bytes: int) -> str:
        root = self.versions.root.resolve()
        free = shutil.disk_usage(root if root.exists() else root.parent).free
        live = self.live_version()
        live_size = folder_bytes(root / live) if live and (root / live).is_dir() else 0
        # Measured: a version takes about 1.2 times its JSON Lines export; a sync copies the live one.
        need = max(live_size, int(source_bytes * SIZE_PER_SOURCE_BYTE))
        return (
            f"the disk holding the data dir {root} is full: {free / MB:.1f} MB free, and a new index version "
            f"needs about {need / MB:.1f} MB. Free space there or set PLACERINGSSOK_DATA_DIR to a larger "
            "disk, then run again; the live index is unchanged"
        )
