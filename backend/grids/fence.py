"""The geofence index of the active grid boundaries, built from SQL."""

from __future__ import annotations

from typing import Any

from shapely.geometry import shape
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from backend.boundaries.models import BoundaryVersion
from backend.grids.models import Place, PlaceKind
from geo.datum import to_wgs84
from geo.geofence import GeofenceResult, GridIndex


async def active_version_id(session: AsyncSession) -> int:
    """The active boundary version (0 when none was activated yet)."""
    query = select(BoundaryVersion.id).where(col(BoundaryVersion.active).is_(True))
    return (await session.exec(query)).first() or 0


async def load_grid_index(session: AsyncSession) -> GridIndex:
    """The active boundaries of every grid."""
    rows = (await session.exec(select(Place).where(Place.kind == PlaceKind.grid))).all()
    version = await active_version_id(session)
    return GridIndex({p.id: shape(p.boundary) for p in rows}, version)


async def grid_names(session: AsyncSession) -> dict[str, dict[str, str]]:
    """Every grid's names, ``{"zh": …, "en": …}`` by id."""
    query = select(Place.id, Place.name_zh, Place.name_en).where(Place.kind == PlaceKind.grid)
    return {i: {"zh": zh, "en": en} for i, zh, en in (await session.exec(query)).all()}


def wgs84_point(location: dict[str, Any]) -> tuple[float, float]:
    """The location's (lon, lat) in WGS-84, converted when the device said gcj02."""
    lon, lat = to_wgs84(location["lon"], location["lat"], location.get("datum", "wgs84"))
    return float(lon), float(lat)


def fence_documents(
    index: GridIndex, grid_id: str, docs: dict[str, dict[str, Any]]
) -> dict[str, GeofenceResult]:
    """Geofence of every document that carries a location, in one batch."""
    located = {doc_id: doc["location"] for doc_id, doc in docs.items() if doc.get("location")}
    if not located:
        return {}
    points = [wgs84_point(loc) for loc in located.values()]
    results = index.classify_many(
        [grid_id] * len(points),
        [p[0] for p in points],
        [p[1] for p in points],
        [loc.get("accuracy_m") for loc in located.values()],
    )
    return dict(zip(located, results, strict=True))
