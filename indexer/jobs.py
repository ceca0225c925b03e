"""Reindex and sync jobs, the same for every backend.

A job streams the source through validation and normalisation, feeds documents to the backend's
writer in chunks, and reports every bad record. Above ``max_errors`` it abandons the new version and
the live index keeps serving. Backends provide an ``IndexTarget``; the job never knows which.

Large sources are parsed by worker processes while the main process writes: validation and
normalisation are pure Python, and on two cores that is the difference between the writer waiting
and the writer working. Results come back in source order, so "the newer record wins" and the
reported line numbers are the same as with one process.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from contextlib import AbstractContextManager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Protocol

from indexer.documents import IndexedProvider
from indexer.geocoding import AddressGeocoder
from indexer.source import Deletion, RecordProblem, SourceLineResult, parse_line, read_lines

CHUNK = 2000
# Below this many bytes of source, starting worker processes costs more than it saves.
PARALLEL_FROM_BYTES = 8_000_000

Prepare = Callable[[IndexedProvider], object]


class WriteCountsLike(Protocol):
    indexed: int
    deleted: int
    stale: int


class IndexWriter(Protocol):
    counts: WriteCountsLike

    def upsert(self, items: Sequence[Any]) -> None:
        """Index prepared documents (``IndexTarget.prepare``'s results, or the documents themselves)."""

    def delete(self, deletions: Sequence[Deletion]) -> None: ...
    def commit(self, sources: list[str]) -> str: ...
    def abandon(self) -> None: ...


class IndexTarget(Protocol):
    """Where a job writes: one backend's versions, lock and live pointer (or alias)."""

    # A picklable function run where documents are made (possibly a worker process), whose result
    # reaches ``upsert`` as the document's payload; None when the writer needs nothing prepared.
    prepare: Prepare | None

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
_Lines = list[tuple[int, bytes]]

# Set in each worker process by _start_worker.
_worker_geocoder: AddressGeocoder | None = None
_worker_prepare: Prepare | None = None


def _start_worker(geocoder: AddressGeocoder, prepare: Prepare | None) -> None:
    global _worker_geocoder, _worker_prepare
    _worker_geocoder, _worker_prepare = geocoder, prepare
    threading.Thread(target=_exit_with_parent, args=(os.getppid(),), daemon=True).start()


def _exit_with_parent(parent: int) -> None:
    """A worker whose parent was killed (SIGKILL leaves no chance to clean up) ends itself."""
    while os.getppid() == parent:
        time.sleep(0.5)
    os._exit(1)


def _ready(_: int) -> None:
    return None


def _parse_chunk(source: str, lines: _Lines, geocoder: AddressGeocoder | None, prepare: Prepare | None) -> list:
    results = []
    for number, raw in lines:
        result = parse_line(source, number, raw, geocoder)
        if prepare is not None and result.document is not None:
            # Only the prepared form travels back from a worker: it is what the writer needs.
            result = replace(result, document=None, payload=prepare(result.document))
        results.append(result)
    return results


def _parse_chunk_in_worker(source: str, lines: _Lines) -> list[SourceLineResult]:
    return _parse_chunk(source, lines, _worker_geocoder, _worker_prepare)


def _line_chunks(paths: Sequence[Path]) -> Iterator[tuple[str, _Lines]]:
    for path in paths:
        lines: _Lines = []
        for number, raw in read_lines(path):
            lines.append((number, raw))
            if len(lines) >= CHUNK:
                yield str(path), lines
                lines = []
        if lines:
            yield str(path), lines


def _parsed(
    paths: Sequence[Path],
    geocoder: AddressGeocoder,
    prepare: Prepare | None,
    pool: ProcessPoolExecutor | None,
    workers: int,
) -> Iterator[SourceLineResult]:
    if pool is None:
        for source, lines in _line_chunks(paths):
            yield from _parse_chunk(source, lines, geocoder, prepare)
        return
    in_flight: deque[tuple[str, _Lines, Future[list[SourceLineResult]]]] = deque()
    chunks = _line_chunks(paths)
    depth = 2 * workers  # enough to keep the workers busy, little enough to bound memory

    def fill() -> None:
        while len(in_flight) < depth:
            try:
                source, lines = next(chunks)
            except StopIteration:
                return
            in_flight.append((source, lines, pool.submit(_parse_chunk_in_worker, source, lines)))

    fill()
    while in_flight:
        source, lines, future = in_flight.popleft()
        results = future.result()
        fill()
        raw_of = dict(lines)
        for result in results:
            if result.deferred:
                # A new address: geocode it here, where the cache is kept and the rate limit holds.
                [result] = _parse_chunk(source, [(result.line, raw_of[result.line])], geocoder, prepare)
            yield result


def _chunks(
    results: Iterator[SourceLineResult], report: JobReport, max_errors: int | None, progress: ProgressCallback | None
) -> Iterator[tuple[list[Any], list[Deletion]]]:
    items: list[Any] = []
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
        elif result.payload is not None:
            items.append(result.payload)
        elif result.document is not None:
            items.append(result.document)
        elif result.deletion is not None:
            deletions.append(result.deletion)
        if len(items) + len(deletions) >= CHUNK:
            yield items, deletions
            items, deletions = [], []
        if progress is not None:
            progress(1)
    if items or deletions:
        yield items, deletions


def default_workers(paths: Sequence[Path]) -> int:
    if sum(p.stat().st_size for p in paths) < PARALLEL_FROM_BYTES:
        return 0
    return max(1, (os.cpu_count() or 2) - 1)


def run_job(
    target: IndexTarget,
    sources: Sequence[Path],
    geocoder: AddressGeocoder,
    *,
    incremental: bool,
    max_errors: int | None = None,
    progress: ProgressCallback | None = None,
    workers: int | None = None,
) -> JobReport:
    """A full reindex (``incremental=False``) or a sync onto the live index; raises on failure with
    the live index untouched."""
    report = JobReport()
    prepare: Prepare | None = getattr(target, "prepare", None)
    workers = default_workers(sources) if workers is None else workers
    pool = None
    if workers > 0:
        # Forked before the writer starts its threads: a fork only copies the thread that forks.
        pool = ProcessPoolExecutor(
            workers,
            mp_context=multiprocessing.get_context("fork"),
            initializer=_start_worker,
            initargs=(geocoder.cache_only_copy(), prepare),
        )
        # Start the workers now: forked later, they would inherit the writer lock (and outlive a
        # killed parent holding it) and the writer's threads.
        list(pool.map(_ready, range(workers)))
    try:
        with target.writer_lock():
            report.removed_versions += target.remove_unreferenced()
            writer = target.begin(from_live=incremental)
            try:
                results = _parsed(sources, geocoder, prepare, pool, workers)
                for items, deletions in _chunks(results, report, max_errors, progress):
                    # Per id the newer record wins whatever the order, so upserts may go first.
                    writer.upsert(items)
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
    finally:
        if pool is not None:
            pool.shutdown(cancel_futures=True)
    return report
