"""What a live map is told when a hazard arrives or changes."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from backend.hazards.models import Hazard, is_overdue
from backend.sqltypes import utcnow

CHANNEL = "hazards"


def hazard_event(hazard: Hazard | Mapping[str, Any], reason: str) -> dict[str, Any]:
    """The marker of a hazard (the map's own GeoJSON properties) and why it changed:
    ``synced`` from a tablet, ``ledger`` decision, or ``changed`` (found again in SQL by a
    stream that missed it); ``updated_at`` orders the changes. ``hazard`` is a stored
    row, or the values of one the follower is inserting."""
    row = hazard if isinstance(hazard, Mapping) else _Attributes(hazard)
    reported_at, updated_at = row["reported_at"], row["updated_at"]
    return {
        "reason": reason,
        "id": row["doc_id"],
        "grid_id": row["grid_id"],
        "title": row["title"],
        "category": row["category"],
        "severity": row["severity"],
        "ledger_status": row["ledger_status"],
        "geofence_status": row["geofence_status"],
        "overdue": is_overdue(row["ledger_status"], row["deadline"], utcnow()),
        "reported_at": reported_at.isoformat() if reported_at else None,
        "deleted": row["deleted"],
        "lon": row["lon"],
        "lat": row["lat"],
        "updated_at": updated_at.isoformat(),
    }


class _Attributes:
    """A stored row read by name, as a mapping is."""

    def __init__(self, row: Hazard) -> None:
        self.row = row

    def __getitem__(self, name: str) -> Any:
        return getattr(self.row, name)
