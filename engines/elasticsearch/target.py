"""Elasticsearch as a place jobs write to: versioned indexes, the live and previous aliases, a lock.

A reindex creates ``<alias>-<version>`` (replicas 0, refresh off), loads and verifies it, then moves
the alias in ONE ``_aliases`` call that also points ``<alias>-previous`` at the version it replaces.
Readers see the old index or the new one, never half of either. ``rollback`` swaps the two aliases
in one call. Every other ``<alias>-<version>`` (older ones, orphans of killed runs) is deleted.
"""

from __future__ import annotations

import logging
from contextlib import AbstractContextManager
from datetime import UTC, datetime
from typing import Any

from elasticsearch import AuthorizationException, Elasticsearch, NotFoundError

from core.errors import IndexFailure, NoLiveIndex, RequestRefused
from core.settings import Settings
from core.vacancies import Confirmation
from core.vacancy_ledger import VacancyLedger
from engines.elasticsearch.client import connect, printable_nodes
from engines.elasticsearch.documents import confirmation_script, prepare_for_bulk
from engines.elasticsearch.index_definition import IndexNames, load_index_definition
from engines.elasticsearch.lock import WriterLock
from engines.elasticsearch.retries import ClusterCalls
from engines.elasticsearch.writer import ElasticsearchWriter

log = logging.getLogger(__name__)


