"""Rate limits per API key or signed-in caller, and per client address, with 429 and Retry-After.

Counting is done by the ``limits`` library with a moving window. The counts must be shared by every
process that serves: ``placeringssok serve`` runs one worker per core, and per-process counts would
multiply every budget by the number of workers. ``rate_limit_storage`` left empty means ``memory://``
for one worker and a SQLite file in the data dir for several (``search_api.rate_counts``; no extra
service); ``Settings.rate_limit_storage_for`` refuses ``memory://`` with several workers. Redis (``redis://``) is one
setting away for several machines. Three budgets, all configurable:

- callers with a key or a token: ``rate_limit_per_key`` per principal (the key, or the token's
  subject: a caseworker refreshing tokens keeps one budget), spent once the credential holds;
- callers without: ``rate_limit_per_address`` per client address;
- refused credentials (401/403): ``rate_limit_failed_auth`` per client address; once spent, that
  address waits whatever it sends, so guessing keys stops quickly whatever key is tried next.

Health checks are never limited: a load balancer must always learn whether the process is up.
The client address is the one the server saw; behind a proxy, set ``FORWARDED_ALLOW_IPS`` to the
proxy's address so uvicorn makes it the caller's (from X-Forwarded-For), not the proxy's.
"""

from __future__ import annotations

import math
import time

from limits import RateLimitItem, parse
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from core.settings import Settings
from search_api import rate_counts  # noqa: F401  (registers the sqlite:// storage with limits)
from search_api.request_limits import send_json

UNLIMITED_PATHS = frozenset({"/healthz", "/readyz"})
TOO_MANY = "too many requests; wait the number of seconds in Retry-After, then try again"


def _item(spec: str) -> RateLimitItem | None:
    return parse(spec) if spec.strip() else None


class RateBudgets:
    """The three budgets and their counts; ``spend`` answers None or the seconds to wait."""

    def __init__(self, settings: Settings) -> None:
        self.per_key = _item(settings.rate_limit_per_key)
        self.per_address = _item(settings.rate_limit_per_address)
        self.failed_auth = _item(settings.rate_limit_failed_auth)
        # Empty means memory:// here: ``placeringssok serve`` sets the resolved storage in the
        # environment of its workers before they start. With every budget off nothing is counted,
        # so no shared file is opened either.
        counted = any(item is not None for item in (self.per_key, self.per_address, self.failed_auth))
        storage = settings.rate_limit_storage_for(workers=1) if counted else "memory://"
        self.limiter = MovingWindowRateLimiter(storage_from_string(storage))

    def _retry_after(self, item: RateLimitItem, *identifiers: str) -> str:
        reset = self.limiter.get_window_stats(item, *identifiers).reset_time
        return str(max(1, math.ceil(reset - time.time())))

    def spend(self, item: RateLimitItem | None, *identifiers: str) -> str | None:
        if item is None or self.limiter.hit(item, *identifiers):
            return None
        return self._retry_after(item, *identifiers)

    def spent(self, item: RateLimitItem | None, *identifiers: str) -> str | None:
        """Like ``spend``, without counting this request."""
        if item is None or self.limiter.test(item, *identifiers):
            return None
        return self._retry_after(item, *identifiers)

    def spend_for_principal(self, principal_key: str) -> str | None:
        return self.spend(self.per_key, "principal", principal_key)


class RateLimits:
    """The budgets by client address; the per-principal one is spent where the principal is known."""

    def __init__(self, app: ASGIApp, budgets: RateBudgets) -> None:
        self.app = app
        self.budgets = budgets

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in UNLIMITED_PATHS or scope["method"] == "OPTIONS":
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        has_credential = b"x-api-key" in headers or b"authorization" in headers
        client = scope.get("client")
        address = client[0] if client else "unknown"
        budgets = self.budgets
        if has_credential:
            wait = budgets.spent(budgets.failed_auth, "failed", address)
        else:
            wait = budgets.spend(budgets.per_address, "address", address)
        if wait is not None:
            await send_json(send, 429, {"detail": TOO_MANY}, {"Retry-After": wait})
            return
        if not has_credential or budgets.failed_auth is None:
            await self.app(scope, receive, send)
            return

        async def count_refusals(message: Message) -> None:
            if message["type"] == "http.response.start" and message["status"] in (401, 403):
                budgets.spend(budgets.failed_auth, "failed", address)
            await send(message)

        await self.app(scope, receive, count_refusals)
