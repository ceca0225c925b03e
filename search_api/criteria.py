"""What a caseworker asks for: the body of ``POST /v1/providers/search``.

Validation here is the API's contract: every rejection names the field and what was expected. The
criteria describe a child (needs, age, school), so they only ever travel in a POST body and are never
logged.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from core.records import Age, CountyCode, LanguageCode, MunicipalityCode
from core.vocabularies import (
    Assignment,
    Gender,
    LegalBasis,
    Method,
    Ownership,
    ProviderType,
    TargetGroup,
)

FacetName = Literal[
    "provider_type",
    "target_groups",
    "methods",
    "languages",
    "county_code",
    "municipality_code",
    "has_vacancy",
    "ownership",
    "legal_bases",
    "assignments",
    "framework_agreements",
    "genders",
]
DEFAULT_FACETS: tuple[FacetName, ...] = (
    "provider_type",
    "target_groups",
    "methods",
    "languages",
    "county_code",
    "has_vacancy",
)
SortOrder = Literal["relevance", "distance", "price", "vacancies_updated"]
MAX_KM = 2000.0
Km = Annotated[float, Field(ge=0, le=MAX_KM)]


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
    exclude: list[ExclusionZone] = Field(default=[], max_length=20, description="Zones no provider may lie in.")
    needs: list[TargetGroup] = Field(
        default=[], description="The child's needs: a provider must list all of them; drives the permit check."
    )
    provider_types: list[ProviderType] = []
    target_groups: list[TargetGroup] = Field(default=[], description="Facet selection: any of these.")
    age: Age | None = Field(default=None, description="The child's age: within the provider's age range.")
    gender: Gender | None = Field(default=None, description="The child's gender group; 'alla' for non-binary.")
    legal_bases: list[LegalBasis] = []
    assignments: list[Assignment] = []
    methods: list[Method] = []
    languages: list[LanguageCode] = []
    ownership: list[Ownership] = []
    municipality_codes: list[MunicipalityCode] = []
    county_codes: list[CountyCode] = []
    framework_agreements: list[Annotated[str, Field(min_length=1, max_length=200)]] = []
    has_vacancy: bool | None = None
    max_price_per_day: int | None = Field(default=None, ge=0, le=1_000_000)
    permit_valid: bool = Field(
        default=True, description="true: leave out providers whose IVO permit is revoked; false: include them."
    )
    permit_covers_needs: bool = Field(
        default=False,
        description="true: only homes whose IVO permit covers every need (needs and target_groups) and the age, "
        "or that need no permit. Whatever its value, covered homes rank before the others.",
    )
    facets: list[FacetName] = Field(default=list(DEFAULT_FACETS), max_length=12)
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
            raise ValueError(f"max_km ({self.max_km}) must be greater than min_km ({self.min_km})")
        return self

    @property
    def permit_needs(self) -> tuple[str, ...]:
        """Everything said about the child's needs, however it was said: the permit must cover all of it."""
        return tuple(sorted({str(n) for n in self.needs} | {str(t) for t in self.target_groups}))

    @property
    def has_origin(self) -> bool:
        return self.school is not None or self.point is not None or self.municipality_code is not None
