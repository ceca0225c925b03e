"""The portal's articles on every backend: newest first, the Swedish text search with highlights,
tag filters and tag facet counts, for every role the public embed included."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.conformance.conftest import Api
from tests.conftest import ARTICLES, CASEWORKER_KEY, PORTAL_ORIGIN, PUBLIC_KEY


@pytest.fixture(scope="module")
def articles() -> list[dict[str, Any]]:
    return [json.loads(line) for line in ARTICLES.read_text(encoding="utf-8").splitlines() if line.strip()]


def search(api: Api, body: dict[str, Any], key: str = PUBLIC_KEY, expect: int = 200) -> dict[str, Any]:
    response = api.client.post("/v1/articles/search", json=body, headers={"X-API-Key": key, "Origin": PORTAL_ORIGIN})
    assert response.status_code == expect, response.text
    answer: dict[str, Any] = response.json()
    return answer


def test_without_text_the_newest_come_first_page_by_page(api: Api, articles: list[dict[str, Any]]) -> None:
    first = search(api, {"size": 5})
    assert first["total"] == len(articles)
    second = search(api, {"size": 5, "page": 2})
    dates = [h["published_at"] for h in first["hits"] + second["hits"]]
    assert dates == sorted(dates, reverse=True)
    assert not {h["id"] for h in first["hits"]} & {h["id"] for h in second["hits"]}
    newest = max(articles, key=lambda a: a["published_at"][:10])
    assert first["hits"][0]["id"] == newest["id"]
    assert all(h["highlights"] == [] and h["title_highlight"] is None for h in first["hits"])


def test_a_text_search_reads_swedish_and_marks_what_it_found(api: Api) -> None:
    body = search(api, {"q": "döttrar", "size": 50})
    titles = {h["title"]: h for h in body["hits"]}
    assert "Reportage: LSS-bostaden där barnen bor veckovis" in titles, "'döttrar' finds 'dottern'"
    marks = " ".join(titles["Reportage: LSS-bostaden där barnen bor veckovis"]["highlights"])
    assert "<mark>dottern</mark>" in marks
    older = search(api, {"q": "fosterhem", "size": 50})
    assert older["hits"][0]["title"].startswith("Från fosterhem till familjehem")
    assert (
        older["hits"][0]["title_highlight"]
        == "Från <mark>fosterhem</mark> till <mark>familjehem</mark> – ett ord med historia"
    )
    assert any("familjehem" in h["title"].lower() for h in older["hits"][1:])


def test_tags_filter_and_every_tag_is_counted(api: Api, articles: list[dict[str, Any]]) -> None:
    reportage = {a["id"] for a in articles if "reportage" in a["tags"]}
    body = search(api, {"tags": ["reportage"], "size": 50})
    assert {h["id"] for h in body["hits"]} == reportage and body["total"] == len(reportage)
    counts = {t["value"]: t["count"] for t in body["facets"]["tags"]}
    expected: dict[str, int] = {}
    for a in articles:
        for tag in a["tags"]:
            expected[tag] = expected.get(tag, 0) + 1
    assert counts == expected, "the tag facet counts every article, whatever tags are chosen"
    both = search(api, {"q": "familjehem", "tags": ["reportage", "lss"], "size": 50})
    assert both["total"] > 0
    assert all({"reportage", "lss"} & set(h["tags"]) for h in both["hits"])


def test_the_caseworker_reads_the_same_articles(api: Api) -> None:
    public = search(api, {"q": "skolgång"})
    caseworker = search(api, {"q": "skolgång"}, key=CASEWORKER_KEY)
    assert public["total"] == caseworker["total"] > 0
    assert [h["id"] for h in public["hits"]] == [h["id"] for h in caseworker["hits"]]


def test_bad_input_names_the_field_and_echoes_nothing(api: Api) -> None:
    response = api.client.post(
        "/v1/articles/search",
        json={"q": "x", "size": 500, "tags": ["HEMLIG-TAGG"]},
        headers={"X-API-Key": PUBLIC_KEY, "Origin": PORTAL_ORIGIN},
    )
    assert response.status_code == 422
    assert "size" in response.text and "tags" in response.text
    assert "HEMLIG-TAGG" not in response.text
