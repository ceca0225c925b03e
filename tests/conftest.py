"""Shared test fixtures: the shipped fixture files, indexed for real into a temporary data dir."""

from __future__ import annotations

import atexit
import json
import shutil
import tempfile
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from core.articles import Article
from core.documents import IndexedProvider
from core.schools import save_schools
from core.settings import ApiKey, Settings
from engines.embedded.article_index import write_articles
from engines.embedded.target import EmbeddedTarget
from indexer.articles import read_articles
from indexer.geocoding import AddressGeocoder
from indexer.jobs import run_job
from indexer.schools import read_school_register
from indexer.source import read_source

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "fixtures"
SHIPPED_PROVIDERS = FIXTURES / "providers.jsonl"
BROKEN = FIXTURES / "providers_broken.jsonl"
SCHOOLS = FIXTURES / "schools.jsonl"
ARTICLES = FIXTURES / "articles.jsonl"
GEOCODING_CACHE = FIXTURES / "geocoding-cache.json"

# The day the suites were written against. The generator dates the export's confirmations up to
# 2026-11-20 (scripts/fixtures, REFERENCE_TIME), and a confirmation older than the TTL (14 days) is
# "okänd": from 2026-12-04 every fixture home would be unknown and the cases that look for a vacancy
# would find none. From the day after this one, the suites index a copy whose confirmations are moved
# forward by the whole days since, so they see the export as it was on this day (at this time of day).
# Suites that set their own clock (the vacancy suite) index the shipped file.
FIXTURE_CONFIRMATIONS_AS_OF = date(2026, 11, 29)


def _providers_as_of_today() -> Path:
    days = (datetime.now(UTC).date() - FIXTURE_CONFIRMATIONS_AS_OF).days
    if days <= 0:
        return SHIPPED_PROVIDERS
    folder = Path(tempfile.mkdtemp(prefix="placeringssok-fixtures-"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    lines = []
    for line in SHIPPED_PROVIDERS.read_text(encoding="utf-8").splitlines():
        record = json.loads(line) if line.strip() else None
        if record and record.get("vacancies_updated_at"):
            moved = datetime.fromisoformat(record["vacancies_updated_at"]) + timedelta(days=days)
            record["vacancies_updated_at"] = moved.isoformat()
        lines.append(json.dumps(record, ensure_ascii=False) if record else line)
    moved_export = folder / "providers.jsonl"
    moved_export.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return moved_export


PROVIDERS = _providers_as_of_today()

# Server-to-server keys (no origins), and a portal's browser key (accepted only from its origin).
CASEWORKER_KEY = "test-caseworker-key"
PUBLIC_KEY = "test-public-key"
PORTAL_PUBLIC_KEY = "test-portal-public-key"
PORTAL_ORIGIN = "https://portal.example.se"


def offline_geocoder(cache: Path | None = None) -> AddressGeocoder:
    """The shipped cache only: tests never reach for the network."""
    return AddressGeocoder(cache or GEOCODING_CACHE, service="none")


def test_settings(data_dir: Path, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "data_dir": data_dir,
        "geocoder": "none",
        "api_keys": {
            CASEWORKER_KEY: ApiKey(role="caseworker", name="test-server", organisation="Testkommun"),
            PUBLIC_KEY: ApiKey(role="public"),
            PORTAL_PUBLIC_KEY: ApiKey(role="public", origins=[PORTAL_ORIGIN]),
        },
        # The engine suites compare hits with the fixtures' register ids; public ids have their tests.
        "opaque_ids": False,
        # Suites send thousands of requests from one address; the limits have their own tests.
        "rate_limit_per_address": "",
        "rate_limit_per_key": "",
        "rate_limit_failed_auth": "",
    }
    values.update(overrides)
    return Settings(**values)  # type: ignore[arg-type]


test_settings.__test__ = False  # type: ignore[attr-defined]  # a factory, not a test


def build_embedded(data_dir: Path, sources: list[Path] | None = None) -> None:
    schools, problems = read_school_register(SCHOOLS)
    assert not problems
    save_schools(data_dir / "schools.json", schools)
    run_job(EmbeddedTarget(data_dir / "embedded"), sources or [PROVIDERS], offline_geocoder(), incremental=False)
    load_fixture_articles(lambda articles: write_articles(data_dir / "articles", articles))


def load_fixture_articles(write: Callable[[list[Article]], object]) -> None:
    articles, problems = read_articles(ARTICLES)
    assert not problems and len(articles) >= 60, problems
    write(articles)


@pytest.fixture(scope="session")
def fixture_documents() -> list[IndexedProvider]:
    """Every fixture provider, normalised exactly as the indexer does it."""
    docs = [r.document for r in read_source([PROVIDERS], offline_geocoder()) if r.document is not None]
    assert len(docs) > 700
    return docs


@pytest.fixture(scope="session")
def raw_fixture_records() -> list[dict[str, Any]]:
    """The export as the register wrote it, secrets included: what the privacy tests look for."""
    return [json.loads(line) for line in PROVIDERS.read_text(encoding="utf-8").splitlines() if line.strip()]


@pytest.fixture(scope="session")
def embedded_data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    data_dir = tmp_path_factory.mktemp("embedded-data")
    build_embedded(data_dir)
    return data_dir
