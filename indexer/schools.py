"""Reading Skolverket's school register (Skolenhetsregistret) for ``load-schools``.

Each school unit has an 8-digit code, a name, a municipality code and SWEREF 99 TM coordinates;
they are converted to WGS84 once here. A school code is a locator for a protected child, so it is
never logged.
"""

from __future__ import annotations

from pathlib import Path

import orjson
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from core.geography import municipalities, sweref99tm_to_wgs84
from core.records import MunicipalityCode, Sweref99TM
from core.schools import School
from indexer.source import RecordProblem, problems_from, read_lines


class SchoolUnit(BaseModel):
    """One line of the register export; the register publishes more fields, which are ignored."""

    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)

    school_unit_code: str = Field(pattern=r"^\d{8}$")
    name: str = Field(min_length=1)
    municipality_code: MunicipalityCode
    sweref99tm: Sweref99TM


def read_school_register(path: Path) -> tuple[list[School], list[RecordProblem]]:
    schools: list[School] = []
    problems: list[RecordProblem] = []
    for number, raw in read_lines(path):
        try:
            unit = SchoolUnit.model_validate(orjson.loads(raw))
        except orjson.JSONDecodeError as exc:
            problems.append(RecordProblem(str(path), number, None, "(line)", f"not valid JSON ({exc})"))
            continue
        except ValidationError as exc:
            problems.extend(problems_from(str(path), number, None, exc))
            continue
        lat, lon = sweref99tm_to_wgs84(unit.sweref99tm.northing, unit.sweref99tm.easting)
        schools.append(
            School(
                code=unit.school_unit_code,
                name=unit.name,
                municipality_code=unit.municipality_code,
                municipality=municipalities()[unit.municipality_code].name,
                lat=round(lat, 6),
                lon=round(lon, 6),
            )
        )
    return schools, problems
