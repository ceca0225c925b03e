"""Rate-limit counts shared by every worker process of one server: a ``limits`` storage in SQLite.

``placeringssok serve`` runs one worker process per core. With ``memory://`` each would count on its
own, so every budget would be multiplied by the number of workers, the failed-auth budget that stops
key guessing included. This storage keeps the counts in one SQLite file in the data dir, which every
worker opens: no extra service to run. Registered with ``limits`` under the scheme ``sqlite``:
``sqlite:///srv/placeringssok/var/rate-limits.sqlite`` (an absolute path after ``sqlite://``).

The moving window is kept exactly, as ``limits``' memory storage keeps it, but in constant work per
request: each key has a ring of ``limit`` slots holding the moments of its last ``limit`` hits, and a
count of hits so far. The slot the next hit would overwrite holds the oldest of those; a hit is
allowed when that moment has left the window (``acquire_entry``: two point reads, two writes).

Writes are serialised by an exclusive ``flock`` on a lock file beside the database before SQLite's
own ``BEGIN IMMEDIATE``: a worker waiting for the lock wakes the moment it is released, where SQLite's
busy handler would sleep a millisecond or more on the event loop. WAL with ``synchronous=NORMAL``: no
fsync per commit (only at checkpoints), and after a power cut the file is consistent but may have lost
the last counts, which only gives callers a fresher window: not worth an fsync per request.
"""

from __future__ import annotations

import fcntl
import os
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from limits.storage import MovingWindowSupport, Storage

from core.settings import SHARED_RATE_COUNTS_SCHEME as SCHEME

# Keys whose window has passed are forgotten this often (per process), inside one write.
SWEEP_EVERY_S = 60.0

_SCHEMA = """
CREATE TABLE IF NOT EXISTS windows (
    key TEXT PRIMARY KEY,
    size INTEGER NOT NULL,
    hits INTEGER NOT NULL,
    expiry REAL NOT NULL,
    last REAL NOT NULL
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS moments (
    key TEXT NOT NULL,
    slot INTEGER NOT NULL,
    at REAL NOT NULL,
    PRIMARY KEY (key, slot)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS counters (
    key TEXT PRIMARY KEY,
    value INTEGER NOT NULL,
    expires REAL NOT NULL
) WITHOUT ROWID;
"""


def database_path(uri: str) -> Path:
    """The file of a ``sqlite://<path>`` URI."""
    path = uri.removeprefix(f"{SCHEME}://")
    if not path:
        raise ValueError(
            f"a {SCHEME}:// rate-limit storage needs a file path, e.g. {SCHEME}:///srv/var/rate-limits.sqlite"
        )
    return Path(path)


