"""The school register as the query side reads it: cached, and a new register noticed within a bound."""

from __future__ import annotations

import time
from pathlib import Path

import orjson

from core import schools
from core.schools import School, save_schools, school_register


def _school(code: str, name: str) -> School:
    return School(code=code, name=name, municipality_code="0780", municipality="Växjö", lat=56.88, lon=14.8)


def test_a_register_written_by_this_process_is_read_at_once(tmp_path: Path) -> None:
    path = tmp_path / "schools.json"
    assert len(school_register(path)) == 0  # no register yet: an empty one
    save_schools(path, [_school("11111111", "Norrskolan")])
    assert school_register(path).get("11111111") is not None
    save_schools(path, [_school("22222222", "Söderskolan")])
    register = school_register(path)
    assert register.get("22222222") is not None and register.get("11111111") is None
    assert school_register(path) is register  # served from memory, not read again


def test_a_register_written_by_another_process_is_read_within_the_bound(tmp_path: Path) -> None:
    path = tmp_path / "schools.json"
    save_schools(path, [_school("11111111", "Norrskolan")])
    assert school_register(path).get("11111111") is not None
    # As another process's load-schools writes it: not through this module, so nothing is forgotten.
    replacement = tmp_path / "new.json"
    replacement.write_bytes(orjson.dumps([_school("22222222", "Söderskolan").model_dump()]))
    replacement.replace(path)
    deadline = time.monotonic() + schools.RECHECK_S + 5  # generous: the bound is RECHECK_S
    while school_register(path).get("22222222") is None:
        assert time.monotonic() < deadline, "the new register was not read within the bound"
        time.sleep(0.05)
    assert school_register(path).get("11111111") is None
