"""The vacancy ledger: every home's confirmations and every caseworker's reports, durably, in SQLite.

The ledger, not an index, owns what homes say: indexes are rebuilt from register exports, and a
rebuild must never lose a confirmation. Engines apply the newest confirmation per home over their
indexed vacancy fields (``core.vacancies.overlay``); the embedded engine at search time, Elasticsearch
by a partial update. One file in the data dir, for both backends.

Durability: WAL with ``synchronous=FULL``, so a commit is fsynced before ``confirm`` returns and the
API answers 200 only after that.

Reading per search: the newest confirmation and the newest report of every home are held in memory
(``latest``, ``open_reports``, ``known_seq``), so a search asks SQLite nothing. A write through this
object is in that memory before it returns; a write by another process (another API worker, the
CLI's sync) is noticed within ``CHECK_INTERVAL_S``: a read at most that long after the last look asks
SQLite whether anything was committed since (``PRAGMA data_version``, a read of shared memory), and
only then reads what is new (by ``seq``; a tombstone's drop, counted in ``ledger_counts``, reloads).
"""

from __future__ import annotations

import math
import sqlite3
import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from core.vacancies import Confirmation, Report, ReportReason

_SCHEMA = """
CREATE TABLE IF NOT EXISTS confirmations (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    provider_id TEXT NOT NULL,
    vacancies INTEGER NOT NULL,
    available_from TEXT,
    confirmed_at REAL NOT NULL,
    subject TEXT NOT NULL,
    kind TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS confirmations_by_provider ON confirmations (provider_id, seq);
CREATE TABLE IF NOT EXISTS reports (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    provider_id TEXT NOT NULL,
    reason TEXT NOT NULL,
    reported_at REAL NOT NULL,
    subject TEXT NOT NULL,
    kind TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS reports_by_provider ON reports (provider_id, seq);
CREATE TABLE IF NOT EXISTS ledger_counts (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
"""
_CONFIRMATION_COLUMNS = "seq, provider_id, vacancies, available_from, confirmed_at, subject, kind"
_REPORT_COLUMNS = "seq, provider_id, reason, reported_at, subject, kind"
# How long a write by another process may stay unseen by this one's reads (see the module's docstring);
# a look costs one read of SQLite's shared memory (about 3 us), so it may be frequent.
CHECK_INTERVAL_S = 0.02
# SQLite's limit on host parameters is 32766 in current builds; stay far below it.
_BATCH = 500


def _moment(epoch: float) -> datetime:
    return datetime.fromtimestamp(epoch, UTC)


def _day(value: date | None) -> str | None:
    return value.isoformat() if value else None


def _confirmation(row: tuple[Any, ...]) -> Confirmation:
    seq, provider_id, vacancies, available_from, confirmed_at, subject, kind = row
    return Confirmation(
        seq=seq,
        provider_id=provider_id,
        vacancies=vacancies,
        available_from=date.fromisoformat(available_from) if available_from else None,
        confirmed_at=_moment(confirmed_at),
        subject=subject,
        kind=kind,
    )


def _report(row: tuple[Any, ...]) -> Report:
    seq, provider_id, reason, reported_at, subject, kind = row
    return Report(seq, provider_id, reason, _moment(reported_at), subject, kind)


# A home's newest word as (moment as stored, seq, the word): the stored moment, not the datetime made
# from it, decides "newer" (as the SQL did: datetimes are rounded to microseconds).
_Newest = tuple[float, int, Any]


@dataclass
class _Memory:
    """What the ledger holds that searches read: the newest confirmation and report per home."""

    confirmations: dict[str, tuple[float, int, Confirmation]] = field(default_factory=dict)
    reports: dict[str, tuple[float, int, Report]] = field(default_factory=dict)
    seq: int = 0  # the last confirmation read
    report_seq: int = 0
    drops: int = 0

    def add(self, held: dict[str, Any], provider_id: str, newest: _Newest) -> None:
        current = held.get(provider_id)
        if current is None or newest[:2] > current[:2]:
            held[provider_id] = newest


def _batches(ids: Iterable[str]) -> Iterator[list[str]]:
    batch: list[str] = []
    for provider_id in ids:
        batch.append(provider_id)
        if len(batch) == _BATCH:
            yield batch
            batch = []
    if batch:
        yield batch


