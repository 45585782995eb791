"""The ``grid`` document each grid database carries for the tablet's offline map."""

from __future__ import annotations

from typing import Any

from shapely.geometry import shape
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from backend.grids.fence import active_version_id
from backend.grids.models import Place, PlaceKind
from geo.simplify import simplify_coverage


def grid_document(
    grid: Place, community: Place | None, boundary: dict[str, Any], version: int
) -> dict[str, Any]:
    bbox = list(shape(boundary).bounds)
    doc: dict[str, Any] = {
        "_id": f"grid:{grid.id}",
        "type": "grid",
        "schema_version": 1,
        "grid_id": grid.id,
        "name_zh": grid.name_zh,
        "name_en": grid.name_en,
        "boundary_version": version,
        "boundary": boundary,
        "bbox": bbox,
    }
    if community is not None:
        doc["community"] = {
            "id": community.id,
            "name_zh": community.name_zh,
            "name_en": community.name_en,
        }
    return doc


async def grid_documents(session: AsyncSession) -> dict[str, dict[str, Any]]:
    """Grid database name → its ``grid`` document, boundaries simplified together so
    that neighbours still share their edges on the tablet's map."""
    places = {p.id: p for p in (await session.exec(select(Place))).all()}
    grids = [p for p in places.values() if p.kind == PlaceKind.grid and p.couch_db]
    simplified = simplify_coverage({g.id: g.boundary for g in grids})
    version = await active_version_id(session)
    return {
        str(g.couch_db): grid_document(g, places.get(g.parent_id or ""), simplified[g.id], version)
        for g in grids
    }
