"""Place search for the box's "far from" and exclusion-zone pickers: municipalities, counties, schools.

Every place here is public (a municipality's seat, a county, a school in Skolverket's register), so
positions may be returned; the typed text travels in a POST body like every other criterion.
"""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from core.geography import counties, municipalities
from search_api.deps import RoleDep, SchoolsDep

router = APIRouter(prefix="/v1/places", tags=["places"])


class PlaceQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    q: str = Field(min_length=1, max_length=100, description="Start of a municipality, county or school name.")
    limit: int = Field(default=10, ge=1, le=30)


class Place(BaseModel):
    kind: Literal["municipality", "county", "school"]
    code: str = Field(description="SCB municipality or county code, or the school unit code.")
    name: str
    detail: str = Field(description="Where it is, in Swedish: the county of a municipality, a school's municipality.")
    lat: float = Field(description="WGS84: a municipality's seat, a county's seats averaged, a school's position.")
    lon: float


def _starts_a_word(text: str, needle: str) -> bool:
    return any(word.startswith(needle) for word in text.lower().replace("-", " ").split())


def find_places(q: str, limit: int, schools: SchoolsDep) -> list[Place]:
    needle = q.strip().lower()
    county_names = {code: county.name for code, county in counties().items()}
    found: list[Place] = []
    for code, m in municipalities().items():
        if _starts_a_word(m.name, needle):
            found.append(
                Place(
                    kind="municipality",
                    code=code,
                    name=f"{m.name} kommun",
                    detail=county_names[m.county_code],
                    lat=m.lat,
                    lon=m.lon,
                )
            )
    for code, name in county_names.items():
        if _starts_a_word(name, needle):
            seats = [m for m in municipalities().values() if m.county_code == code]
            lat = sum(m.lat for m in seats) / len(seats)
            lon = sum(m.lon for m in seats) / len(seats)
            found.append(Place(kind="county", code=code, name=name, detail="län", lat=lat, lon=lon))
    for school in schools.search(q, limit):
        found.append(
            Place(
                kind="school",
                code=school.code,
                name=school.name,
                detail=f"skola i {school.municipality}",
                lat=school.lat,
                lon=school.lon,
            )
        )
    return found[:limit]


@router.post("/search", response_model=list[Place], summary="Find a municipality, county or school by name")
async def search_places(body: PlaceQuery, _role: RoleDep, schools: SchoolsDep) -> list[Place]:
    return find_places(body.q, body.limit, schools)
