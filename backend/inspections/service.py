"""Project inspection documents into SQL (only valid ones count towards coverage)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from backend.grids.fence import wgs84_point
from backend.inspections.models import Inspection
from backend.sqltypes import utcnow
from backend.upsert import upsert_row
from geo.geofence import GeofenceResult
from sync.contract import SchemaCheck


def project_inspection(
    session: AsyncSession,
    stored: Inspection | None,
    grid_id: str,
    rev: str,
    check: SchemaCheck,
    fence: GeofenceResult | None,
    new_rows: dict[str, dict[str, Any]],
) -> None:
    """Upsert the inspection from a new revision (``stored``, when known; else a plain
    row in ``new_rows``); the grid is the database's own."""
    values = {**_fields(check, fence), "grid_id": grid_id, "rev": rev, "updated_at": utcnow()}
    upsert_row(session, Inspection, stored, str(check.doc["_id"]), values, new_rows)


def _fields(check: SchemaCheck, fence: GeofenceResult | None) -> dict[str, Any]:
    doc = check.doc
    fields: dict[str, Any] = {
        "valid": check.valid, "deleted": False, "device_id": "", "author": "", "kind": None,
        "category": None, "site_name": None, "site_sector": None, "site_credit_code": None,
        "started_at": None, "finished_at": None, "disputes_found": None, "hazards_reported": 0,
        "lat": None, "lon": None, "geofence_status": fence.status.value if fence else None,
    }  # fmt: skip
    if not check.valid:
        return fields  # the registry keeps the errors; an invalid visit counts for nothing
    site = doc.get("site") or {}
    fields.update(
        device_id=doc["device_id"], author=doc["author"], kind=doc["kind"],
        category=doc["category"], site_name=site.get("name"), site_sector=site.get("sector"),
        site_credit_code=site.get("credit_code"), disputes_found=doc.get("disputes_found"),
        started_at=datetime.fromisoformat(doc["started_at"]),
        hazards_reported=sum(1 for a in doc.get("answers", []) if a.get("hazard_id")),
    )  # fmt: skip
    if "finished_at" in doc:
        fields["finished_at"] = datetime.fromisoformat(doc["finished_at"])
    if "location" in doc:
        fields["lon"], fields["lat"] = wgs84_point(doc["location"])
    return fields


def mark_inspection_deleted(stored: Inspection, rev: str) -> None:
    stored.deleted, stored.rev, stored.updated_at = True, rev, utcnow()
