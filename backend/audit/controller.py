"""HTTP: the audit trail, for admins and street supervisors."""

from __future__ import annotations

from typing import Annotated

from litestar import Controller, Response, get
from litestar.di import NamedDependency
from litestar.params import QueryParameter
from sqlmodel.ext.asyncio.session import AsyncSession

from backend.accounts.auth import require_role
from backend.accounts.models import Role
from backend.audit.models import AuditEntryRead
from backend.audit.service import list_entries


class AuditController(Controller):
    path = "/api/audit"
    tags = ("audit",)
    guards = [require_role(Role.admin, Role.street_supervisor)]  # noqa: RUF012

    @get("/")
    async def list(
        self,
        session: NamedDependency[AsyncSession],
        action: Annotated[str | None, QueryParameter(max_length=64)] = None,
        target: Annotated[str | None, QueryParameter(max_length=300)] = None,
        actor: Annotated[str | None, QueryParameter(max_length=200)] = None,
        before: Annotated[int | None, QueryParameter(ge=1, description="id to page on")] = None,
        limit: Annotated[int, QueryParameter(ge=1, le=500)] = 100,
    ) -> Response[list[AuditEntryRead]]:
        """Newest first: verdicts, quarantines, device changes, boundary imports and
        activations, site changes, ledger decisions. ``X-Next-Before`` pages on."""
        rows = await list_entries(session, action=action, target=target, actor=actor,
                                  before=before, limit=limit)  # fmt: skip
        body = [AuditEntryRead.model_validate(r, from_attributes=True) for r in rows]
        headers = {"X-Next-Before": str(rows[-1].id)} if len(rows) == limit else {}
        return Response(body, headers=headers)
