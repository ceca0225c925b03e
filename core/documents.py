"""The index document: what a validated provider becomes before any backend stores it.

``IndexedProvider`` is the contract between the index side and the query side, and the schema
``mappings/providers.json`` must agree with (a test proves it). Normalisation happens here, once:
coordinates to WGS84, derived facet fields, and the privacy rule that a confidential home's name,
exact position and contact details never enter any index.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import TypeAdapter
from typing_extensions import TypedDict

from core.text_analysis import compound_parts_text
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


class IndexedProvider(TypedDict):
    """One provider as every backend indexes it; nothing here is secret.

    A TypedDict rather than a model: it is built once per record on the indexing hot path from an
    already validated ``Provider``, and serialised straight to JSON. ``INDEXED_PROVIDER`` validates
    and describes it where that is wanted (tests, the Elasticsearch mapping check).
    """

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
    vacancies_updated_at: datetime | None
    price_per_day_sek: int | None
    ivo_permit: IndexedPermit | None
    permit_revoked: bool
    inspections: list[IndexedInspection]
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
    updated_at: datetime


INDEXED_PROVIDER: TypeAdapter[IndexedProvider] = TypeAdapter(IndexedProvider)


def neutral_name(provider_type: str, municipality: str) -> str:
    """What a confidential home is called in every response: its form and municipality, no family."""
    return f"{label('provider_type', provider_type)} i {municipality} kommun"


class SearchFields(TypedDict):
    """Text indexed for search but never returned: what a caseworker types that the prose may lack."""

    labels: str
    place: str
    parts: str


def search_fields(doc: IndexedProvider) -> SearchFields:
    """The search-only text fields, built once here for both engines."""
    # Swedish labels of the vocabularies a caseworker types words for ("HVB-hem", "Självskadebeteende").
    labels = " ".join(
        [label("provider_type", doc["provider_type"])]
        + [label("target_groups", v) for v in doc["target_groups"]]
        + [label("methods", v) for v in doc["methods"]]
    )
    return SearchFields(
        labels=labels,
        place=f"{doc['municipality']} {doc['county']}",
        parts=compound_parts_text(doc["name"], labels, doc["description"]),
    )
