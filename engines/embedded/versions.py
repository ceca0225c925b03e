"""Versioned embedded indexes and the pointer that says which one is live.

Each build writes a new ``providers-<version>`` folder; a single ``live.json`` names the live and the
previous version and is replaced in one ``os.replace``, so readers see either the old or the new
index, never a half-built one. A killed build leaves only an orphan folder, which the next writer
removes. One writer at a time holds an advisory lock; the kernel drops it if the writer dies.
"""

from __future__ import annotations

import fcntl
import json
import re
import shutil
import time
from collections.abc import Collection, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from core.atomic_files import write_json_atomically
from core.errors import IndexDamaged, NoLiveIndex, PointerDamaged, WriterBusy
from core.settings import DEFAULT_KEEP_VERSIONS
from engines.embedded.integrity import damage, damage_unless_unchanged

POINTER = "live.json"
MANIFEST = "manifest.json"
PREFIX = "providers-"
# What new_version_dir names a version: a pointer or a rollback naming anything else is refused.
VERSION_NAME = re.compile(r"providers-\d{8}T\d{12}Z")
_REPAIR = "'placeringssok status' lists the kept versions; 'rollback --to VERSION' or a reindex repairs it"


@dataclass(frozen=True)
class Pointer:
    live: str
    previous: str | None
    switched_at: str


