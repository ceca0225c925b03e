"""The fixtures indexed into a real Elasticsearch, the way ops do it: the real job and target.

Each call uses an alias of its own (``placeringssok-test-<random>``) so test runs sharing a server
never see each other; the indexes are deleted when the test process ends.
"""

from __future__ import annotations

import atexit
import uuid
from pathlib import Path

from core.schools import save_schools
from core.settings import Backend, Settings
from engines.elasticsearch.article_index import write_articles
from engines.elasticsearch.client import connect
from engines.elasticsearch.index_definition import IndexNames
from engines.elasticsearch.target import ElasticsearchTarget
from indexer.jobs import run_job
from indexer.schools import read_school_register
from tests.conftest import PROVIDERS, SCHOOLS, load_fixture_articles, offline_geocoder, test_settings


def elasticsearch_test_settings(url: str, data_dir: Path) -> Settings:
    """Settings for a fresh namespace on the server; its indexes go when the process exits."""
    settings = test_settings(
        data_dir,
        backend=Backend.elasticsearch,
        elasticsearch_url=url,
        elasticsearch_index=f"placeringssok-test-{uuid.uuid4().hex[:12]}",
        elasticsearch_retries=3,
        elasticsearch_retry_backoff_s=0.2,
    )
    atexit.register(drop_namespace, settings)
    return settings


def drop_namespace(settings: Settings) -> None:
    """Delete every index of the settings' alias (versions and locks), by name: clusters refuse
    wildcard deletes by default (``action.destructive_requires_name``)."""
    client = connect(settings)
    try:
        names = IndexNames(settings.elasticsearch_index)
        found = client.indices.get(index=names.versions_pattern, expand_wildcards="all")
        for index in found:
            client.indices.delete(index=index, ignore_unavailable=True)
        articles = settings.elasticsearch_articles_alias
        if client.indices.exists_alias(name=articles):
            for index in client.indices.get_alias(name=articles).body:
                client.indices.delete(index=index, ignore_unavailable=True)
    except Exception as exc:  # a test server gone away first must not fail the run at exit
        print(f"could not clean up {settings.elasticsearch_index}-*: {exc}")
    finally:
        client.close()


def build_elasticsearch(url: str, data_dir: Path, source: Path = PROVIDERS) -> Settings:
    """Load the schools into the data dir and index the fixture providers (``source``) on the server."""
    schools, problems = read_school_register(SCHOOLS)
    assert not problems
    save_schools(data_dir / "schools.json", schools)
    settings = elasticsearch_test_settings(url, data_dir)
    report = run_job(ElasticsearchTarget.from_settings(settings), [source], offline_geocoder(), incremental=False)
    assert report.indexed > 700 and not report.problems, report
    load_fixture_articles(lambda articles: write_articles(settings, articles))
    return settings
