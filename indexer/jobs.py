"""Reindex and sync jobs, the same for every backend.

A job streams the source through validation and normalisation, feeds documents to the backend's
writer in chunks, and reports every bad record. Above ``max_errors`` it abandons the new version and
the live index keeps serving. Backends provide an ``IndexTarget``; the job never knows which.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from indexer.documents import IndexedProvider
from indexer.geocoding import AddressGeocoder
from indexer.source import Deletion, RecordProblem, read_source

CHUNK = 2000


class WriteCountsLike(Protocol):
    indexed: int
    deleted: int
    stale: int


class IndexWriter(Protocol):
    counts: WriteCountsLike

    def upsert(self, docs: Sequence[IndexedProvider]) -> None: ...
    def delete(self, deletions: Sequence[Deletion]) -> None: ...
    def commit(self, sources: list[str]) -> str: ...
    def abandon(self) -> None: ...


class IndexTarget(Protocol):
    """Where a job writes: one backend's versions, lock and live pointer (or alias)."""

    def writer_lock(self) -> AbstractContextManager[None]: ...
    def begin(self, *, from_live: bool) -> IndexWriter: ...
    def switch_to(self, version: str) -> None: ...
    def remove_unreferenced(self) -> list[str]: ...
    def rollback(self) -> str: ...


class TooManyErrors(Exception):
    """Above --max-errors: the job stopped and abandoned its version; ``report`` has the problems."""

    def __init__(self, message: str, report: JobReport) -> None:
        super().__init__(message)
        self.report = report


@dataclass
class JobReport:
    read: int = 0
    problems: list[RecordProblem] = field(default_factory=list)
    indexed: int = 0
    deleted: int = 0
    stale: int = 0
    version: str | None = None
    removed_versions: list[str] = field(default_factory=list)

    @property
    def bad_records(self) -> int:
        return len({(p.source, p.line) for p in self.problems})


ProgressCallback = Callable[[int], None]


def _chunks(
    results: Iterator, report: JobReport, max_errors: int | None, progress: ProgressCallback | None
) -> Iterator[tuple[list[IndexedProvider], list[Deletion]]]:
    docs: list[IndexedProvider] = []
    deletions: list[Deletion] = []
    for result in results:
        report.read += 1
        if result.problems:
            report.problems.extend(result.problems)
            if max_errors is not None and report.bad_records > max_errors:
                raise TooManyErrors(
                    f"more than {max_errors} bad records (--max-errors); nothing was switched, "
                    "the live index is unchanged",
                    report,
                )
        elif result.document is not None:
            docs.append(result.document)
        elif result.deletion is not None:
            deletions.append(result.deletion)
        if len(docs) + len(deletions) >= CHUNK:
            yield docs, deletions
            docs, deletions = [], []
        if progress is not None:
            progress(1)
    if docs or deletions:
        yield docs, deletions


def run_job(
    target: IndexTarget,
    sources: Sequence[Path],
    geocoder: AddressGeocoder,
    *,
    incremental: bool,
    max_errors: int | None = None,
    progress: ProgressCallback | None = None,
) -> JobReport:
    """A full reindex (``incremental=False``) or a sync onto the live index; raises on failure with
    the live index untouched."""
    report = JobReport()
    with target.writer_lock():
        report.removed_versions += target.remove_unreferenced()
        writer = target.begin(from_live=incremental)
        try:
            for docs, deletions in _chunks(read_source(sources, geocoder), report, max_errors, progress):
                # Order inside a chunk matters only per id, and per id the newer record wins anyway.
                writer.upsert(docs)
                writer.delete(deletions)
            version = writer.commit([str(p) for p in sources])
        except BaseException:
            writer.abandon()
            raise
        finally:
            geocoder.save()
        target.switch_to(version)
        report.version = version
        report.indexed = writer.counts.indexed
        report.deleted = writer.counts.deleted
        report.stale = writer.counts.stale
        report.removed_versions += target.remove_unreferenced()
    return report
