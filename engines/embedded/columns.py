"""The column store: one numpy array per filterable field, one row per indexed document.

tantivy answers "which documents match these Swedish words, how well"; geo filters, exact facet
counts and sorting run here, vectorised, the way Elasticsearch uses doc values. Rows are only ever
appended; a replaced or deleted document's row is marked dead, and the tantivy document carries its
row number so text hits join to columns.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from operator import itemgetter
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
from numpy.typing import NDArray

from core.documents import IndexedProvider
from core.facets import FACETS
from core.permits import permit_required

# The facets' fields, in the registry's order (the tantivy schema's too). Single-valued keyword
# fields are stored as int codes into a value list; multi-valued ones as a boolean matrix, one
# column per value.
KEYWORD_FIELDS: tuple[str, ...] = tuple(facet.field for facet in FACETS if facet.kind == "keyword")
MULTI_FIELDS: tuple[str, ...] = tuple(facet.field for facet in FACETS if facet.kind == "multi")
_FACET_FIELDS = (*KEYWORD_FIELDS, *MULTI_FIELDS)
# One C call per document; a tuple as long as there are two facets or more.
_facet_values = itemgetter(*_FACET_FIELDS)
# The permit's own scope, for the permit tier and filter (``PermitCovers``); columns only.
PERMIT_GROUPS = "permit_target_groups"
_STORED_MULTI: tuple[str, ...] = (*MULTI_FIELDS, PERMIT_GROUPS)
_NUMBER_FIELDS: tuple[str, ...] = (
    "permit_age_min",
    "permit_age_max",
    "lat",
    "lon",
    "age_min",
    "age_max",
    "capacity",
    "vacancies",
    "price_per_day_sek",
    "vacancies_updated_at",
    "updated_at",
)
_FLAG_FIELDS: tuple[str, ...] = (
    "alive",
    "has_vacancy",
    "permit_revoked",
    "confidential",
    "permit_present",
    "permit_required",
)


def _epoch(value: datetime | None) -> float:
    return math.nan if value is None else value.timestamp()


class ColumnValues(NamedTuple):
    """One document's values for the column store: small and cheap to send between processes."""

    id: str
    lat: float
    lon: float
    age_min: float
    age_max: float
    capacity: float
    vacancies: float
    price_per_day_sek: float
    vacancies_updated_at: float
    updated_at: float
    has_vacancy: bool
    permit_revoked: bool
    confidential: bool
    # The facet fields' values, in _FACET_FIELDS order: a str per keyword field, a list per multi-valued one.
    facets: tuple[Any, ...]
    permit_age_min: float
    permit_age_max: float
    permit_present: bool
    permit_required: bool
    permit_target_groups: list[str]


def _optional(value: int | None) -> float:
    return math.nan if value is None else value


def column_values(doc: IndexedProvider) -> ColumnValues:
    price = doc["price_per_day_sek"]
    permit = doc["ivo_permit"]
    return ColumnValues(
        doc["id"],
        doc["location"]["lat"],
        doc["location"]["lon"],
        doc["age_min"],
        doc["age_max"],
        doc["capacity"],
        doc["vacancies"],
        math.nan if price is None else price,
        _epoch(doc["vacancies_updated_at"]),
        _epoch(doc["updated_at"]),
        doc["has_vacancy"],
        doc["permit_revoked"],
        doc["confidential"],
        _facet_values(doc),
        math.nan if permit is None else _optional(permit["age_min"]),
        math.nan if permit is None else _optional(permit["age_max"]),
        permit is not None,
        permit_required(doc["provider_type"], doc["ownership"]),
        [] if permit is None else permit["target_groups"],
    )


