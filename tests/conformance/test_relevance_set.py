"""The judged relevance set (tests/relevance) on every backend: ranking quality, and the same totals."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from core.settings import Settings
from search_api.app import create_app
from tests.conformance.conftest import Api
from tests.conftest import CASEWORKER_KEY, test_settings
from tests.relevance.judged_queries import QUERIES, judgements
from tests.relevance.metrics import ndcg, recall

# What scripts/bench_relevance.py must print for the analysis to be good enough (issue 14).
MIN_NDCG_AT_10 = 0.9


def test_the_relevance_set_is_large_and_graded(raw_fixture_records: list[dict[str, Any]]) -> None:
    judged = judgements(raw_fixture_records)
    assert len(judged) >= 40
    for q, grades in judged.items():
        assert grades, f"'{q}' has no relevant home in the fixtures"
        assert max(grades.values()) == 3, q


def test_ranking_on_the_judged_set(api: Api, raw_fixture_records: list[dict[str, Any]]) -> None:
    judged = judgements(raw_fixture_records)
    ndcgs, recalls = [], []
    for q, grades in judged.items():
        ranked = [h["id"] for h in api.search({"q": q, "permit_valid": False, "size": 20})["hits"]]
        ndcgs.append(ndcg(ranked, grades))
        recalls.append(recall(ranked, grades))
    assert sum(ndcgs) / len(ndcgs) >= MIN_NDCG_AT_10
    assert sum(recalls) / len(recalls) >= MIN_NDCG_AT_10


@pytest.fixture(scope="module")
def both(embedded_data_dir: Path, elasticsearch_settings: Settings) -> Iterator[tuple[TestClient, TestClient]]:
    with (
        TestClient(create_app(test_settings(embedded_data_dir))) as embedded,
        TestClient(create_app(elasticsearch_settings)) as elastic,
    ):
        yield embedded, elastic


def _total(client: TestClient, q: str) -> int:
    body = client.post(
        "/v1/providers/search",
        json={"q": q, "permit_valid": False, "size": 1},
        headers={"X-API-Key": CASEWORKER_KEY},
    )
    assert body.status_code == 200, body.text
    total: int = body.json()["total"]
    return total


@pytest.mark.parametrize("q", [j.q for j in QUERIES])
def test_both_backends_return_the_same_total(both: tuple[TestClient, TestClient], q: str) -> None:
    embedded, elastic = both
    assert _total(embedded, q) == _total(elastic, q)
