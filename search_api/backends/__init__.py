"""What every search backend does with a plan, and the factory that picks one from the settings.

The response layer never knows which engine ran; each engine's reading side lives in
``engines/<name>/search.py`` and is imported only when chosen.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from core.documents import StoredProvider
from core.errors import BackendUnavailable
from core.settings import Backend, Settings
from core.vacancies import Confirmation
from core.vacancy_ledger import VacancyLedger
from search_api.articles import ArticleBackend
from search_api.plan import SearchPlan

__all__ = [
    "ArticleBackend",
    "BackendHit",
    "BackendResult",
    "BackendUnavailable",
    "Readiness",
    "SearchBackend",
    "make_article_backend",
    "make_backend",
]


@dataclass(frozen=True, slots=True)
class BackendHit:
    source: StoredProvider
    score: float
    text_score: float


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


class SearchBackend(Protocol):
    async def search(self, plan: SearchPlan) -> BackendResult: ...

    async def get(self, provider_id: str, visible_types: frozenset[str]) -> StoredProvider | None: ...

    async def suggest_names(self, prefix: str, visible_types: frozenset[str], limit: int) -> list[str]: ...

    async def readiness(self) -> Readiness: ...

    async def close(self) -> None: ...

    async def apply_confirmation(self, confirmation: Confirmation) -> None:
        """Make a home's confirmation (already durable in the ledger) visible to every search."""
        ...


def make_backend(settings: Settings, ledger: VacancyLedger | None = None) -> SearchBackend:
    """``ledger``: homes' confirmations to show over the indexed vacancies (None: the index alone)."""
    if settings.backend is Backend.elasticsearch:
        from engines.elasticsearch.search import ElasticsearchBackend

        return ElasticsearchBackend.from_settings(settings)
    from engines.embedded.search import EmbeddedBackend

    return EmbeddedBackend(settings.embedded_dir, ledger, threads=settings.search_threads)


def make_article_backend(settings: Settings) -> ArticleBackend:
    """Where the portal's articles are searched: the same engine as the providers."""
    if settings.backend is Backend.elasticsearch:
        from engines.elasticsearch.article_search import ElasticsearchArticles

        return ElasticsearchArticles.from_settings(settings)
    from engines.embedded.article_search import EmbeddedArticles

    return EmbeddedArticles(settings.articles_dir)
