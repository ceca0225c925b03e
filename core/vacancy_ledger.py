"""The vacancy ledger: every home's confirmations and every caseworker's reports, durably, in SQLite.

The ledger, not an index, owns what homes say: indexes are rebuilt from register exports, and a
rebuild must never lose a confirmation. Engines apply the newest confirmation per home over their
indexed vacancy fields (``core.vacancies.overlay``); the embedded engine at search time, Elasticsearch
by a partial update. One file in the data dir, for both backends.

Durability: WAL with ``synchronous=FULL``, so a commit is fsynced before ``confirm`` returns and the
API answers 200 only after that. Readers in other processes (other API workers) notice a new
confirmation by ``latest_seq`` (an index lookup), so every worker sees it on its next search.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
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
"""
_CONFIRMATION_COLUMNS = "seq, provider_id, vacancies, available_from, confirmed_at, subject, kind"
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
        with self._write_lock:
            self._writer.execute("BEGIN IMMEDIATE")
            try:
                yield self._writer
            except BaseException:
                self._writer.execute("ROLLBACK")
                raise
            self._writer.execute("COMMIT")

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
        dropped = 0
        with self._transaction() as db:
            for batch in _batches(provider_ids):
                marks = ",".join("?" * len(batch))
                dropped += db.execute(f"DELETE FROM confirmations WHERE provider_id IN ({marks})", batch).rowcount
                db.execute(f"DELETE FROM reports WHERE provider_id IN ({marks})", batch)
        return dropped

    # -- reading -------------------------------------------------------------------------------

    def latest_seq(self) -> int:
        """Grows with every confirmation: cheap enough to ask before every search."""
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
        """The newest confirmation per home (by its moment, then by order of arrival)."""
        found: dict[str, Confirmation] = {}
        if provider_ids is None:
            with self._read_lock:
                rows = self._reader.execute(
                    f"SELECT {_CONFIRMATION_COLUMNS} FROM confirmations ORDER BY confirmed_at, seq"
                ).fetchall()
            for row in rows:
                confirmation = _confirmation(row)
                found[confirmation.provider_id] = confirmation
            return found
        for batch in _batches(provider_ids):
            marks = ",".join("?" * len(batch))
            with self._read_lock:
                rows = self._reader.execute(
                    f"SELECT {_CONFIRMATION_COLUMNS} FROM confirmations WHERE provider_id IN ({marks}) "
                    "ORDER BY confirmed_at, seq",
                    batch,
                ).fetchall()
            for row in rows:
                confirmation = _confirmation(row)
                found[confirmation.provider_id] = confirmation
        return found

    def open_reports(self, provider_ids: Iterable[str]) -> dict[str, Report]:
        """Per home, the newest report made after its last confirmation (a confirmation closes reports)."""
        found: dict[str, Report] = {}
        for batch in _batches(provider_ids):
            marks = ",".join("?" * len(batch))
            with self._read_lock:
                rows = self._reader.execute(
                    f"SELECT r.seq, r.provider_id, r.reason, r.reported_at, r.subject, r.kind FROM reports r "
                    f"WHERE r.provider_id IN ({marks}) AND r.reported_at > COALESCE("
                    "(SELECT max(c.confirmed_at) FROM confirmations c WHERE c.provider_id = r.provider_id), -1e18) "
                    "ORDER BY r.reported_at, r.seq",
                    batch,
                ).fetchall()
            for row in rows:
                report = _report(row)
                found[report.provider_id] = report
        return found

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
