"""Size limits on what a caller may send, enforced before anything parses it.

A 10 MB body or a 1 MiB header costs the whole event loop its time while it is read and parsed;
both are refused here first: 413 for a body over ``max_body_bytes`` (announced or streamed), 431 for
headers over ``max_header_bytes`` together. Neither answer quotes what was sent.
"""

from __future__ import annotations

import json

from starlette.types import ASGIApp, Message, Receive, Scope, Send


async def send_json(send: Send, status: int, body: dict[str, object], headers: dict[str, str] | None = None) -> None:
    """A complete JSON answer from inside a middleware (before the app has run)."""
    payload = json.dumps(body).encode()
    raw = [(b"content-type", b"application/json"), (b"content-length", str(len(payload)).encode())]
    raw += [(k.lower().encode(), v.encode()) for k, v in (headers or {}).items()]
    await send({"type": "http.response.start", "status": status, "headers": raw})
    await send({"type": "http.response.body", "body": payload})


class RequestLimits:
    def __init__(self, app: ASGIApp, max_body_bytes: int, max_header_bytes: int) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes
        self.max_header_bytes = max_header_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers: list[tuple[bytes, bytes]] = scope["headers"]
        if sum(len(name) + len(value) for name, value in headers) > self.max_header_bytes:
            await send_json(
                send,
                431,
                {"detail": f"request headers too large: at most {self.max_header_bytes} bytes together; send less"},
            )
            return
        declared = next((value for name, value in headers if name == b"content-length"), None)
        if declared is not None and (not declared.isdigit() or int(declared) > self.max_body_bytes):
            await self._too_large(send)
            return
        if scope["method"] in ("GET", "HEAD", "OPTIONS") and declared is None:
            await self.app(scope, receive, send)
            return
        # A body without a (truthful) length is read here, up to the limit, and handed on whole.
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_body_bytes:
                await self._too_large(send)
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    async def _too_large(self, send: Send) -> None:
        await send_json(
            send,
            413,
            {"detail": f"request body too large: at most {self.max_body_bytes} bytes; send fewer or shorter criteria"},
            {"Connection": "close"},
        )
