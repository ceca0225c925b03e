"""The school register: caseworkers pick the child's school by name, the search measures from it.

``load-schools`` (``indexer.schools``) converts Skolverket's register to WGS84 once and keeps it in
the data dir; both sides read it from there. A school code is a locator for a protected child, so it is never logged.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import orjson
from pydantic import BaseModel, ConfigDict

from core.atomic_files import write_json_atomically


class School(BaseModel):
    """A school as the query side uses it."""

    model_config = ConfigDict(frozen=True)

    code: str
    name: str
    municipality_code: str
    municipality: str
    lat: float
    lon: float


def save_schools(path: Path, schools: list[School]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    write_json_atomically(path, [s.model_dump() for s in sorted(schools, key=lambda s: s.code)])


class SchoolRegister:
    """The loaded register, looked up by code and searched by name."""

    def __init__(self, schools: list[School]) -> None:
        self._by_code = {s.code: s for s in schools}
        self._names = [(s.name.lower(), s) for s in schools]

    @classmethod
    def load(cls, path: Path) -> SchoolRegister:
        if not path.exists():
            return cls([])
        return cls([School.model_validate(s) for s in orjson.loads(path.read_bytes())])

    def __len__(self) -> int:
        return len(self._by_code)

    def all(self) -> list[School]:
        return sorted(self._by_code.values(), key=lambda s: s.code)

    def get(self, code: str) -> School | None:
        return self._by_code.get(code)

    def search(self, text: str, limit: int = 10) -> list[School]:
        """Schools whose code starts with the text, or whose name has a word starting with it."""
        needle = " ".join(text.lower().split())
        if not needle:
            return []
        if needle.isdigit():
            return sorted((s for c, s in self._by_code.items() if c.startswith(needle)), key=lambda s: s.code)[:limit]
        starts, contains = [], []
        for name, school in self._names:
            if name.startswith(needle):
                starts.append(school)
            elif needle in name:
                contains.append(school)
        ranked = sorted(starts, key=lambda s: s.name) + sorted(contains, key=lambda s: s.name)
        return ranked[:limit]


@lru_cache(maxsize=4)
def _cached_register(path: str, mtime: float) -> SchoolRegister:
    return SchoolRegister.load(Path(path))


def school_register(path: Path) -> SchoolRegister:
    """The register as last loaded; a new ``load-schools`` is picked up without a restart."""
    try:
        mtime = path.stat().st_mtime
    except FileNotFoundError:
        mtime = 0.0
    return _cached_register(str(path), mtime)
