"""Small helpers for tests that drive the real services."""

from __future__ import annotations

import asyncio
import base64
import io
import time
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from PIL import Image
from PIL.TiffImagePlugin import IFDRational
from sqlalchemy import func
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import select

from backend.database import read_only_connection
from backend.photos.exif import EXIF_IFD, GPS_IFD
from backend.photos.processing import sha256_of
from backend.synced.models import SyncedDocument
from sync.ids import new_ulid

T = TypeVar("T")

REDIS_URL = "redis://127.0.0.1:6379/0"
"""The machine's Redis, which the live-event tests share (each under its own namespace)."""


async def eventually(
    probe: Callable[[], Awaitable[T]],
    accept: Callable[[T], bool],
    *,
    within: float = 10.0,
    every: float = 0.05,
) -> T:
    """Poll ``probe`` until ``accept`` says yes; fail with the last answer otherwise."""
    deadline = time.monotonic() + within
    while True:
        value = await probe()
        if accept(value):
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"not accepted within {within}s; last answer: {value!r}")
        await asyncio.sleep(every)


def hazard_doc(
    *, device_id: str, author: str, grid_id: str, title: str = "Blocked fire exit", **extra: Any
) -> dict[str, Any]:
    """A v1 hazard as a tablet writes it."""
    doc: dict[str, Any] = {
        "_id": f"hazard:{device_id}:{new_ulid()}",
        "type": "hazard",
        "schema_version": 1,
        "app_version": "1.0.0",
        "author": author,
        "device_id": device_id,
        "grid_id": grid_id,
        "created_at": "2026-11-20T09:30:00+08:00",
        "title": title,
        "category": "fire",
        "sector": "crowded_place",
        "severity": "major",
        "location": {"lat": 30.2712, "lon": 120.1523, "accuracy_m": 8.0, "provider": "gps"},
        "reported_at": "2026-11-20T09:31:00+08:00",
        "photos": [],
    }
    doc.update(extra)
    return doc


def inspection_doc(
    *, device_id: str, author: str, grid_id: str, kind: str, started_at: str, **extra: Any
) -> dict[str, Any]:
    """A v1 inspection as a tablet writes it (``site`` etc. through ``extra``)."""
    doc: dict[str, Any] = {
        "_id": f"inspection:{device_id}:{new_ulid()}",
        "type": "inspection",
        "schema_version": 1,
        "app_version": "1.0.0",
        "author": author,
        "device_id": device_id,
        "grid_id": grid_id,
        "created_at": started_at,
        "kind": kind,
        "category": "fire" if kind == "hazard_inspection" else "other",
        "started_at": started_at,
    }
    doc.update(extra)
    return doc


def walk(west: float, east: float, fixes: int, *, lat: float = 30.272) -> list[dict[str, Any]]:
    """Track fixes of a walk east along ``lat``, one every 5 s from 09:00 (UTC+8) on
    Tuesday 1 December 2026 (week 2026-W49)."""
    step = (east - west) / (fixes - 1)
    return [{"t": f"2026-12-01T09:{i * 5 // 60:02d}:{i * 5 % 60:02d}+08:00", "lat": lat,
             "lon": west + i * step, "accuracy_m": 6} for i in range(fixes)]  # fmt: skip


def track_doc(
    *, device_id: str, author: str, grid_id: str, points: list[dict[str, Any]],
    inspection_id: str | None = None,
) -> dict[str, Any]:  # fmt: skip
    """A v1 track document as a tablet writes it, created at its first fix."""
    return {"_id": f"track:{device_id}:{new_ulid()}", "type": "track", "schema_version": 1,
            "app_version": "1.0.0", "author": author, "device_id": device_id,
            "grid_id": grid_id, "created_at": points[0]["t"],
            "inspection_id": inspection_id or f"inspection:{device_id}:{new_ulid()}",
            "points": points}  # fmt: skip


async def synced_count(engine: AsyncEngine) -> int:
    """How many worker documents SQL has registered (read straight from the database)."""
    async with read_only_connection(engine) as conn:
        query = select(func.count()).select_from(SyncedDocument)
        count: int = (await conn.execute(query)).scalar_one()
        return count


def basic_auth(user: str, password: str) -> dict[str, str]:
    """HTTP Basic headers, as a tablet signs in to CouchDB."""
    token = base64.b64encode(f"{user}:{password}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


def jpeg_photo(colour: tuple[int, int, int], orientation: int = 1, gps: bool = False) -> bytes:
    """A small JPEG of one colour with a white corner; with EXIF orientation, and
    optionally a GPS position and time."""
    image = Image.new("RGB", (320, 240), colour)
    image.paste((255, 255, 255), (0, 0, 80, 60))
    exif = Image.Exif()
    exif[0x0112] = orientation
    if gps:
        exif.get_ifd(GPS_IFD).update({
            1: "N", 2: (IFDRational(30, 1), IFDRational(16, 1), IFDRational(1728, 100)),
            3: "E", 4: (IFDRational(120, 1), IFDRational(9, 1), IFDRational(828, 100)),
        })  # fmt: skip
        exif.get_ifd(EXIF_IFD).update({36867: "2026:11:20 09:30:40", 36881: "+08:00"})
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif)
    return out.getvalue()


def with_photos(doc: dict[str, Any], photos: dict[str, bytes], attach: bool = True) -> None:
    """List the photos in the document, attached unless ``attach`` is false."""
    doc["photos"] = [{"name": n, "sha256": sha256_of(d), "content_type": "image/jpeg"}
                     for n, d in photos.items()]  # fmt: skip
    if attach:
        doc["_attachments"] = {
            n: {"content_type": "image/jpeg", "data": base64.b64encode(d).decode()}
            for n, d in photos.items()
        }
