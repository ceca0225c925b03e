"""School autocomplete: caseworkers know the child's school by name."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, Field

from core.schools import School
from search_api.deps import RoleDep, SchoolsDep

router = APIRouter(prefix="/v1/schools", tags=["schools"])


class SchoolQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")

    q: str = Field(min_length=1, max_length=100, description="Start of a school name, or of its code.")
    limit: int = Field(default=10, ge=1, le=50)


class SchoolMatch(BaseModel):
    code: str
    name: str
    municipality_code: str
    municipality: str
    lat: float = Field(description="WGS84, from Skolverket's register (public): the box's map draws the school.")
    lon: float


def _matches(schools: list[School]) -> list[SchoolMatch]:
    return [
        SchoolMatch(
            code=s.code,
            name=s.name,
            municipality_code=s.municipality_code,
            municipality=s.municipality,
            lat=s.lat,
            lon=s.lon,
        )
        for s in schools
    ]


@router.get("", response_model=list[SchoolMatch], summary="Find a school by name or code")
async def find_schools(
    q: Annotated[str, Query(min_length=1, max_length=100)],
    _role: RoleDep,
    schools: SchoolsDep,
    limit: Annotated[int, Query(ge=1, le=50)] = 10,
) -> list[SchoolMatch]:
    return _matches(schools.search(q, limit))


@router.post(
    "/search",
    response_model=list[SchoolMatch],
    summary="Find a school by name or code (POST: the name stays out of URLs and proxy logs)",
)
async def find_schools_post(body: SchoolQuery, _role: RoleDep, schools: SchoolsDep) -> list[SchoolMatch]:
    return _matches(schools.search(body.q, body.limit))
