"""Provider search and detail."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, HTTPException, Path, Request
from fastapi.exceptions import RequestValidationError

from core.errors import UnknownSchool
from search_api.auditing import audit
from search_api.criteria import SearchCriteria
from search_api.deps import BackendDep, PrincipalDep, SchoolsDep, SettingsDep
from search_api.plan import visible_types
from search_api.searching import SearchResponse, run_search
from search_api.shaping import ProviderView, shape_provider

router = APIRouter(prefix="/v1/providers", tags=["providers"])


@router.post("/search", response_model=SearchResponse, summary="Search providers for a child's placement")
async def search_providers(
    criteria: SearchCriteria,
    request: Request,
    principal: PrincipalDep,
    backend: BackendDep,
    schools: SchoolsDep,
    settings: SettingsDep,
) -> SearchResponse:
    try:
        response = await run_search(
            criteria, principal.role, backend, schools, stale_after=timedelta(days=settings.stale_vacancy_days)
        )
    except UnknownSchool as exc:
        raise RequestValidationError(
            [{"loc": ("body", *exc.field.split(".")), "msg": exc.message, "type": "value_error.unknown_school"}]
        ) from exc
    request.state.hit_count = response.total
    audit(request, principal, [hit.id for hit in response.hits])
    return response


@router.api_route("/search", methods=["GET", "PUT", "PATCH", "DELETE"], include_in_schema=False)
async def search_with_the_wrong_method() -> None:
    # Without this, GET /v1/providers/search would be read as the detail of a provider called "search".
    raise HTTPException(405, "search with POST: the criteria travel in the body", headers={"Allow": "POST"})


@router.get("/{provider_id}", response_model=ProviderView, summary="One provider, shaped for the caller's role")
async def get_provider(
    provider_id: Annotated[
        str, Path(pattern=r"^[A-Za-z0-9_-][A-Za-z0-9._:-]{0,107}$", description="The id of a search hit.")
    ],
    request: Request,
    principal: PrincipalDep,
    backend: BackendDep,
) -> ProviderView:
    source = await backend.get(provider_id, visible_types(principal.role))
    if source is None:
        raise HTTPException(404, "no provider with that id is visible to you; take ids from search hits")
    view = shape_provider(source, principal.role, origin=None)
    audit(request, principal, [view.id])
    return view
