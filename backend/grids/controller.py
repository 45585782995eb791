"""HTTP: the grids of the hierarchy."""

from __future__ import annotations

from litestar import Controller, get
from litestar.di import NamedDependency
from sqlmodel.ext.asyncio.session import AsyncSession

from backend.grids.models import GridRead
from backend.grids.service import list_grids


class GridController(Controller):
    path = "/api/grids"
    tags = ("grids",)

    @get("/")
    async def list(self, session: NamedDependency[AsyncSession]) -> list[GridRead]:
        return [GridRead.model_validate(g, from_attributes=True) for g in await list_grids(session)]
