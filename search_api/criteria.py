"""What a caseworker asks for: the body of ``POST /v1/providers/search``.

Validation here is the API's contract: every rejection names the field and what was expected. The
criteria describe a child (needs, age, school), so they only ever travel in a POST body and are never
logged.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal, TypeVar

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from core.facets import DEFAULT_FACETS, FacetName
from core.records import Age, CountyCode, LanguageCode, MunicipalityCode
from core.vacancies import VacancyStatus
from core.vocabularies import (
    Assignment,
    Gender,
    LegalBasis,
    Method,
    Ownership,
    ProviderType,
    TargetGroup,
)

SortOrder = Literal["relevance", "distance", "price", "vacancies_updated"]
MAX_KM = 2000.0
Km = Annotated[float, Field(ge=0, le=MAX_KM)]
# Bounds of the lists that are not a vocabulary (a vocabulary list is bounded by its size).
MAX_LANGUAGES = 20
MAX_MUNICIPALITIES = 290
MAX_COUNTIES = 21
MAX_FRAMEWORK_AGREEMENTS = 20
_T = TypeVar("_T")


def _distinct(values: list[_T]) -> list[_T]:
    kept: list[_T] = []
    for value in values:
        if value not in kept:
            kept.append(value)
    return kept


def _choices(max_items: int, description: str) -> Any:
    """A list criterion: at most ``max_items`` values, repeats dropped (keeps each request's work bounded)."""
    return Field(default=[], max_length=max_items, description=f"{description} At most {max_items}; repeats ignored.")


Distinct = AfterValidator(_distinct)


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class Point(_Body):
    lat: float = Field(ge=-90, le=90, description="WGS84 latitude")
    lon: float = Field(ge=-180, le=180, description="WGS84 longitude")


class CircleZone(_Body):
    """Keep out of this circle (e.g. the area where the child is at risk)."""

    lat: float = Field(ge=-90, le=90)
    lon: float = Field(ge=-180, le=180)
    radius_km: float = Field(gt=0, le=MAX_KM)


class MunicipalityZone(_Body):
    """Keep out of this municipality."""

    municipality_code: MunicipalityCode


class CountyZone(_Body):
    """Keep out of this county."""

    county_code: CountyCode


ExclusionZone = CircleZone | MunicipalityZone | CountyZone
SchoolCode = Annotated[str, Field(pattern=r"^\d{8}$", description="A school unit code (skolenhetskod, 8 digits).")]


class FarFrom(_Body):
    """More than ``min_km`` from a place other than the origin: where the child is at risk.

    The place is exactly one of a school, a WGS84 point or a municipality's seat.
    """

    school: SchoolCode | None = None
    point: Point | None = None
    municipality_code: MunicipalityCode | None = None
    min_km: float = Field(gt=0, le=MAX_KM, description="Only providers more than this far from the place.")

    @model_validator(mode="after")
    def _one_place(self) -> FarFrom:
        places = [n for n in ("school", "point", "municipality_code") if getattr(self, n) is not None]
        if len(places) != 1:
            raise ValueError("give exactly one place: school, point or municipality_code")
        return self


class SearchCriteria(_Body):
    q: str | None = Field(
        default=None, max_length=300, description='Swedish free text; "quoted phrases" must match as written.'
    )
    school: SchoolCode | None = Field(default=None, description="Origin: the child's school (skolenhetskod).")
    point: Point | None = Field(default=None, description="Origin: a WGS84 point.")
    municipality_code: MunicipalityCode | None = Field(default=None, description="Origin: a municipality's seat.")
    max_km: Km | None = Field(default=None, description="Only providers at most this far from the origin.")
    min_km: Km | None = Field(default=None, description="Only providers more than this far from the origin.")
    far_from: FarFrom | None = Field(
        default=None, description="More than min_km from a place that is not the origin (where the child is at risk)."
    )
    exclude: Annotated[list[ExclusionZone], Distinct] = Field(
        default=[], max_length=20, description="Zones no provider may lie in. At most 20; repeats ignored."
    )
    needs: Annotated[list[TargetGroup], Distinct] = _choices(
        len(TargetGroup),
        "The child's needs: a provider must list all of them; drives the permit check.",
    )
    provider_types: Annotated[list[ProviderType], Distinct] = _choices(
        len(ProviderType), "Facet selection: any of these."
    )
    target_groups: Annotated[list[TargetGroup], Distinct] = _choices(len(TargetGroup), "Facet selection: any of these.")
    age: Age | None = Field(default=None, description="The child's age: within the provider's age range.")
    gender: Gender | None = Field(default=None, description="The child's gender group; 'alla' for non-binary.")
    legal_bases: Annotated[list[LegalBasis], Distinct] = _choices(len(LegalBasis), "Facet selection: any of these.")
    assignments: Annotated[list[Assignment], Distinct] = _choices(len(Assignment), "Facet selection: any of these.")
    methods: Annotated[list[Method], Distinct] = _choices(len(Method), "Facet selection: any of these.")
    languages: Annotated[list[LanguageCode], Distinct] = _choices(
        MAX_LANGUAGES, "Facet selection (ISO 639 codes): any of these."
    )
    ownership: Annotated[list[Ownership], Distinct] = _choices(len(Ownership), "Facet selection: any of these.")
    municipality_codes: Annotated[list[MunicipalityCode], Distinct] = _choices(
        MAX_MUNICIPALITIES, "Facet selection (SCB kommunkod): any of these."
    )
    county_codes: Annotated[list[CountyCode], Distinct] = _choices(
        MAX_COUNTIES, "Facet selection (SCB länskod): any of these."
    )
    framework_agreements: Annotated[list[Annotated[str, Field(min_length=1, max_length=200)]], Distinct] = _choices(
        MAX_FRAMEWORK_AGREEMENTS, "Facet selection: any of these framework agreements."
    )
    has_vacancy: bool | None = Field(
        default=None, description="true: only homes with free places confirmed within the TTL (status 'ja')."
    )
    vacancy_status: Annotated[list[VacancyStatus], Distinct] = _choices(
        3, "Facet selection: any of ja, nej, okänd (computed at search time from the TTL)."
    )
    max_price_per_day: int | None = Field(default=None, ge=0, le=1_000_000)
    permit_valid: bool = Field(
        default=True, description="true: leave out providers whose IVO permit is revoked; false: include them."
    )
    permit_covers_needs: bool = Field(
        default=False,
        description="true: only homes whose IVO permit covers every need (needs and target_groups) and the age, "
        "or that need no permit. Whatever its value, covered homes rank before the others.",
    )
    facets: Annotated[list[FacetName], Distinct] = Field(
        default=list(DEFAULT_FACETS), max_length=13, description="Facets to count. At most 13; repeats ignored."
    )
    sort: SortOrder = "relevance"
    page: int = Field(default=1, ge=1, le=500)
    size: int = Field(default=20, ge=1, le=100)

    @model_validator(mode="after")
    def _coherent(self) -> SearchCriteria:
        origins = [n for n in ("school", "point", "municipality_code") if getattr(self, n) is not None]
        if len(origins) > 1:
            raise ValueError(f"give at most one origin (school, point or municipality_code); got {', '.join(origins)}")
        needs_origin = [n for n in ("max_km", "min_km") if getattr(self, n) is not None]
        if self.sort == "distance":
            needs_origin.append("sort=distance")
        if needs_origin and not origins:
            raise ValueError(f"{', '.join(needs_origin)} needs an origin: school, point or municipality_code")
        if self.max_km is not None and self.min_km is not None and self.max_km <= self.min_km:
            raise ValueError("max_km must be greater than min_km; swap them or drop one")
        return self

    @property
    def permit_needs(self) -> tuple[str, ...]:
        """Everything said about the child's needs, however it was said: the permit must cover all of it."""
        return tuple(sorted({str(n) for n in self.needs} | {str(t) for t in self.target_groups}))

    @property
    def has_origin(self) -> bool:
        return self.school is not None or self.point is not None or self.municipality_code is not None
