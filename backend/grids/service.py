"""Places of the hierarchy and their grid databases."""

from __future__ import annotations

from collections.abc import Sequence

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from backend.grids.models import Place, PlaceKind
from geo.hierarchy import PlaceFeature
from sync.provisioning import Namespace


async def add_missing_places(
    session: AsyncSession, places: Sequence[PlaceFeature], namespace: Namespace
) -> int:
    """Insert the places not stored yet (parents first); returns how many were new."""
    existing = set((await session.exec(select(Place.id))).all())
    new = [p for p in places if p.id not in existing]
    for place in new:
        session.add(
            Place(
                id=place.id,
                kind=PlaceKind(place.kind),
                parent_id=place.parent_id,
                name_zh=place.name_zh,
                name_en=place.name_en,
                boundary=place.geojson_geometry(),
                couch_db=namespace.grid_db(place.id) if place.kind == "grid" else None,
            )
        )
        await session.flush()
    return len(new)


async def list_grids(session: AsyncSession, within: set[str] | None = None) -> Sequence[Place]:
    """Grids, all or only those ``within`` a jurisdiction."""
    query = select(Place).where(Place.kind == PlaceKind.grid).order_by(col(Place.id))
    if within is not None:
        query = query.where(col(Place.id).in_(within))
    return (await session.exec(query)).all()


async def grid_databases(session: AsyncSession) -> dict[str, str]:
    """Grid database name → grid id."""
    query = select(Place.couch_db, Place.id).where(col(Place.couch_db).is_not(None))
    return {db: grid_id for db, grid_id in (await session.exec(query)).all() if db}
