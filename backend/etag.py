"""ETags on every read: a GET answered in one piece gets a weak ETag of its body (weak:
the same JSON goes out gzipped or not, two encodings of one representation), and
``If-None-Match`` with that ETag gets 304 without the body. Streamed answers (exports)
pass through untouched; handlers that set their own ETag keep it."""

from __future__ import annotations

import hashlib
from typing import Any

from litestar.enums import ScopeType
from litestar.middleware import ASGIMiddleware
from litestar.types import ASGIApp, Message, Receive, Scope, Send


def _header(headers: list[tuple[bytes, bytes]], name: bytes) -> bytes | None:
    return next((value for key, value in headers if key.lower() == name), None)


def _matches(if_none_match: bytes, etag: bytes) -> bool:
    """The weak comparison RFC 9110 asks of If-None-Match."""
    tags = [tag.strip().removeprefix(b"W/") for tag in if_none_match.split(b",")]
    return etag.removeprefix(b"W/") in tags or b"*" in tags


class ETagMiddleware(ASGIMiddleware):
    scopes = (ScopeType.HTTP,)

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        http: Any = scope
        if http["method"] not in {"GET", "HEAD"}:
            await next_app(scope, receive, send)
            return
        if_none_match = _header(list(http["headers"]), b"if-none-match")
        out: Any = send  # plain dicts below: the ASGI events' typed dicts add nothing
        start: dict[str, Any] | None = None
        passing = False

        async def buffered(message: Message) -> None:
            nonlocal start, passing
            if passing:
                await out(message)
            elif message["type"] == "http.response.start":
                start = dict(message)
            elif message["type"] == "http.response.body":
                assert start is not None
                if message.get("more_body") or start["status"] != 200:
                    passing = True  # streamed or not a plain success: as it is
                    await out(start)
                    await out(message)
                    return
                await send_whole(start, message)
            else:
                await out(message)

        async def send_whole(start: dict[str, Any], message: Message) -> None:
            headers = list(start.get("headers") or [])
            etag = _header(headers, b"etag")
            if etag is None:
                body: bytes = message.get("body", b"")  # type: ignore[assignment]
                etag = b'W/"' + hashlib.sha256(body).hexdigest()[:32].encode() + b'"'
                headers.append((b"etag", etag))
                if _header(headers, b"cache-control") is None:
                    headers.append((b"cache-control", b"private, no-cache"))
            if if_none_match is not None and _matches(if_none_match, etag):
                kept = [(k, v) for k, v in headers if k.lower() != b"content-length"]
                await out({"type": "http.response.start", "status": 304, "headers": kept})
                await out({"type": "http.response.body", "body": b""})
                return
            await out({**start, "headers": headers})
            await out(message)

        await next_app(scope, receive, buffered)
