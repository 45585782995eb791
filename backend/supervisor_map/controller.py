"""HTTP: the supervisor map's page, its settings, grid colours and counted cells."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from pathlib import Path
from typing import Annotated, Any

from litestar import Controller, MediaType, Request, Response, get
from litestar.di import NamedDependency, Provide
from litestar.params import QueryParameter
from pydantic import BaseModel
from sqlmodel.ext.asyncio.session import AsyncSession

from backend.accounts.models import Account, Role
from backend.accounts.service import jurisdiction_grid_ids
from backend.errors import DomainError
from backend.grids.fence import active_version_id
from backend.grids.service import grid_ids
from backend.hazards.controller import provide_filter
from backend.hazards.query import HazardFilter
from backend.runtime import Runtime
from backend.settings import Settings
from backend.supervisor_map.service import cluster_cells, grid_status

STATIC = Path(__file__).resolve().parent.parent / "web" / "static"
FIELD_APP = STATIC.parent / "field"
"""The grid workers' offline web app, served at /field/."""
MIN_CELLS, MAX_CELLS = 4, 200


class MapConfig(BaseModel):
    tile_url: str | None
    time_zone: str
    boundary_version: int | None
    boundary_problems: bool
    """Whether the caller may see the boundary problems layer."""
    account: dict[str, Any]


class GridStatusRead(BaseModel):
    open: int
    overdue: int
    inspections_this_week: int


class CellsRead(BaseModel):
    total: int
    cells: list[list[float]]
    """[lon, lat, count, overdue, major] per occupied cell."""


def _page(name: str) -> Response[bytes]:
    """A page of ``web/static`` (it signs in itself; the data comes from the API)."""
    body = (STATIC / name).read_bytes()
    return Response(body, media_type=MediaType.HTML,
                    headers={"Cache-Control": "no-cache"})  # fmt: skip


@get("/map", exclude_from_auth=True, include_in_schema=False)
async def map_page() -> Response[bytes]:
    """The supervisors' map."""
    return _page("map.html")


@get("/devices", exclude_from_auth=True, include_in_schema=False)
async def devices_page() -> Response[bytes]:
    """Admins register tablets here; the enrol link is shown as a QR code."""
    return _page("devices.html")


class SupervisorMapController(Controller):
    path = "/api/map"
    tags = ("map",)
    dependencies = {"hazard_filter": Provide(provide_filter, sync_to_thread=False)}  # noqa: RUF012

    @get("/config")
    async def config(
        self,
        session: NamedDependency[AsyncSession],
        account: NamedDependency[Account],
        runtime: NamedDependency[Runtime],
        request: Request[Any, Any, Any],
    ) -> MapConfig:
        settings: Settings = request.app.state.settings
        return MapConfig(
            tile_url=settings.map_tile_url,
            time_zone=runtime.time_zone.key,
            boundary_version=await active_version_id(session),
            boundary_problems=account.role in {Role.admin, Role.street_supervisor},
            account={"username": account.username, "display_name": account.display_name,
                     "role": account.role, "place_id": account.place_id},
        )  # fmt: skip

    @get("/grid-status")
    async def grid_status(
        self,
        session: NamedDependency[AsyncSession],
        account: NamedDependency[Account],
        runtime: NamedDependency[Runtime],
    ) -> dict[str, GridStatusRead]:
        """Per grid of the jurisdiction: open and overdue hazards, inspections this week
        (from Monday, street time)."""
        grids = await grid_ids(session, await jurisdiction_grid_ids(session, account))
        today = datetime.now(runtime.time_zone).date()
        monday = datetime.combine(today - timedelta(days=today.weekday()), time(),
                                  runtime.time_zone)  # fmt: skip
        status = await grid_status(session, grids, monday)
        return {
            g: GridStatusRead(open=s.open, overdue=s.overdue, inspections_this_week=s.inspections)
            for g, s in status.items()
        }

    @get("/clusters")
    async def clusters(
        self,
        session: NamedDependency[AsyncSession],
        account: NamedDependency[Account],
        hazard_filter: NamedDependency[HazardFilter],
        cells: Annotated[int, QueryParameter(ge=MIN_CELLS, le=MAX_CELLS)] = 40,
    ) -> CellsRead:
        """Hazards of the filter (``bbox`` required) counted in about ``cells`` × ``cells``
        squares: what the map draws when a view holds too many hazards to draw singly."""
        if hazard_filter.bbox is None:
            raise DomainError("clusters need a bbox",
                              [{"path": "/query/bbox", "message": "is required"}])  # fmt: skip
        west, _, east, _ = hazard_filter.bbox
        size = max((east - west) / cells, 1e-6)
        within = await jurisdiction_grid_ids(session, account)
        found = await cluster_cells(session, hazard_filter, within, size)
        return CellsRead(total=found.total, cells=found.cells)