class VacancyLedger:
    """Thread-safe: one connection for writes and one for reads, each behind its own lock."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self._write_lock = threading.Lock()
        self._read_lock = threading.Lock()
        self._writer = self._connect()
        with self._writer:
            self._writer.executescript(_SCHEMA)
        self._reader = self._connect()
        self._memory_lock = threading.Lock()
        self._memory = _Memory()
        self._data_version: int | None = None  # none yet: the first read loads everything
        self._look_after = -math.inf

    @classmethod
    def if_present(cls, path: Path) -> VacancyLedger | None:
        """The ledger if any home has confirmed yet: indexing never creates one (nor needs disk for it)."""
        return cls(path) if path.exists() else None

    def _connect(self) -> sqlite3.Connection:
        connection = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None, timeout=30)
        connection.execute("PRAGMA journal_mode=WAL")
        # FULL: the WAL is fsynced at every commit, so a confirmation answered with 200 survives a crash.
        connection.execute("PRAGMA synchronous=FULL")
        return connection

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        """A write, committed and then in this object's memory before the block's caller returns."""
        with self._write_lock:
            self._writer.execute("BEGIN IMMEDIATE")
            try:
                yield self._writer
            except BaseException:
                self._writer.execute("ROLLBACK")
                raise
            self._writer.execute("COMMIT")
        # Nothing to keep level before the first read (the CLI only writes); a first read under way
        # holds the lock, so this waits for it and then looks again.
        if self._data_version is not None or self._memory_lock.locked():
            self._look(wait=True)

    def close(self) -> None:
        self._writer.close()
        self._reader.close()

    # -- writing -------------------------------------------------------------------------------

    def confirm(
        self,
        provider_id: str,
        vacancies: int,
        available_from: date | None,
        at: datetime,
        subject: str,
        kind: str,
    ) -> Confirmation:
        """Record a confirmation; returns once it is on disk."""
        with self._transaction() as db:
            cursor = db.execute(
                "INSERT INTO confirmations (provider_id, vacancies, available_from, confirmed_at, subject, kind) "
                "VALUES (?, ?, ?, ?, ?, ?)",
                (
                    provider_id,
                    vacancies,
                    available_from.isoformat() if available_from else None,
                    at.timestamp(),
                    subject,
                    kind,
                ),
            )
            seq = cursor.lastrowid
        assert seq is not None
        return Confirmation(seq, provider_id, vacancies, available_from, _moment(at.timestamp()), subject, kind)

    def report(self, provider_id: str, reason: ReportReason, at: datetime, subject: str, kind: str) -> Report:
        with self._transaction() as db:
            cursor = db.execute(
                "INSERT INTO reports (provider_id, reason, reported_at, subject, kind) VALUES (?, ?, ?, ?, ?)",
                (provider_id, reason, at.timestamp(), subject, kind),
            )
            seq = cursor.lastrowid
        assert seq is not None
        return Report(seq, provider_id, reason, _moment(at.timestamp()), subject, kind)

    def drop(self, provider_ids: Iterable[str]) -> int:
        """Forget everything about homes the register deleted (a tombstone): their confirmations
        and reports go with them. Returns how many confirmations were dropped."""
        dropped = dropped_reports = 0
        with self._transaction() as db:
            for batch in _batches(provider_ids):
                marks = ",".join("?" * len(batch))
                dropped += db.execute(f"DELETE FROM confirmations WHERE provider_id IN ({marks})", batch).rowcount
                dropped_reports += db.execute(f"DELETE FROM reports WHERE provider_id IN ({marks})", batch).rowcount
            if dropped or dropped_reports:
                # Readers find new rows by seq; a deletion they learn of by this count, and reload.
                db.execute(
                    "INSERT INTO ledger_counts (name, value) VALUES ('drops', 1) "
                    "ON CONFLICT (name) DO UPDATE SET value = value + 1"
                )
        return dropped

    # -- reading -------------------------------------------------------------------------------

    def latest_seq(self) -> int:
        """Grows with every confirmation, as the file holds it now (``known_seq``: as this process knows)."""
        with self._read_lock:
            row = self._reader.execute("SELECT seq FROM sqlite_sequence WHERE name = 'confirmations'").fetchone()
        return int(row[0]) if row else 0

    def confirmations_after(self, seq: int) -> list[Confirmation]:
        """Every confirmation recorded after ``seq``, oldest first."""
        with self._read_lock:
            rows = self._reader.execute(
                f"SELECT {_CONFIRMATION_COLUMNS} FROM confirmations WHERE seq > ? ORDER BY seq", (seq,)
            ).fetchall()
        return [_confirmation(row) for row in rows]

    def latest(self, provider_ids: Iterable[str] | None = None) -> dict[str, Confirmation]:
        """The newest confirmation per home (by its moment, then by order of arrival), from memory."""
        memory = self._current()
        if provider_ids is None:
            with self._memory_lock:
                return {provider_id: newest[2] for provider_id, newest in memory.confirmations.items()}
        held = memory.confirmations
        return {provider_id: newest[2] for provider_id in provider_ids if (newest := held.get(provider_id))}

    def open_reports(self, provider_ids: Iterable[str]) -> dict[str, Report]:
        """Per home, the newest report made after its last confirmation (a confirmation closes reports),
        from memory. The newest report is the newest open one whenever any is open."""
        memory = self._current()
        found: dict[str, Report] = {}
        for provider_id in provider_ids:
            report = memory.reports.get(provider_id)
            if report is None:
                continue
            confirmation = memory.confirmations.get(provider_id)
            if confirmation is None or report[0] > confirmation[0]:
                found[provider_id] = report[2]
        return found

    def known_seq(self) -> int:
        """The last confirmation this process knows of: every one of its own, and another process's
        within ``CHECK_INTERVAL_S``. ``latest_seq`` asks the file."""
        return self._current().seq

    def latest_with_seq(self) -> tuple[dict[str, Confirmation], int]:
        """``latest()`` and the ``known_seq`` it holds every confirmation up to, as one."""
        memory = self._current()
        with self._memory_lock:
            return {provider_id: newest[2] for provider_id, newest in memory.confirmations.items()}, memory.seq

    # -- the memory, kept level with the file ---------------------------------------------------

    def _current(self) -> _Memory:
        if time.monotonic() >= self._look_after:
            self._look(wait=self._data_version is None)
        return self._memory

    def _look(self, *, wait: bool) -> None:
        """Read what was committed since the last look, if anything was. Without ``wait`` a read
        that finds another thread looking serves the memory as it is."""
        if not self._memory_lock.acquire(blocking=wait):
            return
        try:
            with self._read_lock:
                version = int(self._reader.execute("PRAGMA data_version").fetchone()[0])
                if version != self._data_version:
                    self._read_new()
                    self._data_version = version
            self._look_after = time.monotonic() + CHECK_INTERVAL_S
        finally:
            self._memory_lock.release()

    def _read_new(self) -> None:
        """Under both locks: the rows after the memory's, in one read transaction; everything again
        after a drop."""
        db = self._reader
        db.execute("BEGIN")
        try:
            row = db.execute("SELECT value FROM ledger_counts WHERE name = 'drops'").fetchone()
            drops = int(row[0]) if row else 0
            memory = self._memory if drops == self._memory.drops else _Memory()
            memory.drops = drops
            confirmations = db.execute(
                f"SELECT {_CONFIRMATION_COLUMNS} FROM confirmations WHERE seq > ? ORDER BY seq", (memory.seq,)
            ).fetchall()
            reports = db.execute(
                f"SELECT {_REPORT_COLUMNS} FROM reports WHERE seq > ? ORDER BY seq", (memory.report_seq,)
            ).fetchall()
        finally:
            db.execute("COMMIT")
        for row in confirmations:
            memory.add(memory.confirmations, row[1], (row[4], row[0], _confirmation(row)))
        for row in reports:
            memory.add(memory.reports, row[1], (row[3], row[0], _report(row)))
        memory.seq = confirmations[-1][0] if confirmations else memory.seq
        memory.report_seq = reports[-1][0] if reports else memory.report_seq
        self._memory = memory

    def history(self, provider_id: str, limit: int) -> tuple[list[Confirmation], list[Report]]:
        """The last ``limit`` confirmations and reports for one home, newest first."""
        with self._read_lock:
            confirmations = self._reader.execute(
                f"SELECT {_CONFIRMATION_COLUMNS} FROM confirmations WHERE provider_id = ? "
                "ORDER BY confirmed_at DESC, seq DESC LIMIT ?",
                (provider_id, limit),
            ).fetchall()
            reports = self._reader.execute(
                "SELECT seq, provider_id, reason, reported_at, subject, kind FROM reports WHERE provider_id = ? "
                "ORDER BY reported_at DESC, seq DESC LIMIT ?",
                (provider_id, limit),
            ).fetchall()
        return [_confirmation(r) for r in confirmations], [_report(r) for r in reports]
