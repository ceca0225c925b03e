"""The embedded engine's article search: tantivy scores the text, Python filters, counts and sorts
(an articles index holds hundreds of articles, not hundreds of thousands)."""

from __future__ import annotations

import os
import threading
from collections import Counter
from pathlib import Path
from typing import Any

import orjson
import tantivy

from core.articles import published
from core.errors import BackendUnavailable
from engines.embedded.article_index import LIVE, live_article_dir, open_article_index
from engines.embedded.text_query import compile_text
from search_api.articles import ArticlePlan, ArticleResult


class EmbeddedArticles:
    def __init__(self, root: Path) -> None:
        self.root = root
        self._lock = threading.Lock()
        self._stamp: tuple[int, int] | None = None
        self._index: tantivy.Index | None = None

    def _open(self) -> tantivy.Index:
        try:
            st = os.stat(self.root / LIVE)
        except FileNotFoundError as exc:
            raise BackendUnavailable(
                "no articles have been loaded yet; run 'placeringssok load-articles --source FILE'", retry_after_s=30
            ) from exc
        stamp = (st.st_mtime_ns, st.st_ino)
        with self._lock:
            if self._index is None or stamp != self._stamp:
                path = live_article_dir(self.root)
                assert path is not None
                self._index = open_article_index(path)
                self._index.reload()
                self._stamp = stamp
            return self._index

    async def search_articles(self, plan: ArticlePlan) -> ArticleResult:
        index = self._open()
        searcher = index.searcher()
        query = compile_text(index.schema, plan.text) if plan.text is not None else tantivy.Query.all_query()
        found = searcher.search(query, limit=max(1, searcher.num_docs)).hits
        matched: list[tuple[float, dict[str, Any]]] = [
            (score, orjson.loads(searcher.doc(address).to_dict()["source"][0])) for score, address in found
        ]
        tags = Counter(tag for _, article in matched for tag in article["tags"])
        chosen = set(plan.tags)
        if chosen:
            matched = [(s, a) for s, a in matched if chosen & set(a["tags"])]
        # Newest first, then id; with text the score comes first. Sorted twice: the sort is stable.
        matched.sort(key=lambda sa: sa[1]["id"])
        matched.sort(key=lambda sa: sa[1]["published_at"], reverse=True)
        if plan.text is not None:
            matched.sort(key=lambda sa: -round(sa[0], 4))
        page = matched[plan.offset : plan.offset + plan.size]
        return ArticleResult(total=len(matched), hits=[published(a) for _, a in page], tags=dict(tags))

    async def close(self) -> None:
        self._index = None
