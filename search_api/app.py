"""The FastAPI application: ``create_app()`` wires settings, the backend, routes and error handling."""

from __future__ import annotations

import gc
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import JSONResponse
from fastapi.telemetry import TelemetryConfig

from core.audit import AuditLog
from core.client_logs import keep_client_logs_private
from core.errors import AuditUnavailable, ConfidentialLeak
from core.settings import Settings, get_settings
from core.text_analysis import TEXT_FIELDS
from core.vacancy_ledger import VacancyLedger
from search_api import openapi_docs
from search_api.access_log import AccessLog
from search_api.backends import BackendUnavailable, SearchBackend, make_article_backend, make_backend
from search_api.error_bodies import API_ERRORS
from search_api.explanation import utc_now
from search_api.public_ids import PublicIdBackend, PublicIds
from search_api.rate_limits import RateBudgets, RateLimits
from search_api.request_limits import RequestLimits
from search_api.routes import api_docs, articles, embed, health, places, providers, schools, suggest, vacancies
from search_api.security_headers import SecurityHeaders
from search_api.sign_in import TokenVerifier
from search_api.text_plan import plan_text

log = logging.getLogger("placeringssok")
GC_YOUNG_OBJECTS = 10_000
NO_TELEMETRY: TelemetryConfig = {"tracing": False, "metrics": False, "logs": False, "operation_spans": False}


def _field(loc: tuple[Any, ...]) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header")]
    return ".".join(parts) or "body"


def _error(error: dict[str, Any]) -> dict[str, str]:
    loc = tuple(error.get("loc", ()))
    message = str(error.get("msg", "")).removeprefix("Value error, ")
    if error.get("type") == "extra_forbidden":
        # The unknown name is the caller's text (it could be a child's name): not quoted back.
        return {"field": _field(loc[:-1]), "message": "unknown field; the accepted fields are in /openapi.json"}
    return {"field": _field(loc), "message": message}


async def _invalid_request(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    # The caller's input is not echoed back: it may describe a child. Pydantic's messages name the
    # expectation (a pattern, a bound, the allowed values), never the value given.
    errors = [_error(e) for e in exc.errors()]
    summary = "; ".join(f"{e['field']}: {e['message']}" for e in errors)
    return JSONResponse({"detail": f"invalid request: {summary}", "errors": errors}, status_code=422)


async def _unavailable(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, BackendUnavailable)
    log.warning("search backend unavailable: %s", exc.reason)
    return JSONResponse(
        {"detail": f"search is unavailable right now: {exc.reason}; try again shortly"},
        status_code=503,
        headers={"Retry-After": str(exc.retry_after_s)},
    )


async def _audit_unavailable(_request: Request, exc: Exception) -> JSONResponse:
    log.error("%s", exc)
    return JSONResponse(
        {"detail": "the audit log cannot be written, so caseworker requests are refused; tell the operators"},
        status_code=503,
        headers={"Retry-After": "60"},
    )


async def _leak(_request: Request, exc: Exception) -> JSONResponse:
    log.error("privacy shaping refused a provider: %s", exc)
    return JSONResponse({"detail": "internal error; the request was refused"}, status_code=500)


def create_app(settings: Settings | None = None, backend: SearchBackend | None = None) -> FastAPI:
    settings = settings or get_settings()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    # uvicorn's own access log writes whole URLs, and a query string can name a child's school; the
    # AccessLog middleware below is the one request log, however the app is started.
    logging.getLogger("uvicorn.access").disabled = True
    # The search engine's client logs whole request bodies (the criteria) at DEBUG; never let it.
    keep_client_logs_private()

    ids = PublicIds.from_settings(settings) if settings.opaque_ids else None

    def published(engine: SearchBackend) -> SearchBackend:
        return PublicIdBackend(engine, ids) if ids is not None else engine

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if backend is None:
            app.state.backend = published(make_backend(settings, app.state.ledger))
        app.state.articles = make_article_backend(settings)
        # Open the index now, so the first caseworker does not wait for it (and /readyz is honest).
        await app.state.backend.readiness()
        # Likewise the Swedish lexicon and the synonyms, which load on first use.
        plan_text("flickor", TEXT_FIELDS)
        # A search allocates thousands of short-lived objects (the page's sources, the shaped hits):
        # at Python's default of 700 the cycle collector ran several times per request and walked the
        # long-lived caches each time, a quarter of the API's own time. Cycles are still collected.
        gc.set_threshold(GC_YOUNG_OBJECTS, *gc.get_threshold()[1:])
        # What is loaded by now (modules, the lexicon, the open index) lives as long as the worker:
        # out of the collector's sight, a full collection walks only what came after. It walked all of
        # it, 60-75 ms under load, holding the GIL, so every search of the worker stalled; a new
        # version's warm-up allocates enough to set one off.
        gc.freeze()
        try:
            yield
        finally:
            gc.unfreeze()
            await app.state.articles.close()
            await app.state.backend.close()
            app.state.ledger.close()

    app = FastAPI(
        title="Placeringssök",
        summary="Find a placement for a child: distance-weighted, faceted search over care providers.",
        version="1.0",
        lifespan=lifespan,
        # The docs pages are served by routes.api_docs (with a CSP); the schema only when docs are on.
        docs_url=None,
        redoc_url=None,
        openapi_url="/openapi.json" if settings.docs_enabled else None,
        generate_unique_id_function=openapi_docs.operation_id,
        # FastAPI's built-in OpenTelemetry hooks: unused here, yet asked per request whether a
        # provider is configured; and spans would carry what requests hold (privacy rule 3).
        telemetry=NO_TELEMETRY,
    )
    openapi_docs.install(app)
    app.state.settings = settings
    app.state.public_ids = ids
    app.state.token_verifier = TokenVerifier(settings) if settings.oidc_enabled else None
    app.state.audit = AuditLog(settings.audit_dir)
    app.state.rate_budgets = RateBudgets(settings)
    app.state.ledger = VacancyLedger(settings.vacancy_ledger_path)
    # The one clock of the API; tests replace it to see a confirmation expire.
    app.state.clock = utc_now
    if backend is not None:
        app.state.backend = published(backend)
    app.add_exception_handler(RequestValidationError, _invalid_request)
    app.add_exception_handler(BackendUnavailable, _unavailable)
    app.add_exception_handler(ConfidentialLeak, _leak)
    app.add_exception_handler(AuditUnavailable, _audit_unavailable)
    app.include_router(vacancies.router, responses=API_ERRORS)
    app.include_router(providers.router, responses=API_ERRORS)
    app.include_router(schools.router, responses=API_ERRORS)
    app.include_router(articles.router, responses=API_ERRORS)
    app.include_router(suggest.router, responses=API_ERRORS)
    app.include_router(places.router, responses=API_ERRORS)
    app.include_router(health.router)
    app.include_router(embed.router)
    if settings.docs_enabled:
        app.include_router(api_docs.router)
    origins = settings.browser_origins
    # Outermost last: headers on every answer, one access-log line even for refusals, then sizes,
    # CORS (so a browser can read a 429's Retry-After), then rate limits.
    app.add_middleware(RateLimits, budgets=app.state.rate_budgets)
    if origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=origins,
            allow_methods=["GET", "POST", "PUT"],
            allow_headers=["Content-Type", "X-API-Key", "Authorization"],
            expose_headers=["Retry-After"],
            allow_credentials=False,
            max_age=600,
        )
    app.add_middleware(
        RequestLimits, max_body_bytes=settings.max_body_bytes, max_header_bytes=settings.max_header_bytes
    )
    app.add_middleware(AccessLog)
    app.add_middleware(SecurityHeaders)
    return app
