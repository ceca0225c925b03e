"""The tantivy side of the embedded index: schema, Swedish analyzer, and documents.

Text fields use the Swedish analyzer (simple tokenizer, lowercase, Swedish stop words, Snowball
Swedish stemmer; no accent folding). Every facet also has a raw keyword field and numbers, dates and
coordinates are fast fields, so the index can be inspected and aggregated on its own (``status``
counts provider types from it). ``source`` keeps the whole public document, like Elasticsearch's
``_source``.
"""

from __future__ import annotations

from pathlib import Path

import orjson
import tantivy

from indexer.documents import IndexedProvider
from indexer.embedded.columns import KEYWORD_FIELDS, MULTI_FIELDS
from indexer.text_analysis import compound_parts_text
from indexer.vocabularies import label

SWEDISH = "sv_stem"
# Field boosts shared by the embedded and Elasticsearch query compilers.
TEXT_FIELDS: dict[str, float] = {
    "name": 3.0,
    "labels": 2.0,
    "description": 1.0,
    "place": 1.0,
    "parts": 0.8,
}


def swedish_analyzer() -> tantivy.TextAnalyzer:
    return (
        tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.simple())
        .filter(tantivy.Filter.remove_long(60))
        .filter(tantivy.Filter.lowercase())
        .filter(tantivy.Filter.stopword("swedish"))
        .filter(tantivy.Filter.stemmer("swedish"))
        .build()
    )


def build_schema() -> tantivy.Schema:
    sb = tantivy.SchemaBuilder()
    sb.add_text_field("id", stored=True, tokenizer_name="raw")
    sb.add_unsigned_field("row", stored=True, indexed=True, fast=True)
    for name in TEXT_FIELDS:
        sb.add_text_field(name, stored=name == "description", tokenizer_name=SWEDISH, index_option="position")
    for name in KEYWORD_FIELDS + MULTI_FIELDS:
        sb.add_text_field(name, tokenizer_name="raw", fast=True)
    sb.add_float_field("lat", fast=True)
    sb.add_float_field("lon", fast=True)
    for name in ("age_min", "age_max", "capacity", "vacancies", "price_per_day_sek"):
        sb.add_integer_field(name, indexed=True, fast=True)
    sb.add_boolean_field("has_vacancy", indexed=True, fast=True)
    sb.add_boolean_field("permit_revoked", indexed=True, fast=True)
    sb.add_date_field("vacancies_updated_at", indexed=True, fast=True)
    sb.add_date_field("updated_at", indexed=True, fast=True)
    sb.add_bytes_field("source", stored=True)
    return sb.build()


def open_index(path: Path) -> tantivy.Index:
    index = tantivy.Index(build_schema(), path=str(path), reuse=True)
    index.register_tokenizer(SWEDISH, swedish_analyzer())
    return index


def labels_text(doc: IndexedProvider) -> str:
    """Swedish labels of the vocabularies a caseworker types words for ("HVB-hem", "Självskadebeteende")."""
    parts = [label("provider_type", doc.provider_type)]
    parts += [label("target_groups", v) for v in doc.target_groups]
    parts += [label("methods", v) for v in doc.methods]
    return " ".join(parts)


def to_tantivy(doc: IndexedProvider, row: int) -> tantivy.Document:
    t = tantivy.Document()
    t.add_text("id", doc.id)
    t.add_unsigned("row", row)
    labels = labels_text(doc)
    t.add_text("name", doc.name)
    t.add_text("labels", labels)
    t.add_text("description", doc.description)
    t.add_text("place", f"{doc.municipality} {doc.county}")
    t.add_text("parts", compound_parts_text(doc.name, labels, doc.description))
    for name in KEYWORD_FIELDS:
        t.add_text(name, getattr(doc, name))
    for name in MULTI_FIELDS:
        for value in getattr(doc, name):
            t.add_text(name, value)
    t.add_float("lat", doc.location.lat)
    t.add_float("lon", doc.location.lon)
    for name in ("age_min", "age_max", "capacity", "vacancies"):
        t.add_integer(name, getattr(doc, name))
    if doc.price_per_day_sek is not None:
        t.add_integer("price_per_day_sek", doc.price_per_day_sek)
    t.add_boolean("has_vacancy", doc.has_vacancy)
    t.add_boolean("permit_revoked", doc.permit_revoked)
    if doc.vacancies_updated_at is not None:
        t.add_date("vacancies_updated_at", doc.vacancies_updated_at)
    t.add_date("updated_at", doc.updated_at)
    t.add_bytes("source", orjson.dumps(doc.model_dump(mode="json")))
    return t
