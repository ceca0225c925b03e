"""Versioned embedded indexes and the pointer that says which one is live.

Each build writes a new ``providers-<version>`` folder; a single ``live.json`` names the live and the
previous version and is replaced in one ``os.replace``, so readers see either the old or the new
index, never a half-built one. A killed build leaves only an orphan folder, which the next writer
removes. One writer at a time holds an advisory lock; the kernel drops it if the writer dies.
"""

from __future__ import annotations

import fcntl
import json
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from core.atomic_files import write_json_atomically
from core.errors import NoLiveIndex, WriterBusy

POINTER = "live.json"
MANIFEST = "manifest.json"
PREFIX = "providers-"


@dataclass(frozen=True)
class Pointer:
    live: str
    previous: str | None
    switched_at: str


class IndexVersions:
    def __init__(self, root: Path) -> None:
        self.root = root

    def pointer(self) -> Pointer | None:
        try:
            data = json.loads((self.root / POINTER).read_text(encoding="utf-8"))
        except FileNotFoundError:
            return None
        return Pointer(**data)

    def live_dir(self) -> Path:
        pointer = self.pointer()
        if pointer is None:
            raise NoLiveIndex(f"no index in {self.root}; run 'placeringssok reindex --source FILE' first")
        return self.root / pointer.live

    def manifest(self, version: str) -> dict[str, Any]:
        manifest: dict[str, Any] = json.loads((self.root / version / MANIFEST).read_text(encoding="utf-8"))
        return manifest

    def new_version_dir(self) -> Path:
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
        path = self.root / f"{PREFIX}{stamp}"
        path.mkdir(parents=True)
        return path

    @contextmanager
    def writer_lock(self) -> Iterator[None]:
        self.root.mkdir(parents=True, exist_ok=True)
        with (self.root / ".writer.lock").open("w") as lock:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError as exc:
                raise WriterBusy("another reindex or sync is running on this data dir; wait for it to finish") from exc
            try:
                yield
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)

    def switch_to(self, version: str) -> Pointer:
        """Make ``version`` live in one atomic step; the old live version becomes the previous one."""
        old = self.pointer()
        pointer = Pointer(
            live=version,
            previous=old.live if old and old.live != version else (old.previous if old else None),
            switched_at=datetime.now(UTC).isoformat(),
        )
        write_json_atomically(self.root / POINTER, pointer.__dict__)
        return pointer

    def rollback(self) -> Pointer:
        old = self.pointer()
        if old is None or old.previous is None or not (self.root / old.previous).is_dir():
            raise NoLiveIndex("there is no previous version to roll back to")
        pointer = Pointer(live=old.previous, previous=old.live, switched_at=datetime.now(UTC).isoformat())
        write_json_atomically(self.root / POINTER, pointer.__dict__)
        return pointer

    def remove_unreferenced(self) -> list[str]:
        """Delete every version that is neither live nor previous (older ones, orphans of killed runs).

        Call only while holding the writer lock, so no build in progress is removed.
        """
        pointer = self.pointer()
        keep = {pointer.live, pointer.previous} if pointer else set()
        removed = []
        for path in sorted(self.root.glob(f"{PREFIX}*")):
            if path.name not in keep:
                shutil.rmtree(path, ignore_errors=True)
                removed.append(path.name)
        return removed
