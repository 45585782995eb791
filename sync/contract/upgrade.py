"""Upgrades of older document versions to the current one.

An upgrade takes a document that is valid in its own version and returns the same
facts in the next version's shape; nothing the worker wrote is dropped silently.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

CURRENT_VERSION = 1
COUCH_FIELDS = ("_id", "_rev", "_attachments", "_conflicts", "_revisions", "_deleted")
BASE_FIELDS = ("type", "app_version", "author", "device_id", "grid_id", "created_at")

Upgrade = Callable[[dict[str, Any]], dict[str, Any]]


def _base(doc: dict[str, Any]) -> dict[str, Any]:
    out = {k: doc[k] for k in (*COUCH_FIELDS, *BASE_FIELDS) if k in doc}
    out["schema_version"] = 1
    return out


def _legacy_location(doc: dict[str, Any]) -> dict[str, Any]:
    # v0 apps took whatever fix the OS had, without accuracy, in WGS-84.
    return {"lat": doc["lat"], "lon": doc["lon"], "provider": "unknown", "datum": "wgs84"}


def _iso_from_millis(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, tz=UTC).isoformat(timespec="milliseconds")


def hazard_v0_to_v1(doc: dict[str, Any]) -> dict[str, Any]:
    out = _base(doc)
    out.update(
        category=doc["category"],
        sector="other",  # v0 had no sector
        severity=doc["level"],
        title=doc["title"],
        location=_legacy_location(doc),
        reported_at=_iso_from_millis(doc["report_time"]),
        photos=[],  # v0 listed no photos; its attachments remain in _attachments
    )
    if doc.get("desc"):
        out["description"] = doc["desc"]
    return out


def inspection_v0_to_v1(doc: dict[str, Any]) -> dict[str, Any]:
    out = _base(doc)
    out.update(kind=doc["kind"], category=doc["category"], started_at=doc["started_at"])
    if "finished_at" in doc:
        out["finished_at"] = doc["finished_at"]
    if "site_name" in doc:
        site = {"name": doc["site_name"], "sector": doc.get("site_sector", "other")}
        if doc.get("site_address"):
            site["address"] = doc["site_address"]
        out["site"] = site
    if "lat" in doc and "lon" in doc:
        out["location"] = _legacy_location(doc)
    if doc.get("answers"):
        out["answers"] = [{"item_id": k, "answer": v} for k, v in sorted(doc["answers"].items())]
    return out


UPGRADES: dict[tuple[str, int], Upgrade] = {
    ("hazard", 0): hazard_v0_to_v1,
    ("inspection", 0): inspection_v0_to_v1,
}
