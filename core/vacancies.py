"""Vacancy status: what a caseworker may believe about a home's free places, right now.

Three values (domain.md's vocabulary style: Swedish machine values):

- ``ja``: free places, confirmed within the TTL (``PLACERINGSSOK_VACANCY_TTL_DAYS``);
- ``nej``: confirmed full within the TTL;
- ``okänd``: never confirmed, or the last confirmation is older than the TTL.

A register export's vacancies count as confirmed at the record's ``vacancies_updated_at``; a home's
own confirmation (``core.vacancy_ledger``) counts at its own moment, and for the vacancy fields the
newest moment wins. Status is computed at query time from that moment and ``now``, so a
confirmation expires without any reindex. Both engines and the response layer use the functions
here, so a filter, a facet count and a hit's label can never disagree.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Literal, TypeVar

import numpy as np
from numpy.typing import NDArray

from core.documents import StoredProvider
from core.vocabularies import LABELS

# What a confirmation is laid over: a stored provider, or an engine's own JSON document of one.
VacancySource = TypeVar("VacancySource", StoredProvider, dict[str, Any])

VacancyStatus = Literal["ja", "nej", "okänd"]
# Codes in arrays: the position in this tuple.
STATUSES: tuple[VacancyStatus, ...] = ("ja", "nej", "okänd")
JA, NEJ, OKAND = 0, 1, 2
STATUS_LABELS: dict[str, str] = LABELS["vacancy_status"]

ReportReason = Literal["fullt", "svarar_inte", "annat"]
REPORT_REASONS: tuple[ReportReason, ...] = ("fullt", "svarar_inte", "annat")
REPORT_LABELS: dict[str, str] = {
    "fullt": "Hemmet uppges vara fullt",
    "svarar_inte": "Hemmet svarar inte",
    "annat": "Annat",
}


@dataclass(frozen=True, slots=True)
class Confirmation:
    """A home's own statement of its free places, as the ledger holds it."""

    seq: int
    provider_id: str
    vacancies: int
    available_from: date | None
    confirmed_at: datetime
    subject: str
    kind: str

    @property
    def epoch(self) -> float:
        return self.confirmed_at.timestamp()


@dataclass(frozen=True, slots=True)
class Report:
    """A caseworker's doubt about a figure: a reason from a short list, never free text."""

    seq: int
    provider_id: str
    reason: ReportReason
    reported_at: datetime
    subject: str
    kind: str


def status_of(vacancies: int | None, confirmed_at: datetime | None, fresh_after: datetime) -> VacancyStatus:
    if confirmed_at is None or confirmed_at < fresh_after or vacancies is None:
        return "okänd"
    return "ja" if vacancies > 0 else "nej"


def status_masks(
    vacancies: NDArray[np.float64], confirmed_epoch: NDArray[np.float64], fresh_after_epoch: float
) -> tuple[NDArray[np.bool_], NDArray[np.bool_]]:
    """``status_of`` over columns (NaN epoch: never confirmed) as two masks, ``ja`` and ``nej``; every
    other row is ``okänd``."""
    fresh = np.greater_equal(confirmed_epoch, fresh_after_epoch)
    some = vacancies > 0
    return fresh & some, fresh & ~some


def status_codes(
    vacancies: NDArray[np.float64], confirmed_epoch: NDArray[np.float64], fresh_after_epoch: float
) -> NDArray[np.int8]:
    """``status_masks`` as codes into ``STATUSES``."""
    ja, nej = status_masks(vacancies, confirmed_epoch, fresh_after_epoch)
    codes = np.full(len(vacancies), OKAND, dtype=np.int8)
    codes[ja] = JA
    codes[nej] = NEJ
    return codes


def source_confirmed_at(source: Mapping[str, Any]) -> datetime | None:
    value = source.get("vacancies_updated_at")
    if value is None:
        return None
    return value if isinstance(value, datetime) else datetime.fromisoformat(value)


def newer_than_source(confirmation: Confirmation, source: Mapping[str, Any]) -> bool:
    """The newest moment wins; a tie goes to the home's own word."""
    indexed = source_confirmed_at(source)
    return indexed is None or confirmation.confirmed_at >= indexed


def overlay(source: VacancySource, confirmation: Confirmation | None) -> VacancySource:
    """The provider's vacancy fields with a newer confirmation applied (a copy; the input is kept)."""
    if confirmation is None or not newer_than_source(confirmation, source):
        return source
    return {
        **source,
        "vacancies": confirmation.vacancies,
        "has_vacancy": confirmation.vacancies > 0,
        "vacancies_updated_at": confirmation.confirmed_at.isoformat(),
    }


def epoch_or_nan(value: datetime | None) -> float:
    return math.nan if value is None else value.timestamp()


def fresh_after(now: datetime, ttl: timedelta) -> datetime:
    return now - ttl
