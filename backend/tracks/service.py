"""Projecting a ``track`` document: its length, share outside its grid, times and a
light line for maps; the verdict's part about it."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import datetime
from typing import Any

from shapely.geometry.base import BaseGeometry
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from backend.accounts.service import display_names
from backend.sqltypes import utcnow
from backend.tracks.filters import TrackFilter
from backend.tracks.models import TrackSegment
from backend.upsert import upsert_row
from geo.tracks import TrackFacts, track_facts
from sync.contract import SchemaCheck


def project_track(
    session: AsyncSession,
    stored: TrackSegment | None,
    db: str,
    grid_id: str,
    rev: str,
    check: SchemaCheck,
    grid: BaseGeometry | None,
    new_rows: dict[str, dict[str, Any]],
    workers: Mapping[str, int | None],
) -> TrackFacts | None:
    """Upsert the segment (``stored``, when known; else a plain row in ``new_rows``);
    what its points say, when valid. An invalid one is kept, flagged, with no points.
    ``workers``: the grid worker carrying each tablet of the grid now; a segment keeps
    the worker it was first attributed to."""
    doc = check.doc
    values: dict[str, Any] = {
        "db": db, "grid_id": grid_id, "rev": rev, "valid": check.valid, "deleted": False,
        "inspection_id": None, "device_id": "", "author": "", "worker_account_id": None,
        "started_at": None,
        "ended_at": None, "points": 0, "length_m": 0.0, "outside_share": None, "line": [],
        "updated_at": utcnow(),
    }  # fmt: skip
    facts = None
    if check.valid:
        points = doc["points"]
        lons, lats = [p["lon"] for p in points], [p["lat"] for p in points]
        facts = track_facts(lons, lats, doc.get("datum", "wgs84"), grid)
        times = [datetime.fromisoformat(p["t"]) for p in points]
        values.update(
            inspection_id=doc["inspection_id"], device_id=doc["device_id"], author=doc["author"],
            started_at=min(times), ended_at=max(times), points=facts.points,
            length_m=facts.length_m, outside_share=facts.outside_share, line=facts.line,
            worker_account_id=(stored.worker_account_id if stored is not None
                               and stored.worker_account_id is not None
                               else workers.get(doc["device_id"])),
        )  # fmt: skip
    upsert_row(session, TrackSegment, stored, str(doc["_id"]), values, new_rows)
    return facts


def track_verdict(facts: TrackFacts) -> dict[str, Any]:
    """The verdict's ``track`` part: what the server made of the points."""
    share = None if facts.outside_share is None else round(facts.outside_share, 3)
    return {"points": facts.points, "length_m": round(facts.length_m, 1),
            "outside_share": share, "flags": facts.flags}  # fmt: skip


def stored_track_verdict(row: TrackSegment) -> dict[str, Any]:
    """The same part, from the stored segment."""
    return track_verdict(TrackFacts(row.points, row.length_m, row.outside_share, row.line))


def mark_track_deleted(session: AsyncSession, stored: TrackSegment, rev: str) -> None:
    """Deleted on the tablet or by retention: where it went is not kept."""
    stored.deleted, stored.rev, stored.line, stored.updated_at = True, rev, [], utcnow()
    session.add(stored)


async def tracks_of_period(
    session: AsyncSession,
    within: Collection[str] | None,
    start: datetime,
    end: datetime,
    whose: TrackFilter,
) -> list[dict[str, Any]]:
    """GeoJSON features of the tracks in grids ``within`` (``None``: all) that overlap
    [``start``, ``end``), of the tablet or worker ``whose`` names; oldest first."""
    query = select(TrackSegment).where(
        col(TrackSegment.valid).is_(True), col(TrackSegment.deleted).is_(False),
        col(TrackSegment.started_at) < end, col(TrackSegment.ended_at) >= start,
    )  # fmt: skip
    if within is not None:
        query = query.where(col(TrackSegment.grid_id).in_(list(within)))
    query = query.where(*whose.conditions())
    rows = (await session.exec(query.order_by(col(TrackSegment.started_at)))).all()
    names = await display_names(session, [row.worker_account_id for row in rows])
    return [_feature(row, names) for row in rows if row.line]


def _feature(row: TrackSegment, names: Mapping[int, str]) -> dict[str, Any]:
    single = len(row.line) == 1
    geometry = {"type": "Point" if single else "LineString",
                "coordinates": row.line[0] if single else row.line}  # fmt: skip
    times = {"started_at": row.started_at.isoformat() if row.started_at else None,
             "ended_at": row.ended_at.isoformat() if row.ended_at else None}  # fmt: skip
    return {"type": "Feature", "id": row.doc_id, "geometry": geometry,
            "properties": {"grid_id": row.grid_id, "device_id": row.device_id,
                           "worker_account_id": row.worker_account_id,
                           "worker_name": names.get(row.worker_account_id or 0),
                           "inspection_id": row.inspection_id, **times,
                           "points": row.points, "length_m": round(row.length_m, 1),
                           "outside_share": row.outside_share}}  # fmt: skip
