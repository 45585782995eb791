"""HTTP: what the sync engine could not apply, with the reason."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from litestar import Controller, get
from litestar.di import NamedDependency
from litestar.params import QueryParameter
from pydantic import BaseModel
from sqlmodel.ext.asyncio.session import AsyncSession

from backend.replication.quarantine import list_quarantined


class QuarantinedChangeRead(BaseModel):
    db: str
    doc_id: str
    rev: str
    reason: str
    errors: list[dict[str, str]]
    quarantined_at: datetime


class QuarantineController(Controller):
    path = "/api/sync/quarantine"
    tags = ("sync",)

    @get("/")
    async def list(
        self,
        session: NamedDependency[AsyncSession],
        limit: Annotated[int, QueryParameter(ge=1, le=500)] = 100,
    ) -> list[QuarantinedChangeRead]:
        rows = await list_quarantined(session, limit=limit)
        return [QuarantinedChangeRead.model_validate(r, from_attributes=True) for r in rows]
