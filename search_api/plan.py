"""The backend-neutral search plan: what a search means, before any engine runs it.

Criteria become a small algebra of clauses (``AnyOf``, ``AllOf``, ``AtMost``, ``WithinKm``, ``Not``
...), and free text a small algebra of text nodes (``search_api.text_plan``: ``Term``, ``Fuzzy``,
``Phrase``, ``Boost`` ...). Each backend compiles the same plan, so both engines filter, count and
rank alike:

- ``filters`` apply to hits and to every facet count;
- ``selections`` are the multi-select facet choices: OR within a facet (one clause), AND across
  facets; a facet's counts apply every other selection but not its own;
- ``tier`` ranks first: homes whose IVO permit covers the child come before the rest, in any sort;
- ranking is ``text_score x decay(distance) x freshness`` (see ``ranking``), ties by distance then id.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from core.facets import SELECTIONS, FacetName
from core.ranking import Decay, decay_for
from core.text_analysis import TEXT_FIELDS
from core.vacancies import STATUSES
from core.vocabularies import CONFIDENTIAL_TYPES, INSTITUTIONAL_TYPES
from search_api.criteria import CircleZone, CountyZone, MunicipalityZone, SearchCriteria, SortOrder
from search_api.text_plan import TextSearch, plan_text

Role = Literal["caseworker", "public", "provider"]


@dataclass(frozen=True, slots=True)
class AnyOf:
    """The keyword field (single- or multi-valued) holds at least one of the values."""

    field: str
    values: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class AllOf:
    """The multi-valued keyword field holds every one of the values."""

    field: str
    values: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class AtMost:
    """The numeric field is present and at most the value."""

    field: str
    value: float


@dataclass(frozen=True, slots=True)
class AtLeast:
    """The numeric field is present and at least the value."""

    field: str
    value: float


@dataclass(frozen=True, slots=True)
class Flag:
    """The boolean field equals the value."""

    field: str
    value: bool


@dataclass(frozen=True, slots=True)
class WithinKm:
    """The provider's location is at most ``km`` from the point (haversine)."""

    lat: float
    lon: float
    km: float


@dataclass(frozen=True, slots=True)
class PermitCovers:
    """The home's IVO permit covers the child, or the home needs no permit (``core.permits``).

    Covered: a permit that is not revoked, lists every one of ``needs`` among its target groups, and
    whose age range (either end may be open) holds ``age``. A home that needs a permit and has none
    is not covered.
    """

    needs: tuple[str, ...]
    age: int | None


@dataclass(frozen=True, slots=True)
class VacancyStatusIn:
    """The home's vacancy status (``core.vacancies.status_of``) is one of ``statuses``; a confirmation
    at or after ``fresh_after`` (epoch seconds) is fresh."""

    statuses: tuple[str, ...]
    fresh_after: float


@dataclass(frozen=True, slots=True)
class Not:
    clause: Clause


Clause = AnyOf | AllOf | AtMost | AtLeast | Flag | WithinKm | PermitCovers | VacancyStatusIn | Not


@dataclass(frozen=True, slots=True)
class Origin:
    lat: float
    lon: float


@dataclass(frozen=True, slots=True)
class SearchPlan:
    text: TextSearch | None
    filters: tuple[Clause, ...]
    selections: tuple[tuple[str, Clause], ...]
    origin: Origin | None
    # Hits matching this clause rank before every other hit, whatever the sort: a tier, not a nudge.
    tier: Clause | None
    decay: Decay | None
    # Vacancies confirmed before this moment (epoch seconds, now - TTL) are "okänd" and rank lower.
    stale_before: float
    facets: tuple[str, ...]
    sort: SortOrder
    offset: int
    size: int

    def selections_except(self, facet: str) -> tuple[Clause, ...]:
        return tuple(clause for name, clause in self.selections if name != facet)


def visible_types(role: Role) -> frozenset[str]:
    """Provider types a role may see at all: the public embed sees institutional homes only. A
    provider key sees every type, but only its own homes (``search_api.deps.Principal``)."""
    return _VISIBLE_PUBLIC if role == "public" else _VISIBLE_ALL


