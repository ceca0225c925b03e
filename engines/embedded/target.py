"""The embedded backend as a place jobs write to: versions in a folder, a pointer file, a lock."""

from __future__ import annotations

from contextlib import AbstractContextManager
from pathlib import Path

from engines.embedded.text_index import prepare_provider
from engines.embedded.versions import IndexVersions
from engines.embedded.writer import EmbeddedWriter


class EmbeddedTarget:
    prepare = staticmethod(prepare_provider)

    def __init__(self, root: Path) -> None:
        self.versions = IndexVersions(root)

    def writer_lock(self) -> AbstractContextManager[None]:
        return self.versions.writer_lock()

    def begin(self, *, from_live: bool) -> EmbeddedWriter:
        base = self.versions.live_dir() if from_live else None
        return EmbeddedWriter(self.versions, base)

    def switch_to(self, version: str) -> None:
        self.versions.switch_to(version)

    def remove_unreferenced(self) -> list[str]:
        return self.versions.remove_unreferenced()

    def rollback(self) -> str:
        return self.versions.rollback().live
