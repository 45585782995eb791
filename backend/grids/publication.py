"""The ``grid`` document each grid database carries for the tablet's offline map."""

from __future__ import annotations

from typing import Any

from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from backend.grids.models import Place, PlaceKind
from geo.simplify import simplified_boundary

BOUNDARY_VERSION = 1  # one boundary set until boundary versions land


def grid_document(grid: Place, community: Place | None) -> dict[str, Any]:
    boundary, bbox = simplified_boundary(grid.boundary)
    doc: dict[str, Any] = {
        "_id": f"grid:{grid.id}",
        "type": "grid",
        "schema_version": 1,
        "grid_id": grid.id,
        "name_zh": grid.name_zh,
        "name_en": grid.name_en,
        "boundary_version": BOUNDARY_VERSION,
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
    """Grid database name → its ``grid`` document."""
    places = {p.id: p for p in (await session.exec(select(Place))).all()}
    return {
        place.couch_db: grid_document(place, places.get(place.parent_id or ""))
        for place in places.values()
        if place.kind == PlaceKind.grid and place.couch_db
    }
