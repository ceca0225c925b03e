"""The provider record: the one ingest schema that register exports are validated against.

A JSON Lines export holds one ``Provider`` or one ``Tombstone`` per line. ``placeringssok schema``
prints the JSON Schema of ``SourceLine`` so source systems can validate before they send.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from datetime import date
from functools import lru_cache
from typing import Annotated, Any, Literal

import pycountry
from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    Tag,
    TypeAdapter,
    ValidationError,
    model_validator,
)
from pydantic_core import InitErrorDetails, PydanticCustomError

from core.geography import county_codes, municipalities
from core.vocabularies import (
    Assignment,
    Gender,
    InspectionCategory,
    InspectionDecision,
    LegalBasis,
    Method,
    Ownership,
    PermitStatus,
    ProviderType,
    TargetGroup,
)


class _Strict(BaseModel):
    # Unknown fields are errors: a typo in an export ("vacancy" for "vacancies") must not pass silently.
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, frozen=True)


@lru_cache(maxsize=512)
def _is_language(code: str) -> bool:
    if len(code) == 2:
        return pycountry.languages.get(alpha_2=code) is not None
    return pycountry.languages.get(alpha_3=code) is not None


def _check_language(code: str) -> str:
    if not _is_language(code):
        raise ValueError("not an ISO 639-1 (or 639-3) language code; use one such as 'sv', 'ar' or 'prs'")
    return code


def _check_municipality(code: str) -> str:
    if code not in municipalities():
        raise ValueError("not one of Sweden's 290 municipality codes; use an SCB kommunkod such as '0780'")
    return code


def _check_county(code: str) -> str:
    if code not in county_codes():
        raise ValueError("not a county code; use an SCB länskod: 01, 03-10, 12-14, 17-25")
    return code


LanguageCode = Annotated[str, Field(pattern=r"^[a-z]{2,3}$"), AfterValidator(_check_language)]
MunicipalityCode = Annotated[str, Field(pattern=r"^\d{4}$"), AfterValidator(_check_municipality)]
CountyCode = Annotated[str, Field(pattern=r"^\d{2}$"), AfterValidator(_check_county)]
Age = Annotated[int, Field(ge=0, le=25)]
ProviderId = Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$")]


class Sweref99TM(_Strict):
    """A point in SWEREF 99 TM (EPSG:3006), as Swedish authorities publish it."""

    northing: float = Field(ge=6_100_000, le=7_700_000)
    easting: float = Field(ge=200_000, le=1_000_000)


class Location(_Strict):
    """Exactly one of: WGS84 ``lat``/``lon``, ``sweref99tm``, or a street ``address`` to geocode."""

    lat: float | None = Field(default=None, ge=-90, le=90)
    lon: float | None = Field(default=None, ge=-180, le=180)
    sweref99tm: Sweref99TM | None = None
    address: str | None = Field(default=None, min_length=3)

    @model_validator(mode="after")
    def _one_form(self) -> Location:
        has_point = self.lat is not None or self.lon is not None
        if has_point + (self.sweref99tm is not None) + (self.address is not None) == 1:
            if has_point and (self.lat is None or self.lon is None):
                raise ValueError("a WGS84 location needs both lat and lon")
            return self
        forms = [
            name
            for name, given in (
                ("lat/lon", has_point),
                ("sweref99tm", self.sweref99tm is not None),
                ("address", self.address is not None),
            )
            if given
        ]
        raise ValueError(
            "give exactly one location form: {lat, lon}, {sweref99tm: {northing, easting}} or {address}; "
            f"got {' and '.join(forms) or 'none'}"
        )


class IvoPermit(_Strict):
    id: str = Field(min_length=1)
    status: PermitStatus
    target_groups: list[TargetGroup] = []
    age_min: Age | None = None
    age_max: Age | None = None
    places: int | None = Field(default=None, ge=0)

    @model_validator(mode="after")
    def _ages_ordered(self) -> IvoPermit:
        if self.age_min is not None and self.age_max is not None and self.age_min > self.age_max:
            raise ValueError("ivo_permit age_min is above age_max; give the youngest age first")
        return self


class Inspection(_Strict):
    date: date
    decision: InspectionDecision
    categories: list[InspectionCategory] = []


class Provider(_Strict):
    """One placement provider as a register exports it."""

    id: ProviderId
    name: str = Field(min_length=1, max_length=200)
    provider_type: ProviderType
    organization: str | None = None
    ownership: Ownership
    description: str = ""
    target_groups: list[TargetGroup] = []
    age_min: Age
    age_max: Age
    genders: list[Gender] = Field(min_length=1)
    legal_bases: list[LegalBasis] = []
    assignments: list[Assignment] = []
    methods: list[Method] = []
    languages: list[LanguageCode] = []
    capacity: int = Field(ge=0)
    vacancies: int = Field(ge=0)
    vacancies_updated_at: AwareDatetime | None = None
    price_per_day_sek: int | None = Field(default=None, ge=0)
    ivo_permit: IvoPermit | None = None
    inspections: list[Inspection] = []
    framework_agreements: list[str] = []
    municipality_code: MunicipalityCode
    municipality: str = Field(min_length=1)
    county_code: CountyCode
    location: Location
    address: str | None = None
    phone: str | None = None
    email: str | None = None
    website: str | None = None
    updated_at: AwareDatetime
    deleted: Literal[False] = False

    @model_validator(mode="after")
    def _consistent(self) -> Provider:
        problems = consistency_problems(self.model_dump(include=set(CROSS_CHECKED)))
        if problems:
            details = [
                InitErrorDetails(type=PydanticCustomError("inconsistent", reason), loc=(field,), input=None)
                for field, reason in problems
            ]
            raise ValidationError.from_exception_data(type(self).__name__, details)
        return self


# The fields the checks across fields read; each must be valid on its own for its checks to run.
CROSS_CHECKED: dict[str, str] = {
    "age_min": r"age",
    "age_max": r"age",
    "vacancies": r"count",
    "capacity": r"count",
    "municipality_code": r"^\d{4}$",
    "county_code": r"^\d{2}$",
}


def _valid_alone(field: str, value: object) -> bool:
    kind = CROSS_CHECKED[field]
    if kind in ("age", "count"):
        return isinstance(value, int) and not isinstance(value, bool) and value >= 0
    return isinstance(value, str) and re.fullmatch(kind, value) is not None


def consistency_problems(values: Mapping[str, object]) -> list[tuple[str, str]]:
    """(field, reason) for every check across fields that fails, on the fields valid on their own.

    The model runs these once every field is valid; the indexer also runs them on a record whose
    fields failed, so one pass reports every problem of a record. Reasons never hold the values.
    """
    ok = {f: values[f] for f in CROSS_CHECKED if f in values and _valid_alone(f, values[f])}
    problems: list[tuple[str, str]] = []
    if {"age_min", "age_max"} <= ok.keys() and ok["age_min"] > ok["age_max"]:  # type: ignore[operator]
        problems.append(("age_min", "age_min is above age_max; give the youngest age first"))
    if {"vacancies", "capacity"} <= ok.keys() and ok["vacancies"] > ok["capacity"]:  # type: ignore[operator]
        problems.append(("vacancies", "vacancies exceed capacity; at most capacity places can be free"))
    if {"municipality_code", "county_code"} <= ok.keys() and str(ok["municipality_code"])[:2] != ok["county_code"]:
        problems.append(
            ("county_code", "county_code does not match municipality_code; its first two digits are the county")
        )
    return problems


class Tombstone(_Strict):
    """A deletion: the provider with this id is gone as of ``updated_at``."""

    id: ProviderId
    deleted: Literal[True]
    updated_at: AwareDatetime


def _line_kind(value: object) -> str:
    if isinstance(value, dict):
        return "tombstone" if value.get("deleted") is True else "provider"
    return "tombstone" if isinstance(value, Tombstone) else "provider"


# A callable discriminator, because provider lines usually omit "deleted" altogether.
SourceLine = Annotated[
    Annotated[Provider, Tag("provider")] | Annotated[Tombstone, Tag("tombstone")],
    Discriminator(_line_kind),
]
SOURCE_LINE: TypeAdapter[Provider | Tombstone] = TypeAdapter(SourceLine)


def id_hash(record_id: str) -> str:
    """A short, stable stand-in for a record's id in reports and errors: the register can match it,
    and a reader learns nothing (an id field may hold anything, a family's name included)."""
    return hashlib.sha256(record_id.encode("utf-8")).hexdigest()[:10]


def source_line_json_schema() -> dict[str, Any]:
    schema = SOURCE_LINE.json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "Placeringssök provider record (one JSON Lines line)"
    return schema


__all__ = [
    "SOURCE_LINE",
    "Inspection",
    "IvoPermit",
    "Location",
    "Provider",
    "Sweref99TM",
    "Tombstone",
    "consistency_problems",
    "id_hash",
    "source_line_json_schema",
]
