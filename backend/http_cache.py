"""Pre-encoded JSON answers; :mod:`backend.etag` gives every one its ETag and answers
``If-None-Match`` with 304."""

from __future__ import annotations

from typing import Any, Literal

from litestar import Response
from litestar.openapi.datastructures import ResponseSpec
from pydantic import BaseModel


def cached_json(
    body: bytes, media_type: str = "application/json", cache_control: str = "private, no-cache"
) -> Response[bytes]:
    """``body`` as it is, revalidated by its ETag (added by the ETag middleware)."""
    return Response(body, media_type=media_type, headers={"Cache-Control": cache_control})


class FeatureCollection(BaseModel):
    """A GeoJSON FeatureCollection (RFC 7946)."""

    type: Literal["FeatureCollection"]
    features: list[dict[str, Any]]


GEOJSON = {200: ResponseSpec(FeatureCollection, media_type="application/geo+json",
                             description="GeoJSON, with an ETag")}  # fmt: skip
"""How the GeoJSON endpoints (which answer pre-encoded bytes) are documented."""
