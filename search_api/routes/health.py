"""Liveness and readiness for load balancers and orchestrators."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from search_api.deps import BackendDep

router = APIRouter(tags=["health"])


@router.get("/healthz", summary="The process is up")
async def healthz() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/readyz", summary="The index is readable; its version")
async def readyz(backend: BackendDep) -> JSONResponse:
    readiness = await backend.readiness()
    body = {
        "ready": readiness.ready,
        "version": readiness.version,
        "documents": readiness.documents,
        "reason": readiness.reason,
    }
    return JSONResponse(body, status_code=200 if readiness.ready else 503)
