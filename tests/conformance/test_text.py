"""Swedish free text: stemming, domain compounds, typo tolerance, phrases, no accent folding."""

from __future__ import annotations

import re

from core.documents import IndexedProvider
from tests.conformance.conftest import Api


def _ids_with_word(docs: list[IndexedProvider], pattern: str) -> set[str]:
    rx = re.compile(pattern, re.IGNORECASE)
    return {d["id"] for d in docs if rx.search(d["description"])}


def test_inflections_and_compounds_meet(api: Api, fixture_documents: list[IndexedProvider]) -> None:
    """ "självskadande flickor" finds homes described with "självskadebeteende" and "flicka"."""
    both = _ids_with_word(fixture_documents, r"\bsjälvskadebeteende\b") & _ids_with_word(
        fixture_documents, r"\bflicka\b"
    )
    assert both, "the fixtures must hold providers described with both words"
    hits = {h["id"] for h in api.search_all({"q": "självskadande flickor", "permit_valid": False})}
    assert both <= hits


def test_every_hit_matches_every_word(api: Api) -> None:
    """Words are ANDed: a hit for "självskadande flickor" speaks of both (in some inflection, or the
    everyday word "tjejer", or as the genders the home takes)."""
    for hit in api.search_all({"q": "självskadande flickor", "permit_valid": False}):
        labels = [t["label"] for t in hit["target_groups"] + hit["genders"]]
        text = " ".join([hit["name"], hit["description"], *labels]).lower()
        assert "självskad" in text
        assert re.search(r"flick|tjej", text)


def test_a_typo_in_a_long_word_is_forgiven(api: Api, fixture_documents: list[IndexedProvider]) -> None:
    exact = {h["id"] for h in api.search_all({"q": "missbruk", "permit_valid": False})}
    assert _ids_with_word(fixture_documents, r"\bmissbruk\b") <= exact
    typo = {h["id"] for h in api.search_all({"q": "missbrk", "permit_valid": False})}
    assert exact and exact <= typo


def test_short_words_get_no_typo_grace(api: Api) -> None:
    """ "KBR" is not "KBT": fuzziness starts at five letters."""
    assert api.search({"q": "kbr", "permit_valid": False})["total"] == 0


def test_accents_are_not_folded(api: Api, fixture_documents: list[IndexedProvider]) -> None:
    with_matt = _ids_with_word(fixture_documents, r"\bmätt\b")
    assert with_matt and not _ids_with_word(fixture_documents, r"\bmatt\b")
    assert with_matt <= {h["id"] for h in api.search_all({"q": "mätt", "permit_valid": False})}
    assert api.search({"q": "matt", "permit_valid": False})["total"] == 0


def test_quoted_phrase_must_match_in_order(api: Api, fixture_documents: list[IndexedProvider]) -> None:
    phrase_ids = _ids_with_word(fixture_documents, r"\blågaffektivt bemötande\b")
    hits = {h["id"] for h in api.search_all({"q": '"lågaffektivt bemötande"', "permit_valid": False})}
    assert phrase_ids <= hits
    reversed_hits = api.search({"q": '"bemötande lågaffektivt"', "permit_valid": False})
    assert reversed_hits["total"] < len(hits)


def test_text_results_are_highlighted(api: Api) -> None:
    body = api.search({"q": "självskadebeteende", "permit_valid": False})
    assert body["total"] > 0
    assert any("<mark>" in h for hit in body["hits"] for h in hit["highlights"])


def test_text_and_distance_both_rank(api: Api) -> None:
    body = api.search({"q": "missbruk", "municipality_code": "1480", "max_km": 300})
    scores = [h["explanation"]["ranking"]["score"] for h in body["hits"]]
    assert scores == sorted(scores, reverse=True)
    for hit in body["hits"]:
        ranking = hit["explanation"]["ranking"]
        assert ranking["text_score"] > 0 and 0 < ranking["distance_decay"] <= 1
