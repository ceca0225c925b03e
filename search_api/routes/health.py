"""Liveness and readiness for load balancers and orchestrators."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from search_api.deps import BackendDep, OptionalPrincipalDep

router = APIRouter(tags=["health"])


@router.get("/healthz", summary="The process is up")
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/readyz", summary="The index is readable; its version (and document count, for caseworkers)")
async def readyz(backend: BackendDep, principal: OptionalPrincipalDep) -> JSONResponse:
    readiness = await backend.readiness()
    body: dict[str, object] = {"ready": readiness.ready, "version": readiness.version, "reason": readiness.reason}
    # The total count minus a public search's total would be the number of confidential homes.
    if principal is not None and principal.role == "caseworker":
        body["documents"] = readiness.documents
    return JSONResponse(body, status_code=200 if readiness.ready else 503)
