"""A brute-force reference search: filter every document in plain Python, measure, sort.

Written from the criteria's documented meaning, not from the search plan, so a bug in the plan or a
compiler shows up as a disagreement. Free text is out of its scope.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from core.documents import IndexedProvider
from core.geography import distance_km, seat_of
from core.ranking import STALE_FACTOR, decay_factor, decay_for, ranking_score

INSTITUTIONAL = {"hvb", "stodboende", "sis_ungdomshem", "lss_bostad_barn"}
# domain.md: private and non-profit HVB, stödboende, LSS homes and skyddat boende need an IVO permit.
NEEDS_PERMIT = {"hvb", "stodboende", "lss_bostad_barn", "skyddat_boende"}
PRIVATE = {"enskild", "ideell"}

SELECTION_OF_FACET = {
    "provider_type": ("provider_types", "provider_type"),
    "target_groups": ("target_groups", "target_groups"),
    "methods": ("methods", "methods"),
    "languages": ("languages", "languages"),
    "county_code": ("county_codes", "county_code"),
    "municipality_code": ("municipality_codes", "municipality_code"),
    "ownership": ("ownership", "ownership"),
    "legal_bases": ("legal_bases", "legal_bases"),
    "assignments": ("assignments", "assignments"),
    "framework_agreements": ("framework_agreements", "framework_agreements"),
}


@dataclass
class OracleResult:
    total: int
    ordered_ids: list[str]
    distances: dict[str, float | None]
    facets: dict[str, dict[str, int]]


def _values(doc: Mapping[str, object], field: str) -> list[str]:
    value = doc[field]
    return [str(v) for v in value] if isinstance(value, list) else [str(value)]


def _origin(criteria: dict[str, Any], schools: dict[str, tuple[float, float]]) -> tuple[float, float] | None:
    if criteria.get("school"):
        return schools[criteria["school"]]
    if criteria.get("point"):
        return criteria["point"]["lat"], criteria["point"]["lon"]
    if criteria.get("municipality_code"):
        return seat_of(criteria["municipality_code"])
    return None


def permit_covers(doc: IndexedProvider, c: dict[str, Any]) -> bool:
    """Every need said (``needs`` and ``target_groups``) and the age within a permit that is not revoked;
    or no permit needed at all."""
    permit = doc["ivo_permit"]
    if permit is None:
        return not (doc["provider_type"] in NEEDS_PERMIT and doc["ownership"] in PRIVATE)
    if permit["status"] == "aterkallat":
        return False
    if not set(c.get("needs", [])) | set(c.get("target_groups", [])) <= set(permit["target_groups"]):
        return False
    age = c.get("age")
    if age is None:
        return True
    return (permit["age_min"] is None or permit["age_min"] <= age) and (
        permit["age_max"] is None or age <= permit["age_max"]
    )


def _passes_filters(
    doc: IndexedProvider, c: dict[str, Any], role: str, d: float | None, schools: dict[str, tuple[float, float]]
) -> bool:
    if role == "public" and doc["provider_type"] not in INSTITUTIONAL:
        return False
    if c.get("permit_covers_needs") and not permit_covers(doc, c):
        return False
    if not set(c.get("needs", [])) <= set(doc["target_groups"]):
        return False
    if c.get("age") is not None and not (doc["age_min"] <= c["age"] <= doc["age_max"]):
        return False
    if c.get("gender") is not None and not ({c["gender"], "alla"} & set(doc["genders"])):
        return False
    if c.get("max_price_per_day") is not None and (
        doc["price_per_day_sek"] is None or doc["price_per_day_sek"] > c["max_price_per_day"]
    ):
        return False
    if c.get("permit_valid", True) and doc["permit_revoked"]:
        return False
    return _where_allowed(doc, c, d, schools)


def _where_allowed(
    doc: IndexedProvider, c: dict[str, Any], d: float | None, schools: dict[str, tuple[float, float]]
) -> bool:
    """The geographic criteria: radius and minimum from the origin, far from a place, outside every zone."""
    lat, lon = doc["location"]["lat"], doc["location"]["lon"]
    if c.get("max_km") is not None and not (d is not None and d <= c["max_km"]):
        return False
    if c.get("min_km") and not (d is not None and d > c["min_km"]):
        return False
    far = c.get("far_from")
    if far is not None:
        place = _origin(far, schools)
        assert place is not None
        if distance_km(place[0], place[1], lat, lon) <= far["min_km"]:
            return False
    for zone in c.get("exclude", []):
        if "radius_km" in zone:
            inside = distance_km(zone["lat"], zone["lon"], lat, lon) <= zone["radius_km"]
        elif "municipality_code" in zone:
            inside = doc["municipality_code"] == zone["municipality_code"]
        else:
            inside = doc["county_code"] == zone["county_code"]
        if inside:
            return False
    return True


TTL_DAYS = 14
# The API and the oracle read the clock separately, within a second or two of each other.
CLOCK_SLACK = timedelta(seconds=2)


def aged_between(docs: list[IndexedProvider], start: datetime, end: datetime) -> bool:
    """Whether a confirmation passed the TTL between two moments. The fixture's confirmations carry
    fixed dates, so one of them ages past the TTL every few hours of the wall clock: a comparison
    running across that moment judges the home fresh on one side and stale on the other."""
    ttl = timedelta(days=TTL_DAYS)
    return any(
        doc["vacancies_updated_at"] is not None
        and start - CLOCK_SLACK <= doc["vacancies_updated_at"] + ttl <= end + CLOCK_SLACK
        for doc in docs
    )


def at_one_moment(docs: list[IndexedProvider], compare: Callable[[], None]) -> None:
    """Run a comparison of the API with the oracle; run it again (at most twice) only if it failed
    while a confirmation aged past the TTL, which made the two sides disagree on freshness alone.
    Any other failure is raised as it is."""
    for attempt in range(3):
        start = datetime.now(UTC)
        try:
            compare()
            return
        except AssertionError:
            if attempt == 2 or not aged_between(docs, start, datetime.now(UTC)):
                raise


def status(doc: IndexedProvider, now: datetime, ttl_days: int = TTL_DAYS) -> str:
    """The documented meaning: free places confirmed within the TTL "ja", none "nej", else "okänd"."""
    confirmed = doc["vacancies_updated_at"]
    if confirmed is None or confirmed < now - timedelta(days=ttl_days):
        return "okänd"
    return "ja" if doc["vacancies"] > 0 else "nej"


def _derived(doc: IndexedProvider, facet: str, now: datetime) -> list[str]:
    if facet == "has_vacancy":
        return [str(status(doc, now) == "ja").lower()]
    return [status(doc, now)]


def _selected(doc: IndexedProvider, c: dict[str, Any], skip: str | None, now: datetime) -> bool:
    for facet, (criterion, field) in SELECTION_OF_FACET.items():
        if facet != skip and c.get(criterion) and not set(c[criterion]) & set(_values(doc, field)):
            return False
    if skip != "vacancy_status" and c.get("vacancy_status") and status(doc, now) not in c["vacancy_status"]:
        return False
    available = status(doc, now) == "ja"
    return not (skip != "has_vacancy" and c.get("has_vacancy") is not None and available != c["has_vacancy"])


def oracle_search(
    docs: list[IndexedProvider], c: dict[str, Any], role: str, schools: dict[str, tuple[float, float]]
) -> OracleResult:
    origin = _origin(c, schools)
    distance = {
        doc["id"]: (
            distance_km(origin[0], origin[1], doc["location"]["lat"], doc["location"]["lon"]) if origin else None
        )
        for doc in docs
    }
    now = datetime.now(UTC)
    filtered = [doc for doc in docs if _passes_filters(doc, c, role, distance[doc["id"]], schools)]
    hits = [doc for doc in filtered if _selected(doc, c, None, now)]
    facets: dict[str, dict[str, int]] = {}
    for facet in c.get("facets", []):
        field = SELECTION_OF_FACET.get(facet, (facet, facet))[1]
        counts: dict[str, int] = {}
        for doc in filtered:
            if _selected(doc, c, facet, now):
                derived = facet in ("has_vacancy", "vacancy_status")
                values = _derived(doc, facet, now) if derived else _values(doc, field)
                for value in values:
                    counts[value] = counts.get(value, 0) + 1
        facets[facet] = counts
    cutoff = now - timedelta(days=TTL_DAYS)

    def relevance(doc: IndexedProvider) -> float:
        # Ranking is defined once (core.ranking); the oracle applies the definition directly, one
        # document at a time, with no text (score 1).
        fresh = doc["vacancies_updated_at"] is not None and doc["vacancies_updated_at"] >= cutoff
        d = distance[doc["id"]]
        decay = None if d is None else decay_factor(d, decay_for(c.get("max_km")))
        return float(ranking_score(1.0, 1.0 if fresh else STALE_FACTOR, decay))

    def key(doc: IndexedProvider) -> tuple[Any, ...]:
        d = distance[doc["id"]] or 0.0
        # Homes whose permit covers the child come first, whatever the sort.
        tier = 0 if permit_covers(doc, c) else 1
        return (tier, d, doc["id"]) if c.get("sort") == "distance" else (tier, -relevance(doc), d, doc["id"])

    ordered = sorted(hits, key=key)

    def shaped_distance(doc: IndexedProvider) -> float | None:
        d = distance[doc["id"]]
        if d is None:
            return None
        return float(round(d)) if doc["confidential"] else round(d, 1)

    shaped = {doc["id"]: shaped_distance(doc) for doc in hits}
    return OracleResult(total=len(hits), ordered_ids=[d["id"] for d in ordered], distances=shaped, facets=facets)
