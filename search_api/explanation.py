"""Why a provider is in the list, what to check, and why it ranks where it does (Swedish text).

Built from the indexed document and the criteria only; distances arrive already shaped for privacy.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from typing import TypedDict

from pydantic import BaseModel

from core.documents import StoredProvider
from core.permits import permit_required
from core.ranking import status_freshness
from core.vocabularies import label
from search_api.criteria import SearchCriteria
from search_api.vacancy_display import VacancyFields

RECENT_INSPECTION = timedelta(days=730)


class PermitCheck(BaseModel):
    """Does the IVO permit cover this child? ``covered`` is None when no permit applies."""

    covered: bool | None
    missing_needs: list[str]
    messages: list[str]


class RankingFactors(BaseModel):
    sort: str
    score: float
    text_score: float
    distance_decay: float | None
    freshness: float


class Explanation(BaseModel):
    matched: list[str]
    relaxed: list[str]
    permit: PermitCheck
    warnings: list[str]
    ranking: RankingFactors


# The same three as plain values, in the models' field order: an explanation is built for every hit
# of every page and serialised with the page, once (``tests/search_api/test_search_contract.py``
# validates real responses against the models).
class PermitCheckFields(TypedDict):
    covered: bool | None
    missing_needs: list[str]
    messages: list[str]


class RankingFields(TypedDict):
    sort: str
    score: float
    text_score: float
    distance_decay: float | None
    freshness: float


class ExplanationFields(TypedDict):
    matched: list[str]
    relaxed: list[str]
    permit: PermitCheckFields
    warnings: list[str]
    ranking: RankingFields


def _km(value: float, whole: bool) -> str:
    return f"{value:.0f} km" if whole else f"{value:.1f} km".replace(".", ",")


def permit_check(source: StoredProvider, needs: tuple[str, ...], age: int | None) -> PermitCheckFields:
    """The one permit check, over every need the caseworker gave (``SearchCriteria.permit_needs``:
    ``needs`` and ``target_groups``) and the age; the same rule as the plan's ``PermitCovers`` tier and
    filter."""
    permit = source.get("ivo_permit")
    if permit is None:
        if permit_required(source["provider_type"], source["ownership"]):
            return {"covered": False, "missing_needs": list(needs), "messages": ["Inget IVO-tillstånd registrerat"]}
        return {"covered": None, "missing_needs": [], "messages": []}
    messages: list[str] = []
    if permit["status"] == "aterkallat":
        messages.append("IVO-tillståndet är återkallat")
    missing = [n for n in needs if n not in permit["target_groups"]]
    messages += [_not_covered(n) for n in missing]
    if age is not None:
        low, high = permit.get("age_min"), permit.get("age_max")
        if (low is not None and age < low) or (high is not None and age > high):
            messages.append(f"Tillståndet omfattar inte {age} år (gäller {low}–{high} år)")
    return {"covered": not messages, "missing_needs": missing, "messages": messages}


@lru_cache(maxsize=256)
def _not_covered(need: str) -> str:
    return f"Tillståndet omfattar inte {label('target_groups', need).lower()}"


@lru_cache(maxsize=256)
def _received(genders: tuple[str, ...]) -> str:
    return "Tar emot " + ", ".join(label("genders", g).lower() for g in genders)


@lru_cache(maxsize=16384)
def _inspection_warning(day: str, decision: str, categories: tuple[str, ...]) -> tuple[date, str]:
    """An inspection's day and its warning; kept by value (the same inspections recur on every page)."""
    when = date.fromisoformat(day)
    what = ", ".join(label("inspection_category", c).lower() for c in categories)
    said = label("inspection_decision", decision).lower()
    return when, f"IVO {said} {when.isoformat()}" + (f" ({what})" if what else "")


def vacancy_warnings(vacancy: VacancyFields, now: datetime) -> list[str]:
    warnings: list[str] = []
    confirmed_at = vacancy["confirmed_at"]
    if confirmed_at is None:
        warnings.append("Lediga platser har aldrig bekräftats")
    elif vacancy["status"] == "okänd":
        warnings.append(f"Lediga platser bekräftades för {(now - confirmed_at).days} dagar sedan")
    report = vacancy["report"]
    if report is not None:
        warnings.append(f"{report['text']}: {report['reason_label'].lower()}")
    return warnings


class Explainer:
    """Explains the hits of one page: what the criteria alone say is worded once per page, and each
    hit adds only what depends on the home (its distance, ages, genders, permit, inspections)."""

    def __init__(self, criteria: SearchCriteria, now: datetime) -> None:
        self.criteria = criteria
        self.now = now
        self.today = now.date()
        self.needs = criteria.permit_needs
        self.first = ["Fritext matchar"] if criteria.q else []
        self.within = None if criteria.max_km is None else f"Inom {_km(criteria.max_km, True)} ("
        self.beyond = None if criteria.min_km is None else f"Minst {_km(criteria.min_km, True)} bort ("
        middle: list[str] = []
        if criteria.far_from is not None:
            middle.append(f"Mer än {_km(criteria.far_from.min_km, True)} från den valda platsen")
        if criteria.exclude:
            middle.append(f"Utanför {len(criteria.exclude)} undantagna områden")
        if criteria.needs:
            middle.append("Behov: " + ", ".join(label("target_groups", n) for n in criteria.needs))
        self.middle = middle
        self.age = None if criteria.age is None else f"Ålder {criteria.age} ryms i "
        self.last = ["Ledig plats"] if criteria.has_vacancy else []
        self.relaxed = [] if criteria.permit_valid else ["Verksamheter med återkallat tillstånd visas också"]

    def _matched(self, source: StoredProvider, distance: float | None, whole_km: bool) -> list[str]:
        matched = list(self.first)
        if distance is not None:
            if self.within is not None:
                matched.append(f"{self.within}{_km(distance, whole_km)})")
            if self.beyond is not None:
                matched.append(f"{self.beyond}{_km(distance, whole_km)})")
        matched += self.middle
        if self.age is not None:
            matched.append(f"{self.age}{source['age_min']}–{source['age_max']} år")
        if self.criteria.gender is not None:
            matched.append(_received(tuple(source["genders"])))
        return matched + self.last

    def _warnings(self, source: StoredProvider, vacancy: VacancyFields) -> list[str]:
        warnings = vacancy_warnings(vacancy, self.now)
        for inspection in source.get("inspections", []):
            categories = tuple(inspection["categories"])
            when, warning = _inspection_warning(inspection["date"], inspection["decision"], categories)
            if self.today - when <= RECENT_INSPECTION:
                warnings.append(warning)
        return warnings

    def explain(
        self,
        source: StoredProvider,
        *,
        distance: float | None,
        whole_km: bool,
        score: float,
        text_score: float,
        decay: float | None,
        vacancy: VacancyFields,
    ) -> ExplanationFields:
        return {
            "matched": self._matched(source, distance, whole_km),
            "relaxed": list(self.relaxed),
            "permit": permit_check(source, self.needs, self.criteria.age),
            "warnings": self._warnings(source, vacancy),
            "ranking": {
                "sort": self.criteria.sort,
                "score": round(score, 6),
                "text_score": round(text_score, 6),
                "distance_decay": decay,
                "freshness": status_freshness(vacancy["status"]),
            },
        }


def utc_now() -> datetime:
    return datetime.now(UTC)
