"""HTTP: hazards reported from the field."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, get
from litestar.di import NamedDependency
from litestar.params import FromQuery, QueryParameter
from sqlmodel.ext.asyncio.session import AsyncSession

from backend.accounts.models import Account
from backend.accounts.service import jurisdiction_grid_ids
from backend.hazards.models import HazardRead
from backend.hazards.service import list_hazards
from backend.ledger.workflow import LedgerStatus
from geo.geofence import GeofenceStatus


class HazardController(Controller):
    path = "/api/hazards"
    tags = ("hazards",)

    @get("/")
    async def list(
        self,
        session: NamedDependency[AsyncSession],
        account: NamedDependency[Account],
        grid_id: Annotated[str | None, QueryParameter(max_length=64)] = None,
        valid: FromQuery[bool | None] = None,
        ledger_status: FromQuery[LedgerStatus | None] = None,
        geofence_status: FromQuery[GeofenceStatus | None] = None,
        overdue: FromQuery[bool | None] = None,
        limit: Annotated[int, QueryParameter(ge=1, le=500)] = 100,
    ) -> list[HazardRead]:
        """Hazards in the caller's jurisdiction, newest first, filtered."""
        rows = await list_hazards(
            session,
            within=await jurisdiction_grid_ids(session, account),
            grid_id=grid_id,
            valid=valid,
            ledger_status=ledger_status.value if ledger_status else None,
            geofence_status=geofence_status.value if geofence_status else None,
            overdue=overdue,
            limit=limit,
        )
        return [HazardRead.model_validate(row, from_attributes=True) for row in rows]
