"""HTTP: the grids of the hierarchy."""

from __future__ import annotations

from litestar import Controller, get
from litestar.di import NamedDependency
from sqlmodel.ext.asyncio.session import AsyncSession

from backend.accounts.models import Account
from backend.accounts.service import jurisdiction_grid_ids
from backend.grids.models import GridRead
from backend.grids.service import list_grids


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
