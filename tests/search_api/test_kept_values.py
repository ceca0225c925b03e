"""What the query side keeps between requests is kept by value: a home whose document changes (a new
index version, a small write, its own confirmation) is shown as it is now, never as it was."""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from typing import Any

import orjson

from core.documents import IndexedProvider, StoredProvider
from search_api.criteria import SearchCriteria
from search_api.explanation import Explainer
from search_api.labels import facet_label, facet_labels
from search_api.shaping import shape_hit
from search_api.vacancy_display import freshness_text

NOW = datetime(2026, 11, 29, 10, tzinfo=UTC)


def stored(doc: IndexedProvider) -> StoredProvider:
    source: StoredProvider = orjson.loads(orjson.dumps(doc))
    return source


def with_inspection(fixture_documents: list[IndexedProvider]) -> StoredProvider:
    doc = next(d for d in fixture_documents if d["ivo_permit"] is not None and not d["confidential"])
    source = stored(doc)
    source["inspections"] = [{"date": "2026-06-01", "decision": "brist", "categories": ["droger"]}]
    return source


def shaped(source: StoredProvider) -> dict[str, Any]:
    explanation = Explainer(SearchCriteria.model_validate({"gender": "flickor"}), NOW).explain(
        source,
        distance=None,
        whole_km=False,
        score=1.0,
        text_score=0.0,
        decay=None,
        vacancy={
            "status": "okänd",
            "status_label": "Okänt",
            "vacancies": None,
            "available_from": None,
            "confirmed_at": None,
            "confirmed_by": None,
            "text": "",
            "report": None,
        },
    )
    answer: dict[str, Any] = orjson.loads(
        orjson.dumps(shape_hit(source, "caseworker", None, [], explanation), option=orjson.OPT_UTC_Z)
    )
    return answer


def test_a_changed_home_is_shaped_and_explained_as_it_is_now(fixture_documents: list[IndexedProvider]) -> None:
    before = with_inspection(fixture_documents)
    first = shaped(before)
    assert shaped(copy.deepcopy(before)) == first  # the second time from what was kept

    after = copy.deepcopy(before)
    after["genders"] = ["pojkar"]
    assert after["ivo_permit"] is not None
    after["ivo_permit"]["target_groups"] = ["missbruk"]
    after["inspections"] = [{"date": "2026-07-02", "decision": "vite", "categories": ["bemanning"]}]
    after["vacancies_updated_at"] = "2026-11-28T09:00:00+01:00"
    now = shaped(after)

    assert now["genders"] == [{"value": "pojkar", "label": "Pojkar"}]
    assert [g["value"] for g in now["permit"]["target_groups"]] == ["missbruk"]
    assert now["inspections"][0]["decision"] == "vite" and now["inspections"][0]["date"] == "2026-07-02"
    assert now["vacancies_updated_at"] == "2026-11-28T09:00:00+01:00"
    assert "Tar emot pojkar" in now["explanation"]["matched"]
    assert any("vite" in w.lower() and "2026-07-02" in w for w in now["explanation"]["warnings"])
    assert all("2026-06-01" not in w for w in now["explanation"]["warnings"])
    # What was kept for the home before its change is still right for a home that has it.
    assert shaped(before) == first


def test_kept_lists_are_not_changed_by_a_response(fixture_documents: list[IndexedProvider]) -> None:
    source = with_inspection(fixture_documents)
    first = shape_hit(source, "caseworker", None, [], shaped(source)["explanation"])
    expected = orjson.dumps(first)
    # A second page holding the same home shares the kept lists; the first page's bytes stay the same.
    shape_hit(copy.deepcopy(source), "caseworker", None, [], shaped(source)["explanation"])
    assert orjson.dumps(first) == expected


def test_a_confirmations_day_is_said_against_todays_date() -> None:
    confirmed = datetime(2026, 11, 28, 9, tzinfo=UTC)
    assert freshness_text("ja", confirmed, NOW) == "Bekräftat i går 10:00"
    assert freshness_text("ja", confirmed, datetime(2026, 11, 28, 12, tzinfo=UTC)) == "Bekräftat i dag 10:00"
    assert freshness_text("ja", confirmed, datetime(2027, 1, 2, tzinfo=UTC)) == "Bekräftat 28 november 2026"


def test_facet_labels_are_kept_per_facet_and_unknown_values_label_themselves() -> None:
    assert facet_label("municipality_code", "0180") == "Stockholm"
    assert facet_labels("municipality_code")["0180"] == "Stockholm"
    assert facet_label("framework_agreements", "Ett eget avtal") == "Ett eget avtal"
