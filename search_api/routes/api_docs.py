"""The interactive API documentation, when the ``api_docs`` setting (or development mode) serves it.

Swagger UI and ReDoc come from the ``fastapi-offline`` package and are served from this origin: the
docs render with no network beyond the API itself (no CDN, no third party, no fonts fetched). Each
page gets a Content-Security-Policy that allows exactly its own inline code (by hash), and may not
be framed.
"""

from __future__ import annotations

import hashlib
from functools import cache
from importlib.resources import files

from fastapi import APIRouter, HTTPException, Request
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import HTMLResponse, Response

from search_api.security_headers import policy_for_page

router = APIRouter(include_in_schema=False)
TITLE = "Placeringssök API"
ASSETS = {
    "swagger-ui-bundle.js": "text/javascript; charset=utf-8",
    "swagger-ui.css": "text/css; charset=utf-8",
    "redoc.standalone.js": "text/javascript; charset=utf-8",
}


@cache
def _asset(name: str) -> tuple[bytes, str]:
    content = (files("fastapi_offline") / "static" / name).read_bytes()
    return content, hashlib.sha256(content).hexdigest()[:16]


def _url(name: str) -> str:
    # The content's hash in the URL: cached for a year, a new package version is a new URL.
    return f"/docs/assets/{_asset(name)[1]}/{name}"


def _with_policy(page: HTMLResponse) -> HTMLResponse:
    body = bytes(page.body).decode()
    return HTMLResponse(body, headers={"Content-Security-Policy": policy_for_page(body), "Cache-Control": "no-cache"})


@router.get("/docs")
async def swagger_ui() -> HTMLResponse:
    return _with_policy(
        get_swagger_ui_html(
            openapi_url="/openapi.json",
            title=TITLE,
            swagger_js_url=_url("swagger-ui-bundle.js"),
            swagger_css_url=_url("swagger-ui.css"),
            swagger_favicon_url="/embed/favicon.svg",
            swagger_ui_parameters={"defaultModelsExpandDepth": 0, "tryItOutEnabled": False},
        )
    )


@router.get("/redoc")
async def redoc() -> HTMLResponse:
    return _with_policy(
        get_redoc_html(
            openapi_url="/openapi.json",
            title=TITLE,
            redoc_js_url=_url("redoc.standalone.js"),
            redoc_favicon_url="/embed/favicon.svg",
            with_google_fonts=False,
        )
    )


@router.get("/docs/assets/{digest}/{name}")
async def docs_asset(digest: str, name: str, request: Request) -> Response:
    if name not in ASSETS or digest != _asset(name)[1]:
        raise HTTPException(404, "no such documentation asset")
    content = _asset(name)[0]
    return Response(
        content,
        media_type=ASSETS[name],
        headers={"Cache-Control": "public, max-age=31536000, immutable", "X-Content-Type-Options": "nosniff"},
    )
