"""``mappings/providers.json`` and ``IndexedProvider`` agree field by field, and the Swedish analysis
of both backends agrees where it must. No server needed: this reads the file and the code."""

from __future__ import annotations

import json
import types
import typing
from datetime import date, datetime
from pathlib import Path
from typing import Any, Literal, get_args, get_origin

import orjson
import pytest
from typing_extensions import get_type_hints, is_typeddict

from core.documents import GeoPoint, IndexedProvider
from core.facets import FACETS
from core.text_analysis import TEXT_FIELDS
from engines.elasticsearch.documents import SEARCH_ONLY_FIELDS, external_version, to_elastic
from engines.elasticsearch.index_definition import LOADING_SETTINGS, IndexDefinition, load_index_definition
from engines.embedded.text_index import terms_tokenizer, to_tantivy_json
from tests.conftest import test_settings

COMPATIBLE: dict[type, set[str]] = {
    str: {"keyword", "text", "match_only_text", "wildcard"},
    int: {"integer", "long", "short", "byte"},
    float: {"float", "double", "half_float", "scaled_float"},
    bool: {"boolean"},
    datetime: {"date", "date_nanos"},
    date: {"date"},
}


@pytest.fixture(scope="module")
def definition() -> IndexDefinition:
    return load_index_definition()


def _bare(annotation: Any) -> Any:
    """``X | None`` -> X, ``list[X]`` -> X (Elasticsearch maps a list as its element type)."""
    while True:
        origin = get_origin(annotation)
        if origin in (typing.Union, types.UnionType):
            (annotation,) = [a for a in get_args(annotation) if a is not type(None)]
        elif origin is list:
            (annotation,) = get_args(annotation)
        else:
            return annotation


def _check(model: type, properties: dict[str, Any], path: str) -> list[str]:
    """Every field of the TypedDict has a mapping property of a compatible type (recursively)."""
    problems = []
    for name, annotation in get_type_hints(model).items():
        where = f"{path}{name}"
        mapped = properties.get(name)
        if mapped is None:
            problems.append(f"{where}: no mapping property")
            continue
        kind = _bare(annotation)
        es_type = mapped.get("type", "object")
        if kind is GeoPoint:
            if es_type != "geo_point":
                problems.append(f"{where}: a WGS84 point must be a geo_point, not {es_type}")
        elif is_typeddict(kind):
            if es_type not in ("object", "nested"):
                problems.append(f"{where}: a structure must be object or nested, not {es_type}")
            elif mapped.get("enabled", True):
                problems += _check(kind, mapped.get("properties", {}), f"{where}.")
                problems += [
                    f"{where}.{extra}: mapped but not in {kind.__name__}"
                    for extra in set(mapped.get("properties", {})) - set(get_type_hints(kind))
                ]
        elif get_origin(kind) is Literal:
            if es_type != "keyword":
                problems.append(f"{where}: a closed vocabulary must be a keyword, not {es_type}")
        elif es_type not in COMPATIBLE[kind]:
            problems.append(f"{where}: {kind.__name__} cannot be mapped as {es_type}")
    return problems


def test_the_mapping_is_strict(definition: IndexDefinition) -> None:
    assert definition.mappings["dynamic"] == "strict"
    for name, field in definition.mappings["properties"].items():
        assert field.get("dynamic") in (None, "strict", False), name


def test_every_indexed_field_is_mapped_with_a_compatible_type(definition: IndexDefinition) -> None:
    assert _check(IndexedProvider, definition.mappings["properties"], "") == []


def test_every_mapped_field_is_indexed_or_a_declared_search_field(definition: IndexDefinition) -> None:
    mapped = set(definition.mappings["properties"])
    fields = set(get_type_hints(IndexedProvider))
    assert mapped - fields == set(SEARCH_ONLY_FIELDS)
    assert definition.mappings["_meta"]["search_only_fields"] == list(SEARCH_ONLY_FIELDS)


def test_the_text_fields_hold_analysed_terms_split_only_on_whitespace(definition: IndexDefinition) -> None:
    """The Swedish analysis runs in Python for both engines; the server must not analyse it again."""
    properties = definition.mappings["properties"]
    for name in TEXT_FIELDS:
        assert properties[name] == {"type": "text", "analyzer": "whitespace"}, name
    assert properties["name"]["index"] is False and properties["description"]["index"] is False
    suggest = properties["name_suggest"]
    assert suggest["type"] == "search_as_you_type"
    assert definition.settings["analysis"]["analyzer"][suggest["analyzer"]]["tokenizer"] == "whitespace"


