"""Blind spots per grid and period: what the period's patrol tracks came within reach
of, and what they did not — for coverage, its CSV and the supervisor map."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Collection, Sequence
from dataclasses import dataclass

from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from backend.coverage.cadence import Period
from backend.grids.models import Place, PlaceKind
from backend.tracks.models import TrackSegment
from geo.blind_spots import Line, PatrolCoverage, patrol_coverage
from geo.repair import polygonal


@dataclass(frozen=True, slots=True)
class GridPatrol:
    grid_id: str
    name_zh: str
    name_en: str
    tracks: int
    length_m: float
    devices: list[str]
    """Tablets whose tracks count here, sorted."""
    coverage: PatrolCoverage


async def patrolled_grids(
    session: AsyncSession,
    within: Collection[str] | None,
    period: Period,
    reach_m: float,
    device_id: str | None = None,
) -> list[GridPatrol]:
    """Every grid of ``within`` (``None``: all) with the period's tracks (of one tablet,
    when ``device_id`` is given) and what they covered; a grid nobody walked is all
    blind spot."""
    query = select(Place).where(Place.kind == PlaceKind.grid)
    if within is not None:
        query = query.where(col(Place.id).in_(list(within)))
    grids = (await session.exec(query.order_by(col(Place.id)))).all()
    tracks = select(TrackSegment.grid_id, TrackSegment.device_id, TrackSegment.length_m,
                    TrackSegment.line).where(
        col(TrackSegment.grid_id).in_([g.id for g in grids]),
        col(TrackSegment.valid).is_(True), col(TrackSegment.deleted).is_(False),
        col(TrackSegment.started_at) < period.end, col(TrackSegment.ended_at) >= period.start,
    )  # fmt: skip
    if device_id is not None:
        tracks = tracks.where(TrackSegment.device_id == device_id)
    lines: dict[str, list[Line]] = defaultdict(list)
    devices: dict[str, set[str]] = defaultdict(set)
    lengths: dict[str, float] = defaultdict(float)
    for grid_id, device, length, line in (await session.exec(tracks)).all():
        lines[grid_id].append(line)
        devices[grid_id].add(device)
        lengths[grid_id] += length
    shapes: dict[str, BaseGeometry] = {g.id: polygonal(shape(g.boundary)) for g in grids}
    covered = await asyncio.to_thread(_cover, shapes, lines, reach_m)  # CPU: off the loop
    return [
        GridPatrol(grid_id=g.id, name_zh=g.name_zh, name_en=g.name_en, tracks=len(lines[g.id]),
                   length_m=lengths[g.id], devices=sorted(devices[g.id]), coverage=covered[g.id])
        for g in grids
    ]  # fmt: skip


def _cover(
    shapes: dict[str, BaseGeometry], lines: dict[str, list[Line]], reach_m: float
) -> dict[str, PatrolCoverage]:
    return {
        grid_id: patrol_coverage(grid, lines.get(grid_id, []), reach_m)
        for grid_id, grid in shapes.items()
    }


def unpatrolled_features(patrols: Sequence[GridPatrol]) -> dict[str, object]:
    """The blind spots as a GeoJSON FeatureCollection, one feature per grid."""
    return {
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "id": p.grid_id, "geometry": p.coverage.unpatrolled,
             "properties": {"grid_id": p.grid_id, "name_zh": p.name_zh, "name_en": p.name_en,
                            "patrolled_share": round(p.coverage.patrolled_share, 4),
                            "tracks": p.tracks, "length_m": round(p.length_m, 1)}}
            for p in patrols
        ],
    }  # fmt: skip
