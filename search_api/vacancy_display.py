"""A home's vacancy as a caller sees it: status, when and by whom it was last confirmed, open doubts.

Built per response from the provider as the engine returned it and the ledger's newest word on it
(``core.vacancies.overlay``: the newest moment wins), so a hit, a provider page and the page for
homes say the same thing. Times are shown in Swedish, in Swedish time.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import Literal, TypedDict
from zoneinfo import ZoneInfo

from pydantic import BaseModel

from core.documents import StoredProvider
from core.vacancies import (
    REPORT_LABELS,
    STATUS_LABELS,
    Confirmation,
    Report,
    VacancyStatus,
    overlay,
    source_confirmed_at,
    status_of,
)
from core.vacancy_ledger import VacancyLedger

SWEDISH_TIME = ZoneInfo("Europe/Stockholm")
MONTHS = (
    "januari",
    "februari",
    "mars",
    "april",
    "maj",
    "juni",
    "juli",
    "augusti",
    "september",
    "oktober",
    "november",
    "december",
)
ConfirmedBy = Literal["hemmet", "registret"]


class VacancyReportView(BaseModel):
    reason: str
    reason_label: str
    reported_at: datetime
    text: str


class VacancyReportFields(TypedDict):
    """A ``VacancyReportView`` as plain values, in the model's field order."""

    reason: str
    reason_label: str
    reported_at: datetime
    text: str


class VacancyFields(TypedDict):
    """A ``VacancyView`` as plain values, in the model's field order: a search builds one per hit and
    serialises the page once (``tests/search_api/test_search_contract.py`` holds it to the model)."""

    status: VacancyStatus
    status_label: str
    vacancies: int | None
    available_from: date | None
    confirmed_at: datetime | None
    confirmed_by: ConfirmedBy | None
    text: str
    report: VacancyReportFields | None


class VacancyView(BaseModel):
    status: VacancyStatus
    status_label: str
    vacancies: int | None
    available_from: date | None
    confirmed_at: datetime | None
    confirmed_by: ConfirmedBy | None
    text: str
    report: VacancyReportView | None


@lru_cache(maxsize=65536)
def _swedish_date(moment: datetime) -> date:
    """The day in Sweden at a moment; kept, since a home's confirmation is on every page it is on and
    the time zone conversion is the costly part of saying when it was."""
    return moment.astimezone(SWEDISH_TIME).date()


def swedish_day(moment: datetime, now: datetime) -> str:
    """ "i dag", "i går", "3 oktober" (with the year when it is not this year's), in Swedish time."""
    return _day_said(_swedish_date(moment), _swedish_date(now))


@lru_cache(maxsize=4096)
def _day_said(day: date, today: date) -> str:
    if day == today:
        return "i dag"
    if day == today - timedelta(days=1):
        return "i går"
    said = f"{day.day} {MONTHS[day.month - 1]}"
    return said if day.year == today.year else f"{said} {day.year}"


def freshness_text(status: VacancyStatus, confirmed_at: datetime | None, now: datetime) -> str:
    if confirmed_at is None:
        return "Okänt – aldrig bekräftat"
    return _freshness_text(status, confirmed_at, _swedish_date(now))


@lru_cache(maxsize=16384)
def _freshness_text(status: VacancyStatus, confirmed_at: datetime, today: date) -> str:
    """Kept per home's confirmation and Swedish day: the same homes recur on page after page."""
    day = _day_said(_swedish_date(confirmed_at), today)
    if status == "okänd":
        return f"Okänt – senast bekräftat {day}"
    if day in ("i dag", "i går"):
        return f"Bekräftat {day} {confirmed_at.astimezone(SWEDISH_TIME):%H:%M}"
    return f"Bekräftat {day}"


def report_fields(report: Report, now: datetime) -> VacancyReportFields:
    return {
        "reason": report.reason,
        "reason_label": REPORT_LABELS[report.reason],
        "reported_at": report.reported_at,
        "text": f"Ifrågasatt av en handläggare {swedish_day(report.reported_at, now)}",
    }


@dataclass(frozen=True, slots=True)
class LedgerFacts:
    """What the ledger says about a handful of homes: newest confirmation and open report each."""

    confirmations: dict[str, Confirmation]
    reports: dict[str, Report]

    @classmethod
    def read(cls, ledger: VacancyLedger | None, register_ids: Iterable[str | None]) -> LedgerFacts:
        ids = [i for i in register_ids if i]
        if ledger is None or not ids:
            return cls({}, {})
        return cls(ledger.latest(ids), ledger.open_reports(ids))

    def fields(
        self, source: StoredProvider, register_id: str | None, now: datetime, ttl: timedelta
    ) -> tuple[StoredProvider, VacancyFields]:
        """The source with the newest confirmation applied, and its vacancy view as plain values.
        ``register_id``: the home's id in the register and the ledger (the source's may be a public id)."""
        confirmation = self.confirmations.get(register_id) if register_id else None
        shown = overlay(source, confirmation)
        by_home = confirmation is not None and shown is not source
        confirmed_at = source_confirmed_at(shown)
        status = status_of(shown.get("vacancies"), confirmed_at, now - ttl)
        report = self.reports.get(register_id) if register_id else None
        view: VacancyFields = {
            "status": status,
            "status_label": STATUS_LABELS[status],
            "vacancies": shown.get("vacancies"),
            "available_from": confirmation.available_from if by_home and confirmation else None,
            "confirmed_at": confirmed_at,
            "confirmed_by": None if confirmed_at is None else ("hemmet" if by_home else "registret"),
            "text": freshness_text(status, confirmed_at, now),
            "report": None if report is None else report_fields(report, now),
        }
        return shown, view

    def apply(
        self, source: StoredProvider, register_id: str | None, now: datetime, ttl: timedelta
    ) -> tuple[StoredProvider, VacancyView]:
        """As ``fields``, with the view validated into its model (for the routes that return one)."""
        shown, view = self.fields(source, register_id, now, ttl)
        return shown, VacancyView.model_validate(view)
