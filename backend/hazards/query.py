"""Filters and keyset pagination of hazard lists (the API list, GeoJSON and exports)."""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import String, and_, cast, not_, or_, type_coerce
from sqlmodel import col, select

from backend.errors import DomainError
from backend.grids.models import Place
from backend.hazards.models import Hazard, on_the_ledger
from backend.photos.models import HazardPhoto
from backend.sqltypes import UTCTimestampText, utcnow


@dataclass(frozen=True, slots=True)
class HazardFilter:
    grid_id: str | None = None
    community_id: str | None = None
    category: str | None = None
    sector: str | None = None
    severity: str | None = None
    ledger_status: str | None = None
    geofence_status: str | None = None
    valid: bool | None = None
    overdue: bool | None = None
    reported_from: datetime | None = None
    reported_to: datetime | None = None
    bbox: tuple[float, float, float, float] | None = None
    """west, south, east, north (WGS-84)."""
    photo_flag: str | None = None
    """A photo check flag, ``rejected``, ``reused`` or ``any`` of them."""


PHOTO_FLAGS = ("taken_far_from_reported_point", "taken_long_before_report",
               "exif_time_implausible", "exif_gps_unreadable", "exif_time_unreadable",
               "pixels_unusable_metadata_read")  # fmt: skip
PhotoFlagFilter = StrEnum(  # type: ignore[misc]
    "PhotoFlagFilter", [(name, name) for name in (*PHOTO_FLAGS, "rejected", "reused", "any")]
)


def _photo_condition(flag: str) -> Any:
    """Hazards with a photo carrying ``flag`` (flags are a JSON list, matched as text)."""
    flags_text = cast(col(HazardPhoto.flags), String)
    conditions: dict[str, Any] = {name: flags_text.like(f'%"{name}"%') for name in PHOTO_FLAGS}
    conditions["rejected"] = col(HazardPhoto.status) == "rejected"
    conditions["reused"] = col(HazardPhoto.reused_from).is_not(None)
    wanted = or_(*conditions.values()) if flag == "any" else conditions[flag]
    return (
        select(HazardPhoto.hazard_id)
        .where(col(HazardPhoto.hazard_id) == col(Hazard.doc_id), wanted)
        .exists()
    )


def parse_bbox(raw: str | None) -> tuple[float, float, float, float] | None:
    if raw is None:
        return None
    try:
        west, south, east, north = (float(part) for part in raw.split(","))
    except ValueError:
        west = south = east = north = float("nan")
    valid = -180 <= west <= east <= 180 and -90 <= south <= north <= 90
    if not valid:
        raise DomainError("bbox must be west,south,east,north in degrees",
                          [{"path": "/query/bbox", "message": "expected w,s,e,n"}])  # fmt: skip
    return west, south, east, north


MARKER_PROPERTIES = (
    "doc_id", "title", "grid_id", "category", "severity", "ledger_status", "geofence_status",
)  # fmt: skip


def marker_columns(now: datetime) -> list[Any]:
    """What a map marker needs, as plain values: no document bodies, no ORM objects, the
    timestamps as text and ``overdue`` computed by the database. In this order:
    :data:`MARKER_PROPERTIES`, overdue, reported_at, received_at, lon, lat."""
    late = and_(col(Hazard.ledger_status) == "rectifying", col(Hazard.deadline) < now)
    return [
        *(getattr(Hazard, name) for name in MARKER_PROPERTIES),
        late.label("overdue"),
        type_coerce(col(Hazard.reported_at), UTCTimestampText).label("reported_at"),
        type_coerce(col(Hazard.received_at), UTCTimestampText).label("received_at"),
        Hazard.lon, Hazard.lat,
    ]  # fmt: skip


def filtered(f: HazardFilter, within: set[str] | None, *, markers: bool = False) -> Any:
    """The SELECT of hazards matching ``f`` inside the caller's jurisdiction; of the
    marker columns only when ``markers``."""
    what = marker_columns(utcnow()) if markers else [Hazard]
    return where_matching(select(*what), f, within)


def where_matching(query: Any, f: HazardFilter, within: set[str] | None) -> Any:
    """``query`` (of hazards, or joined to them) narrowed to the hazards ``f`` matches."""
    query = query.where(on_the_ledger())
    if within is not None:
        query = query.where(col(Hazard.grid_id).in_(within))
    equal = {"grid_id": f.grid_id, "category": f.category, "severity": f.severity,
             "sector": f.sector,
             "ledger_status": f.ledger_status, "geofence_status": f.geofence_status}  # fmt: skip
    for name, value in equal.items():
        if value is not None:
            query = query.where(getattr(Hazard, name) == value)
    if f.community_id is not None:
        grids = select(Place.id).where(Place.parent_id == f.community_id)
        query = query.where(col(Hazard.grid_id).in_(grids))
    if f.valid is not None:
        query = query.where(col(Hazard.valid).is_(f.valid))
    if f.overdue is not None:
        late = and_(col(Hazard.ledger_status) == "rectifying", col(Hazard.deadline) < utcnow())
        query = query.where(late if f.overdue else not_(late))
    if f.reported_from is not None:
        query = query.where(col(Hazard.reported_at) >= f.reported_from)
    if f.reported_to is not None:
        query = query.where(col(Hazard.reported_at) < f.reported_to)
    if f.bbox is not None:
        west, south, east, north = f.bbox
        query = query.where(
            col(Hazard.lon).between(west, east), col(Hazard.lat).between(south, north)
        )
    if f.photo_flag is not None:
        query = query.where(_photo_condition(f.photo_flag))
    return query


def after_cursor(query: Any, cursor: str | None) -> Any:
    """Newest first; ``cursor`` continues after the last row of the previous page."""
    if cursor is not None:
        received_at, doc_id = decode_cursor(cursor)
        query = query.where(or_(
            col(Hazard.received_at) < received_at,
            and_(col(Hazard.received_at) == received_at, col(Hazard.doc_id) > doc_id),
        ))  # fmt: skip
    return query.order_by(col(Hazard.received_at).desc(), col(Hazard.doc_id))


def encode_cursor(received_at: datetime, doc_id: str) -> str:
    raw = f"{received_at.isoformat()}|{doc_id}".encode()
    return base64.urlsafe_b64encode(raw).decode()


def decode_cursor(cursor: str) -> tuple[datetime, str]:
    try:
        stamp, doc_id = base64.urlsafe_b64decode(cursor.encode()).decode().split("|", 1)
        return datetime.fromisoformat(stamp), doc_id
    except (ValueError, binascii.Error, UnicodeDecodeError):
        raise DomainError("cursor is not one this API gave out",
                          [{"path": "/query/cursor", "message": "invalid"}]) from None  # fmt: skip
