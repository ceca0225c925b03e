"""Response headers every answer carries, and the one Content-Security-Policy of every HTML page.

- ``X-Content-Type-Options: nosniff`` and ``Referrer-Policy: no-referrer`` on everything;
- ``Cache-Control: no-store`` on every answer that does not set its own (the API's JSON describes
  children's placements: no shared cache, no browser history may keep it);
- a CSP on every HTML page, from ``content_security_policy``: pages that need more than their own
  origin (the API docs) list exactly what, inline code by hash;
- no ``server`` banner (uvicorn's is switched off where the server starts; any other is dropped here).
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Iterable
from functools import cache
from urllib.parse import urlsplit

from starlette.types import ASGIApp, Message, Receive, Scope, Send

_INLINE_SCRIPT = re.compile(r"<script>(.*?)</script>", re.S)
_INLINE_STYLE = re.compile(r"<style>(.*?)</style>", re.S)
_EXTERNAL = re.compile(r'<(script|link)\b[^>]*\b(?:src|href)="(https://[^"]+)"')


def content_security_policy(
    frame_ancestors: str = "'self'",
    *,
    scripts: Iterable[str] = (),
    styles: Iterable[str] = (),
    images: Iterable[str] = (),
    fonts: Iterable[str] = (),
    workers: Iterable[str] = (),
) -> str:
    """Everything from our own origin only, plus the sources given: no inline code unless hashed,
    no plugins, no form posts, framed only by ``frame_ancestors``."""

    def sources(extra: Iterable[str]) -> str:
        return " ".join(["'self'", *sorted(set(extra))])

    directives = [
        "default-src 'self'",
        f"script-src {sources(scripts)}",
        f"style-src {sources(styles)}",
        "connect-src 'self'",
        f"img-src {sources(images)}",
        f"font-src {sources(fonts)}",
        f"worker-src {sources(workers)}",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'none'",
        f"frame-ancestors {frame_ancestors}",
    ]
    return "; ".join(directives)


def _digest(code: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(code.encode()).digest()).decode() + "'"


def policy_for_page(page: str) -> str:
    """The CSP a generated page (the API docs) needs: its inline code by hash, its external hosts by name."""
    hosts: dict[str, set[str]] = {"script": set(), "link": set()}
    for tag, url in _EXTERNAL.findall(page):
        parts = urlsplit(url)
        hosts[tag].add(f"{parts.scheme}://{parts.netloc}")
    return content_security_policy(
        "'none'",
        scripts=[*hosts["script"], *(_digest(code) for code in _INLINE_SCRIPT.findall(page))],
        styles=[*hosts["link"], *(_digest(code) for code in _INLINE_STYLE.findall(page))],
        images=["data:", *hosts["link"]],
        fonts=hosts["link"] | {"https://fonts.gstatic.com"} if hosts["link"] else (),
        workers=["blob:"],
    )


# As ``MutableHeaders.setdefault`` would add them (names lower case), on the raw list: every answer
# passes here, and a ``MutableHeaders`` rescans the list for each name.
_DEFAULTS = (
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"cache-control", b"no-store"),
)
_POLICY = b"content-security-policy"


@cache
def _default_policy() -> bytes:
    return content_security_policy().encode("latin-1")


def secured(raw: Iterable[tuple[bytes, bytes]]) -> list[tuple[bytes, bytes]]:
    """An answer's headers without a ``server`` banner, with the defaults it does not set itself,
    and the CSP on an HTML page that has none."""
    headers = [item for item in raw if item[0] != b"server"]
    names = {name for name, _ in headers}
    headers += [item for item in _DEFAULTS if item[0] not in names]
    content_type = next((value for name, value in headers if name == b"content-type"), b"")
    if content_type.startswith(b"text/html") and _POLICY not in names:
        headers.append((_POLICY, _default_policy()))
    return headers


class SecurityHeaders:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = secured(message["headers"])
            await send(message)

        await self.app(scope, receive, with_headers)
