"""Reindex and sync jobs, the same for every backend.

A job streams the source through validation and normalisation, feeds documents to the backend's
writer in chunks, and reports every bad record. Backends provide an ``IndexTarget``; the job never
knows which.

Guards keep a broken export from going live. Above ``max_errors`` the job stops writing and abandons
the new version, but reads on to the end so every bad line is reported in one run. A reindex that
would leave no document live, or drop more than ``MAX_SHRINK`` of the live documents, is refused
unless ops say it is meant (``allow_shrink``). In every refusal the live index keeps serving.

One process does it all: parsing in worker processes was measured (scripts/bench_reindex.py) and
on two cores pickling the results back cost more than the parallel parse saved.
"""

from __future__ import annotations

import errno
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path

from core.documents import IndexedProvider
from core.errors import DiskFull, EmptySource, IndexDamaged, TooManyBadRecords, TooMuchShrink
from core.vacancy_ledger import VacancyLedger
from core.writing import Deletion, IndexTarget, IndexWriter, Prepared
from indexer.geocoding import AddressGeocoder
from indexer.source import RecordProblem, SourceLineResult, read_source

CHUNK = 2000
# A reindex may drop at most this share of the live documents without --allow-shrink.
MAX_SHRINK = 0.10
# Problems kept in the report; all of them go to ``on_problem`` as they are found.
KEPT_PROBLEMS = 1000


@dataclass(frozen=True)
class ErrorLimit:
    """How many bad records a job accepts: a count, or a percentage of the records read."""

    count: int | None = None
    percent: float | None = None

    @classmethod
    def parse(cls, text: str) -> ErrorLimit:
        """``"25"`` or ``"5%"``; raises ValueError with what is expected."""
        text = text.strip()
        try:
            if text.endswith("%"):
                percent = float(text[:-1])
                if 0 <= percent <= 100:
                    return cls(percent=percent)
            elif (count := int(text)) >= 0:
                return cls(count=count)
        except ValueError:
            pass
        raise ValueError("expected a number of records (such as 25) or a percentage of them (such as 5%)")

    def passed_while_reading(self, bad: int) -> bool:
        """True once a count limit is passed: nothing more needs writing, though reading goes on."""
        return self.count is not None and bad > self.count

    def exceeded(self, bad: int, read: int) -> bool:
        if self.count is not None:
            return bad > self.count
        return self.percent is not None and bad > read * self.percent / 100

    def __str__(self) -> str:
        return str(self.count) if self.count is not None else f"{self.percent:g}%"


# A broken export must not go live by default; a few bad lines in a large one may.
DEFAULT_MAX_ERRORS = ErrorLimit(percent=5)
UNLIMITED = ErrorLimit(percent=100)


@dataclass
class JobReport:
    read: int = 0
    bad_records: int = 0
    problems: list[RecordProblem] = field(default_factory=list)
    indexed: int = 0
    deleted: int = 0
    stale: int = 0
    version: str | None = None
    documents: int | None = None
    removed_versions: list[str] = field(default_factory=list)


ProgressCallback = Callable[[int], None]
ProblemCallback = Callable[[RecordProblem], None]


@dataclass
class _Reading:
    """Where the read stands: it goes on after the error limit, to report, but writes no more."""

    report: JobReport
    max_errors: ErrorLimit
    progress: ProgressCallback | None
    on_problem: ProblemCallback | None
    writing: bool = True

    def bad(self, problems: Sequence[RecordProblem]) -> None:
        self.report.bad_records += 1
        room = KEPT_PROBLEMS - len(self.report.problems)
        self.report.problems.extend(problems[: max(room, 0)])
        if self.on_problem is not None:
            for problem in problems:
                self.on_problem(problem)
        if self.max_errors.passed_while_reading(self.report.bad_records):
            self.writing = False


def _chunks(
    results: Iterator[SourceLineResult], prepare: Callable[[IndexedProvider], Prepared], reading: _Reading
) -> Iterator[tuple[list[Prepared], list[Deletion]]]:
    items: list[Prepared] = []
    deletions: list[Deletion] = []
    for result in results:
        reading.report.read += 1
        if result.problems:
            reading.bad(result.problems)
        elif reading.writing and result.document is not None:
            items.append(prepare(result.document))
        elif reading.writing and result.deletion is not None:
            deletions.append(result.deletion)
        if len(items) + len(deletions) >= CHUNK:
            yield items, deletions
            items, deletions = [], []
        if reading.progress is not None:
            reading.progress(1)
    if reading.writing and (items or deletions):
        yield items, deletions


