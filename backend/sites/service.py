"""Keep the site register: upsert by (grid, name), list inside a jurisdiction."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from backend.sites.models import HIGH_RISK_SECTORS, Site
from backend.sqltypes import utcnow


async def upsert_sites(session: AsyncSession, entries: Sequence[dict[str, Any]]) -> list[Site]:
    """Create or update each site named by (grid_id, name); unnamed fields keep their value.
    ``high_risk`` defaults to the sector's risk for a new site."""
    grids = {e["grid_id"] for e in entries}
    query = select(Site).where(col(Site.grid_id).in_(grids))
    known = {(s.grid_id, s.name): s for s in (await session.exec(query)).all()}
    saved = []
    for entry in entries:
        site = known.get((entry["grid_id"], entry["name"]))
        if site is None:
            values = {"high_risk": entry["sector"] in HIGH_RISK_SECTORS, **entry}
            site = known[(entry["grid_id"], entry["name"])] = Site.model_validate(values)
        else:
            for key, value in entry.items():
                setattr(site, key, value)
            site.updated_at = utcnow()
        session.add(site)
        saved.append(site)
    await session.flush()
    return saved


async def list_sites(
    session: AsyncSession,
    within: set[str] | None,
    *,
    grid_id: str | None = None,
    high_risk: bool | None = None,
    retired: bool | None = False,
) -> Sequence[Site]:
    query = select(Site)
    if within is not None:
        query = query.where(col(Site.grid_id).in_(within))
    if grid_id is not None:
        query = query.where(Site.grid_id == grid_id)
    if high_risk is not None:
        query = query.where(col(Site.high_risk).is_(high_risk))
    if retired is not None:
        query = query.where(col(Site.retired).is_(retired))
    return (await session.exec(query.order_by(col(Site.grid_id), col(Site.name)))).all()
