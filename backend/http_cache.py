"""Answers with an ETag that clients can revalidate (304 Not Modified)."""

from __future__ import annotations

import hashlib
from typing import Any, Literal

from litestar import Request, Response
from litestar.openapi.datastructures import ResponseSpec
from litestar.status_codes import HTTP_304_NOT_MODIFIED
from pydantic import BaseModel


def cached_json(
    request: Request[Any, Any, Any],
    body: bytes,
    media_type: str = "application/json",
    cache_control: str = "private, no-cache",
) -> Response[bytes]:
    etag = f'"{hashlib.sha256(body).hexdigest()[:32]}"'
    headers = {"ETag": etag, "Cache-Control": cache_control}
    if etag in request.headers.get("if-none-match", ""):
        return Response(b"", status_code=HTTP_304_NOT_MODIFIED, headers=headers)
    return Response(body, media_type=media_type, headers=headers)


class FeatureCollection(BaseModel):
    """A GeoJSON FeatureCollection (RFC 7946)."""

    type: Literal["FeatureCollection"]
    features: list[dict[str, Any]]


GEOJSON = {200: ResponseSpec(FeatureCollection, media_type="application/geo+json",
                             description="GeoJSON, with an ETag")}  # fmt: skip
"""How the GeoJSON endpoints (which answer pre-encoded bytes) are documented."""
