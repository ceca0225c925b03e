"""Rate limits per API key or signed-in caller, and per client address, with 429 and Retry-After.

Counting is done by the ``limits`` library (a moving window, in memory by default; a shared storage
such as Redis is one setting away when several processes serve). Three budgets, all configurable:

- requests with a key or a token: ``rate_limit_per_key`` per credential (a hash of it, never the
  credential itself, is the counter's name);
- requests without: ``rate_limit_per_address`` per client address;
- refused credentials (401/403): ``rate_limit_failed_auth`` per client address, so guessing keys
  stops quickly whatever key is tried next.

Health checks are never limited: a load balancer must always learn whether the process is up.
The client address is the one the server saw; behind a proxy, run uvicorn with
``--forwarded-allow-ips`` so it is the caller's, not the proxy's.
"""

from __future__ import annotations

import hashlib
import math
import time

from limits import RateLimitItem, parse
from limits.storage import storage_from_string
from limits.strategies import MovingWindowRateLimiter
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from core.settings import Settings
from search_api.request_limits import send_json

UNLIMITED_PATHS = frozenset({"/healthz", "/readyz"})


def _item(spec: str) -> RateLimitItem | None:
    return parse(spec) if spec.strip() else None


class RateLimits:
    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.limiter = MovingWindowRateLimiter(storage_from_string(settings.rate_limit_storage))
        self.per_key = _item(settings.rate_limit_per_key)
        self.per_address = _item(settings.rate_limit_per_address)
        self.failed_auth = _item(settings.rate_limit_failed_auth)

    def _retry_after(self, item: RateLimitItem, *identifiers: str) -> str:
        reset = self.limiter.get_window_stats(item, *identifiers).reset_time
        return str(max(1, math.ceil(reset - time.time())))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in UNLIMITED_PATHS or scope["method"] == "OPTIONS":
            await self.app(scope, receive, send)
            return
        headers = dict(scope["headers"])
        credential = headers.get(b"x-api-key") or headers.get(b"authorization")
        client = scope.get("client")
        address = client[0] if client else "unknown"
        if credential is not None:
            refused = self._refused(self.failed_auth, "failed", address)
            refused = refused or self._refused(self.per_key, "key", hashlib.sha256(credential).hexdigest())
        else:
            refused = self._refused(self.per_address, "address", address)
        if refused is not None:
            await send_json(
                send,
                429,
                {"detail": "too many requests; wait the number of seconds in Retry-After, then try again"},
                {"Retry-After": refused},
            )
            return
        if credential is None or self.failed_auth is None:
            await self.app(scope, receive, send)
            return
        failed_auth = self.failed_auth

        async def count_refusals(message: Message) -> None:
            if message["type"] == "http.response.start" and message["status"] in (401, 403):
                self.limiter.hit(failed_auth, "failed", address)
            await send(message)

        await self.app(scope, receive, count_refusals)

    def _refused(self, item: RateLimitItem | None, *identifiers: str) -> str | None:
        """None when the request may go on, else the Retry-After seconds."""
        if item is None:
            return None
        if identifiers[0] == "failed":
            # Refusals are counted after the answer; here only whether the budget is already spent.
            return None if self.limiter.test(item, *identifiers) else self._retry_after(item, *identifiers)
        return None if self.limiter.hit(item, *identifiers) else self._retry_after(item, *identifiers)
