"""The privacy-shaping step: the only code that turns an indexed document into something a caller sees.

Every route passes every provider through ``shape_provider``, whatever the backend. Rules
(domain.md, "Privacy and secrecy"): a confidential home is shown by id, a neutral name, its
municipality, its agency (konsulentstött only) and a distance rounded to whole km; never a street
address, phone, e-mail, website or coordinates. The public role never sees a confidential home.
"""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from typing import Any

from pydantic import BaseModel

from core.documents import StoredProvider
from core.errors import ConfidentialLeak
from core.geography import distance_km
from core.vocabularies import LABELS, label
from search_api.explanation import Explanation, ExplanationFields
from search_api.plan import Origin, Role, visible_types
from search_api.vacancy_display import VacancyFields, VacancyView


class Labelled(BaseModel):
    value: str
    label: str


class PermitView(BaseModel):
    status: str
    status_label: str
    target_groups: list[Labelled]
    age_min: int | None
    age_max: int | None


class InspectionView(BaseModel):
    date: str
    decision: str
    decision_label: str
    categories: list[Labelled]


class Position(BaseModel):
    lat: float
    lon: float


class ProviderView(BaseModel):
    id: str
    name: str
    provider_type: str
    provider_type_label: str
    confidential: bool
    organization: str | None
    ownership: str
    municipality_code: str
    municipality: str
    county_code: str
    county: str
    distance_km: float | None
    location: Position | None
    description: str
    age_min: int
    age_max: int
    genders: list[Labelled]
    target_groups: list[Labelled]
    methods: list[Labelled]
    languages: list[str]
    legal_bases: list[Labelled]
    assignments: list[Labelled]
    capacity: int | None
    vacancies: int | None
    vacancies_updated_at: datetime | None
    vacancy: VacancyView | None
    price_per_day_sek: int | None
    framework_agreements: list[str]
    permit: PermitView | None
    inspections: list[InspectionView]
    address: str | None
    phone: str | None
    email: str | None
    website: str | None


class ProviderHit(ProviderView):
    highlights: list[str]
    explanation: Explanation


@lru_cache(maxsize=8192)
def _labelled(vocabulary: str, values: tuple[str, ...]) -> list[dict[str, str]]:
    """The values with their labels. The lists are kept, by value (a handful of combinations recur on
    every page) and shared between responses, which serialise them and never change them."""
    labels = LABELS.get(vocabulary, {})  # as ``label``, looked up once per list
    return [{"value": v, "label": labels.get(v, v)} for v in values]


# A permit and an inspection as shown, kept by value like the labelled lists (shared, never changed).
@lru_cache(maxsize=8192)
def _permit(status: str, target_groups: tuple[str, ...], age_min: int | None, age_max: int | None) -> dict[str, Any]:
    return {
        "status": status,
        "status_label": label("permit_status", status),
        "target_groups": _labelled("target_groups", target_groups),
        "age_min": age_min,
        "age_max": age_max,
    }


@lru_cache(maxsize=8192)
def _inspection(day: str, decision: str, categories: tuple[str, ...]) -> dict[str, Any]:
    return {
        "date": day,
        "decision": decision,
        "decision_label": label("inspection_decision", decision),
        "categories": _labelled("inspection_category", categories),
    }


def shaped_distance(source: StoredProvider, origin: Origin | None) -> float | None:
    """Distance as the caller may see it: 0.1 km, or whole km for a confidential home."""
    if origin is None:
        return None
    exact = distance_km(origin.lat, origin.lon, source["location"]["lat"], source["location"]["lon"])
    return float(round(exact)) if source["confidential"] else round(exact, 1)


def _moment(stored: str | None) -> datetime | None:
    return None if stored is None else _parsed_moment(stored)


@lru_cache(maxsize=65536)
def _parsed_moment(stored: str) -> datetime:
    """A stored moment, parsed once (a home's last confirmation is on every page it is on)."""
    return datetime.fromisoformat(stored)


def _shown(
    source: StoredProvider, role: Role, distance: float | None, vacancy: VacancyView | VacancyFields | None
) -> dict[str, Any]:
    """The fields of a ``ProviderView``, as plain JSON-ready values in the model's field order.

    This is the whitelist: only the keys listed here ever leave, whatever else the source holds."""
    if source["provider_type"] not in visible_types(role):
        raise ConfidentialLeak(f"{role} may not see provider type {source['provider_type']}")
    confidential = bool(source["confidential"])
    permit = source.get("ivo_permit")
    return {
        "id": source["id"],
        "name": source["name"],
        "provider_type": source["provider_type"],
        "provider_type_label": label("provider_type", source["provider_type"]),
        "confidential": confidential,
        "organization": source["organization"]
        if not confidential or source["provider_type"] == "konsulentstott_familjehem"
        else None,
        "ownership": source["ownership"],
        "municipality_code": source["municipality_code"],
        "municipality": source["municipality"],
        "county_code": source["county_code"],
        "county": source["county"],
        "distance_km": distance,
        "location": None if confidential else {"lat": source["location"]["lat"], "lon": source["location"]["lon"]},
        "description": source["description"],
        "age_min": source["age_min"],
        "age_max": source["age_max"],
        "genders": _labelled("genders", tuple(source["genders"])),
        "target_groups": _labelled("target_groups", tuple(source["target_groups"])),
        "methods": _labelled("methods", tuple(source["methods"])),
        "languages": source["languages"],
        "legal_bases": _labelled("legal_bases", tuple(source["legal_bases"])),
        "assignments": _labelled("assignments", tuple(source["assignments"])),
        "capacity": source["capacity"],
        "vacancies": source["vacancies"],
        "vacancies_updated_at": _moment(source["vacancies_updated_at"]),
        "vacancy": vacancy,
        "price_per_day_sek": source["price_per_day_sek"],
        "framework_agreements": source["framework_agreements"],
        "permit": None
        if permit is None
        else _permit(permit["status"], tuple(permit["target_groups"]), permit["age_min"], permit["age_max"]),
        "inspections": [_inspection(i["date"], i["decision"], tuple(i["categories"])) for i in source["inspections"]],
        "address": None if confidential else source["address"],
        "phone": None if confidential else source["phone"],
        "email": None if confidential else source["email"],
        "website": None if confidential else source["website"],
    }


def shape_provider(
    source: StoredProvider, role: Role, origin: Origin | None, vacancy: VacancyView | None = None
) -> ProviderView:
    return ProviderView.model_validate(_shown(source, role, shaped_distance(source, origin), vacancy))


def shape_hit(
    source: StoredProvider,
    role: Role,
    distance: float | None,
    highlights: list[str],
    explanation: ExplanationFields,
    vacancy: VacancyFields | None = None,
) -> dict[str, Any]:
    """A ``ProviderHit`` as plain values, serialised with its page in one call and not validated
    per hit: ``tests/search_api/test_search_contract.py`` holds real responses to the model.
    ``distance``: as ``shaped_distance`` gave it (the explanation and the decay use the same one)."""
    shown = _shown(source, role, distance, vacancy)
    shown["highlights"] = highlights
    shown["explanation"] = explanation
    return shown
