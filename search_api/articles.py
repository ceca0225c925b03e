"""Searching the portal's articles: the request, the plan both engines run, and the answer.

The text is planned exactly as for homes (``search_api.text_plan``), over the article fields.
Without text the newest come first; with text the best match, then the newest. Tags filter with OR,
and the tag facet counts every article the text matches, whatever tags are chosen (a multi-select
facet: a reader can widen the choice).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any, Protocol

from pydantic import BaseModel, ConfigDict, Field

from core.articles import ARTICLE_TEXT_FIELDS, Tag
from search_api.highlighting import Highlighter, highlighter_for
from search_api.text_plan import TextSearch, plan_text

EXCERPT_CHARS = 200


class ArticleQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    q: str | None = Field(default=None, max_length=200, description="Swedish free text; none: newest first.")
    tags: list[Tag] = Field(default_factory=list, max_length=20, description="Articles with any of these tags.")
    page: int = Field(default=1, ge=1, le=100)
    size: int = Field(default=10, ge=1, le=50)


@dataclass(frozen=True, slots=True)
class ArticlePlan:
    text: TextSearch | None
    tags: tuple[str, ...]
    offset: int
    size: int


@dataclass(frozen=True, slots=True)
class ArticleResult:
    total: int
    # Each article as published (id, title, body, tags, published_at, url), in the plan's order.
    hits: list[dict[str, Any]]
    tags: dict[str, int] = field(default_factory=dict)


class ArticleBackend(Protocol):
    async def search_articles(self, plan: ArticlePlan) -> ArticleResult: ...

    async def close(self) -> None: ...


def plan_articles(query: ArticleQuery) -> ArticlePlan:
    text = plan_text(query.q, ARTICLE_TEXT_FIELDS) if query.q and query.q.strip() else None
    return ArticlePlan(
        text=text,
        tags=tuple(sorted(set(query.tags))),
        offset=(query.page - 1) * query.size,
        size=query.size,
    )


class ArticleHit(BaseModel):
    id: str
    title: str
    excerpt: str
    tags: list[str]
    published_at: str
    url: str | None
    title_highlight: str | None = Field(description="The title with the matched words in <mark>, HTML-escaped.")
    highlights: list[str] = Field(description="Body fragments with the matched words in <mark>, HTML-escaped.")


class TagCount(BaseModel):
    value: str
    count: int


class ArticleSearchResponse(BaseModel):
    total: int
    page: int
    size: int
    hits: list[ArticleHit]
    facets: dict[str, list[TagCount]]
    took_ms: float


def _excerpt(body: str) -> str:
    if len(body) <= EXCERPT_CHARS:
        return body
    cut = body.rfind(" ", 0, EXCERPT_CHARS)
    return body[: cut if cut > 0 else EXCERPT_CHARS] + " …"


def _hit(article: dict[str, Any], highlighter: Highlighter | None) -> ArticleHit:
    title, body = None, None
    if highlighter is not None:
        title = highlighter.whole(article["title"])
        body = highlighter.fragment(article["body"])
    return ArticleHit(
        id=article["id"],
        title=article["title"],
        excerpt=_excerpt(article["body"]),
        tags=article["tags"],
        published_at=article["published_at"],
        url=article.get("url"),
        title_highlight=title,
        highlights=[body] if body else [],
    )


async def run_article_search(query: ArticleQuery, backend: ArticleBackend) -> ArticleSearchResponse:
    started = time.perf_counter()
    plan = plan_articles(query)
    result = await backend.search_articles(plan)
    highlighter = highlighter_for(plan.text.root) if plan.text is not None else None
    chosen = dict.fromkeys(plan.tags, 0) | result.tags
    tags = sorted(chosen.items(), key=lambda kv: (-kv[1], kv[0]))
    return ArticleSearchResponse(
        total=result.total,
        page=query.page,
        size=query.size,
        hits=[_hit(article, highlighter) for article in result.hits],
        facets={"tags": [TagCount(value=v, count=n) for v, n in tags]},
        took_ms=round((time.perf_counter() - started) * 1000, 2),
    )
