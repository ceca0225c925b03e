"""The school register: caseworkers pick the child's school by name, the search measures from it.

``load-schools`` (``indexer.schools``) converts Skolverket's register to WGS84 once and keeps it in
the data dir; both sides read it from there. A school code is a locator for a protected child, so it is never logged.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
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
    _loaded.pop(str(path), None)  # this process reads the new register at once


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


# How long a loaded register is served before its file is looked at again (one ``stat``): a search
# naming a school asked the file every time, for a register that changes a few times a year.
RECHECK_S = 1.0


@dataclass(slots=True)
class _Loaded:
    register: SchoolRegister
    mtime_ns: int
    checked_at: float


_loaded: dict[str, _Loaded] = {}


def school_register(path: Path) -> SchoolRegister:
    """The register as last loaded. A new ``load-schools`` is picked up without a restart: by this
    process at once (``save_schools`` forgets the loaded one), by any other within ``RECHECK_S``
    seconds (the file's modification time is looked at no more often than that)."""
    key = str(path)
    now = time.monotonic()
    loaded = _loaded.get(key)
    if loaded is not None and now - loaded.checked_at < RECHECK_S:
        return loaded.register
    try:
        mtime_ns = os.stat(key).st_mtime_ns
    except FileNotFoundError:
        mtime_ns = 0
    if loaded is None or loaded.mtime_ns != mtime_ns:
        loaded = _Loaded(SchoolRegister.load(path), mtime_ns, now)
        if len(_loaded) >= 4:  # tests read many data dirs; a server reads one
            _loaded.pop(next(iter(_loaded)), None)
        _loaded[key] = loaded
    loaded.checked_at = now
    return loaded.register
