"""The portal's articles (news for the field: legislation, children and youth, reportage).

One record schema for both sides: the loader validates each line of an articles file against
``Article``, and both engines index ``article_document``: the article as published plus the terms of
the one Swedish analysis (``core.text_analysis``), so a search for "familjehem" means the same over
articles as over homes.
"""

from __future__ import annotations

from datetime import UTC
from typing import Annotated, Any

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, HttpUrl, StringConstraints
from typing_extensions import TypedDict

from core.text_analysis import compound_parts_terms, index_terms

# Where a word counts most: the title, then the tags, then the body; compound parts count least.
ARTICLE_TEXT_FIELDS: dict[str, float] = {
    "title_terms": 3.0,
    "tags_terms": 2.0,
    "body_terms": 1.0,
    "parts_terms": 0.8,
}
Tag = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40, pattern=r"^[^A-ZÅÄÖ]+$")]


class Article(BaseModel):
    """One line of an articles file."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, frozen=True)

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{0,79}$", description="Stable id: lower-case letters, digits, '-'.")
    title: str = Field(min_length=1, max_length=200)
    body: str = Field(min_length=1, max_length=20_000)
    tags: list[Tag] = Field(min_length=1, max_length=10, description="Lower-case Swedish tags, e.g. 'lagstiftning'.")
    published_at: AwareDatetime
    url: HttpUrl | None = None


class ArticleDocument(TypedDict):
    """What both engines index for an article: the article as published, then its analysed terms."""

    id: str
    title: str
    body: str
    tags: list[str]
    published_at: str
    url: str | None
    title_terms: str
    body_terms: str
    tags_terms: str
    parts_terms: str


PUBLISHED_FIELDS = ("id", "title", "body", "tags", "published_at", "url")


def article_document(article: Article) -> ArticleDocument:
    return ArticleDocument(
        id=article.id,
        title=article.title,
        body=article.body,
        tags=list(article.tags),
        # In UTC, so the ISO strings sort as the moments do.
        published_at=article.published_at.astimezone(UTC).isoformat(),
        url=str(article.url) if article.url is not None else None,
        title_terms=index_terms(article.title),
        body_terms=index_terms(article.body),
        tags_terms=index_terms(" ".join(article.tags)),
        parts_terms=compound_parts_terms(article.title, article.body),
    )


def published(document: dict[str, Any]) -> dict[str, Any]:
    """The article as published, without the analysed terms."""
    return {key: document.get(key) for key in PUBLISHED_FIELDS}
