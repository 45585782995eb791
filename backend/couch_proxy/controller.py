"""``/couch/<grid database>/…`` forwarded to CouchDB, so a browser replicates with its
grid database from the app's own origin: no CORS, one address for the field app and
its service worker.

Only replication inside one grid database is forwarded (``routes.decide``, on the raw
path); everything else is a 404 before anything reaches CouchDB. A request must bring a
tablet's own credentials (HTTP Basic, a device user), which CouchDB's ``_security`` and
``validate_doc_update`` then judge exactly as for a tablet talking to CouchDB directly.
The server's admin credentials are never used here, no cookie is kept or passed on, and
what comes back can never run as a page of this origin.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable
from typing import Any
from urllib.parse import urlencode

import httpx
from litestar import Request, Response, route
from litestar.di import NamedDependency
from litestar.response import Stream

from backend.couch_proxy.answers import answer_headers
from backend.couch_proxy.routes import Refused, Target, check_query, decide, is_long_poll
from backend.couch_proxy.upstream import upstream_headers
from backend.http_basic import basic_credentials, client_address
from backend.photos.processing import PhotoLimits
from backend.runtime import Runtime

log = logging.getLogger(__name__)

MAX_BODY = PhotoLimits().max_bytes * 4 // 3 + 2 * 1024 * 1024
"""A document carrying one photo at the photo limit (base64) and its JSON."""
RETRY_AFTER_SECONDS = 10


def _couch_error(status: int, error: str, reason: str) -> Response[Any]:
    """In CouchDB's own error shape: replication clients read ``error``/``reason``."""
    return Response({"error": error, "reason": reason}, status_code=status)


def _device_user(authorization: str, device_prefix: str) -> str | None:
    """The user name in HTTP Basic credentials, if it is a tablet's CouchDB user."""
    credentials = basic_credentials(authorization)
    return credentials[0] if credentials and credentials[0].startswith(device_prefix) else None


async def _read_body(request: Request[Any, Any, Any]) -> bytes | None:
    """The body, or ``None`` when it is over ``MAX_BODY`` (read no further)."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_BODY:
        return None
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


@route(
    "/couch/{path:path}",
    http_method=["GET", "HEAD", "POST", "PUT", "DELETE"],
    exclude_from_auth=True,
    include_in_schema=False,
    request_max_body_size=MAX_BODY,
)
async def couch_proxy(
    request: Request[Any, Any, Any], runtime: NamedDependency[Runtime]
) -> Response[Any]:
    namespace = runtime.namespace
    try:
        raw_path = request.scope["raw_path"].split(b"?", 1)[0]  # some servers leave the query on
        target = decide(raw_path, request.method, f"{namespace.prefix}grid_")
        params = check_query(list(request.query_params.multi_items()))
    except Refused as refused:
        log.info("/couch/ refused %s %r: %s", request.method, request.scope["raw_path"], refused)
        return _couch_error(404, "not_found", "not available here")
    user = _device_user(request.headers.get("authorization", ""), f"{namespace.prefix}device_")
    if user is None:  # refused before the body is read
        return _couch_error(401, "unauthorized", "a tablet's credentials are required")
    body = await _read_body(request)
    if body is None:
        return _couch_error(413, "too_large", f"a request body may be at most {MAX_BODY} bytes")
    gate = runtime.long_polls
    long_poll = is_long_poll(params)
    if long_poll and not gate.try_acquire(user):
        response = _couch_error(429, "too_many_requests", "this tablet already holds a feed")
        response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response
    try:
        return await _forward(request, runtime, target, params, body, release=(
            (lambda: gate.release(user)) if long_poll else None))  # fmt: skip
    except BaseException:
        if long_poll:
            gate.release(user)
        raise


async def _forward(
    request: Request[Any, Any, Any],
    runtime: Runtime,
    target: Target,
    params: list[tuple[str, str]],
    body: bytes,
    release: Callable[[], None] | None,
) -> Response[Any]:
    client = runtime.couch_proxy
    assert client is not None, "the runtime opens the proxy's client at start"
    headers = upstream_headers(request.headers, client_address(request))
    upstream = client.build_request(request.method, target.upstream_path, params=urlencode(params),
                                    headers=headers, content=body or None)  # fmt: skip
    try:
        answer = await client.send(upstream, stream=True)
    except httpx.TransportError:
        if release:
            release()
        return _couch_error(503, "unavailable", "CouchDB is not reachable")

    async def chunks() -> AsyncIterator[bytes]:
        try:
            async for chunk in answer.aiter_raw():
                yield chunk
        finally:
            await answer.aclose()
            if release:
                release()

    headers_out, media_type = answer_headers(target, answer.headers)
    return Stream(chunks(), status_code=answer.status_code, headers=headers_out,
                  media_type=media_type)  # fmt: skip
