"""Provider search and detail."""

from __future__ import annotations

import orjson
from fastapi import APIRouter, HTTPException, Request, Response
from fastapi.exceptions import RequestValidationError

from core.errors import UnknownSchool
from search_api.auditing import audit
from search_api.criteria import SearchCriteria
from search_api.deps import (
    BackendDep,
    LedgerDep,
    NowDep,
    PrincipalDep,
    SettingsDep,
    refuse_provider_keys,
    services_of,
)
from search_api.homes import HomeIds, HomeIdsDep, ProviderId, visible_home
from search_api.searching import SearchResponse, run_search
from search_api.shaping import ProviderView, shape_provider
from search_api.vacancy_display import LedgerFacts

router = APIRouter(prefix="/v1/providers", tags=["providers"])


# The documented model stays ``SearchResponse``; the route returns the page already serialised (FastAPI
# passes a Response through), so the hits are not validated and copied a second time per request.
@router.post("/search", response_model=SearchResponse, summary="Search providers for a child's placement")
async def search_providers(criteria: SearchCriteria, request: Request, principal: PrincipalDep) -> Response:
    refuse_provider_keys(principal)
    services = services_of(request)
    try:
        response = await run_search(
            criteria,
            principal.role,
            services.backend,
            services.schools,  # the register is read only if a school is named
            ttl=services.settings.vacancy_ttl,
            now=services.now,
            ledger=services.ledger,
            register_id=HomeIds(services.public_ids).register,
        )
    except UnknownSchool as exc:
        raise RequestValidationError(
            [{"loc": ("body", *exc.field.split(".")), "msg": exc.message, "type": "value_error.unknown_school"}]
        ) from exc
    request.state.hit_count = response["total"]
    audit(request, principal, [hit["id"] for hit in response["hits"]])
    # orjson writes what pydantic would (UTC as "Z"), in a third of the time; the contract tests compare
    # the bytes with the model's own serialisation.
    return Response(orjson.dumps(response, option=orjson.OPT_UTC_Z), media_type="application/json")


@router.api_route("/search", methods=["GET", "PUT", "PATCH", "DELETE"], include_in_schema=False)
async def search_with_the_wrong_method() -> None:
    # Without this, GET /v1/providers/search would be read as the detail of a provider called "search".
    raise HTTPException(405, "search with POST: the criteria travel in the body", headers={"Allow": "POST"})


@router.get("/{provider_id}", response_model=ProviderView, summary="One provider, shaped for the caller's role")
async def get_provider(
    provider_id: ProviderId,
    request: Request,
    principal: PrincipalDep,
    backend: BackendDep,
    ledger: LedgerDep,
    settings: SettingsDep,
    home_ids: HomeIdsDep,
    now: NowDep,
) -> ProviderView:
    home = await visible_home(principal, provider_id, backend, home_ids)
    facts = LedgerFacts.read(ledger, [home.register_id])
    shown, vacancy = facts.apply(home.source, home.register_id, now, settings.vacancy_ttl)
    view = shape_provider(shown, principal.role, None, vacancy)
    audit(request, principal, [view.id])
    return view
