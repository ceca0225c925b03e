"""Every facet the API offers comes from core/facets.py: the criteria, the columns, the Elasticsearch
mapping and the search box's script all agree with the registry."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any, get_args, get_origin

import pytest
from fastapi.testclient import TestClient

from core.facets import DEFAULT_FACETS, FACETS, FacetName
from core.vocabularies import LABELS
from engines.embedded.columns import KEYWORD_FIELDS, MULTI_FIELDS, ColumnBuilder, column_values
from search_api.app import create_app
from search_api.criteria import SearchCriteria
from search_api.routes.embed import FRAME_FACETS, SCRIPT_FACETS_MARKER
from tests.conftest import test_settings

ROOT = Path(__file__).resolve().parents[1]


def test_the_literal_is_the_registry() -> None:
    assert get_args(FacetName) == tuple(facet.name for facet in FACETS)
    assert len({facet.field for facet in FACETS}) == len(FACETS)


def test_the_criteria_accept_exactly_the_registrys_facets_and_default_to_its_defaults() -> None:
    schema = SearchCriteria.model_json_schema()
    assert schema["properties"]["facets"]["items"]["enum"] == [facet.name for facet in FACETS]
    assert SearchCriteria().facets == list(DEFAULT_FACETS) == [facet.name for facet in FACETS if facet.default]


@pytest.mark.parametrize("facet", FACETS, ids=lambda facet: facet.name)
def test_each_selection_is_a_criteria_field_of_the_right_shape(facet: Any) -> None:
    if facet.selection is None:
        return
    annotation = SearchCriteria.model_fields[facet.selection].annotation
    if facet.kind == "flag":
        assert annotation == bool | None
    else:
        assert get_origin(annotation) is list, facet.selection


@pytest.mark.parametrize("facet", FACETS, ids=lambda facet: facet.name)
def test_each_label_source_exists(facet: Any) -> None:
    assert facet.labels is None or facet.labels in {"county", "municipality", "language"} | set(LABELS)


def test_the_embedded_columns_hold_every_facet(fixture_documents: list[Any]) -> None:
    assert tuple(facet.field for facet in FACETS if facet.kind == "keyword") == KEYWORD_FIELDS
    assert tuple(facet.field for facet in FACETS if facet.kind == "multi") == MULTI_FIELDS
    builder = ColumnBuilder()
    builder.append([column_values(doc) for doc in fixture_documents[:50]])
    store = builder.finish()
    for facet in FACETS:
        if facet.kind == "status":
            continue  # computed per search (core.vacancies), never stored
        if facet.kind == "keyword":
            assert set(store.keyword_values[facet.field]) == {doc[facet.field] for doc in fixture_documents[:50]}
        elif facet.kind == "multi":
            assert set(store.multi_values[facet.field]) == {
                v for doc in fixture_documents[:50] for v in doc[facet.field]
            }
        else:
            assert store.flag(facet.field).tolist() == [doc[facet.field] for doc in fixture_documents[:50]]


def test_the_elasticsearch_mapping_has_every_facet_field() -> None:
    properties = json.loads((ROOT / "mappings" / "providers.json").read_text(encoding="utf-8"))["mappings"][
        "properties"
    ]
    for facet in FACETS:
        if facet.kind == "status":
            # Computed per search from these two fields (core.vacancies), so expiry needs no reindex.
            assert properties["vacancies"]["type"] == "integer"
            assert properties["vacancies_updated_at"]["type"] == "date"
            continue
        assert properties[facet.field] == {"type": "boolean" if facet.kind == "flag" else "keyword"}, facet.name


def test_the_search_box_is_served_the_registrys_checkbox_facets(embedded_data_dir: Path) -> None:
    source = (ROOT / "search_api" / "embed" / "placeringssok.js").read_text(encoding="utf-8")
    assert source.count(SCRIPT_FACETS_MARKER.decode()) == 1
    with TestClient(create_app(test_settings(embedded_data_dir))) as client:
        served = client.get("/embed/placeringssok.js").text
    written = re.search(r"const FACETS = (\{.*?\});\n", served)
    assert written is not None, "the served script has no FACETS object"
    checkboxes = [facet for facet in FACETS if facet.multi_select]
    assert json.loads(written.group(1)) == {
        facet.name: {"field": facet.selection, "legend": facet.legend, "default": facet.default} for facet in checkboxes
    }
    assert list(json.loads(written.group(1))) == [facet.name for facet in checkboxes]  # the display order
    assert frozenset(facet.name for facet in checkboxes) == FRAME_FACETS
    # The script keeps no facet list of its own: no object keyed by facet names, no array of them.
    names = "|".join(facet.name for facet in checkboxes)
    assert not re.search(rf"^\s*({names}):", source, flags=re.MULTILINE)
    assert not re.search(rf"'({names})'\s*,\s*'({names})'", source)
