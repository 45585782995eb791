"""Headers every answer carries so that a page of this origin runs only this origin's
code: a strict Content-Security-Policy (no inline script or style, no plugins, never
framed), ``nosniff``, no referrer, and HSTS in production. An answer that set its own
policy (``/couch/`` attachments: a sandbox) keeps it."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from litestar.enums import ScopeType
from litestar.middleware import ASGIMiddleware
from litestar.types import ASGIApp, Message, Receive, Scope, Send

FIELD_APP = "/field"
"""The field app compiles the mobile schemas into validators in the browser (Ajv builds
functions from them), so its pages also allow ``'unsafe-eval'`` — never inline script."""


def content_security_policy(tile_url: str | None, *, allow_eval: bool = False) -> str:
    images = ["'self'", "data:", "blob:"]
    if tile_url:
        parts = urlsplit(tile_url.replace("{s}", "a"))
        images.append(f"{parts.scheme}://{parts.netloc.replace('a.', '*.', 1)}")
    scripts = "'self' 'unsafe-eval'" if allow_eval else "'self'"
    return "; ".join([
        "default-src 'self'", f"script-src {scripts}", "style-src 'self'",
        f"img-src {' '.join(images)}", "connect-src 'self'", "font-src 'self'",
        "worker-src 'self'", "manifest-src 'self'", "object-src 'none'", "base-uri 'none'",
        "form-action 'self'", "frame-ancestors 'none'",
    ])  # fmt: skip


class SecurityHeadersMiddleware(ASGIMiddleware):
    scopes = (ScopeType.HTTP,)

    def __init__(self, tile_url: str | None, *, production: bool) -> None:
        self.policy = content_security_policy(tile_url).encode()
        self.field_policy = content_security_policy(tile_url, allow_eval=True).encode()
        self.fixed: list[tuple[bytes, bytes]] = [
            (b"x-content-type-options", b"nosniff"),
            (b"referrer-policy", b"no-referrer"),
            (b"x-frame-options", b"DENY"),
        ]
        if production:
            self.fixed.append((b"strict-transport-security", b"max-age=31536000"))

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        http: Any = scope
        path: str = http.get("path", "")
        in_field_app = path == FIELD_APP or path.startswith(f"{FIELD_APP}/")
        policy = self.field_policy if in_field_app else self.policy

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                start: Any = message
                headers = list(start.get("headers", []))
                present = {name.lower() for name, _ in headers}
                headers += [(k, v) for k, v in self.fixed if k not in present]
                if b"content-security-policy" not in present:
                    headers.append((b"content-security-policy", policy))
                start["headers"] = headers
            await send(message)

        await next_app(scope, receive, with_headers)
