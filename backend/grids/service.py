"""Places of the hierarchy and their grid databases."""

from __future__ import annotations

from collections.abc import Sequence

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from backend.grids.models import Place, PlaceKind


async def list_grids(session: AsyncSession, within: set[str] | None = None) -> Sequence[Place]:
    """Grids, all or only those ``within`` a jurisdiction."""
    query = select(Place).where(Place.kind == PlaceKind.grid).order_by(col(Place.id))
    if within is not None:
        query = query.where(col(Place.id).in_(within))
    return (await session.exec(query)).all()


async def grid_ids(session: AsyncSession, within: set[str] | None) -> set[str]:
    """The ids of the grids ``within`` a jurisdiction; of every grid for ``None`` (admins)."""
    return within if within is not None else {grid.id for grid in await list_grids(session)}


async def grid_databases(session: AsyncSession) -> dict[str, str]:
    """Grid database name → grid id."""
    query = select(Place.couch_db, Place.id).where(col(Place.couch_db).is_not(None))
    return {db: grid_id for db, grid_id in (await session.exec(query)).all() if db}
