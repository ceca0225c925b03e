"""Reindex and sync jobs, the same for every backend.

A job streams the source through validation and normalisation, feeds documents to the backend's
writer in chunks, and reports every bad record. Above ``max_errors`` it abandons the new version and
the live index keeps serving. Backends provide an ``IndexTarget``; the job never knows which.

One process does it all: parsing in worker processes was measured (scripts/bench_reindex.py) and
on two cores pickling the results back cost more than the parallel parse saved.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from core.documents import IndexedProvider
from core.writing import Deletion, IndexTarget, Prepared
from indexer.geocoding import AddressGeocoder
from indexer.source import RecordProblem, SourceLineResult, read_source

CHUNK = 2000


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
    results: Iterator[SourceLineResult],
    prepare: Callable[[IndexedProvider], Prepared],
    report: JobReport,
    max_errors: int | None,
    progress: ProgressCallback | None,
) -> Iterator[tuple[list[Prepared], list[Deletion]]]:
    items: list[Prepared] = []
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
            items.append(prepare(result.document))
        elif result.deletion is not None:
            deletions.append(result.deletion)
        if len(items) + len(deletions) >= CHUNK:
            yield items, deletions
            items, deletions = [], []
        if progress is not None:
            progress(1)
    if items or deletions:
        yield items, deletions


def run_job(
    target: IndexTarget[Prepared],
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
            results = read_source(sources, geocoder)
            for items, deletions in _chunks(results, target.prepare, report, max_errors, progress):
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
    return report
