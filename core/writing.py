"""What the indexer asks of an engine's writing side, the same for every engine.

A job prepares each document with the target's ``prepare`` (tantivy JSON and column values, a bulk
action), hands the prepared items to the writer in chunks, and commits; the target then switches the
live pointer (or alias). The protocols are generic in the prepared item, so each engine is checked
against exactly what it writes.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol, TypeVar

from core.documents import IndexedProvider

Prepared = TypeVar("Prepared")
PreparedIn = TypeVar("PreparedIn", contravariant=True)


@dataclass(frozen=True, slots=True)
class Deletion:
    """A tombstone from the register: the id is gone as of ``updated_at``."""

    id: str
    updated_at: datetime


@dataclass
class WriteCounts:
    """What a writer did; the same for every backend."""

    indexed: int = 0
    deleted: int = 0
    stale: int = 0
    stale_ids: list[str] = field(default_factory=list)
    # Ids a tombstone removed (not a stale one): their vacancy confirmations go with them.
    deleted_ids: list[str] = field(default_factory=list)


class IndexWriter(Protocol[PreparedIn]):
    counts: WriteCounts

    def upsert(self, items: Sequence[PreparedIn]) -> None:
        """Index prepared documents; per id the newer ``updated_at`` wins whatever the order."""

    def delete(self, deletions: list[Deletion]) -> None: ...
    def commit(self, sources: list[str]) -> str: ...
    def abandon(self) -> None: ...


class IndexTarget(Protocol[Prepared]):
    """Where a job writes: one engine's versions, lock and live pointer (or alias)."""

    def prepare(self, doc: IndexedProvider) -> Prepared: ...
    def writer_lock(self) -> AbstractContextManager[None]: ...
    def begin(self, *, from_live: bool) -> IndexWriter[Prepared]: ...
    def switch_to(self, version: str) -> None: ...
    def live_version(self) -> str | None: ...
    def documents_in(self, version: str) -> int: ...

    def remove_unreferenced(self) -> list[str]:
        """Delete every version beyond the kept ones (``keep_versions``, live first) and orphans."""

    def rollback(self, to: str | None = None) -> str:
        """Make ``to`` (a kept version), or else the previous one, live; returns it."""

    def disk_full_message(self, source_bytes: int) -> str:
        """What to tell ops when a write found no space: where, how much is free, how much is needed."""
