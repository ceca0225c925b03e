"""The caseworkers' audit log: who opened or was shown which homes, and when; never what was asked.

Swedish social services review monthly which caseworkers looked at which placements. Each entry
holds the subject and organisation of the caller, the time (UTC), the route, the answer's status
and the ids of the providers opened or returned on the page. Never the criteria: a search's needs,
school, zones or free text describe a child and stay out of this file as out of every log.

Entries are JSON lines appended to ``<data_dir>/audit/audit-YYYY-MM.jsonl`` (one file a month, so a
review reads one file and retention is a file deletion), opened append-only, one ``write`` per
entry, separate from the access log. The API writes; ``placeringssok audit`` reads.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from dataclasses import fields as dataclass_fields
from datetime import UTC, date, datetime
from pathlib import Path

import orjson

from core.errors import AuditUnavailable

FILE_PATTERN = "audit-*.jsonl"
_APPEND = os.O_WRONLY | os.O_APPEND | os.O_CREAT


@dataclass(frozen=True, slots=True)
class AuditEntry:
    subject: str
    organisation: str | None
    route: str
    method: str
    status: int
    providers: list[str]
    via: str = "token"
    at: str = field(default_factory=lambda: datetime.now(UTC).isoformat(timespec="seconds"))

    @property
    def moment(self) -> datetime:
        return datetime.fromisoformat(self.at)


_FIELDS = tuple(f.name for f in dataclass_fields(AuditEntry))


class AuditLog:
    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self._paths: dict[str, Path] = {}

    def _file(self, at: str) -> Path:
        """The month's file of an entry's ``at`` (ISO 8601: its first seven characters are the
        month, as the entry's own offset says); the paths are kept, one a month."""
        month = at[:7]
        path = self._paths.get(month)
        if path is None:
            path = self._paths[month] = self.directory / f"audit-{month}.jsonl"
        return path

    def append(self, entry: AuditEntry) -> None:
        """Write one entry before the request is answered: one ``write`` of one line on a descriptor
        opened for it, so an acknowledged entry is in the file (the kernel's) whatever happens to the
        process next, and a deleted or replaced file is made again by the next entry."""
        # The fields by name, not ``asdict``: that deep-copies the provider list of every search.
        # orjson writes the compact, non-ASCII-escaping JSON ``json.dumps`` wrote, in a sixth of the time.
        fields = {name: getattr(entry, name) for name in _FIELDS}
        try:
            line = orjson.dumps(fields) + b"\n"
        except orjson.JSONEncodeError:  # a lone surrogate in a token's subject: written escaped
            line = (json.dumps(fields, separators=(",", ":")) + "\n").encode()
        path = self._file(entry.at)
        try:
            try:
                descriptor = os.open(path, _APPEND, 0o600)
            except FileNotFoundError:
                # The folder is made when missing, not checked before every entry (every search writes one).
                self.directory.mkdir(parents=True, exist_ok=True)
                descriptor = os.open(path, _APPEND, 0o600)
            try:
                # One write of one line: entries from several workers never interleave.
                os.write(descriptor, line)
            finally:
                os.close(descriptor)
        except OSError as exc:
            raise AuditUnavailable(
                f"the audit log in {self.directory} cannot be written ({exc.strerror}); "
                "free disk space or fix its permissions"
            ) from exc

    def entries(self, since: date, subject: str | None = None) -> Iterator[AuditEntry]:
        """Entries at or after the start of ``since`` (UTC), oldest first, optionally for one subject."""
        start = datetime(since.year, since.month, since.day, tzinfo=UTC)
        first_file = f"audit-{start:%Y-%m}.jsonl"
        for path in sorted(self.directory.glob(FILE_PATTERN)):
            if path.name < first_file:
                continue
            with path.open(encoding="utf-8") as lines:
                for line in lines:
                    if not line.strip():
                        continue
                    entry = AuditEntry(**json.loads(line))
                    if entry.moment >= start and (subject is None or entry.subject == subject):
                        yield entry
