"""FastAPI dependencies: settings, the backend, the school register, the clock and who is calling.

Who is calling is a ``Principal``: a subject, an organisation, a role and (for providers' own keys)
the provider ids it speaks for. Three ways in:

- an OpenID Connect bearer token (``Authorization: Bearer ...``): a signed-in caseworker;
- an API key (``X-API-Key``): a portal's browser key (with origins: only accepted when the request's
  Origin header is one of them; never judged by the Host header, which the caller writes), or a
  server-to-server key (without origins);
- nothing: the anonymous role from the settings, if any.

A provider key (role ``provider``) speaks for the homes its ``providers`` list names; the same
principal can later come from an identity provider's claims without anything downstream changing.
Every refusal says what to do and quotes nothing the caller sent.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Annotated, Literal

import anyio
from fastapi import Depends, Header, HTTPException, Request

from core.public_ids import PublicIds
from core.schools import SchoolRegister, school_register
from core.settings import ApiKey, Settings
from core.vacancy_ledger import VacancyLedger
from search_api.backends import ArticleBackend, SearchBackend
from search_api.plan import Role
from search_api.rate_limits import TOO_MANY, RateBudgets
from search_api.sign_in import CASEWORKER, TokenRefused, TokenVerifier


@dataclass(frozen=True, slots=True)
class Principal:
    role: Role
    subject: str | None = None
    organisation: str | None = None
    provider_ids: frozenset[str] = field(default_factory=frozenset)
    via: Literal["anonymous", "api_key", "token"] = "anonymous"

    @property
    def account(self) -> str:
        """Who, for logs and the vacancy ledger: the subject, never a secret."""
        return self.subject or "anonym"

    def answers_for(self, provider_id: str) -> bool:
        """Whether this caller is the home itself (or its agency) for ``provider_id``."""
        return self.role == "provider" and provider_id in self.provider_ids


# Every dependency is ``async def``: FastAPI runs a plain ``def`` dependency in the thread pool, a
# thread hop per dependency per request, for what is an attribute lookup.
async def settings_dep(request: Request) -> Settings:
    settings: Settings = request.app.state.settings  # set once by search_api.app.create_app
    return settings


async def backend_dep(request: Request) -> SearchBackend:
    backend: SearchBackend = request.app.state.backend
    return backend


async def ledger_dep(request: Request) -> VacancyLedger:
    ledger: VacancyLedger = request.app.state.ledger  # set once by search_api.app.create_app
    return ledger


async def now_dep(request: Request) -> datetime:
    """The one clock of a request: tests set ``app.state.clock`` to move time (vacancy expiry)."""
    clock: Callable[[], datetime] = request.app.state.clock
    return clock()


async def articles_dep(request: Request) -> ArticleBackend:
    articles: ArticleBackend = request.app.state.articles
    return articles


async def schools_dep(settings: Annotated[Settings, Depends(settings_dep)]) -> SchoolRegister:
    return school_register(settings.schools_path)


@dataclass(frozen=True, slots=True)
class Services:
    """What the application holds, for a route that needs several parts of it (``services_of``)."""

    settings: Settings
    backend: SearchBackend
    ledger: VacancyLedger
    public_ids: PublicIds | None
    now: datetime

    def schools(self) -> SchoolRegister:
        return school_register(self.settings.schools_path)


def services_of(request: Request) -> Services:
    """The application's parts, read by the search route itself rather than as a dependency (FastAPI
    solves each dependency separately on every request)."""
    state = request.app.state  # set once by search_api.app.create_app
    return Services(state.settings, state.backend, state.ledger, state.public_ids, state.clock())


def origin_allowed(request: Request, origins: list[str]) -> bool:
    """Whether a browser credential bound to ``origins`` may be used by this request: its Origin
    header must be one of them. The Host header is the caller's to write and proves nothing."""
    return request.headers.get("origin") in origins


def _key_principal(request: Request, key: ApiKey, secret: str) -> Principal:
    if key.origins and not origin_allowed(request, key.origins):
        raise HTTPException(
            403,
            "this API key is bound to its portals' origins and the request's Origin is not one of them; "
            "use the key only from those pages, or a server key from a server",
        )
    subject = key.name or "api-key-" + hashlib.sha256(secret.encode()).hexdigest()[:12]
    return Principal(
        role=key.role,
        subject=subject,
        organisation=key.organisation,
        provider_ids=frozenset(key.providers),
        via="api_key",
    )


