"""Hazards: projected from grid databases, listed for the API."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from backend.grids.fence import wgs84_point
from backend.hazards.models import Hazard
from backend.hazards.query import HazardFilter, after_cursor, filtered
from backend.sqltypes import utcnow
from backend.upsert import upsert_row
from geo.geofence import GeofenceResult
from sync.contract import SchemaCheck
from sync.couch.types import rev_generation


async def project_hazard(
    session: AsyncSession,
    stored: Hazard | None,
    grid_id: str,
    rev: str,
    check: SchemaCheck,
    fence: GeofenceResult | None,
    new_rows: dict[str, dict[str, Any]],
) -> None:
    """Upsert the hazard (``stored``, when known; else a plain row in ``new_rows``)
    from a new revision of its document.

    An invalid document is stored too, flagged with its errors: nothing a worker sent
    is thrown away. The grid is the database's own, whatever the document claims.
    """
    values = {**_fields(check, fence), "grid_id": grid_id, "rev": rev, "updated_at": utcnow()}
    values["rev_generation"] = rev_generation(rev)
    upsert_row(session, Hazard, stored, str(check.doc["_id"]), values, new_rows)


def _fields(check: SchemaCheck, fence: GeofenceResult | None) -> dict[str, Any]:
    doc = check.doc
    fields: dict[str, Any] = {
        "device_id": _text(doc, "device_id", 64) or "",
        "author": _text(doc, "author", 128) or "",
        "title": _text(doc, "title", 200),
        "category": _text(doc, "category", 32),
        "sector": _text(doc, "sector", 32),
        "severity": _text(doc, "severity", 16),
        "valid": check.valid,
        "errors": [dict(e) for e in check.errors],
        "schema_version": check.version,
        "upgraded_from": check.upgraded_from,
        "doc": doc,
        "deleted": False,
        "lat": None,
        "lon": None,
        "reported_at": None,
    }
    if check.valid:
        fields["lon"], fields["lat"] = wgs84_point(doc["location"])
        fields["reported_at"] = datetime.fromisoformat(doc["reported_at"])
    fields["geofence_status"] = fence.status.value if fence else None
    fields["geofence_distance_m"] = fence.distance_m if fence else None
    fields["suggested_grid_id"] = fence.suggested_grid_id if fence else None
    fields["boundary_version"] = fence.boundary_version if fence else None
    return fields


def _text(doc: dict[str, Any], key: str, limit: int) -> str | None:
    value = doc.get(key)
    return value if isinstance(value, str) and len(value) <= limit else None


def mark_hazard_deleted(session: AsyncSession, stored: Hazard, rev: str) -> None:
    stored.deleted = True
    stored.rev, stored.rev_generation = rev, rev_generation(rev)
    stored.updated_at = utcnow()
    session.add(stored)


async def list_hazards(
    session: AsyncSession,
    *,
    within: set[str] | None = None,
    hazard_filter: HazardFilter | None = None,
    cursor: str | None = None,
    limit: int = 100,
) -> Sequence[Hazard]:
    """Hazards matching the filter inside ``within``, newest first, one page."""
    query = filtered(hazard_filter or HazardFilter(), within)
    rows: Sequence[Hazard] = (await session.exec(after_cursor(query, cursor).limit(limit))).all()
    return rows


async def hazard_points(
    session: AsyncSession,
    *,
    within: set[str] | None,
    hazard_filter: HazardFilter,
    cursor: str | None,
    limit: int,
) -> list[tuple[Any, ...]]:
    """The map's view of the same query: rows of :func:`marker_columns`."""
    query = after_cursor(filtered(hazard_filter, within, markers=True), cursor).limit(limit)
    return [tuple(row) for row in (await session.exec(query)).all()]
