"""Blind spots per grid and period: what the period's patrol tracks came within reach
of, and what they did not — for coverage, its CSV and the supervisor map."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass

from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from backend.cadence import Period
from backend.grids.models import Place, PlaceKind
from backend.tracks.filters import TrackFilter
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
    whose: TrackFilter | None = None,
) -> list[GridPatrol]:
    """Every grid of ``within`` (``None``: all) with the period's tracks (of the tablet
    or worker ``whose`` names) and what they covered; a grid nobody walked is all blind
    spot."""
    grids = await _grids(session, within)
    lines: dict[str, list[Line]] = defaultdict(list)
    devices: dict[str, set[str]] = defaultdict(set)
    lengths: dict[str, float] = defaultdict(float)
    for grid_id, device, length, line in await _tracks(session, grids, period, whose):
        lines[grid_id].append(line)
        devices[grid_id].add(device)
        lengths[grid_id] += length
    covered = await asyncio.to_thread(_cover, _shapes(grids), lines, reach_m)  # CPU
    return [
        GridPatrol(grid_id=g.id, name_zh=g.name_zh, name_en=g.name_en, tracks=len(lines[g.id]),
                   length_m=lengths[g.id], devices=sorted(devices[g.id]), coverage=covered[g.id])
        for g in grids
    ]  # fmt: skip


async def patrolled_by_device(
    session: AsyncSession, grid_of_device: Mapping[str, str], period: Period, reach_m: float
) -> dict[str, float]:
    """For each tablet, the share of its grid its own tracks of the period came within
    reach of (0 when it walked none there) — the scorecard's patrol coverage."""
    grids = await _grids(session, set(grid_of_device.values()))
    lines: dict[str, list[Line]] = defaultdict(list)
    for grid_id, device, _, line in await _tracks(session, grids, period, None):
        if grid_of_device.get(device) == grid_id:
            lines[device].append(line)
    shapes = _shapes(grids)
    own = {device: shapes[grid] for device, grid in grid_of_device.items() if grid in shapes}
    covered = await asyncio.to_thread(_cover, own, lines, reach_m)  # CPU: off the loop
    return {device: coverage.patrolled_share for device, coverage in covered.items()}


async def _grids(session: AsyncSession, within: Collection[str] | None) -> list[Place]:
    query = select(Place).where(Place.kind == PlaceKind.grid)
    if within is not None:
        query = query.where(col(Place.id).in_(list(within)))
    return list((await session.exec(query.order_by(col(Place.id)))).all())


def _shapes(grids: Sequence[Place]) -> dict[str, BaseGeometry]:
    return {g.id: polygonal(shape(g.boundary)) for g in grids}


async def _tracks(
    session: AsyncSession, grids: Sequence[Place], period: Period, whose: TrackFilter | None
) -> Sequence[tuple[str, str, float, Line]]:
    """(grid, tablet, length, line) of each valid track of ``grids`` in ``period``."""
    query = select(TrackSegment.grid_id, TrackSegment.device_id, TrackSegment.length_m,
                   TrackSegment.line).where(
        col(TrackSegment.grid_id).in_([g.id for g in grids]),
        col(TrackSegment.valid).is_(True), col(TrackSegment.deleted).is_(False),
        col(TrackSegment.started_at) < period.end, col(TrackSegment.ended_at) >= period.start,
    )  # fmt: skip
    if whose is not None:
        query = query.where(*whose.conditions())
    return (await session.exec(query)).all()


def _cover(
    shapes: Mapping[str, BaseGeometry], lines: Mapping[str, list[Line]], reach_m: float
) -> dict[str, PatrolCoverage]:
    """Coverage of each shape (keyed by grid or by tablet) by the lines of the same key."""
    return {key: patrol_coverage(grid, lines.get(key, []), reach_m) for key, grid in shapes.items()}


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
