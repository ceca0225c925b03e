"""The embedded engine's article index: a small tantivy index, rebuilt whole by each load.

Layout under ``<data dir>/articles``: one directory per load and a ``LIVE`` file naming the one that
serves, replaced atomically after the new directory is complete, so a search never sees half a load.
The text fields hold the terms of the one Swedish analysis, split on whitespace only, as for homes.
"""

from __future__ import annotations

import base64
import os
import shutil
from datetime import UTC, datetime
from pathlib import Path

import orjson
import tantivy

from core.articles import ARTICLE_TEXT_FIELDS, Article, article_document
from engines.embedded.text_index import TERMS, terms_tokenizer

LIVE = "LIVE"


def article_schema() -> tantivy.Schema:
    sb = tantivy.SchemaBuilder()
    sb.add_text_field("id", stored=True, tokenizer_name="raw")
    for name in ARTICLE_TEXT_FIELDS:
        sb.add_text_field(name, tokenizer_name=TERMS, index_option="position")
    sb.add_bytes_field("source", stored=True)
    return sb.build()


def open_article_index(path: Path) -> tantivy.Index:
    index = tantivy.Index(article_schema(), path=str(path), reuse=True)
    index.register_tokenizer(TERMS, terms_tokenizer())
    return index


def live_article_dir(root: Path) -> Path | None:
    try:
        name = (root / LIVE).read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        return None
    return root / name


def write_articles(root: Path, articles: list[Article]) -> str:
    """Index the articles into a new version, make it live, drop the old ones; returns the version."""
    root.mkdir(parents=True, exist_ok=True)
    version = f"articles-{datetime.now(UTC):%Y%m%dT%H%M%S%fZ}"
    path = root / version
    path.mkdir()
    index = open_article_index(path)
    writer = index.writer(heap_size=15_000_000, num_threads=1)
    for article in articles:
        doc = article_document(article)
        fields = {name: doc[name] for name in ("id", *ARTICLE_TEXT_FIELDS)}  # type: ignore[literal-required]
        fields["source"] = base64.b64encode(orjson.dumps(doc)).decode()
        writer.add_json(orjson.dumps(fields).decode())
    writer.commit()
    writer.wait_merging_threads()
    pointer = root / f".{LIVE}.new"
    pointer.write_text(version, encoding="utf-8")
    os.replace(pointer, root / LIVE)
    for old in root.iterdir():
        if old.is_dir() and old.name != version:
            shutil.rmtree(old, ignore_errors=True)
    return version
