"""What a base map archive is (read from its header) and which bytes a request asks for.

The archive is named by a setting and may be replaced while the service runs (an office
rebuilds its map): its ETag comes from the file's size and modification time at each
request, so a replaced archive has a new ETag and the apps fetch it again."""

from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass
from pathlib import Path

from pmtiles.tile import MagicNumberNotFound, SpecVersionUnsupported, TileType, deserialize_header

HEADER_BYTES = 127
RASTER = {TileType.PNG: "png", TileType.JPEG: "jpg", TileType.WEBP: "webp", TileType.AVIF: "avif"}
_RANGE = re.compile(r"bytes=([0-9]{0,19})-([0-9]{0,19})")


class BaseMapError(Exception):
    """The named archive cannot be served (said at start, not to a tablet)."""


@dataclass(frozen=True)
class ArchiveFacts:
    etag: str
    size: int
    tile_format: str
    min_zoom: int
    max_zoom: int
    bounds: tuple[float, float, float, float]
    """West, south, east, north."""
    centre: tuple[float, float, int]
    """Longitude, latitude and zoom of the archive's centre."""


def archive_facts(path: Path) -> ArchiveFacts:
    """The archive's ETag and header facts; :class:`BaseMapError` if it is not a raster
    PMTiles v3 archive."""
    try:
        with path.open("rb") as archive:
            stat = os.fstat(archive.fileno())
            head = archive.read(HEADER_BYTES)
        header = deserialize_header(head)
    except OSError as exc:
        raise BaseMapError(f"base map {path}: {exc.strerror or exc}") from exc
    except (MagicNumberNotFound, SpecVersionUnsupported, ValueError, IndexError) as exc:
        raise BaseMapError(f"base map {path} is not a PMTiles version 3 archive") from exc
    tile_format = RASTER.get(header["tile_type"])
    if tile_format is None:
        raise BaseMapError(
            f"base map {path} holds {header['tile_type'].name} tiles; the maps draw raster "
            "archives (PNG, JPEG, WebP, AVIF) — see README, 'Base map'"
        )
    return ArchiveFacts(
        etag=etag_of(stat),
        size=stat.st_size,
        tile_format=tile_format,
        min_zoom=header["min_zoom"],
        max_zoom=header["max_zoom"],
        bounds=(header["min_lon_e7"] / 1e7, header["min_lat_e7"] / 1e7,
                header["max_lon_e7"] / 1e7, header["max_lat_e7"] / 1e7),
        centre=(header["center_lon_e7"] / 1e7, header["center_lat_e7"] / 1e7,
                header["center_zoom"]),
    )  # fmt: skip


def etag_of(stat: os.stat_result) -> str:
    """A strong ETag from what changes when the file is replaced or rewritten."""
    stamp = f"{stat.st_size}:{stat.st_mtime_ns}:{stat.st_ino}".encode()
    return f'"{hashlib.sha256(stamp).hexdigest()[:24]}"'


class Unsatisfiable(Exception):
    """A range that starts beyond the end (answered 416)."""


def requested_range(header: str | None, size: int) -> tuple[int, int] | None:
    """The one byte range (first, last, inclusive) that ``Range`` asks for, or ``None``
    for the whole file: no header, a malformed one, or several ranges (RFC 9110 lets a
    server answer those whole; the apps never ask for more than one)."""
    if header is None:
        return None
    match = _RANGE.fullmatch(header.strip())
    if match is None:
        return None
    first, last = match.group(1), match.group(2)
    if not first:
        if not last:
            return None
        suffix = int(last)
        if suffix == 0:
            raise Unsatisfiable
        return max(0, size - suffix), size - 1
    start = int(first)
    end = int(last) if last else size - 1
    if last and end < start:
        return None  # malformed: ignored
    if start >= size:
        raise Unsatisfiable
    return start, min(end, size - 1)
