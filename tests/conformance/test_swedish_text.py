"""How caseworkers write, on both backends: inflections, everyday words, older names of the
placement forms, vocabulary names as words, typo rules and highlights."""

from __future__ import annotations

import re
from typing import Any

import pytest

from core.documents import IndexedProvider
from core.vocabularies import LABELS
from tests.conformance.conftest import Api

# Older and informal names still in use -> the placement form each must find (core/data/synonyms.txt).
OLDER_NAMES = [
    ("fosterhem", "familjehem"),
    ("fosterfamilj", "familjehem"),
    ("nätverkshem", "familjehem"),
    ("jourfamilj", "jourhem"),
    ("behandlingshem", "hvb"),
    ("hem för vård eller boende", "hvb"),
    ("HVB-hem", "hvb"),
    ("ungdomsvårdsskola", "sis_ungdomshem"),
    ("§12-hem", "sis_ungdomshem"),
    ("SiS-hem", "sis_ungdomshem"),
    ("stödlägenhet", "stodboende"),
    ("träningslägenhet", "stodboende"),
    ("konsulentfamiljehem", "konsulentstott_familjehem"),
    ("förstärkt familjehem", "konsulentstott_familjehem"),
    ("skyddsboende", "skyddat_boende"),
    ("kvinnojour", "skyddat_boende"),
    ("LSS-boende", "lss_bostad_barn"),
]
EVERYONE = {"permit_valid": False}


def ids(hits: list[dict[str, Any]]) -> set[str]:
    return {h["id"] for h in hits}


def described(docs: list[IndexedProvider], pattern: str) -> set[str]:
    rx = re.compile(pattern, re.IGNORECASE)
    return {d["id"] for d in docs if rx.search(d["description"])}


def only(docs: list[IndexedProvider], form: str, *other_forms: str) -> set[str]:
    """Homes whose description writes ``form`` and none of the other forms."""
    found = described(docs, rf"\b{form}\b")
    for other in other_forms:
        found -= described(docs, rf"\b{other}\b")
    return found


def test_a_definite_singular_and_its_plural_find_each_other(api: Api, fixture_documents: list[IndexedProvider]) -> None:
    definite = only(fixture_documents, "kvinnan", "kvinna", "kvinnor")
    plural = only(fixture_documents, "kvinnor", "kvinna", "kvinnan")
    assert definite and plural, "the fixtures must hold homes writing only 'kvinnan', and only 'kvinnor'"
    assert definite <= ids(api.search_all({"q": "kvinnor", **EVERYONE}))
    assert plural <= ids(api.search_all({"q": "kvinnan", **EVERYONE}))


def test_an_irregular_plural_and_its_singular_find_each_other(
    api: Api, fixture_documents: list[IndexedProvider]
) -> None:
    plural = only(fixture_documents, "döttrar", "dotter", "dottern")
    definite = only(fixture_documents, "dottern", "dotter", "döttrar")
    assert plural and definite, "the fixtures must hold homes writing only 'döttrar', and only 'dottern'"
    assert definite <= ids(api.search_all({"q": "döttrar", **EVERYONE}))
    assert plural <= ids(api.search_all({"q": "dottern", **EVERYONE}))
    assert plural | definite <= ids(api.search_all({"q": "dotter", **EVERYONE}))


def test_an_everyday_word_finds_the_written_one_and_back(api: Api, fixture_documents: list[IndexedProvider]) -> None:
    boys = described(fixture_documents, r"\bpojkar\b") - described(fixture_documents, r"\bkill")
    assert boys, "the fixtures must hold homes that write only 'pojkar'"
    assert boys <= ids(api.search_all({"q": "killar", **EVERYONE}))
    lads = described(fixture_documents, r"\bkillar\b") - described(fixture_documents, r"\bpojk")
    assert lads and lads <= ids(api.search_all({"q": "pojkar", **EVERYONE}))


@pytest.mark.parametrize(("name", "provider_type"), OLDER_NAMES)
def test_every_older_name_still_in_use_finds_its_placement_form(api: Api, name: str, provider_type: str) -> None:
    of_form = ids(api.search_all({"provider_types": [provider_type], **EVERYONE}))
    assert of_form, provider_type
    found = api.search_all({"q": name, **EVERYONE})
    assert of_form <= ids(found), f"{name} must find every {provider_type}"


def test_a_language_name_finds_the_homes_that_speak_it(api: Api, fixture_documents: list[IndexedProvider]) -> None:
    arabic = {d["id"] for d in fixture_documents if "ar" in d["languages"]}
    assert arabic
    assert arabic <= ids(api.search_all({"q": "arabiska", **EVERYONE}))
    somali = {d["id"] for d in fixture_documents if "so" in d["languages"]}
    assert somali and somali <= ids(api.search_all({"q": "somaliska", **EVERYONE}))


def test_places_and_methods_match_as_words(api: Api, fixture_documents: list[IndexedProvider]) -> None:
    umea = {d["id"] for d in fixture_documents if d["municipality"] == "Umeå"}
    assert umea and umea <= ids(api.search_all({"q": "Umeå", **EVERYONE}))
    kbt = {d["id"] for d in fixture_documents if "KBT" in d["methods"]}
    assert kbt and kbt <= ids(api.search_all({"q": "KBT", **EVERYONE}))


def test_heder_matches_only_homes_about_honour_related_violence(
    api: Api, fixture_documents: list[IndexedProvider]
) -> None:
    hits = api.search_all({"q": "heder", **EVERYONE})
    honour = {d["id"] for d in fixture_documents if "hedersrelaterat" in d["target_groups"]}
    assert honour and honour <= ids(hits)
    label = LABELS["target_groups"]["hedersrelaterat"].lower()
    for hit in hits:
        text = " ".join([hit["name"], hit["description"], *[t["label"].lower() for t in hit["target_groups"]]])
        assert "heder" in text.lower() or label in text, hit["id"]
    assert len(hits) < len(fixture_documents) / 4


def test_a_typo_is_highlighted_as_the_word_it_found(api: Api) -> None:
    body = api.search({"q": "missbrk", **EVERYONE})
    assert body["total"] > 0
    marks = {m.lower() for hit in body["hits"] for h in hit["highlights"] for m in re.findall(r"<mark>(.*?)</mark>", h)}
    assert "missbruk" in marks


def test_an_exact_match_ranks_above_a_typo_match(api: Api) -> None:
    """ "behandlnig" is one swap from "behandling": a home writing the typo itself would rank first;
    every hit here is a typo match and scores below what the exact word scores."""
    typo = api.search({"q": "behandlnig", **EVERYONE, "size": 1})["hits"]
    exact = api.search({"q": "behandling", **EVERYONE, "size": 1})["hits"]
    assert typo and exact
    assert typo[0]["explanation"]["ranking"]["text_score"] < exact[0]["explanation"]["ranking"]["text_score"]
