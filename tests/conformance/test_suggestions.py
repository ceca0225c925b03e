"""``/v1/suggest`` offers the same provider names on every backend, by ``core.name_suggestions``."""

from __future__ import annotations

import pytest

from core.documents import IndexedProvider
from core.name_suggestions import name_words, offered_names
from core.vocabularies import INSTITUTIONAL_TYPES
from tests.conformance.conftest import Api
from tests.conftest import CASEWORKER_KEY, PUBLIC_KEY

INSTITUTIONAL = {str(t) for t in INSTITUTIONAL_TYPES}
LIMIT = 8


def _expected(docs: list[IndexedProvider], prefix: str, limit: int) -> list[str]:
    candidates = [
        (d["name"], d["id"])
        for d in docs
        if d["provider_type"] in INSTITUTIONAL and any(w.startswith(prefix) for w in name_words(d["name"]))
    ]
    return offered_names(candidates, limit)


# "hag": the prefix a real Elasticsearch answered differently (13 names match, 8 are offered).
@pytest.mark.parametrize("prefix", ["hag", "ung", "b", "å", "Hag"])
@pytest.mark.parametrize("key", [CASEWORKER_KEY, PUBLIC_KEY], ids=["caseworker", "public"])
def test_provider_names_are_offered_by_the_one_rule(
    api: Api, fixture_documents: list[IndexedProvider], prefix: str, key: str
) -> None:
    for response in (
        api.client.post("/v1/suggest", json={"q": prefix, "limit": LIMIT}, headers={"X-API-Key": key}),
        api.client.get("/v1/suggest", params={"q": prefix, "limit": LIMIT}, headers={"X-API-Key": key}),
    ):
        assert response.status_code == 200, response.text
        suggestions = response.json()
        names = [s["text"] for s in suggestions if s["kind"] == "provider"]
        # Target groups, methods and municipalities come first; provider names fill the rest.
        room = LIMIT - (len(suggestions) - len(names))
        expected = _expected(fixture_documents, prefix.lower(), LIMIT)[:room]
        assert names == expected, (prefix, names, expected)


def test_the_case_is_not_vacuous(fixture_documents: list[IndexedProvider]) -> None:
    """More names match "hag" than are offered, so the order decides which ones."""
    assert len(_expected(fixture_documents, "hag", 100)) > LIMIT
