"""HTTP: the base map archive by byte ranges (what the vendored ``pmtiles`` reader asks
for), with a strong ETag so that a replaced archive is noticed, and its facts (zooms,
bounds, ETag) for the apps. Public like the map's scripts: the archive holds streets,
nothing of the street office's own."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import anyio
from litestar import Request, Response, get
from litestar.response import Stream
from pydantic import BaseModel, Field

from backend.basemap.archive import Unsatisfiable, archive_facts, etag_of, requested_range
from backend.errors import NotFound
from backend.runtime import Runtime

ARCHIVE_URL = "/basemap/archive.pmtiles"
CHUNK = 256 * 1024
CACHING = "public, no-cache"
"""Kept by browsers, asked again each time (a 304 while the archive is unchanged)."""


class BaseMapInfo(BaseModel):
    url: str
    etag: str
    size: int
    tile_format: str
    min_zoom: int
    max_zoom: int
    bounds: list[float] = Field(min_length=4, max_length=4)
    """West, south, east, north in degrees (WGS-84)."""
    centre: list[float] = Field(min_length=3, max_length=3)
    """Longitude, latitude and zoom of the archive's own centre."""


def _archive(request: Request[Any, Any, Any]) -> Path:
    runtime: Runtime = request.app.state.runtime
    if runtime.basemap is None:
        raise NotFound("no base map is configured (BASEMAP_PMTILES)")
    return runtime.basemap


@get("/basemap/info", exclude_from_auth=True, tags=["map"], sync_to_thread=False)
def basemap_info(request: Request[Any, Any, Any]) -> BaseMapInfo:
    """The base map archive's facts: where to read it, its ETag (a new one when the
    archive is replaced), its zoom range and bounds."""
    facts = archive_facts(_archive(request))
    return BaseMapInfo(url=ARCHIVE_URL, **facts.__dict__)


@get(ARCHIVE_URL, exclude_from_auth=True, include_in_schema=False)
async def basemap_archive(request: Request[Any, Any, Any]) -> Response[Any]:
    """The archive: whole, or the one byte range asked for (206), or 304 when the
    caller's copy is current, or 416 for a range beyond its end."""
    path = _archive(request)
    handle = await anyio.to_thread.run_sync(path.open, "rb")
    try:
        stat = os.fstat(handle.fileno())
        etag, size = etag_of(stat), stat.st_size
        headers = {"ETag": etag, "Accept-Ranges": "bytes", "Cache-Control": CACHING}
        if _matches(request.headers.get("if-none-match"), etag):
            handle.close()
            return Response(b"", status_code=304, headers=headers)
        wanted = request.headers.get("range")
        if_range = request.headers.get("if-range")
        if if_range is not None and if_range.strip() != etag:
            wanted = None  # the caller's part is of another archive: the whole one
        try:
            span = requested_range(wanted, size)
        except Unsatisfiable:
            handle.close()
            return Response(
                b"", status_code=416, headers={**headers, "Content-Range": f"bytes */{size}"}
            )
        first, last = span or (0, size - 1)
        headers["Content-Length"] = str(last - first + 1 if size else 0)
        if span is not None:
            headers["Content-Range"] = f"bytes {first}-{last}/{size}"
    except BaseException:
        handle.close()
        raise
    return Stream(
        _read(handle, first, last),
        status_code=206 if span is not None else 200,
        media_type="application/vnd.pmtiles",
        headers=headers,
    )


def _matches(if_none_match: str | None, etag: str) -> bool:
    if if_none_match is None:
        return False
    tags = [tag.strip().removeprefix("W/") for tag in if_none_match.split(",")]
    return etag in tags or "*" in tags


async def _read(handle: Any, first: int, last: int) -> AsyncIterator[bytes]:
    try:
        await anyio.to_thread.run_sync(handle.seek, first)
        remaining = last - first + 1
        while remaining > 0:
            chunk: bytes = await anyio.to_thread.run_sync(handle.read, min(CHUNK, remaining))
            if not chunk:
                return
            remaining -= len(chunk)
            yield chunk
    finally:
        handle.close()
