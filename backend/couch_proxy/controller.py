"""``/couch/<grid database>/…`` forwarded to CouchDB, so a browser replicates with its
grid database from the app's own origin: no CORS, one address for the field app and
its service worker. Only grid databases are reachable; the device's own credentials
(its Authorization header) go through unchanged and CouchDB's ``_security`` decides,
exactly as for a tablet talking to CouchDB directly. The server's admin credentials are
never used here.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from typing import Any

import httpx
from litestar import Request, Response, route
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.response import Stream

from backend.errors import NotFound
from backend.runtime import Runtime

FORWARDED_REQUEST = ("authorization", "content-type", "accept", "if-match", "if-none-match")
FORWARDED_RESPONSE = ("etag", "cache-control", "location")
"""Not WWW-Authenticate: a browser would pop up its own sign-in box."""
DATABASE = re.compile(r"^[a-z][a-z0-9_$()+-]*$")
TIMEOUT = httpx.Timeout(10, read=90)  # a longpoll feed may stay quiet for its heartbeat
LIMITS = httpx.Limits(max_connections=1000, max_keepalive_connections=100)
"""Every open field app holds one long-polling feed; keep-alive saves the TCP set-up of
the short requests between them."""


def upstream_client(couch_url: str) -> httpx.AsyncClient:
    """The proxy's one pooled client for the app's life; it carries no credentials of its
    own (each request brings the device's)."""
    return httpx.AsyncClient(base_url=couch_url, timeout=TIMEOUT, limits=LIMITS)


def _target(runtime: Runtime, path: str) -> str:
    """The CouchDB path, if it is inside one of the grid databases."""
    db, _, rest = path.lstrip("/").partition("/")
    if not DATABASE.fullmatch(db) or not db.startswith(f"{runtime.namespace.prefix}grid_"):
        raise NotFound("no such database")
    return f"/{db}/{rest}"


@route(
    "/couch/{path:path}",
    http_method=["GET", "HEAD", "POST", "PUT", "DELETE"],
    exclude_from_auth=True,
    include_in_schema=False,
)
async def couch_proxy(
    path: FromPath[str], request: Request[Any, Any, Any], runtime: NamedDependency[Runtime]
) -> Response[Any]:
    target = _target(runtime, path)
    headers = {k: v for k, v in request.headers.items() if k.lower() in FORWARDED_REQUEST}
    headers["accept-encoding"] = "identity"
    body = await request.body()
    client = runtime.couch_proxy
    assert client is not None, "the runtime opens the proxy's client at start"
    params = list(request.query_params.multi_items())
    upstream = client.build_request(request.method, target, params=params, headers=headers,
                                    content=body or None)  # fmt: skip
    try:
        answer = await client.send(upstream, stream=True)
    except httpx.TransportError:
        return Response({"error": "unavailable", "reason": "CouchDB is not reachable"},
                        status_code=503)  # fmt: skip
    kept = {k: v for k, v in answer.headers.items() if k.lower() in FORWARDED_RESPONSE}

    async def chunks() -> AsyncIterator[bytes]:
        try:
            async for chunk in answer.aiter_raw():
                yield chunk
        finally:
            await answer.aclose()

    media_type = answer.headers.get("content-type", "application/json")
    return Stream(chunks(), status_code=answer.status_code, headers=kept, media_type=media_type)
