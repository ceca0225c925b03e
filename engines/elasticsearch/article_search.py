"""The article search on Elasticsearch: the same plan as the embedded engine, compiled with the
same text translation; tags go to ``post_filter`` so the tag facet counts every text match."""

from __future__ import annotations

from typing import Any

import elastic_transport
from elasticsearch import AsyncElasticsearch, NotFoundError
from elasticsearch.dsl import A, Q, Search

from core.articles import published
from core.errors import BackendUnavailable
from core.settings import Settings
from engines.elasticsearch.client import connect_async
from engines.elasticsearch.text_query import compile_text
from search_api.articles import ArticlePlan, ArticleResult

TAG_BUCKETS = 500


def compile_article_search(plan: ArticlePlan) -> dict[str, Any]:
    query = compile_text(plan.text) if plan.text is not None else Q("match_all")
    search = Search().query(query)[plan.offset : plan.offset + plan.size].extra(track_total_hits=True)
    if plan.tags:
        search = search.post_filter(Q("terms", tags=list(plan.tags)))
    search.aggs.bucket("tags", A("terms", field="tags", size=TAG_BUCKETS))
    newest = [{"published_at": {"order": "desc"}}, {"id": {"order": "asc"}}]
    search = search.sort(*([{"_score": {"order": "desc"}}] if plan.text is not None else []), *newest)
    return search.to_dict()


def read_article_result(response: dict[str, Any]) -> ArticleResult:
    buckets = response.get("aggregations", {}).get("tags", {}).get("buckets", [])
    return ArticleResult(
        total=int(response["hits"]["total"]["value"]),
        hits=[published(hit["_source"]) for hit in response["hits"]["hits"]],
        tags={str(b["key"]): int(b["doc_count"]) for b in buckets if b["doc_count"]},
    )


class ElasticsearchArticles:
    def __init__(self, client: AsyncElasticsearch, alias: str) -> None:
        self.client = client
        self.alias = alias

    @classmethod
    def from_settings(cls, settings: Settings) -> ElasticsearchArticles:
        return cls(connect_async(settings), settings.elasticsearch_articles_alias)

    async def search_articles(self, plan: ArticlePlan) -> ArticleResult:
        try:
            response = await self.client.search(index=self.alias, body=compile_article_search(plan))
        except elastic_transport.ConnectionError as exc:
            raise BackendUnavailable("cannot connect to Elasticsearch", retry_after_s=5) from exc
        except NotFoundError as exc:
            raise BackendUnavailable(
                "no articles have been loaded yet; run 'placeringssok load-articles --backend elasticsearch'",
                retry_after_s=30,
            ) from exc
        return read_article_result(response.body)

    async def close(self) -> None:
        await self.client.close()
