"""What a live map is told when a hazard arrives or changes."""

from __future__ import annotations

from typing import Any

from backend.hazards.models import Hazard, is_overdue
from backend.sqltypes import utcnow

CHANNEL = "hazards"


def hazard_event(hazard: Hazard, reason: str) -> dict[str, Any]:
    """The marker of a hazard (the map's own GeoJSON properties) and why it changed:
    ``synced`` from a tablet, ``ledger`` decision, or ``changed`` (found again in SQL by a
    stream that missed it); ``updated_at`` orders the changes."""
    return {
        "reason": reason,
        "id": hazard.doc_id,
        "grid_id": hazard.grid_id,
        "title": hazard.title,
        "category": hazard.category,
        "severity": hazard.severity,
        "ledger_status": hazard.ledger_status,
        "geofence_status": hazard.geofence_status,
        "overdue": is_overdue(hazard.ledger_status, hazard.deadline, utcnow()),
        "reported_at": hazard.reported_at.isoformat() if hazard.reported_at else None,
        "deleted": hazard.deleted,
        "lon": hazard.lon,
        "lat": hazard.lat,
        "updated_at": hazard.updated_at.isoformat(),
    }