class IndexVersions:
    def __init__(self, root: Path) -> None:
        self.root = root

    def pointer(self) -> Pointer | None:
        """The pointer, None before the first build; PointerDamaged if it is unreadable or names
        anything but a version's folder name (so it can never lead out of the data dir)."""
        path = self.root / POINTER
        try:
            data = json.loads(path.read_bytes())
            pointer = Pointer(live=data["live"], previous=data.get("previous"), switched_at=str(data["switched_at"]))
        except FileNotFoundError:
            return None
        except (ValueError, KeyError, TypeError, AttributeError, OSError) as exc:
            raise PointerDamaged(f"the live pointer {path} is damaged ({type(exc).__name__}); {_REPAIR}") from exc
        names = [pointer.live] + ([pointer.previous] if pointer.previous is not None else [])
        if not all(isinstance(name, str) and VERSION_NAME.fullmatch(name) for name in names):
            raise PointerDamaged(f"the live pointer {path} names something that is not an index version; {_REPAIR}")
        return pointer

    def pointer_or_none(self) -> Pointer | None:
        """For writers, which replace a damaged pointer: a damaged one counts as none."""
        try:
            return self.pointer()
        except PointerDamaged:
            return None

    def live_dir(self) -> Path:
        pointer = self.pointer()
        if pointer is None:
            raise NoLiveIndex(f"no index in {self.root}; run 'placeringssok reindex --source FILE' first")
        path = self.root / pointer.live
        if not path.is_dir():
            raise IndexDamaged(f"the live pointer names {pointer.live}, which is not in {self.root}; {_REPAIR}")
        return path

    def newest_intact(self, skip: Collection[str] = ()) -> str | None:
        """The newest finished version whose files match their checksums: what to serve when the live
        one cannot be."""
        for version in self.complete_versions():
            if version not in skip and damage(self.root / version) is None:
                return version
        return None

    def manifest(self, version: str) -> dict[str, Any]:
        manifest: dict[str, Any] = json.loads((self.root / version / MANIFEST).read_text(encoding="utf-8"))
        return manifest

    def new_version_dir(self) -> Path:
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
        path = self.root / f"{PREFIX}{stamp}"
        path.mkdir(parents=True)
        return path

    @contextmanager
    def writer_lock(self, wait_s: float = 0.0) -> Iterator[None]:
        """The one writer's lock; ``wait_s``: how long to wait for another writer (a small write
        waits out a merge; a reindex or sync refuses at once)."""
        self.root.mkdir(parents=True, exist_ok=True)
        deadline = time.monotonic() + wait_s
        with (self.root / ".writer.lock").open("w") as lock:
            while True:
                try:
                    fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError as exc:
                    if time.monotonic() >= deadline:
                        raise WriterBusy(
                            "another reindex or sync is running on this data dir; wait for it to finish"
                        ) from exc
                    time.sleep(0.01)
            try:
                yield
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)

    def switch_to(self, version: str) -> Pointer:
        """Make ``version`` live in one atomic step; the old live version becomes the previous one."""
        old = self.pointer_or_none()
        pointer = Pointer(
            live=version,
            previous=old.live if old and old.live != version else (old.previous if old else None),
            switched_at=datetime.now(UTC).isoformat(),
        )
        write_json_atomically(self.root / POINTER, pointer.__dict__)
        return pointer

    def replace_live(self, version: str) -> Pointer:
        """A sync's copy of the live version takes its place: the previous version (the one a
        rollback returns to) and the switch time stay, as when Elasticsearch syncs in place."""
        old = self.pointer()
        if old is None:
            return self.switch_to(version)
        pointer = Pointer(live=version, previous=old.previous, switched_at=old.switched_at)
        write_json_atomically(self.root / POINTER, pointer.__dict__)
        return pointer

    def rollback(self, to: str | None = None) -> Pointer:
        """Make ``to`` (a kept, complete version), or else the previous one, live again."""
        old = self.pointer_or_none()
        if to is None:
            if old is None or old.previous is None or not self.is_complete(old.previous):
                raise NoLiveIndex("there is no previous version to roll back to; 'status' lists the kept ones")
            to = old.previous
        elif not self.is_complete(to):
            kept = ", ".join(self.complete_versions()) or "none"
            raise NoLiveIndex(f"there is no complete version by that name; the kept versions are: {kept}")
        # The check a server makes before it serves a version: the full hash once, then sizes and
        # modification times. A rollback is the way back in an incident, often onto a loaded
        # machine: hashing 1.4 GB there (a second of CPU at a million providers) would take that
        # second from the searches; 'status' hashes everything.
        problem = damage_unless_unchanged(self.root / to)
        if problem is not None:
            raise IndexDamaged(f"{to} is damaged ({problem}); roll back to another kept version, or reindex")
        return self.switch_to(to)

    def is_complete(self, version: str) -> bool:
        """A finished build: a version's name, a folder of its own here, and its manifest written last."""
        return VERSION_NAME.fullmatch(version) is not None and (self.root / version / MANIFEST).is_file()

    def complete_versions(self) -> list[str]:
        """Every finished build, newest first (names sort by build time)."""
        return sorted((p.name for p in self.root.glob(f"{PREFIX}*") if self.is_complete(p.name)), reverse=True)

    def kept_versions(self, keep: int) -> list[str]:
        """The live version, the previous one, then the newest other finished builds: ``keep`` in all."""
        pointer = self.pointer_or_none()
        first = [v for v in (pointer.live, pointer.previous) if v] if pointer else []
        ordered = dict.fromkeys([*first, *self.complete_versions()])
        return [v for v in ordered if self.is_complete(v)][: max(keep, len(first[:1]))]

    def remove_unreferenced(self, keep: int = DEFAULT_KEEP_VERSIONS) -> list[str]:
        """Delete every version beyond the ``keep`` kept ones: older builds, orphans of killed runs.

        Call only while holding the writer lock, so no build in progress is removed.
        """
        pointer = self.pointer_or_none()
        if pointer is None and (self.root / POINTER).exists():
            return []  # a damaged pointer: which versions matter is unknown until one is switched to
        kept = set(self.kept_versions(keep))
        if pointer is not None:
            kept.add(pointer.live)  # even a damaged live version stays until another is live
        removed = []
        for path in sorted(self.root.glob(f"{PREFIX}*")):
            if path.name not in kept:
                shutil.rmtree(path, ignore_errors=True)
                removed.append(path.name)
        return removed
