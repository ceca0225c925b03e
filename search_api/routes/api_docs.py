"""The interactive API documentation, when the ``api_docs`` setting (or development mode) serves it.

Each page gets a Content-Security-Policy that allows exactly its own inline code (by hash) and the
hosts its assets come from, and may not be framed.
"""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import HTMLResponse

from search_api.security_headers import policy_for_page

router = APIRouter(include_in_schema=False)
TITLE = "Placeringssök API"


def _with_policy(page: HTMLResponse) -> HTMLResponse:
    body = bytes(page.body).decode()
    return HTMLResponse(body, headers={"Content-Security-Policy": policy_for_page(body), "Cache-Control": "no-cache"})


@router.get("/docs")
async def swagger_ui() -> HTMLResponse:
    return _with_policy(get_swagger_ui_html(openapi_url="/openapi.json", title=TITLE))


@router.get("/redoc")
async def redoc() -> HTMLResponse:
    return _with_policy(get_redoc_html(openapi_url="/openapi.json", title=TITLE))