class SharedRateCounts(Storage, MovingWindowSupport):
    """Moving-window (and fixed-window) counts in a SQLite file shared by the processes of a machine."""

    STORAGE_SCHEME = [SCHEME]  # noqa: RUF012 (the type limits declares; read once, when the class is made)

    def __init__(self, uri: str | None = None, wrap_exceptions: bool = False, **options: float | str | bool) -> None:
        path = database_path(uri or "")
        path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        self._lock_file = os.open(f"{path}.lock", os.O_RDWR | os.O_CREAT, 0o600)
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None, timeout=10)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        with self._write() as db:
            for statement in _SCHEMA.split(";"):
                if statement.strip():
                    db.execute(statement)
        self._next_sweep = 0.0
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)

    @property
    def base_exceptions(self) -> type[Exception] | tuple[type[Exception], ...]:
        return sqlite3.Error

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            fcntl.flock(self._lock_file, fcntl.LOCK_EX)
            try:
                self._db.execute("BEGIN IMMEDIATE")
                try:
                    yield self._db
                except BaseException:
                    self._db.execute("ROLLBACK")
                    raise
                self._db.execute("COMMIT")
            finally:
                fcntl.flock(self._lock_file, fcntl.LOCK_UN)

    def _read(self, sql: str, parameters: tuple[object, ...]) -> tuple[object, ...] | None:
        with self._lock:
            row: tuple[object, ...] | None = self._db.execute(sql, parameters).fetchone()
        return row

    def close(self) -> None:
        self._db.close()
        os.close(self._lock_file)

    # -- the moving window -----------------------------------------------------------------------

    def acquire_entry(self, key: str, limit: int, expiry: int, amount: int = 1) -> bool:
        if amount > limit:
            return False
        now = time.time()
        with self._write() as db:
            if now >= self._next_sweep:
                self._sweep(db, now)
                self._next_sweep = now + SWEEP_EVERY_S
            hits = self._hits(db, key, limit)
            # The hit that must have left the window: the (limit - amount + 1)-th most recent.
            deciding = hits - limit + amount - 1
            if deciding >= 0:
                row = db.execute(
                    "SELECT at FROM moments WHERE key = ? AND slot = ?", (key, deciding % limit)
                ).fetchone()
                if row is not None and row[0] >= now - expiry:
                    return False
            db.executemany(
                "INSERT OR REPLACE INTO moments (key, slot, at) VALUES (?, ?, ?)",
                [(key, seq % limit, now) for seq in range(hits, hits + amount)],
            )
            db.execute(
                "INSERT OR REPLACE INTO windows (key, size, hits, expiry, last) VALUES (?, ?, ?, ?, ?)",
                (key, limit, hits + amount, float(expiry), now),
            )
        return True

    @staticmethod
    def _hits(db: sqlite3.Connection, key: str, limit: int) -> int:
        """Hits so far on ``key``'s ring; a ring of another size (the limit was changed) starts again."""
        row = db.execute("SELECT size, hits FROM windows WHERE key = ?", (key,)).fetchone()
        if row is None:
            return 0
        if row[0] != limit:
            db.execute("DELETE FROM moments WHERE key = ?", (key,))
            return 0
        return int(row[1])

    @staticmethod
    def _sweep(db: sqlite3.Connection, now: float) -> None:
        db.execute("DELETE FROM moments WHERE key IN (SELECT key FROM windows WHERE last + expiry < ?)", (now,))
        db.execute("DELETE FROM windows WHERE last + expiry < ?", (now,))
        db.execute("DELETE FROM counters WHERE expires <= ?", (now,))

    def get_moving_window(self, key: str, limit: int, expiry: int) -> tuple[float, int]:
        """The moment of the oldest hit in the window and the number of hits in it."""
        now = time.time()
        row = self._read(
            "SELECT count(*), min(m.at) FROM windows w JOIN moments m ON m.key = w.key "
            "WHERE w.key = ? AND w.size = ? AND m.at >= ?",
            (key, limit, now - expiry),
        )
        count = int(row[0]) if row and isinstance(row[0], int) else 0
        if count == 0 or row is None or not isinstance(row[1], float):
            return now, 0
        return row[1], count

    # -- the fixed window (``limits``' other strategies) --------------------------------------------

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        now = time.time()
        with self._write() as db:
            db.execute("DELETE FROM counters WHERE key = ? AND expires <= ?", (key, now))
            db.execute(
                "INSERT INTO counters (key, value, expires) VALUES (?, ?, ?) "
                "ON CONFLICT (key) DO UPDATE SET value = value + excluded.value",
                (key, amount, now + expiry),
            )
            row = db.execute("SELECT value FROM counters WHERE key = ?", (key,)).fetchone()
        return int(row[0])

    def get(self, key: str) -> int:
        row = self._read("SELECT value FROM counters WHERE key = ? AND expires > ?", (key, time.time()))
        return int(row[0]) if row and isinstance(row[0], int) else 0

    def get_expiry(self, key: str) -> float:
        now = time.time()
        row = self._read("SELECT expires FROM counters WHERE key = ? AND expires > ?", (key, now))
        return float(row[0]) if row and isinstance(row[0], float) else now

    def check(self) -> bool:
        try:
            self._read("SELECT 1", ())
        except sqlite3.Error:
            return False
        return True

    def clear(self, key: str) -> None:
        with self._write() as db:
            for table in ("windows", "moments", "counters"):
                db.execute(f"DELETE FROM {table} WHERE key = ?", (key,))

    def reset(self) -> int | None:
        with self._write() as db:
            keys = db.execute("SELECT (SELECT count(*) FROM windows) + (SELECT count(*) FROM counters)").fetchone()
            for table in ("windows", "moments", "counters"):
                db.execute(f"DELETE FROM {table}")
        return int(keys[0])
