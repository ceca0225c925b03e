"""One writer per alias: a lock document in ``<alias>-locks``, created with ``op_type=create``.

Creating a document that exists fails atomically on the cluster, whichever machine the second
reindex runs on. A writer that dies without releasing leaves the lock behind; it is taken over once
it is older than ``elasticsearch_lock_stale_s``, or at once when its process is gone from this host.
"""

from __future__ import annotations

import logging
import os
import socket
import uuid
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from datetime import UTC, datetime
from typing import Any

from elasticsearch import ConflictError, Elasticsearch, NotFoundError

from core.errors import WriterBusy
from engines.elasticsearch.retries import ClusterCalls, error_type

LOCK_ID = "writer"
log = logging.getLogger(__name__)

_LOCKS_INDEX: dict[str, Any] = {
    "settings": {"index": {"number_of_shards": 1, "auto_expand_replicas": "0-1"}},
    "mappings": {
        "dynamic": "strict",
        "properties": {
            "token": {"type": "keyword"},
            "host": {"type": "keyword"},
            "pid": {"type": "integer"},
            "started_at": {"type": "date"},
        },
    },
}


def _process_is_gone(host: str, pid: int) -> bool:
    if host != socket.gethostname():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


class WriterLock:
    def __init__(self, client: Elasticsearch, calls: ClusterCalls, index: str, stale_after_s: float) -> None:
        self.client = client
        self.calls = calls
        self.index = index
        self.stale_after_s = stale_after_s

    @contextmanager
    def held(self) -> Iterator[None]:
        with self.calls.explained(f"taking the writer lock in {self.index}"):
            self._ensure_index()
            token = uuid.uuid4().hex
            seq_no, primary_term = self._acquire(token)
        try:
            yield
        finally:
            self._release(seq_no, primary_term)

    def _ensure_index(self) -> None:
        if self.calls(self.client.indices.exists, index=self.index):
            return
        try:
            self.calls(self.client.indices.create, index=self.index, **_LOCKS_INDEX)
        except Exception as exc:
            # Two first writers racing to create it: the loser uses the winner's index.
            if error_type(exc) != "resource_already_exists_exception":
                raise

    def _create(self, token: str) -> dict[str, Any]:
        body = {
            "token": token,
            "host": socket.gethostname(),
            "pid": os.getpid(),
            "started_at": datetime.now(UTC).isoformat(),
        }
        created: dict[str, Any] = self.calls(
            self.client.index, index=self.index, id=LOCK_ID, document=body, op_type="create"
        ).body
        return created

    def _acquire(self, token: str) -> tuple[int, int]:
        for _ in range(2):
            try:
                created = self._create(token)
                return created["_seq_no"], created["_primary_term"]
            except ConflictError:
                held = self.calls(self.client.get, index=self.index, id=LOCK_ID)
                lock = held["_source"]
                if lock["token"] == token:
                    # Our own create succeeded on an attempt whose answer was lost.
                    return held["_seq_no"], held["_primary_term"]
                if not self._is_stale(lock):
                    raise WriterBusy(
                        f"another reindex or sync is writing (since {lock['started_at']}, on {lock['host']}, "
                        f"pid {lock['pid']}); wait for it to finish. If it died, its lock expires "
                        f"{self.stale_after_s:.0f} s after it started, "
                        f"or remove it: DELETE /{self.index}/_doc/{LOCK_ID}"
                    ) from None
                log.warning("taking over a stale writer lock from %s pid %s", lock["host"], lock["pid"])
                # If someone else takes it over first, the next create decides.
                with suppress(ConflictError, NotFoundError):
                    self.calls(
                        self.client.delete,
                        index=self.index,
                        id=LOCK_ID,
                        if_seq_no=held["_seq_no"],
                        if_primary_term=held["_primary_term"],
                    )
        raise WriterBusy("another writer took the stale lock first; wait for it to finish")

    def _is_stale(self, lock: dict[str, Any]) -> bool:
        started = datetime.fromisoformat(lock["started_at"])
        age = (datetime.now(UTC) - started).total_seconds()
        return age > self.stale_after_s or _process_is_gone(lock["host"], int(lock["pid"]))

    def _release(self, seq_no: int, primary_term: int) -> None:
        try:
            self.client.delete(index=self.index, id=LOCK_ID, if_seq_no=seq_no, if_primary_term=primary_term)
        except (ConflictError, NotFoundError):
            pass  # taken over as stale: not ours to delete any more
        except Exception as exc:
            # Never hide the job's own outcome behind a failed unlock; the lock goes stale instead.
            log.warning("could not release the writer lock in %s (%s); it expires on its own", self.index, exc)