def _unauthorised(message: str) -> HTTPException:
    return HTTPException(401, message, headers={"WWW-Authenticate": 'Bearer error="invalid_token"'})


async def _token_principal(request: Request, settings: Settings, authorization: str) -> Principal:
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise _unauthorised("the Authorization header takes 'Bearer' and a token from the identity provider")
    verifier: TokenVerifier | None = getattr(request.app.state, "token_verifier", None)
    if verifier is None:
        raise _unauthorised("sign-in with tokens is not configured on this server; use an API key")
    try:
        # A JWKS URL is fetched with blocking I/O when keys rotate: never on the event loop.
        signed_in = await anyio.to_thread.run_sync(verifier.verify, token.strip())
    except TokenRefused as exc:
        if exc.keys_unavailable:
            raise HTTPException(503, exc.message, headers={"Retry-After": "30"}) from exc
        raise _unauthorised(exc.message) from exc
    if CASEWORKER not in signed_in.roles:
        raise HTTPException(
            403,
            f"your sign-in does not carry the {CASEWORKER} role (claim {settings.oidc_role_claim}); "
            "ask your identity provider's administrators",
        )
    return Principal(role="caseworker", subject=signed_in.subject, organisation=signed_in.organisation, via="token")


async def principal_dep(
    request: Request,
    x_api_key: Annotated[
        str | None, Header(max_length=200, description="API key of a portal, a provider or a server.")
    ] = None,
    authorization: Annotated[
        str | None, Header(max_length=12000, description="Bearer token of a signed-in caseworker (OpenID Connect).")
    ] = None,
) -> Principal:
    # The settings from the application, not as a dependency: FastAPI solves each dependency on
    # every request, and this one runs on every search.
    settings: Settings = request.app.state.settings
    if x_api_key and authorization:
        raise HTTPException(400, "send either X-API-Key or an Authorization bearer token, not both")
    if authorization:
        principal = await _token_principal(request, settings, authorization)
    elif x_api_key:
        key = settings.api_keys.get(x_api_key)
        if key is None:
            raise HTTPException(401, "unknown API key in X-API-Key; ask the Placeringssök operators for one")
        principal = _key_principal(request, key, x_api_key)
    elif settings.anonymous_role is not None:
        principal = Principal(role=settings.anonymous_role)
    else:
        raise HTTPException(401, "sign in (Authorization: Bearer) or send an API key in the X-API-Key header")
    if principal.via != "anonymous":
        # Per principal, not per credential string: a caseworker refreshing tokens keeps one budget.
        budgets: RateBudgets = request.app.state.rate_budgets
        wait = budgets.spend_for_principal(f"{principal.via}:{principal.subject}")
        if wait is not None:
            raise HTTPException(429, TOO_MANY, headers={"Retry-After": wait})
    request.state.role = principal.role
    request.state.principal = principal
    return principal


async def optional_principal_dep(request: Request) -> Principal | None:
    """The caller if credentials came and hold, else None: for routes open to everyone (readiness)."""
    try:
        return await principal_dep(request, request.headers.get("x-api-key"), request.headers.get("authorization"))
    except HTTPException:
        return None


async def role_dep(principal: Annotated[Principal, Depends(principal_dep)]) -> Role:
    return principal.role


def refuse_provider_keys(principal: Principal) -> None:
    """Searching is for caseworkers and the public embed; a home's key confirms its own places."""
    if principal.role == "provider":
        raise HTTPException(
            403, "a provider key confirms its own homes' vacancies; searching needs a caseworker or public key"
        )


async def searcher_role_dep(role: Annotated[Role, Depends(role_dep)]) -> Role:
    if role == "provider":
        refuse_provider_keys(Principal(role=role))
    return role


SettingsDep = Annotated[Settings, Depends(settings_dep)]
BackendDep = Annotated[SearchBackend, Depends(backend_dep)]
ArticlesDep = Annotated[ArticleBackend, Depends(articles_dep)]
SchoolsDep = Annotated[SchoolRegister, Depends(schools_dep)]
PrincipalDep = Annotated[Principal, Depends(principal_dep)]
OptionalPrincipalDep = Annotated[Principal | None, Depends(optional_principal_dep)]
RoleDep = Annotated[Role, Depends(searcher_role_dep)]
LedgerDep = Annotated[VacancyLedger, Depends(ledger_dep)]
NowDep = Annotated[datetime, Depends(now_dep)]
