"""Reading register exports: every line becomes a document, a tombstone, or a reported problem.

A bad line never stops the read; it is reported with its file, line, field and reason, so the good
records are indexed and the register knows exactly what to fix.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import orjson
from pydantic import ValidationError

from core.documents import IndexedProvider
from core.errors import RecordRejected
from core.records import SOURCE_LINE, Provider, Tombstone
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
        who = f" (id {self.record_id})" if self.record_id else ""
        return f"{self.source}:{self.line}{who}: {self.field}: {self.reason}"


@dataclass(frozen=True, slots=True)
class SourceLineResult:
    line: int
    document: IndexedProvider | None = None
    deletion: Deletion | None = None
    problems: tuple[RecordProblem, ...] = ()


def _field_of(loc: tuple[int | str, ...]) -> str:
    # pydantic puts the union tag ("provider"/"tombstone") first; the register does not know about it.
    parts = [str(p) for p in loc if p not in ("provider", "tombstone")]
    return ".".join(parts) or "(record)"


def problems_from(source: str, line: int, record_id: str | None, error: ValidationError) -> tuple[RecordProblem, ...]:
    found = []
    for err in error.errors(include_url=False):
        reason = str(err["msg"]).removeprefix("Value error, ")
        field = _field_of(err["loc"])
        # A whole-record check (age_min above age_max) names its field first in its message.
        first_word = reason.split(" ", 1)[0]
        if field == "(record)" and first_word in Provider.model_fields:
            field = first_word
        found.append(RecordProblem(source, line, record_id, field, reason))
    return tuple(found)


def read_lines(path: Path) -> Iterator[tuple[int, bytes]]:
    with path.open("rb") as f:
        for number, raw in enumerate(f, start=1):
            if raw.strip():
                yield number, raw


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
        return SourceLineResult(number, problems=problems_from(source, number, record_id, exc))
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