class ElasticsearchTarget:
    # Run where documents are made (worker processes on large sources): each one's bulk body.
    prepare = staticmethod(prepare_for_bulk)

    def __init__(self, client: Elasticsearch, settings: Settings) -> None:
        self.client = client
        self.settings = settings
        self.names = IndexNames(settings.elasticsearch_index)
        self.calls = ClusterCalls(settings)
        # The ledger position a fresh build started from: confirmations after it reach the new index
        # once it is live (switch_to), so none made during a reindex is lost.
        self._ledger_seq: int | None = None

    @classmethod
    def from_settings(cls, settings: Settings) -> ElasticsearchTarget:
        """No request is made here; the first one is the writer lock's."""
        return cls(connect(settings), settings)

    # -- the IndexTarget protocol -------------------------------------------------------------

    def writer_lock(self) -> AbstractContextManager[None]:
        lock = WriterLock(self.client, self.calls, self.names.locks, self.settings.elasticsearch_lock_stale_s)
        return lock.held()

    def begin(self, *, from_live: bool) -> ElasticsearchWriter:
        definition = load_index_definition(self.settings)
        if from_live:
            with self.calls.explained(f"finding the live index of {self.names.alias}"):
                live = self.live()
            if live is None:
                raise NoLiveIndex(
                    f"the alias {self.names.alias} points at no index yet, so there is nothing to sync onto; "
                    "run 'placeringssok reindex --backend elasticsearch --source FILE' first"
                )
            return ElasticsearchWriter(
                self.client, self.calls, live, definition, fresh=False, confirmations=self._confirmations()
            )
        version = self.names.new_version(datetime.now(UTC))
        with self.calls.explained(f"creating {version}"):
            self._refuse_index_named_like_the_alias()
            self.calls(
                self.client.indices.create,
                index=version,
                settings=definition.creation_settings(),
                mappings=definition.mappings,
            )
        ledger = self._ledger()
        self._ledger_seq = ledger.latest_seq() if ledger else None
        return ElasticsearchWriter(
            self.client, self.calls, version, definition, fresh=True, confirmations=self._confirmations()
        )

    def switch_to(self, version: str) -> None:
        with self.calls.explained(f"moving the alias {self.names.alias} to {version}"):
            live = self._indexes_of(self.names.alias)
            if live == [version]:
                return  # a sync wrote into the live index: nothing moves
            previous = self._indexes_of(self.names.previous)
            actions: list[dict[str, Any]] = [{"remove": {"index": i, "alias": self.names.alias}} for i in live]
            actions.append({"add": {"index": version, "alias": self.names.alias}})
            if live:
                actions += [{"remove": {"index": i, "alias": self.names.previous}} for i in previous]
                actions.append({"add": {"index": live[0], "alias": self.names.previous}})
            self.calls(self.client.indices.update_aliases, actions=actions)
            self._confirmations_since_build(version)
            self._mark_switched(version)

    def live_version(self) -> str | None:
        with self.calls.explained(f"finding the live index of {self.names.alias}"):
            return self.live()

    def documents_in(self, version: str) -> int:
        with self.calls.explained(f"counting the documents of {version}"):
            return int(self.calls(self.client.count, index=version)["count"])

    def _versions(self) -> dict[str, bool]:
        """Every version index, newest first, and whether its build finished (it records built_at last)."""
        found = self.calls(self.client.indices.get, index=self.names.versions_pattern, expand_wildcards="open,closed")
        complete = {
            name: "built_at" in info.get("mappings", {}).get("_meta", {})
            for name, info in found.items()
            if self.names.is_version(name)
        }
        return dict(sorted(complete.items(), reverse=True))

    def remove_unreferenced(self) -> list[str]:
        """Delete every version beyond the kept ones (live, previous, then the newest finished builds;
        ``keep_versions`` in all) and orphans. Only under the writer lock, so no build in progress is
        removed."""
        with self.calls.explained(f"removing old versions of {self.names.alias}"):
            live = self._indexes_of(self.names.alias)
            first = live + self._indexes_of(self.names.previous)
            versions = self._versions()
            finished = [name for name, complete in versions.items() if complete]
            kept = set(live) | set(list(dict.fromkeys(first + finished))[: self.settings.keep_versions])
            removed = sorted(i for i in versions if i not in kept)
            for index in removed:
                self.calls(self.client.indices.delete, index=index, ignore_unavailable=True)
        return removed

    def rollback(self, to: str | None = None) -> str:
        with self.calls.explained(f"rolling {self.names.alias} back"):
            live = self._indexes_of(self.names.alias)
            previous = self._indexes_of(self.names.previous)
            if to is None:
                if not live or not previous:
                    raise NoLiveIndex(f"there is no previous version of {self.names.alias} to roll back to")
                to = previous[0]
            elif not self._versions().get(to, False):
                kept = ", ".join(name for name, complete in self._versions().items() if complete) or "none"
                raise NoLiveIndex(f"there is no complete version by that name; the kept versions are: {kept}")
            actions = [
                *({"remove": {"index": i, "alias": self.names.alias}} for i in live),
                *({"remove": {"index": i, "alias": self.names.previous}} for i in previous),
                {"add": {"index": to, "alias": self.names.alias}},
            ]
            if live and live[0] != to:
                actions.append({"add": {"index": live[0], "alias": self.names.previous}})
            self.calls(self.client.indices.update_aliases, actions=actions)
            self._mark_switched(to)
        return to

    def disk_full_message(self, source_bytes: int) -> str:
        return (
            f"a disk of the Elasticsearch cluster {printable_nodes(self.settings)} is full; free space on the "
            "cluster's data nodes (they refuse writes above the flood-stage watermark), then run again. "
            "The live index is unchanged"
        )

    # -- for ops --------------------------------------------------------------------------------

    def live(self) -> str | None:
        indexes = self._indexes_of(self.names.alias)
        return indexes[0] if indexes else None

    def status(self) -> dict[str, Any]:
        """The live version, its documents by provider type, when and from what it was built."""
        with self.calls.explained(f"reading the status of {self.names.alias}"):
            try:
                version = self.calls(self.client.info)["version"]["number"]
            except AuthorizationException:
                version = "unknown (the user lacks the 'monitor' cluster privilege)"
            live = self.live()
            if live is None:
                raise NoLiveIndex(
                    f"the alias {self.names.alias} points at no index; "
                    "run 'placeringssok reindex --backend elasticsearch --source FILE'"
                )
            previous = self._indexes_of(self.names.previous)
            meta = self.calls(self.client.indices.get_mapping, index=live)[live]["mappings"].get("_meta", {})
            counts = self.calls(
                self.client.search,
                index=live,
                size=0,
                track_total_hits=True,
                aggs={"types": {"terms": {"field": "provider_type", "size": 50}}},
            )
        return {
            "cluster": printable_nodes(self.settings),
            "elasticsearch_version": version,
            "alias": self.names.alias,
            "live_version": live,
            "previous_version": previous[0] if previous else None,
            "switched_at": meta.get("switched_at"),
            "built_at": meta.get("built_at"),
            "build_seconds": meta.get("build_seconds"),
            "sources": meta.get("sources", []),
            "documents": counts["hits"]["total"]["value"],
            "by_provider_type": {b["key"]: b["doc_count"] for b in counts["aggregations"]["types"]["buckets"]},
        }

    # -- internals ----------------------------------------------------------------------------

    def _ledger(self) -> VacancyLedger | None:
        return VacancyLedger.if_present(self.settings.vacancy_ledger_path)

    def _confirmations(self) -> dict[str, Confirmation]:
        ledger = self._ledger()
        if ledger is None:
            return {}
        try:
            return ledger.latest()
        finally:
            ledger.close()

    def _confirmations_since_build(self, version: str) -> None:
        """Confirmations made while the new version was built went to the old one; apply them here."""
        ledger = self._ledger()
        if ledger is None or self._ledger_seq is None:
            return
        try:
            newer = ledger.confirmations_after(self._ledger_seq)
        finally:
            ledger.close()
        for confirmation in newer:
            try:
                self.calls(
                    self.client.update,
                    index=version,
                    id=confirmation.provider_id,
                    script=confirmation_script(confirmation),
                    retry_on_conflict=3,
                )
            except NotFoundError:
                continue  # the home left the register in this export
        if newer:
            self.calls(self.client.indices.refresh, index=version)

    def _mark_switched(self, index: str) -> None:
        """Record in the index's ``_meta`` when it became live, for ``status`` (an alias has no time).
        After the switch itself, so a failure here only leaves ``status`` without the time."""
        try:
            meta = self.calls(self.client.indices.get_mapping, index=index)[index]["mappings"].get("_meta", {})
            now = datetime.now(UTC).isoformat()
            self.calls(self.client.indices.put_mapping, index=index, meta=meta | {"switched_at": now})
        except IndexFailure as exc:
            log.warning("%s is live, but its switch time was not recorded (%s)", index, exc)

    def _indexes_of(self, alias: str) -> list[str]:
        try:
            return sorted(self.calls(self.client.indices.get_alias, name=alias))
        except NotFoundError:
            return []

    def _refuse_index_named_like_the_alias(self) -> None:
        alias = self.names.alias
        if self.calls(self.client.indices.exists, index=alias) and not self._indexes_of(alias):
            raise RequestRefused(
                f"an index named '{alias}' exists, so it cannot be the alias this service switches; "
                f"reindex into a new alias (PLACERINGSSOK_ELASTICSEARCH_INDEX) or delete that index"
            )
