"""The portal's articles: search (every role, the public embed included)."""

from __future__ import annotations

from fastapi import APIRouter, Request

from search_api.articles import ArticleQuery, ArticleSearchResponse, run_article_search
from search_api.deps import ArticlesDep, RoleDep

router = APIRouter(prefix="/v1/articles", tags=["articles"])


@router.post(
    "/search",
    response_model=ArticleSearchResponse,
    summary="Search the portal's articles (newest first without q), with tag facet counts",
)
async def search_articles(
    query: ArticleQuery, request: Request, _role: RoleDep, articles: ArticlesDep
) -> ArticleSearchResponse:
    response = await run_article_search(query, articles)
    request.state.hit_count = response.total
    return response
