"""The tantivy side of the embedded index: schema, text fields, and documents.

Text fields hold the terms ``core.text_analysis`` made (the Swedish analysis runs in Python, the
same for both engines), split on whitespace and nothing else. Every facet also has a raw keyword
field (filters that narrow a text query run inside tantivy), and numbers, dates and coordinates are
fast fields. The whole public document is kept beside the index (``sources.py``), not in tantivy.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import NamedTuple

import orjson
import tantivy

from core.documents import IndexedProvider, search_fields
from core.text_analysis import TEXT_FIELDS
from engines.embedded.columns import KEYWORD_FIELDS, MULTI_FIELDS, ColumnValues, column_values
from engines.embedded.names import name_words

TERMS = "analysed_terms"


def terms_tokenizer() -> tantivy.TextAnalyzer:
    """Already analysed text: the terms are the whitespace-separated words, as they are."""
    return tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.whitespace()).build()


def build_schema() -> tantivy.Schema:
    sb = tantivy.SchemaBuilder()
    sb.add_text_field("id", tokenizer_name="raw")
    sb.add_unsigned_field("row", indexed=True, fast=True)
    for name in TEXT_FIELDS:
        # Not stored: the sources file holds the text once.
        sb.add_text_field(name, tokenizer_name=TERMS, index_option="position")
    for name in KEYWORD_FIELDS + MULTI_FIELDS:
        # Indexed for filters inside text queries; counting runs on the column store, so not fast.
        sb.add_text_field(name, tokenizer_name="raw")
    sb.add_float_field("lat", fast=True)
    sb.add_float_field("lon", fast=True)
    for name in ("age_min", "age_max", "capacity", "vacancies", "price_per_day_sek"):
        sb.add_integer_field(name, indexed=True, fast=True)
    sb.add_boolean_field("has_vacancy", indexed=True, fast=True)
    sb.add_boolean_field("permit_revoked", indexed=True, fast=True)
    sb.add_date_field("vacancies_updated_at", indexed=True, fast=True)
    sb.add_date_field("updated_at", indexed=True, fast=True)
    return sb.build()


def open_index(path: Path) -> tantivy.Index:
    index = tantivy.Index(build_schema(), path=str(path), reuse=True)
    index.register_tokenizer(TERMS, terms_tokenizer())
    return index


def to_tantivy_json(doc: IndexedProvider) -> str:
    """The tantivy document as JSON, all but its row (which only the writer knows): one ``add_json``
    call parses it in Rust, far cheaper than a Python call per field."""
    fields: dict[str, object] = {
        "id": doc["id"],
        **search_fields(doc),
        "lat": doc["location"]["lat"],
        "lon": doc["location"]["lon"],
        "age_min": doc["age_min"],
        "age_max": doc["age_max"],
        "capacity": doc["capacity"],
        "vacancies": doc["vacancies"],
        "has_vacancy": doc["has_vacancy"],
        "permit_revoked": doc["permit_revoked"],
        "updated_at": doc["updated_at"],
    }
    by_name: Mapping[str, object] = doc  # the field names below are the document's own keys
    for name in KEYWORD_FIELDS + MULTI_FIELDS:
        fields[name] = by_name[name]
    if doc["price_per_day_sek"] is not None:
        fields["price_per_day_sek"] = doc["price_per_day_sek"]
    if doc["vacancies_updated_at"] is not None:
        fields["vacancies_updated_at"] = doc["vacancies_updated_at"]
    return orjson.dumps(fields).decode()


def with_row(tantivy_json: str, row: int) -> str:
    """Add the row number to a prepared document: cheaper than serialising the document again."""
    return f'{tantivy_json[:-1]},"row":{row}}}'


class PreparedProvider(NamedTuple):
    """What the embedded writer needs of a document, made where the document is made."""

    columns: ColumnValues
    tantivy_json: str
    source: bytes
    names: list[str]


def prepare_provider(doc: IndexedProvider) -> PreparedProvider:
    return PreparedProvider(column_values(doc), to_tantivy_json(doc), orjson.dumps(doc), name_words(doc))
