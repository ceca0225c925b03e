"""Live vacancies: a home confirms its free places, a caseworker questions a figure, both see history.

Who may do what (``search_api.deps.Principal``):

- a home's key (role ``provider``) confirms, and reads the history of, only the homes it lists;
- a caseworker reads every home's history and reports a doubtful figure;
- anyone else gets 403, and 404 for an id they may not know exists (a family home's id, for the
  public or for another home's key), so the answer never tells who is in the register.

A confirmation is answered with 200 only once the ledger has it on disk and the search engine
shows it. Logs say which account confirmed which home and when; nothing about any child.
"""

from __future__ import annotations

import asyncio
import json
import logging
from datetime import date, datetime
from typing import Literal

from fastapi import APIRouter, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ConfigDict, Field

from core.vacancies import REPORT_LABELS, Confirmation, Report, ReportReason
from search_api.auditing import audit
from search_api.deps import BackendDep, LedgerDep, NowDep, Principal, PrincipalDep, SettingsDep
from search_api.homes import ALL_TYPES, HomeIdsDep, ProviderId, visible_home
from search_api.shaping import ProviderView, shape_provider
from search_api.vacancy_display import LedgerFacts, VacancyView

router = APIRouter(tags=["vacancies"])
log = logging.getLogger("placeringssok.vacancies")

HISTORY_LENGTH = 20
AccountKind = Literal["hemmet", "handläggare", "registret", "annat"]
_KIND_OF_ROLE: dict[str, AccountKind] = {"provider": "hemmet", "caseworker": "handläggare"}


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class VacancyConfirmation(_Body):
    vacancies: int = Field(ge=0, le=10_000, description="Free places now: 0 (full) up to the home's capacity.")
    available_from: date | None = Field(default=None, description="When the places can be taken, if not today.")


class VacancyReportRequest(_Body):
    reason: ReportReason = Field(
        description="fullt: the home says it is full; svarar_inte: nobody answers; annat: something else. "
        "No free text: a report must never carry anything about a child."
    )


class ReportView(BaseModel):
    reason: str
    reason_label: str
    reported_at: datetime
    by: AccountKind


class ConfirmationView(BaseModel):
    vacancies: int
    available_from: date | None
    confirmed_at: datetime
    by: AccountKind


class VacancyHistory(BaseModel):
    provider_id: str
    vacancy: VacancyView
    confirmations: list[ConfirmationView]
    reports: list[ReportView]


class MyHome(BaseModel):
    provider: ProviderView
    capacity: int


class MyHomes(BaseModel):
    subject: str
    organisation: str | None
    homes: list[MyHome]


def _kind(role: str) -> AccountKind:
    return _KIND_OF_ROLE.get(role, "annat")


def _audit(event: str, principal: Principal, provider_id: str, **extra: object) -> None:
    # Which account did what to which home, and when: never anything about a child.
    log.info(json.dumps({"event": event, "provider": provider_id, "by": principal.account, **extra}))


@router.put(
    "/v1/providers/{provider_id}/vacancies",
    response_model=VacancyView,
    summary="A home confirms its free places (provider keys, own homes only)",
)
async def confirm_vacancies(
    provider_id: ProviderId,
    body: VacancyConfirmation,
    principal: PrincipalDep,
    backend: BackendDep,
    ledger: LedgerDep,
    settings: SettingsDep,
    home_ids: HomeIdsDep,
    now: NowDep,
) -> VacancyView:
    home = await visible_home(principal, provider_id, backend, home_ids)
    if principal.role != "provider":
        # Caseworkers and the public may know the home; only its own key speaks for its places.
        raise HTTPException(
            403, "only the home's own provider key confirms vacancies; question a figure with POST .../vacancy-reports"
        )
    source = home.source
    if body.vacancies > source["capacity"]:
        message = f"must be between 0 and the home's capacity ({source['capacity']})"
        raise RequestValidationError([{"loc": ("body", "vacancies"), "msg": message, "type": "value_error"}])
    # The fsync waits in a thread: searches keep running on the event loop meanwhile.
    confirmation = await asyncio.to_thread(
        ledger.confirm, home.register_id, body.vacancies, body.available_from, now, principal.account, principal.role
    )
    await backend.apply_confirmation(confirmation)
    _audit("vacancies_confirmed", principal, provider_id, vacancies=body.vacancies, at=now.isoformat())
    facts = LedgerFacts({home.register_id: confirmation}, ledger.open_reports([home.register_id]))
    return facts.apply(source, home.register_id, now, settings.vacancy_ttl)[1]


