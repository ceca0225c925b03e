"""Liveness and readiness for load balancers and orchestrators."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from search_api.deps import BackendDep, OptionalPrincipalDep

router = APIRouter(tags=["health"])


class Alive(BaseModel):
    status: str


class ReadinessView(BaseModel):
    ready: bool
    version: str | None
    reason: str | None
    documents: int | None = Field(default=None, description="Only for caseworkers.")


READINESS_RESPONSES: dict[int | str, dict[str, Any]] = {
    503: {"model": ReadinessView, "description": "Not ready; reason says why"}
}


@router.get("/healthz", response_model=Alive, summary="The process is up")
async def healthz() -> Alive:
    return Alive(status="ok")


@router.get(
    "/readyz",
    response_model=ReadinessView,
    response_model_exclude_none=True,
    responses=READINESS_RESPONSES,
    summary="The index is readable; its version (and document count, for caseworkers)",
)
async def readyz(backend: BackendDep, principal: OptionalPrincipalDep) -> JSONResponse:
    readiness = await backend.readiness()
    body: dict[str, object] = {"ready": readiness.ready, "version": readiness.version, "reason": readiness.reason}
    # The total count minus a public search's total would be the number of confidential homes.
    if principal is not None and principal.role == "caseworker":
        body["documents"] = readiness.documents
    return JSONResponse(body, status_code=200 if readiness.ready else 503)
