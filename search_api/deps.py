"""FastAPI dependencies: settings, the backend, the school register and the caller's role."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Header, HTTPException, Request

from core.schools import SchoolRegister, school_register
from core.settings import Settings
from search_api.backends import SearchBackend
from search_api.plan import Role


def settings_dep(request: Request) -> Settings:
    settings: Settings = request.app.state.settings  # set once by search_api.app.create_app
    return settings


def backend_dep(request: Request) -> SearchBackend:
    backend: SearchBackend = request.app.state.backend
    return backend


def schools_dep(settings: Annotated[Settings, Depends(settings_dep)]) -> SchoolRegister:
    return school_register(settings.schools_path)


def _same_origin(request: Request, origin: str) -> bool:
    host = request.headers.get("host", "")
    return origin.split("://", 1)[-1] == host


def role_dep(
    request: Request,
    settings: Annotated[Settings, Depends(settings_dep)],
    x_api_key: Annotated[str | None, Header(description="API key; its role decides what is visible.")] = None,
) -> Role:
    origin = request.headers.get("origin")
    if x_api_key:
        key = settings.api_keys.get(x_api_key)
        if key is None:
            raise HTTPException(401, "unknown API key in X-API-Key; ask the Placeringssök operators for one")
        if origin and key.origins and origin not in key.origins and not _same_origin(request, origin):
            raise HTTPException(403, f"this API key is not allowed from the origin {origin}")
        role: Role = key.role
    elif settings.anonymous_role is not None:
        role = settings.anonymous_role
    else:
        raise HTTPException(401, "an API key is required in the X-API-Key header")
    request.state.role = role
    return role


SettingsDep = Annotated[Settings, Depends(settings_dep)]
BackendDep = Annotated[SearchBackend, Depends(backend_dep)]
SchoolsDep = Annotated[SchoolRegister, Depends(schools_dep)]
RoleDep = Annotated[Role, Depends(role_dep)]
