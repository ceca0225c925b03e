"""The articles index on Elasticsearch: a new index per load behind the alias
``<index>_articles`` (``Settings.elasticsearch_articles_alias``), switched in one ``_aliases`` call,
the old ones deleted after. ``mappings/articles.json`` defines it."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from elasticsearch import helpers

from core.articles import Article, article_document
from core.errors import IndexFailure
from core.settings import Settings
from engines.elasticsearch.client import connect

ARTICLE_MAPPING = Path(__file__).resolve().parents[2] / "mappings" / "articles.json"


def write_articles(settings: Settings, articles: list[Article]) -> str:
    """Index the articles into a new index, point the alias at it, delete the old ones."""
    definition: dict[str, Any] = json.loads(ARTICLE_MAPPING.read_text(encoding="utf-8"))
    alias = settings.elasticsearch_articles_alias
    index = f"{alias}-{datetime.now(UTC):%Y%m%dt%H%M%S%fz}"
    client = connect(settings)
    try:
        client.indices.create(index=index, settings=definition["settings"], mappings=definition["mappings"])
        actions = ({"_index": index, "_id": a.id, "_source": article_document(a)} for a in articles)
        loaded, _ = helpers.bulk(client, actions, raise_on_error=False, refresh="wait_for")
        if loaded != len(articles):
            client.indices.delete(index=index, ignore_unavailable=True)
            refused = len(articles) - loaded
            raise IndexFailure(f"Elasticsearch refused {refused} articles; the live articles are unchanged")
        old = list(client.indices.get_alias(name=alias).body) if client.indices.exists_alias(name=alias) else []
        moves: list[dict[str, Any]] = [{"add": {"index": index, "alias": alias}}]
        moves += [{"remove": {"index": name, "alias": alias}} for name in old]
        client.indices.update_aliases(actions=moves)
        for name in old:
            client.indices.delete(index=name, ignore_unavailable=True)
    finally:
        client.close()
    return index