@dataclass
class ColumnStore:
    ids: NDArray[np.str_]
    numbers: dict[str, NDArray[np.float64]]
    flags: dict[str, NDArray[np.bool_]]
    keyword_values: dict[str, list[str]]
    keyword_codes: dict[str, NDArray[np.int32]]
    multi_values: dict[str, list[str]]
    multi_matrix: dict[str, NDArray[np.bool_]]
    _row_of: dict[str, int] | None = field(default=None, repr=False)

    @classmethod
    def empty(cls) -> ColumnStore:
        return cls(
            ids=np.array([], dtype="<U64"),
            numbers={f: np.array([], dtype=np.float64) for f in _NUMBER_FIELDS},
            flags={f: np.array([], dtype=bool) for f in _FLAG_FIELDS},
            keyword_values={f: [] for f in KEYWORD_FIELDS},
            keyword_codes={f: np.array([], dtype=np.int32) for f in KEYWORD_FIELDS},
            multi_values={f: [] for f in _STORED_MULTI},
            multi_matrix={f: np.zeros((0, 0), dtype=bool) for f in _STORED_MULTI},
        )

    def __len__(self) -> int:
        return len(self.ids)

    @property
    def live_count(self) -> int:
        return int(self.flags["alive"].sum())

    def row_of(self, provider_id: str) -> int | None:
        """The live row of a provider id, if it has one."""
        if self._row_of is None:
            alive = self.flags["alive"]
            self._row_of = {str(i): r for r, i in enumerate(self.ids) if alive[r]}
        return self._row_of.get(provider_id)

    def append(self, rows: Sequence[ColumnValues]) -> range:
        """Add documents as new live rows; returns their row numbers."""
        start = len(self.ids)
        columns = list(zip(*rows, strict=True)) if rows else [() for _ in ColumnValues._fields]
        by_name = dict(zip(ColumnValues._fields, columns, strict=True))
        self.ids = np.concatenate([self.ids, np.array(by_name["id"], dtype="<U64")])
        for name in _NUMBER_FIELDS:
            self.numbers[name] = np.concatenate([self.numbers[name], np.array(by_name[name], dtype=np.float64)])
        self.flags["alive"] = np.concatenate([self.flags["alive"], np.ones(len(rows), dtype=bool)])
        for name in _FLAG_FIELDS[1:]:
            self.flags[name] = np.concatenate([self.flags[name], np.array(by_name[name], dtype=bool)])
        facet_columns = list(zip(*by_name["facets"], strict=True)) if rows else [() for _ in _FACET_FIELDS]
        by_name |= dict(zip(_FACET_FIELDS, facet_columns, strict=True))
        for name in KEYWORD_FIELDS:
            codes = np.array([self._code(name, v) for v in by_name[name]], np.int32)
            self.keyword_codes[name] = np.concatenate([self.keyword_codes[name], codes])
        for name in _STORED_MULTI:
            self._append_multi(name, by_name[name])
        if self._row_of is not None:
            for offset, provider_id in enumerate(by_name["id"]):
                self._row_of[provider_id] = start + offset
        return range(start, len(self.ids))

    def kill(self, rows: Iterable[int]) -> None:
        for row in rows:
            self.flags["alive"][row] = False
            if self._row_of is not None:
                self._row_of.pop(str(self.ids[row]), None)

    def _code(self, name: str, value: str) -> int:
        values = self.keyword_values[name]
        try:
            return values.index(value)
        except ValueError:
            values.append(value)
            return len(values) - 1

    def _append_multi(self, name: str, lists: Sequence[Sequence[str]]) -> None:
        values = self.multi_values[name]
        index = {v: i for i, v in enumerate(values)}
        for items in lists:
            for item in items:
                if item not in index:
                    index[item] = len(values)
                    values.append(item)
        old = self.multi_matrix[name]
        grown = np.zeros((old.shape[0] + len(lists), len(values)), dtype=bool)
        grown[: old.shape[0], : old.shape[1]] = old
        for offset, items in enumerate(lists):
            for item in items:
                grown[old.shape[0] + offset, index[item]] = True
        self.multi_matrix[name] = grown

    def save(self, path: Path) -> None:
        arrays: dict[str, NDArray[Any]] = {"ids": self.ids}
        arrays |= {f"n.{k}": v for k, v in self.numbers.items()}
        arrays |= {f"f.{k}": v for k, v in self.flags.items()}
        arrays |= {f"kv.{k}": np.array(v, dtype="<U128") for k, v in self.keyword_values.items()}
        arrays |= {f"kc.{k}": v for k, v in self.keyword_codes.items()}
        arrays |= {f"mv.{k}": np.array(v, dtype="<U128") for k, v in self.multi_values.items()}
        arrays |= {f"mm.{k}": v for k, v in self.multi_matrix.items()}
        with path.open("wb") as f:
            np.savez(f, **arrays)  # type: ignore[arg-type]

    @classmethod
    def load(cls, path: Path) -> ColumnStore:
        with np.load(path, allow_pickle=False) as data:
            return cls(
                ids=data["ids"],
                numbers={k: data[f"n.{k}"] for k in _NUMBER_FIELDS},
                flags={k: data[f"f.{k}"].copy() for k in _FLAG_FIELDS},
                keyword_values={k: [str(v) for v in data[f"kv.{k}"]] for k in KEYWORD_FIELDS},
                keyword_codes={k: data[f"kc.{k}"] for k in KEYWORD_FIELDS},
                multi_values={k: [str(v) for v in data[f"mv.{k}"]] for k in _STORED_MULTI},
                multi_matrix={k: data[f"mm.{k}"] for k in _STORED_MULTI},
            )