@router.post(
    "/v1/providers/{provider_id}/vacancy-reports",
    response_model=ReportView,
    status_code=201,
    summary="A caseworker questions a home's vacancy figure",
)
async def report_vacancies(
    provider_id: ProviderId,
    body: VacancyReportRequest,
    request: Request,
    principal: PrincipalDep,
    backend: BackendDep,
    ledger: LedgerDep,
    home_ids: HomeIdsDep,
    now: NowDep,
) -> ReportView:
    home = await visible_home(principal, provider_id, backend, home_ids)
    if principal.role != "caseworker":
        raise HTTPException(403, "only caseworkers question a vacancy figure; a home confirms with PUT .../vacancies")
    audit(request, principal, [provider_id], status=201)
    report = await asyncio.to_thread(
        ledger.report, home.register_id, body.reason, now, principal.account, principal.role
    )
    _audit("vacancies_questioned", principal, provider_id, reason=body.reason, at=now.isoformat())
    return _report_view(report)


@router.get(
    "/v1/providers/{provider_id}/vacancies",
    response_model=VacancyHistory,
    summary="A home's last confirmations and reports (caseworkers and the home itself)",
)
async def vacancy_history(
    provider_id: ProviderId,
    request: Request,
    principal: PrincipalDep,
    backend: BackendDep,
    ledger: LedgerDep,
    settings: SettingsDep,
    home_ids: HomeIdsDep,
    now: NowDep,
) -> VacancyHistory:
    home = await visible_home(principal, provider_id, backend, home_ids)
    if principal.role not in ("caseworker", "provider"):
        raise HTTPException(403, "vacancy history is for caseworkers and the home itself; use a caseworker key")
    audit(request, principal, [provider_id])
    confirmations, reports = ledger.history(home.register_id, HISTORY_LENGTH)
    facts = LedgerFacts.read(ledger, [home.register_id])
    view = facts.apply(home.source, home.register_id, now, settings.vacancy_ttl)[1]
    return VacancyHistory(
        provider_id=provider_id,
        vacancy=view,
        confirmations=[_confirmation_view(c) for c in confirmations],
        reports=[_report_view(r) for r in reports],
    )


@router.get("/v1/me/providers", response_model=MyHomes, summary="The homes a provider key answers for")
async def my_homes(
    principal: PrincipalDep,
    backend: BackendDep,
    ledger: LedgerDep,
    settings: SettingsDep,
    home_ids: HomeIdsDep,
    now: NowDep,
) -> MyHomes:
    if principal.role != "provider":
        raise HTTPException(403, "this lists a home's own homes; it needs a provider key")
    found = [(rid, await backend.get(home_ids.shown(rid), ALL_TYPES)) for rid in sorted(principal.provider_ids)]
    facts = LedgerFacts.read(ledger, [rid for rid, source in found if source is not None])
    homes = []
    for register_id, source in found:
        if source is None:
            continue  # a home the register no longer lists
        shown, view = facts.apply(source, register_id, now, settings.vacancy_ttl)
        homes.append(MyHome(provider=shape_provider(shown, principal.role, None, view), capacity=shown["capacity"]))
    return MyHomes(subject=principal.account, organisation=principal.organisation, homes=homes)


def _confirmation_view(confirmation: Confirmation) -> ConfirmationView:
    return ConfirmationView(
        vacancies=confirmation.vacancies,
        available_from=confirmation.available_from,
        confirmed_at=confirmation.confirmed_at,
        by=_kind(confirmation.kind),
    )


def _report_view(report: Report) -> ReportView:
    return ReportView(
        reason=report.reason,
        reason_label=REPORT_LABELS[report.reason],
        reported_at=report.reported_at,
        by=_kind(report.kind),
    )
