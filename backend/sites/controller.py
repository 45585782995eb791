"""HTTP: the site register of the caller's jurisdiction; supervisors keep it."""

from __future__ import annotations

from typing import Annotated, Literal

from litestar import Controller, get, post
from litestar.di import NamedDependency
from litestar.params import FromQuery, JSONBody, QueryParameter
from pydantic import BaseModel, Field
from sqlmodel.ext.asyncio.session import AsyncSession

from backend.accounts.auth import require_role
from backend.accounts.models import Account, Role
from backend.accounts.service import jurisdiction_grid_ids
from backend.audit.service import actor_of, record
from backend.errors import DomainError, OutsideJurisdiction
from backend.grids.service import grid_ids
from backend.openapi_examples import example_config
from backend.sites.models import SiteRead
from backend.sites.service import list_sites, upsert_sites

MAX_SITES = 5000
supervisors = require_role(Role.admin, Role.street_supervisor, Role.community_supervisor)

Sector = Literal[
    "hazardous_chemicals", "construction", "special_equipment", "crowded_place", "gas",
    "industrial_trade", "catering", "residential", "school", "other",
]  # fmt: skip


class SiteEntry(BaseModel):
    model_config = example_config({
        "grid_id": "donghu-01", "name": "东湖加油站", "sector": "gas",
        "credit_code": "91330106MA2H0B1X7Q", "address": "东湖路 66 号",
    })  # fmt: skip

    grid_id: str = Field(min_length=1, max_length=64)
    name: str = Field(min_length=1, max_length=200)
    sector: Sector
    credit_code: str | None = Field(default=None, pattern="^[0-9A-HJ-NPQRTUWXY]{18}$")
    address: str = Field(default="", max_length=300)
    high_risk: bool | None = None
    """Left out: high-risk when the sector is (chemicals, construction, gas…)."""
    retired: bool = False


class SiteController(Controller):
    path = "/api/sites"
    tags = ("sites",)

    @get("/")
    async def index(
        self,
        session: NamedDependency[AsyncSession],
        account: NamedDependency[Account],
        grid_id: Annotated[str | None, QueryParameter(max_length=64)] = None,
        high_risk: FromQuery[bool | None] = None,
    ) -> list[SiteRead]:
        """Sites in use in the caller's jurisdiction."""
        within = await jurisdiction_grid_ids(session, account)
        rows = await list_sites(session, within, grid_id=grid_id, high_risk=high_risk)
        return [SiteRead.model_validate(row, from_attributes=True) for row in rows]

    @post("/", guards=[supervisors])
    async def upsert(
        self,
        data: JSONBody[list[SiteEntry]],
        session: NamedDependency[AsyncSession],
        account: NamedDependency[Account],
    ) -> list[SiteRead]:
        """Add or update sites by (grid, name): the whole list or nothing."""
        if not 1 <= len(data) <= MAX_SITES:
            message = f"send 1 to {MAX_SITES} sites"
            raise DomainError(message, [{"path": "", "message": message}])
        within = await grid_ids(session, await jurisdiction_grid_ids(session, account))
        for index, entry in enumerate(data):
            if entry.grid_id not in within:
                path = f"/{index}/grid_id"
                raise OutsideJurisdiction(f"site {index} names a grid that does not exist",
                                          [{"path": path, "message": "no such grid"}])  # fmt: skip
        rows = await upsert_sites(session, [e.model_dump(exclude_none=True) for e in data])
        for row in rows:
            record(session, actor_of(account), "site.upsert", f"site:{row.id}",
                   grid_id=row.grid_id, name=row.name, high_risk=row.high_risk)  # fmt: skip
        return [SiteRead.model_validate(row, from_attributes=True) for row in rows]
