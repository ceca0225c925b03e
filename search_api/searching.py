"""One search, end to end: resolve the origin, plan, execute on the backend, explain, shape."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime, timedelta
from operator import itemgetter
from typing import Any, TypedDict

import numpy as np
from pydantic import BaseModel, Field

from core.errors import UnknownSchool
from core.facets import SELECTIONS
from core.geography import seat_of
from core.ranking import decay_factor
from core.schools import SchoolRegister
from core.vacancy_ledger import VacancyLedger
from search_api.backends import SearchBackend
from search_api.criteria import FarFrom, SearchCriteria
from search_api.explanation import Explainer
from search_api.highlighting import highlighter_for
from search_api.labels import facet_label, facet_labels
from search_api.plan import Origin, Role, SearchPlan, build_plan
from search_api.shaping import ProviderHit, shape_hit, shaped_distance
from search_api.vacancy_display import LedgerFacts


class FacetValue(BaseModel):
    value: str
    label: str
    count: int


class SearchResponse(BaseModel):
    role: Role = Field(description="The caller's role: the box draws its map for caseworkers only.")
    total: int
    page: int
    size: int
    hits: list[ProviderHit]
    facets: dict[str, list[FacetValue]]
    took_ms: float


class SearchResponseFields(TypedDict):
    """A ``SearchResponse`` as plain values, in the model's field order: the route serialises it once
    (orjson, writing what the models' own serialiser writes) instead of validating every hit, label and
    facet value again. ``tests/search_api/test_search_contract.py`` validates real responses of
    varied searches against ``SearchResponse``, so drift from the documented model fails the tests."""

    role: Role
    total: int
    page: int
    size: int
    hits: list[dict[str, Any]]
    facets: dict[str, list[FacetCount]]
    took_ms: float


def resolve_place(
    place: SearchCriteria | FarFrom, schools: Callable[[], SchoolRegister], field: str = ""
) -> Origin | None:
    """A school, a point or a municipality's seat, as a point. ``field`` prefixes the error's field.
    ``schools`` gives the register: asked only when a school is named (it checks the file for a newer
    ``load-schools``, a system call that most searches need not make)."""
    if place.school is not None:
        school = schools().get(place.school)
        if school is None:
            raise UnknownSchool(
                f"{field}school",
                "unknown school unit code; pick the school with POST /v1/schools/search "
                "(the register is loaded with 'placeringssok load-schools')",
            )
        return Origin(school.lat, school.lon)
    if place.point is not None:
        return Origin(place.point.lat, place.point.lon)
    if place.municipality_code is not None:
        return Origin(*seat_of(place.municipality_code))
    return None


def resolve_origin(criteria: SearchCriteria, schools: Callable[[], SchoolRegister]) -> Origin | None:
    return resolve_place(criteria, schools)


class FacetCount(TypedDict):
    """A ``FacetValue`` before validation: a response lists hundreds (every municipality), validated
    by ``SearchResponse`` in one call rather than one model each."""

    value: str
    label: str
    count: int


def facet_values(facet: str, counts: dict[str, int], selected: set[str]) -> list[FacetCount]:
    """Counts, largest first; a selected value stays listed (with 0) so the caseworker can untick it."""
    merged = dict(counts)
    for value in selected:
        merged.setdefault(value, 0)
    # By value, then (stable) by count, largest first: the order of a (-count, value) key without a
    # tuple per value (the municipality facet lists about 290).
    ordered = sorted(sorted(merged.items()), key=itemgetter(1), reverse=True)
    labels = facet_labels(facet)
    return [{"value": v, "label": labels[v] if v in labels else facet_label(facet, v), "count": n} for v, n in ordered]


# Free-text values (framework agreements) are not listed back: a selected name nobody holds would be
# the caller's input echoed as a facet value. Known ones are listed by their counts.
_ECHOED = tuple((facet, field) for facet, field in SELECTIONS if not facet.free_values)


def _selected(criteria: SearchCriteria) -> dict[str, set[str]]:
    """Per facet, the values the caseworker ticked, as the response lists them."""
    selected: dict[str, set[str]] = {}
    for facet, field in _ECHOED:
        chosen = getattr(criteria, field)
        if facet.kind == "flag":
            selected[facet.name] = set() if chosen is None else {str(chosen).lower()}
        else:
            selected[facet.name] = {str(v) for v in chosen}
    return selected


def _decays(distances: list[float | None], plan: SearchPlan) -> list[float | None]:
    """Each hit's distance decay, reported from the shaped distance, so a confidential home's exact
    spot cannot be worked back; one call for the page rather than one per hit."""
    if plan.decay is None or plan.origin is None:
        return [None] * len(distances)
    factors = decay_factor(np.array([d or 0.0 for d in distances], dtype=np.float64), plan.decay)
    return [round(float(f), 4) for f in np.atleast_1d(factors)]


async def run_search(
    criteria: SearchCriteria,
    role: Role,
    backend: SearchBackend,
    schools: Callable[[], SchoolRegister],
    ttl: timedelta,
    now: datetime,
    ledger: VacancyLedger | None,
    register_id: Callable[[str], str | None] = lambda shown: shown,
) -> SearchResponseFields:
    started = time.perf_counter()
    origin = resolve_origin(criteria, schools)
    far_from = resolve_place(criteria.far_from, schools, "far_from.") if criteria.far_from else None
    plan = build_plan(criteria, origin, role, stale_before=(now - ttl).timestamp(), far_from=far_from)
    result = await backend.search(plan)
    highlighter = highlighter_for(plan.text.root) if plan.text is not None else None
    register_ids = [register_id(hit.source["id"]) for hit in result.hits]
    facts = LedgerFacts.read(ledger, register_ids)
    shown = [
        facts.fields(hit.source, home_id, now, ttl) for hit, home_id in zip(result.hits, register_ids, strict=True)
    ]
    distances = [shaped_distance(source, origin) for source, _ in shown]
    explainer = Explainer(criteria, now)
    hits = []
    for hit, (source, vacancy), distance, decay in zip(
        result.hits, shown, distances, _decays(distances, plan), strict=True
    ):
        explanation = explainer.explain(
            source,
            distance=distance,
            whole_km=bool(source["confidential"]),
            score=hit.score,
            text_score=hit.text_score,
            decay=decay,
            vacancy=vacancy,
        )
        fragment = highlighter.fragment(source["description"]) if highlighter is not None else None
        hits.append(shape_hit(source, role, distance, [fragment] if fragment else [], explanation, vacancy))
    selected = _selected(criteria)
    facets = {name: facet_values(name, counts, selected.get(name, set())) for name, counts in result.facets.items()}
    return {
        "role": role,
        "total": result.total,
        "page": criteria.page,
        "size": criteria.size,
        "hits": hits,
        "facets": facets,
        "took_ms": round((time.perf_counter() - started) * 1000, 2),
    }
