"""Loading the portal's articles: validated like provider exports, all or nothing."""

from __future__ import annotations

import json
from pathlib import Path

from core.records import id_hash
from indexer.articles import read_articles
from tests.conftest import ARTICLES
from tests.indexer.test_cli import cli

GOOD = {
    "id": "art-1",
    "title": "Familjehem sökes",
    "body": "Kommunen söker familjehem för tonåringar.",
    "tags": ["familjehem"],
    "published_at": "2026-01-01T09:00:00+01:00",
}


def write(path: Path, *records: object) -> Path:
    path.write_text("".join((r if isinstance(r, str) else json.dumps(r, ensure_ascii=False)) + "\n" for r in records))
    return path


def test_the_shipped_articles_are_valid_and_many(tmp_path: Path) -> None:
    articles, problems = read_articles(ARTICLES)
    assert problems == [] and len(articles) >= 60
    assert len({a.id for a in articles}) == len(articles)


def test_each_problem_names_file_line_field_and_reason_never_the_value(tmp_path: Path) -> None:
    source = write(
        tmp_path / "articles.jsonl",
        GOOD,
        {**GOOD, "id": "art-2", "published_at": "igår SECRETDATE"},
        "{not json",
        {**GOOD, "id": "art-1"},
        {**GOOD, "id": "art-4", "tags": ["Versaler SECRETTAG"], "extra": 1},
    )
    articles, problems = read_articles(source)
    assert [a.id for a in articles] == ["art-1"]
    lines = [str(p) for p in problems]
    assert any(line.startswith(f"{source}:2 (id #{id_hash('art-2')}): published_at:") for line in lines)
    assert any(line.startswith(f"{source}:3: (line): not valid JSON") for line in lines)
    assert any(f"{source}:4 (id #{id_hash('art-1')}): id: the id is already used on line 1" in line for line in lines)
    assert any(line.startswith(f"{source}:5 (id #{id_hash('art-4')}): tags.0:") for line in lines)
    assert any(line.startswith(f"{source}:5 (id #{id_hash('art-4')}): extra:") for line in lines)
    assert not any("SECRET" in line for line in lines)


def test_the_cli_loads_nothing_when_a_line_is_bad(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    bad = write(tmp_path / "bad.jsonl", GOOD, {**GOOD, "id": "Art 2"})
    result = cli(data_dir, "load-articles", "--source", str(bad), check=False)
    assert result.returncode == 1
    assert f"bad.jsonl:2 (id #{id_hash('Art 2')}): id:" in result.stderr and "nothing was loaded" in result.stderr
    assert not (data_dir / "articles").exists()
    good = write(tmp_path / "good.jsonl", GOOD)
    result = cli(data_dir, "load-articles", "--source", str(good))
    assert "loaded 1 articles" in result.stdout
    assert (data_dir / "articles" / "LIVE").exists()
