"""Writing providers into Elasticsearch: a full build into a new index, or a sync onto the live one.

Every write carries ``version=updated_at`` (epoch ms) with ``version_type=external``, so the cluster
itself refuses a record older than what it holds, and a tombstone deletes only what is older than
itself. A full build is checked (count and a smoke query) before ``switch_to`` makes it live.

A sync collects its writes and applies them on ``commit``: above ``--max-errors`` nothing has been
written, as on the embedded path. Once applied, a sync stays applied (every write is idempotent).
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from elasticsearch import Elasticsearch
from elasticsearch.helpers import streaming_bulk

from core.documents import IndexedProvider
from core.errors import ClusterUnreachable, DocumentsRejected, VerificationFailed
from core.records import id_hash
from core.vacancies import Confirmation, overlay
from core.writing import Deletion, WriteCounts
from engines.elasticsearch.documents import BulkDocument, external_version, prepare_for_bulk
from engines.elasticsearch.index_definition import IndexDefinition
from engines.elasticsearch.retries import ClusterCalls

log = logging.getLogger(__name__)
BULK_DOCUMENTS = 500
# A bulk request of 500 providers takes far longer than a search; give it room before calling it dead.
BULK_TIMEOUT_S = 120.0
_SAME_VERSION = re.compile(r"current version \[(\d+)\] is higher or equal to the one provided \[(\d+)\]")


def _already_applied(info: dict[str, Any]) -> bool:
    """A conflict with the very version we sent: a previous attempt wrote it, and its answer was lost."""
    found = _SAME_VERSION.search(str((info.get("error") or {}).get("reason", "")))
    return found is not None and found.group(1) == found.group(2)


def rejection(op: str, status: int, info: Mapping[str, Any]) -> str:
    """One refused document for the report: its hashed id and the error's kinds. Elasticsearch's
    ``reason`` is left out: it quotes the document ("Preview of field's value: ...")."""
    error = info.get("error") or {}
    kinds = [str(error.get("type", "unknown"))]
    if isinstance(error.get("caused_by"), Mapping):
        kinds.append(str(error["caused_by"].get("type", "")))
    return f"id #{id_hash(str(info.get('_id')))}: {op} failed ({status}) {' / '.join(k for k in kinds if k)}"


class ElasticsearchWriter:
    """Writes into ``index``. ``fresh``: a new, empty version being built (not yet live)."""

    def __init__(
        self,
        client: Elasticsearch,
        calls: ClusterCalls,
        index: str,
        definition: IndexDefinition,
        *,
        fresh: bool,
        confirmations: Mapping[str, Confirmation] | None = None,
    ) -> None:
        self.client = client
        # Homes' own confirmations (the vacancy ledger): a record from the register never undoes a
        # newer one, so each document is written with the newest vacancy fields.
        self.confirmations = confirmations or {}
        self.calls = calls
        self.index = index
        self.definition = definition
        self.fresh = fresh
        self.counts = WriteCounts()
        self.started = time.monotonic()
        # Fresh builds: the newest (version, alive) per id, the same bookkeeping the embedded writer
        # does; it gives the counts, and the document count the new index must hold.
        self._newest: dict[str, tuple[int, bool]] = {}
        self._pending: list[dict[str, Any]] = []
        self._rejected: list[str] = []

    # -- the IndexWriter protocol -------------------------------------------------------------

    def upsert(self, items: Sequence[BulkDocument | IndexedProvider]) -> None:
        """``items``: ``prepare_for_bulk`` results (the target's ``prepare``), or plain documents."""
        actions = []
        for item in items:
            ready = item if isinstance(item, BulkDocument) else prepare_for_bulk(item)
            if self.fresh and not self._newer(ready.id, ready.version, alive=True):
                continue
            actions.append(
                {
                    "_op_type": "index",
                    "_index": self.index,
                    "_id": ready.id,
                    "version": ready.version,
                    "version_type": "external",
                    "_source": overlay(ready.source, self.confirmations.get(ready.id)),
                }
            )
        self._write(actions)

    def delete(self, deletions: Sequence[Deletion]) -> None:
        actions = []
        for deletion in deletions:
            version = external_version(deletion.updated_at)
            if self.fresh and not self._newer(deletion.id, version, alive=False):
                continue
            actions.append(
                {
                    "_op_type": "delete",
                    "_index": self.index,
                    "_id": deletion.id,
                    "version": version,
                    "version_type": "external",
                }
            )
        self._write(actions)

    def commit(self, sources: list[str]) -> str:
        """Apply (sync) or finish (build) the writes; a build is verified, not yet live."""
        with self.calls.explained(f"finishing {self.index}"):
            for start in range(0, len(self._pending), BULK_DOCUMENTS * 4):
                self._send(self._pending[start : start + BULK_DOCUMENTS * 4])
            self._pending.clear()
            if self.fresh:
                serving = self.definition.serving_settings()
                self.calls(self.client.indices.put_settings, index=self.index, settings=serving)
            self.calls(self.client.indices.refresh, index=self.index)
            if self._rejected:
                shown = "\n  ".join(self._rejected[:20])
                more = f"\n  ... and {len(self._rejected) - 20} more" if len(self._rejected) > 20 else ""
                what = "the new index is not used" if self.fresh else "the other records were applied"
                raise DocumentsRejected(
                    f"Elasticsearch rejected {len(self._rejected)} record(s); {what}. Fix these and run again:"
                    f"\n  {shown}{more}"
                )
            if self.fresh:
                self._verify()
                self._record_build(sources)
        return self.index

    def abandon(self) -> None:
        """Drop a half-built version; best effort, as the next run removes orphans anyway."""
        self._pending.clear()
        if not self.fresh:
            return
        try:
            self.client.indices.delete(index=self.index, ignore_unavailable=True)
        except Exception as exc:
            log.warning("could not delete the abandoned index %s (%s); the next reindex removes it", self.index, exc)

    # -- internals ----------------------------------------------------------------------------

    def _newer(self, provider_id: str, version: int, *, alive: bool) -> bool:
        """Bookkeeping of a fresh build, by the embedded writer's rule: only a newer record counts."""
        known = self._newest.get(provider_id)
        if known is not None and known[0] >= version:
            self.counts.stale += 1
            self.counts.stale_ids.append(provider_id)
            return False
        if alive:
            self.counts.indexed += 1
        else:
            self.counts.deleted_ids.append(provider_id)
            if known is not None and known[1]:
                self.counts.deleted += 1
        self._newest[provider_id] = (version, alive)
        return True

    def _write(self, actions: list[dict[str, Any]]) -> None:
        if not actions:
            return
        if not self.fresh:
            self._pending.extend(actions)
            return
        with self.calls.explained(f"loading documents into {self.index}"):
            self._send(actions)

    def _send(self, actions: list[dict[str, Any]]) -> None:
        """One tenacity-guarded pass of ``streaming_bulk`` over the actions, then per-document outcomes."""
        attempts = 0
        settings = self.calls.settings

        def bulk_once() -> list[tuple[str, dict[str, Any]]]:
            nonlocal attempts
            attempts += 1
            results = []
            for _ok, item in streaming_bulk(
                self.client.options(request_timeout=max(BULK_TIMEOUT_S, settings.elasticsearch_timeout_s)),
                actions,
                chunk_size=BULK_DOCUMENTS,
                raise_on_error=False,
                raise_on_exception=True,
                # Documents rejected with 429 (a full write queue) are retried by the helper itself.
                max_retries=settings.elasticsearch_retries,
                initial_backoff=settings.elasticsearch_retry_backoff_s,
                max_backoff=30,
            ):
                ((op, info),) = item.items()
                results.append((op, info))
            return results

        results = self.calls.bulk(bulk_once)
        busy = 0
        for op, info in results:
            status = int(info.get("status", 500))
            if 200 <= status < 300:
                self._applied(op, info)
            elif status == 409:
                if attempts > 1 and _already_applied(info):
                    self._applied(op, info)
                elif not self.fresh:
                    self.counts.stale += 1
                    self.counts.stale_ids.append(str(info.get("_id")))
            elif status == 404 and op == "delete":
                # Nothing to delete; the tombstone's version is still recorded.
                self.counts.deleted_ids.append(str(info.get("_id")))
            elif status == 429:
                busy += 1
            else:
                self._rejected.append(rejection(op, status, info))
        if busy:
            raise ClusterUnreachable(
                f"Elasticsearch kept refusing {busy} document(s) as too busy (429) through "
                f"{settings.elasticsearch_retries} retries; give the cluster more capacity or index at a quieter time"
            )

    def _applied(self, op: str, info: dict[str, Any]) -> None:
        if self.fresh:
            return  # counted up front, by _newer
        if op == "delete":
            self.counts.deleted_ids.append(str(info.get("_id")))
            if info.get("result") == "deleted" or info.get("status") == 409:
                self.counts.deleted += 1
        else:
            self.counts.indexed += 1

    def _verify(self) -> None:
        expected = sum(1 for _, alive in self._newest.values() if alive)
        found = self.calls(self.client.count, index=self.index)["count"]
        if found != expected:
            raise VerificationFailed(
                f"{self.index} holds {found} documents where {expected} were written; it is not used. "
                "Run the reindex again; if it repeats, check the cluster's logs"
            )
        if expected:
            probe = next(i for i, (_, alive) in self._newest.items() if alive)
            hits = self.calls(self.client.search, index=self.index, query={"term": {"id": probe}}, size=1)
            if hits["hits"]["total"]["value"] != 1:
                raise VerificationFailed(
                    f"{self.index}: the smoke query for id #{id_hash(probe)} found nothing; it is not used"
                )

    def _record_build(self, sources: list[str]) -> None:
        meta = dict(self.definition.mappings.get("_meta", {}))
        meta |= {
            "built_at": datetime.now(UTC).isoformat(),
            "build_seconds": round(time.monotonic() - self.started, 3),
            "documents": sum(1 for _, alive in self._newest.values() if alive),
            "sources": sources,
        }
        self.calls(self.client.indices.put_mapping, index=self.index, meta=meta)
