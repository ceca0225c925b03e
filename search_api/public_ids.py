"""The API's side of opaque public ids (``core.public_ids``): ``PublicIdBackend`` wraps whichever
engine runs, so hits come out with public ids and ``get`` takes one; everything above the backend
(shaping, routes, the audit log) sees public ids only.
"""

from __future__ import annotations

from dataclasses import replace

from core.documents import StoredProvider
from core.public_ids import PublicIds
from core.vacancies import Confirmation
from search_api.backends import BackendHit, BackendResult, Readiness, SearchBackend
from search_api.plan import SearchPlan

__all__ = ["PublicIdBackend", "PublicIds"]


class PublicIdBackend:
    """Any engine, seen through public ids."""

    def __init__(self, engine: SearchBackend, ids: PublicIds) -> None:
        self.engine = engine
        self.ids = ids

    def _published(self, source: StoredProvider) -> StoredProvider:
        return {**source, "id": self.ids.public(source["id"])}

    async def search(self, plan: SearchPlan) -> BackendResult:
        result = await self.engine.search(plan)
        hits = [
            BackendHit(source=self._published(hit.source), score=hit.score, text_score=hit.text_score)
            for hit in result.hits
        ]
        return replace(result, hits=hits)

    async def get(self, provider_id: str, visible_types: frozenset[str]) -> StoredProvider | None:
        register_id = self.ids.register(provider_id)
        if register_id is None:
            return None
        source = await self.engine.get(register_id, visible_types)
        return None if source is None else self._published(source)

    async def suggest_names(self, prefix: str, visible_types: frozenset[str], limit: int) -> list[str]:
        return await self.engine.suggest_names(prefix, visible_types, limit)

    async def readiness(self) -> Readiness:
        return await self.engine.readiness()

    async def close(self) -> None:
        await self.engine.close()

    async def apply_confirmation(self, confirmation: Confirmation) -> None:
        # Confirmations carry register ids, as the ledger and the engines hold them.
        await self.engine.apply_confirmation(confirmation)
