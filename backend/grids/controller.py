"""HTTP: the grids of the hierarchy."""

from __future__ import annotations

import json

from litestar import Controller, Response, get
from litestar.di import NamedDependency
from sqlmodel.ext.asyncio.session import AsyncSession

from backend.accounts.models import Account
from backend.accounts.service import jurisdiction_grid_ids
from backend.grids.fence import active_version_id
from backend.grids.models import GridRead
from backend.grids.service import list_grids
from backend.http_cache import GEOJSON, cached_json


class GridController(Controller):
    path = "/api/grids"
    tags = ("grids",)

    @get("/")
    async def list(
        self, session: NamedDependency[AsyncSession], account: NamedDependency[Account]
    ) -> list[GridRead]:
        """Grids in the caller's jurisdiction."""
        within = await jurisdiction_grid_ids(session, account)
        grids = await list_grids(session, within)
        return [GridRead.model_validate(g, from_attributes=True) for g in grids]

    @get("/geojson", media_type="application/geo+json", responses=GEOJSON)
    async def geojson(
        self,
        session: NamedDependency[AsyncSession],
        account: NamedDependency[Account],
    ) -> Response[bytes]:
        """Grids in the caller's jurisdiction as GeoJSON, with the boundary version."""
        within = await jurisdiction_grid_ids(session, account)
        version = await active_version_id(session)
        features = [
            {
                "type": "Feature",
                "id": g.id,
                "properties": {"id": g.id, "name_zh": g.name_zh, "name_en": g.name_en,
                               "community_id": g.parent_id, "boundary_version": version},
                "geometry": g.boundary,
            }
            for g in await list_grids(session, within)
        ]  # fmt: skip
        body = {"type": "FeatureCollection", "features": features}
        return cached_json(json.dumps(body, ensure_ascii=False).encode(),
                           "application/geo+json")  # fmt: skip
