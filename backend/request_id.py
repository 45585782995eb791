"""Every request gets an id (the caller's ``X-Request-ID`` when it is a plausible one):
in the answer's ``X-Request-ID``, in a 500's problem details and in the log line, so a
supervisor's "it failed" can be found."""

from __future__ import annotations

import re
import secrets
from typing import Any

from litestar.enums import ScopeType
from litestar.middleware import ASGIMiddleware
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from backend.errors import REQUEST_ID

PLAUSIBLE = re.compile(rb"[A-Za-z0-9._-]{8,64}")


class RequestIdMiddleware(ASGIMiddleware):
    scopes = (ScopeType.HTTP,)

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        http: Any = scope
        given = next((v for k, v in http["headers"] if k.lower() == b"x-request-id"), b"")
        request_id = given if PLAUSIBLE.fullmatch(given) else secrets.token_hex(8).encode()
        http.setdefault("state", {})[REQUEST_ID] = request_id.decode()

        async def with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                start: Any = message
                start["headers"] = [*start.get("headers", []), (b"x-request-id", request_id)]
            await send(message)

        await next_app(scope, receive, with_id)
