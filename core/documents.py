"""The index document: what a validated provider becomes before any backend stores it.

``IndexedProvider`` is the contract between the index side and the query side, and the schema
``mappings/providers.json`` must agree with (a test proves it). Normalisation happens here, once:
coordinates to WGS84, derived facet fields, and the privacy rule that a confidential home's name,
exact position and contact details never enter any index.
"""

from __future__ import annotations

from datetime import date, datetime
from functools import lru_cache
from typing import Literal

from pydantic import TypeAdapter
from typing_extensions import TypedDict

from core.languages import language_label
from core.text_analysis import analyse
from core.vocabularies import label


class GeoPoint(TypedDict):
    lat: float
    lon: float


class IndexedPermit(TypedDict):
    id: str
    status: str
    target_groups: list[str]
    age_min: int | None
    age_max: int | None
    places: int | None


class IndexedInspection(TypedDict):
    date: date
    decision: str
    categories: list[str]


class StoredInspection(TypedDict):
    date: str  # ISO 8601 date
    decision: str
    categories: list[str]


class _ProviderFields(TypedDict):
    """The fields whose Python and JSON forms are the same."""

    id: str
    name: str
    provider_type: str
    confidential: bool
    organization: str | None
    ownership: str
    description: str
    target_groups: list[str]
    age_min: int
    age_max: int
    genders: list[str]
    legal_bases: list[str]
    assignments: list[str]
    methods: list[str]
    languages: list[str]
    capacity: int
    vacancies: int
    has_vacancy: bool
    price_per_day_sek: int | None
    ivo_permit: IndexedPermit | None
    permit_revoked: bool
    framework_agreements: list[str]
    municipality_code: str
    municipality: str
    county_code: str
    county: str
    location: GeoPoint
    location_precision: Literal["exact", "municipality"]
    address: str | None
    phone: str | None
    email: str | None
    website: str | None


class IndexedProvider(_ProviderFields):
    """One provider as every backend indexes it; nothing here is secret.

    A TypedDict rather than a model: it is built once per record on the indexing hot path from an
    already validated ``Provider``, and serialised straight to JSON. ``INDEXED_PROVIDER`` validates
    and describes it where that is wanted (tests, the Elasticsearch mapping check).
    """

    vacancies_updated_at: datetime | None
    inspections: list[IndexedInspection]
    updated_at: datetime


class StoredProvider(_ProviderFields):
    """An ``IndexedProvider`` in its JSON form, as a backend gives it back (``BackendHit.source``,
    ``SearchBackend.get``): dates and times are ISO 8601 strings. Shaping and explanations read it."""

    vacancies_updated_at: str | None
    inspections: list[StoredInspection]
    updated_at: str


INDEXED_PROVIDER: TypeAdapter[IndexedProvider] = TypeAdapter(IndexedProvider)


def neutral_name(provider_type: str, municipality: str) -> str:
    """What a confidential home is called in every response: its form and municipality, no family."""
    return f"{label('provider_type', provider_type)} i {municipality} kommun"


class SearchFields(TypedDict):
    """The analysed text both engines index, never returned: each field's terms
    (``core.text_analysis.index_terms``), whitespace-separated. The keys are ``TEXT_FIELDS``."""

    name_terms: str
    description_terms: str
    labels_terms: str
    place_terms: str
    parts_terms: str


def vocabulary_labels(doc: IndexedProvider) -> str:
    """The Swedish names of the home's vocabulary values, which a caseworker types as words
    ("HVB-hem", "Självskadebeteende", "KBT", "Pojkar", "Arabiska") though the prose may not hold them."""
    return _labels(
        doc["provider_type"],
        tuple(doc["target_groups"]),
        tuple(doc["methods"]),
        tuple(doc["genders"]),
        tuple(doc["languages"]),
    )


@lru_cache(maxsize=4096)
def _labels(
    provider_type: str,
    target_groups: tuple[str, ...],
    methods: tuple[str, ...],
    genders: tuple[str, ...],
    languages: tuple[str, ...],
) -> str:
    return " ".join(
        [label("provider_type", provider_type)]
        + [label("target_groups", v) for v in target_groups]
        + [label("methods", v) for v in methods]
        + [label("genders", v) for v in genders]
        + [language_label(v) for v in languages]
    )


@lru_cache(maxsize=4096)
def _value_terms(vocabulary: str, value: str) -> tuple[str, tuple[str, ...]]:
    """One vocabulary value's Swedish name, analysed: homes share the values, so each is analysed once."""
    return analyse(language_label(value) if vocabulary == "languages" else label(vocabulary, value))


def _labels_terms(doc: IndexedProvider) -> tuple[str, tuple[str, ...]]:
    """``analyse(vocabulary_labels(doc))``, from the values' cached analyses."""
    analysed = [_value_terms("provider_type", doc["provider_type"])]
    for vocabulary in ("target_groups", "methods", "genders", "languages"):
        analysed += [_value_terms(vocabulary, v) for v in doc[vocabulary]]
    return " ".join([t for t, _ in analysed if t]), tuple(p for _, parts in analysed for p in parts)


_analysed_place = lru_cache(maxsize=4096)(analyse)


def search_fields(doc: IndexedProvider) -> SearchFields:
    """The search-only text fields, analysed once here for both engines."""
    name, name_parts = analyse(doc["name"])
    description, description_parts = analyse(doc["description"])
    labels, labels_parts = _labels_terms(doc)
    return SearchFields(
        name_terms=name,
        description_terms=description,
        labels_terms=labels,
        place_terms=_analysed_place(f"{doc['municipality']} {doc['county']}")[0],
        parts_terms=" ".join(name_parts + labels_parts + description_parts),
    )