def test_both_engines_index_the_same_token_stream(fixture_documents: list[IndexedProvider]) -> None:
    """tantivy's tokenizer for the text fields gives back the analysed terms one for one, as
    Elasticsearch's ``whitespace`` analyzer does: the two index the same tokens."""
    tokenizer = terms_tokenizer()
    for doc in fixture_documents:
        stored = to_elastic(doc)
        for name in TEXT_FIELDS:
            expected = stored[name].split(" ") if stored[name] else []
            assert tokenizer.analyze(stored[name]) == expected, (doc["id"], name)


def test_facets_sorts_and_geo_have_the_types_the_compiler_needs(definition: IndexDefinition) -> None:
    properties = definition.mappings["properties"]
    for facet in FACETS:
        if facet.kind == "status":
            continue  # computed per search from vacancies and vacancies_updated_at, checked below
        # keyword and multi-valued facets are keyword fields (a list is many values of one), flags booleans
        assert properties[facet.field]["type"] == ("boolean" if facet.kind == "flag" else "keyword"), facet.name
    assert properties["id"]["type"] == "keyword"  # the tie-break sort
    assert properties["location"]["type"] == "geo_point"
    assert properties["price_per_day_sek"]["type"] == "integer"
    assert properties["vacancies_updated_at"]["type"] == "date"  # vacancy status: fresh or not
    assert properties["vacancies"]["type"] == "integer"  # vacancy status: ja or nej
    for contact in ("address", "phone", "email", "website"):
        assert properties[contact]["index"] is False, f"{contact} is shown, never searched"


def test_loading_settings_are_undone_when_serving(definition: IndexDefinition) -> None:
    created = definition.creation_settings()["index"]
    assert created["number_of_replicas"] == 0 and created["refresh_interval"] == "-1"
    serving = definition.serving_settings()
    assert set(LOADING_SETTINGS) >= set(serving) - {"number_of_replicas"}
    assert serving["refresh_interval"] == definition.settings["index"]["refresh_interval"]
    assert serving["auto_expand_replicas"] == definition.settings["index"]["auto_expand_replicas"]


def test_shards_and_replicas_come_from_the_settings_when_given(tmp_path: Path) -> None:
    """A three-node cluster: PLACERINGSSOK_ELASTICSEARCH_SHARDS / _REPLICAS without editing the file."""
    plain = load_index_definition(test_settings(tmp_path))
    assert plain.settings["index"]["number_of_shards"] == 1
    cluster = load_index_definition(test_settings(tmp_path, elasticsearch_shards=3, elasticsearch_replicas=2))
    created, serving = cluster.creation_settings()["index"], cluster.serving_settings()
    assert created["number_of_shards"] == 3 and created["number_of_replicas"] == 0, "loads without replicas"
    assert serving == {"refresh_interval": "1s", "auto_expand_replicas": "false", "number_of_replicas": 2}
    assert plain.settings["index"]["number_of_shards"] == 1, "the file's definition is left as it was"


def _unmapped(document: dict[str, Any], properties: dict[str, Any], path: str = "") -> list[str]:
    missing = []
    for key, value in document.items():
        field = properties.get(key)
        if field is None:
            missing.append(f"{path}{key}")
        elif field.get("type", "object") in ("object", "nested") and field.get("enabled", True):
            for item in value if isinstance(value, list) else [value]:
                if isinstance(item, dict):
                    missing += _unmapped(item, field.get("properties", {}), f"{path}{key}.")
    return missing


def test_every_fixture_document_fits_the_strict_mapping(
    definition: IndexDefinition, fixture_documents: list[IndexedProvider]
) -> None:
    for doc in fixture_documents:
        stored = to_elastic(doc)
        assert _unmapped(stored, definition.mappings["properties"]) == [], doc["id"]
        public = {k: v for k, v in stored.items() if k not in SEARCH_ONLY_FIELDS}
        assert public == orjson.loads(orjson.dumps(doc)), "the API must read back exactly the indexed provider"


def test_search_fields_hold_what_the_embedded_index_holds(fixture_documents: list[IndexedProvider]) -> None:
    for doc in fixture_documents:
        stored = to_elastic(doc)
        embedded = json.loads(to_tantivy_json(doc))
        for field in TEXT_FIELDS:
            assert stored[field] == embedded[field], (doc["id"], field)
        assert ("name_suggest" in stored) is (not doc["confidential"])


def test_versions_follow_updated_at(fixture_documents: list[IndexedProvider]) -> None:
    doc = fixture_documents[0]
    assert external_version(doc["updated_at"]) == int(doc["updated_at"].timestamp() * 1000)
