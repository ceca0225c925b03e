"""What every search backend does with a plan; the response layer never knows which one ran."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

from search_api.plan import SearchPlan


@dataclass(frozen=True, slots=True)
class BackendHit:
    source: dict[str, Any]
    score: float
    text_score: float
    highlights: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class BackendResult:
    total: int
    hits: list[BackendHit]
    facets: dict[str, dict[str, int]] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Readiness:
    ready: bool
    version: str | None
    documents: int | None
    reason: str | None = None


class BackendUnavailable(Exception):
    """The engine cannot answer now (down, timing out, no index yet); the API answers 503."""

    def __init__(self, reason: str, retry_after_s: int = 5) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retry_after_s = retry_after_s


class SearchBackend(Protocol):
    async def search(self, plan: SearchPlan) -> BackendResult: ...

    async def get(self, provider_id: str, visible_types: frozenset[str]) -> dict[str, Any] | None: ...

    async def suggest_names(self, prefix: str, visible_types: frozenset[str], limit: int) -> list[str]: ...

    async def readiness(self) -> Readiness: ...

    async def close(self) -> None: ...