# Asked once per hit by the shaping step: worked out once, not per call.
_VISIBLE_PUBLIC = frozenset(str(t) for t in INSTITUTIONAL_TYPES)
_VISIBLE_ALL = frozenset(str(t) for t in INSTITUTIONAL_TYPES | CONFIDENTIAL_TYPES)


def _status_selection(name: FacetName, selected: object, fresh_after: float) -> list[tuple[FacetName, Clause]]:
    """has_vacancy true is status "ja" only: an expired "2 lediga" is "okänd", not a free place."""
    if isinstance(selected, bool):
        available = VacancyStatusIn(("ja",), fresh_after)
        return [(name, available if selected else Not(available))]
    if isinstance(selected, list) and selected:
        return [(name, VacancyStatusIn(tuple(s for s in STATUSES if s in selected), fresh_after))]
    return []


def _selection(criteria: SearchCriteria, fresh_after: float) -> list[tuple[FacetName, Clause]]:
    chosen: list[tuple[FacetName, Clause]] = []
    for facet, field in SELECTIONS:
        selected = getattr(criteria, field)
        if facet.by_status:
            chosen += _status_selection(facet.name, selected, fresh_after)
        elif facet.kind == "flag":
            if selected is not None:
                chosen.append((facet.name, Flag(facet.field, selected)))
        elif selected:
            chosen.append((facet.name, AnyOf(facet.field, tuple(sorted({str(v) for v in selected})))))
    return chosen


def build_plan(
    criteria: SearchCriteria,
    origin: Origin | None,
    role: Role,
    stale_before: float,
    far_from: Origin | None = None,
) -> SearchPlan:
    """The one translation from criteria to plan; ``origin`` and ``far_from`` (the place of
    ``criteria.far_from``) are already resolved to points."""
    filters: list[Clause] = [AnyOf("provider_type", tuple(sorted(visible_types(role))))]
    if criteria.needs:
        filters.append(AllOf("target_groups", tuple(sorted({str(n) for n in criteria.needs}))))
    if criteria.age is not None:
        filters += [AtMost("age_min", criteria.age), AtLeast("age_max", criteria.age)]
    if criteria.gender is not None:
        accepted = {"alla", str(criteria.gender)}
        filters.append(AnyOf("genders", tuple(sorted(accepted))))
    if criteria.max_price_per_day is not None:
        filters.append(AtMost("price_per_day_sek", criteria.max_price_per_day))
    if criteria.permit_valid:
        filters.append(Flag("permit_revoked", False))
    covers = PermitCovers(criteria.permit_needs, criteria.age)
    if criteria.permit_covers_needs:
        filters.append(covers)
    if origin is not None and criteria.max_km is not None:
        filters.append(WithinKm(origin.lat, origin.lon, criteria.max_km))
    if origin is not None and criteria.min_km is not None and criteria.min_km > 0:
        filters.append(Not(WithinKm(origin.lat, origin.lon, criteria.min_km)))
    if far_from is not None and criteria.far_from is not None:
        filters.append(Not(WithinKm(far_from.lat, far_from.lon, criteria.far_from.min_km)))
    for zone in criteria.exclude:
        if isinstance(zone, CircleZone):
            filters.append(Not(WithinKm(zone.lat, zone.lon, zone.radius_km)))
        elif isinstance(zone, MunicipalityZone):
            filters.append(Not(AnyOf("municipality_code", (zone.municipality_code,))))
        elif isinstance(zone, CountyZone):
            filters.append(Not(AnyOf("county_code", (zone.county_code,))))
    return SearchPlan(
        text=plan_text(criteria.q, TEXT_FIELDS) if criteria.q else None,
        filters=tuple(filters),
        selections=tuple(_selection(criteria, stale_before)),
        origin=origin,
        tier=None if criteria.permit_covers_needs else covers,
        decay=decay_for(criteria.max_km) if origin is not None else None,
        stale_before=stale_before,
        facets=tuple(dict.fromkeys(criteria.facets)),
        sort=criteria.sort,
        offset=(criteria.page - 1) * criteria.size,
        size=criteria.size,
    )
