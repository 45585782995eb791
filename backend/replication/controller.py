"""HTTP: the sync engine's state, conflicts, and what it could not apply."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from litestar import Controller, get
from litestar.di import NamedDependency
from litestar.params import QueryParameter
from pydantic import BaseModel
from sqlmodel.ext.asyncio.session import AsyncSession

from backend.accounts.auth import admin_only
from backend.health.controller import health_details
from backend.replication.documents import list_conflicted
from backend.replication.quarantine import list_quarantined
from backend.replication.status import sync_status
from backend.runtime import Runtime


class QuarantinedChangeRead(BaseModel):
    db: str
    doc_id: str
    rev: str
    reason: str
    errors: list[dict[str, str]]
    quarantined_at: datetime


class ConflictRead(BaseModel):
    doc_id: str
    db: str
    grid_id: str
    doc_type: str
    rev: str
    conflict_revs: list[str]
    updated_at: datetime


class SyncController(Controller):
    path = "/api/sync"
    tags = ("sync",)
    guards = [admin_only]  # noqa: RUF012

    @get("/status")
    async def status(
        self, session: NamedDependency[AsyncSession], runtime: NamedDependency[Runtime]
    ) -> list[dict[str, Any]]:
        """Per grid database: last seq processed, lag, documents, quarantined, errors."""
        follower = runtime.follower.status if runtime.follower else None
        return await sync_status(session, follower)

    @get("/health")
    async def health(self, runtime: NamedDependency[Runtime]) -> dict[str, Any]:
        """Why the service is or is not ready: SQL, CouchDB (and the managed dev server's
        restarts), the follower's role, lag, progress and last error."""
        return await health_details(runtime)

    @get("/conflicts")
    async def conflicts(
        self,
        session: NamedDependency[AsyncSession],
        limit: Annotated[int, QueryParameter(ge=1, le=500)] = 100,
    ) -> list[ConflictRead]:
        """Worker documents with replication conflicts: CouchDB's winner and the losers."""
        rows = await list_conflicted(session, limit=limit)
        return [ConflictRead.model_validate(r, from_attributes=True) for r in rows]

    @get("/quarantine")
    async def quarantine(
        self,
        session: NamedDependency[AsyncSession],
        limit: Annotated[int, QueryParameter(ge=1, le=500)] = 100,
    ) -> list[QuarantinedChangeRead]:
        rows = await list_quarantined(session, limit=limit)
        return [QuarantinedChangeRead.model_validate(r, from_attributes=True) for r in rows]
