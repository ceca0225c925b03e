"""Reading an articles file: every line an ``Article``, or a problem with its file, line, field and
reason (never the value), as provider exports are read."""

from __future__ import annotations

from pathlib import Path

import orjson
from pydantic import ValidationError

from core.articles import Article
from indexer.source import RecordProblem, problems_from, read_lines


def read_articles(path: Path) -> tuple[list[Article], list[RecordProblem]]:
    articles: list[Article] = []
    problems: list[RecordProblem] = []
    seen: dict[str, int] = {}
    for number, raw in read_lines(path):
        try:
            data = orjson.loads(raw)
        except orjson.JSONDecodeError as exc:
            reason = f"not valid JSON ({exc}); each line must be one object"
            problems.append(RecordProblem(str(path), number, None, "(line)", reason))
            continue
        record_id = data.get("id") if isinstance(data, dict) and isinstance(data.get("id"), str) else None
        try:
            article = Article.model_validate(data)
        except ValidationError as exc:
            problems += problems_from(str(path), number, record_id, exc)
            continue
        if article.id in seen:
            reason = f"the id is already used on line {seen[article.id]}; every article needs its own id"
            problems.append(RecordProblem(str(path), number, article.id, "id", reason))
            continue
        seen[article.id] = number
        articles.append(article)
    return articles, problems