def _check_bad_records(report: JobReport, max_errors: ErrorLimit) -> None:
    if max_errors.exceeded(report.bad_records, report.read):
        raise TooManyBadRecords(
            f"{report.bad_records} of {report.read} records are bad, more than --max-errors {max_errors} allows; "
            "nothing was switched, the live index is unchanged. Fix the records listed above and run again"
        )


def _check_reindex_result(target: IndexTarget[Prepared], version: str, report: JobReport, allow_shrink: bool) -> None:
    """A reindex replaces everything: refuse an empty result, and a large drop unless it is meant."""
    report.documents = documents = target.documents_in(version)
    if documents == 0:
        what = "holds no records" if report.read == 0 else f"has no indexable record among its {report.read}"
        raise EmptySource(f"the source {what}; nothing was switched, the live index is unchanged. Check the export")
    live = target.live_version()
    if live is None or allow_shrink:
        return
    try:
        before = target.documents_in(live)
    except IndexDamaged:
        return  # a damaged live version is what this reindex replaces: nothing to compare with
    if documents < before * (1 - MAX_SHRINK):
        drop = round(100 * (before - documents) / before)
        raise TooMuchShrink(
            f"the new version holds {documents} documents, {drop}% fewer than the {before} live; nothing was "
            f"switched. If the export is right, run again with --allow-shrink"
        )


def _disk_full(exc: BaseException) -> bool:
    """ENOSPC, also when tantivy's writer thread died of it and only its message came back."""
    if isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return True
    return any(words in str(exc) for words in ("No space left on device", "Disk quota exceeded"))


@contextmanager
def _disk_full_explained(target: IndexTarget[Prepared], sources: Sequence[Path]) -> Iterator[None]:
    try:
        yield
    except Exception as exc:
        if _disk_full(exc):
            raise DiskFull(target.disk_full_message(sum(p.stat().st_size for p in sources))) from exc
        raise


def _build(
    target: IndexTarget[Prepared],
    sources: Sequence[Path],
    geocoder: AddressGeocoder,
    reading: _Reading,
    *,
    incremental: bool,
    allow_shrink: bool,
) -> tuple[str, IndexWriter[Prepared]]:
    """Write and verify a new version (or the sync's changes), checked by the guards; not yet live."""
    report = reading.report
    writer = target.begin(from_live=incremental)
    try:
        results = read_source(sources, geocoder)
        for items, deletions in _chunks(results, target.prepare, reading):
            # Per id the newer record wins whatever the order, so upserts may go first.
            writer.upsert(items)
            writer.delete(deletions)
        _check_bad_records(report, reading.max_errors)
        version = writer.commit([str(p) for p in sources])
        if not incremental:
            _check_reindex_result(target, version, report, allow_shrink)
    except BaseException:
        writer.abandon()
        raise
    finally:
        geocoder.save()
    return version, writer


def run_job(
    target: IndexTarget[Prepared],
    sources: Sequence[Path],
    geocoder: AddressGeocoder,
    *,
    incremental: bool,
    max_errors: ErrorLimit = DEFAULT_MAX_ERRORS,
    allow_shrink: bool = False,
    progress: ProgressCallback | None = None,
    on_problem: ProblemCallback | None = None,
    ledger: VacancyLedger | None = None,
) -> JobReport:
    """A full reindex (``incremental=False``) or a sync onto the live index; raises on failure with
    the live index untouched. ``ledger``: homes' vacancy confirmations, of which a tombstone drops
    the deleted home's."""
    report = JobReport()
    reading = _Reading(report, max_errors, progress, on_problem)
    with target.writer_lock(), _disk_full_explained(target, sources):
        report.removed_versions += target.remove_unreferenced()
        try:
            version, writer = _build(
                target, sources, geocoder, reading, incremental=incremental, allow_shrink=allow_shrink
            )
        except BaseException:
            # A version folder made before the writer existed (a full disk at the first write).
            with suppress(Exception):
                target.remove_unreferenced()
            raise
        target.switch_to(version)
        if ledger is not None and writer.counts.deleted_ids:
            ledger.drop(writer.counts.deleted_ids)
        report.version = version
        report.indexed = writer.counts.indexed
        report.deleted = writer.counts.deleted
        report.stale = writer.counts.stale
        report.removed_versions += target.remove_unreferenced()
    return report
