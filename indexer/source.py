"""Reading register exports: every line becomes a document, a tombstone, or a reported problem.

A bad line never stops the read; it is reported with its file, line, field and reason, so the good
records are indexed and the register knows exactly what to fix. Every problem of a line is reported
in one pass. A report never repeats what the line holds: a record's id is shown as a short hash
(the line number finds the record), because a register may put a family's name or address in any
field, the id included.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson
from pydantic import ValidationError

from core.documents import IndexedProvider
from core.errors import RecordRejected
from core.records import SOURCE_LINE, Provider, Tombstone, consistency_problems, id_hash
from core.writing import Deletion
from indexer.geocoding import AddressGeocoder
from indexer.normalise import to_document


@dataclass(frozen=True, slots=True)
class RecordProblem:
    """One bad record: where it is, which field, and what is wrong with it."""

    source: str
    line: int
    record_id: str | None
    field: str
    reason: str

    def __str__(self) -> str:
        who = f" (id #{id_hash(self.record_id)})" if self.record_id else ""
        return f"{self.source}:{self.line}{who}: {self.field}: {self.reason}"


UTF8_BOM = b"\xef\xbb\xbf"
# A field name is shown only if it could be one of ours: an unknown key is still what the line holds.
_FIELD_NAME = re.compile(r"^[a-z][a-z0-9_]{0,39}$")


@dataclass(frozen=True, slots=True)
class SourceLineResult:
    line: int
    document: IndexedProvider | None = None
    deletion: Deletion | None = None
    problems: tuple[RecordProblem, ...] = ()


def _field_of(loc: tuple[int | str, ...]) -> str:
    # pydantic puts the union tag ("provider"/"tombstone") first; the register does not know about it.
    parts = [str(p) for p in loc if p not in ("provider", "tombstone")]
    parts = [p if isinstance(p, int) or _FIELD_NAME.match(p) or p.isdigit() else "(unknown field)" for p in parts]
    return ".".join(parts) or "(record)"


def problems_from(source: str, line: int, record_id: str | None, error: ValidationError) -> tuple[RecordProblem, ...]:
    found = []
    for err in error.errors(include_url=False):
        reason = str(err["msg"]).removeprefix("Value error, ")
        found.append(RecordProblem(source, line, record_id, _field_of(err["loc"]), reason))
    return tuple(found)


def read_lines(path: Path) -> Iterator[tuple[int, bytes]]:
    """Every non-empty line with its number; a UTF-8 byte order mark (as Windows tools write) is dropped."""
    with path.open("rb") as f:
        for number, raw in enumerate(f, start=1):
            if number == 1 and raw.startswith(UTF8_BOM):
                raw = raw[len(UTF8_BOM) :]
            if raw.strip():
                yield number, raw


def _checks_across_fields(
    source: str, line: int, record_id: str | None, data: Any, failed: tuple[RecordProblem, ...]
) -> list[RecordProblem]:
    """The whole-record checks pydantic skips once a field failed, so one pass reports everything.

    Only fields that passed on their own take part: a bad municipality code is one problem, not two.
    """
    if not isinstance(data, dict) or data.get("deleted") is True:
        return []
    bad_fields = {p.field.split(".", 1)[0] for p in failed}
    valid = {k: v for k, v in data.items() if k not in bad_fields}
    return [RecordProblem(source, line, record_id, field, reason) for field, reason in consistency_problems(valid)]


def parse_line(source: str, number: int, raw: bytes, geocoder: AddressGeocoder | None) -> SourceLineResult:
    try:
        data = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        problem = RecordProblem(source, number, None, "(line)", f"not valid JSON ({exc}); each line must be one object")
        return SourceLineResult(number, problems=(problem,))
    record_id = data.get("id") if isinstance(data, dict) and isinstance(data.get("id"), str) else None
    try:
        record = SOURCE_LINE.validate_python(data)
    except ValidationError as exc:
        problems = problems_from(source, number, record_id, exc)
        more = _checks_across_fields(source, number, record_id, data, problems)
        return SourceLineResult(number, problems=problems + tuple(more))
    if isinstance(record, Tombstone):
        return SourceLineResult(number, deletion=Deletion(record.id, record.updated_at))
    assert isinstance(record, Provider)
    try:
        return SourceLineResult(number, document=to_document(record, geocoder))
    except RecordRejected as exc:
        return SourceLineResult(number, problems=(RecordProblem(source, number, record_id, exc.field, exc.reason),))


def read_source(paths: Iterable[Path], geocoder: AddressGeocoder | None) -> Iterator[SourceLineResult]:
    """Every non-empty line of every file, parsed, validated and normalised, in file order."""
    for path in paths:
        for number, raw in read_lines(path):
            yield parse_line(str(path), number, raw, geocoder)
