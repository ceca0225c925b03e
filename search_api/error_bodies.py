"""The bodies of error answers, as the OpenAPI schema describes them to callers (and schemathesis checks)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel


class ErrorBody(BaseModel):
    detail: str


class FieldError(BaseModel):
    field: str
    message: str


class InvalidRequest(BaseModel):
    detail: str
    errors: list[FieldError]


def _error(description: str) -> dict[str, Any]:
    return {"model": ErrorBody, "description": description}


# What any /v1 route may answer besides its own result.
API_ERRORS: dict[int | str, dict[str, Any]] = {
    400: _error("Both an API key and a bearer token, or a request that cannot be run"),
    401: _error("Unknown API key or invalid token; WWW-Authenticate says which scheme"),
    403: _error("A browser key used without its origin, or a sign-in without the caseworker role"),
    404: _error("No such provider visible to the caller"),
    413: _error("Request body over PLACERINGSSOK_MAX_BODY_BYTES"),
    422: {"model": InvalidRequest, "description": "Invalid request: each error names a field and what was expected"},
    429: _error("Rate limit spent; Retry-After says when to try again"),
    431: _error("Request headers over PLACERINGSSOK_MAX_HEADER_BYTES"),
    503: _error("The index or the audit log cannot serve now; Retry-After says when to try again"),
}
