"""HTTP: a hazard's ledger — its history (with an ETag) and the supervisors' decisions
(with If-Match)."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.background_tasks import BackgroundTask
from litestar.channels import ChannelsPlugin
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody
from pydantic import AwareDatetime, BaseModel, Field
from sqlmodel.ext.asyncio.session import AsyncSession

from backend.accounts.auth import require_role
from backend.accounts.models import Account, Role
from backend.audit.service import actor_of, record
from backend.errors import DomainError
from backend.hazards.access import visible_hazard
from backend.ledger import service
from backend.ledger.models import LedgerEntryRead
from backend.ledger.workflow import LedgerEvent
from backend.live.events import CHANNEL, hazard_event
from backend.openapi_examples import example_config
from backend.runtime import Runtime

END_OF_DAY = time(23, 59, 59)
supervisors = require_role(Role.admin, Role.street_supervisor, Role.community_supervisor)


class Assignment(BaseModel):
    responsible_person: str = Field(min_length=1, max_length=200)
    responsible_unit: str | None = Field(default=None, max_length=200)
    measures: str = Field(min_length=1, max_length=2000)
    deadline: AwareDatetime | date = Field(
        description="A moment with its offset, or a day: the end of that day in the "
        "street's time zone (整改期限)."
    )


class Decision(BaseModel):
    model_config = example_config(
        {"event": "reviewed", "note": "现场核实属实"},
        {"event": "assigned", "note": "限期整改", "assignment": {
            "responsible_person": "李经理", "responsible_unit": "东湖综合市场",
            "measures": "清理二楼东侧出口杂物，设置禁止堆放标识。", "deadline": "2026-12-01"}},
        {"event": "rectified_accepted",
         "rectification_report_id": "rectification_report:demo-donghu-01:01JD30000000000000000009"},
    )  # fmt: skip

    event: LedgerEvent
    note: str = Field(default="", max_length=2000)
    assignment: Assignment | None = None
    rectification_report_id: str | None = Field(default=None, max_length=200)


def _etag(version: int) -> str:
    return f'"ledger-{version}"'


def _version_from(if_match: str | None) -> int | None:
    if if_match is None:
        return None
    value = if_match.strip().removeprefix("W/").strip('"').removeprefix("ledger-")
    if not value.isdigit():
        message = "not a ledger ETag"
        raise DomainError(
            'If-Match must be the ETag of the ledger, e.g. "ledger-3"',
            [{"path": "/headers/if-match", "message": message}],
        )
    return int(value)


class LedgerController(Controller):
    path = "/api/hazards/{hazard_id:str}/ledger"
    tags = ("ledger",)

    @get("/")
    async def history(
        self,
        hazard_id: FromPath[str],
        session: NamedDependency[AsyncSession],
        account: NamedDependency[Account],
    ) -> Response[list[LedgerEntryRead]]:
        hazard = await visible_hazard(session, account, hazard_id, deleted_too=False)
        entries = [LedgerEntryRead.model_validate(e, from_attributes=True)
                   for e in await service.history(session, hazard_id)]  # fmt: skip
        return Response(entries, headers={"ETag": _etag(hazard.ledger_version)})

    @post("/", guards=[supervisors])
    async def decide(
        self,
        hazard_id: FromPath[str],
        data: JSONBody[Decision],
        session: NamedDependency[AsyncSession],
        account: NamedDependency[Account],
        runtime: NamedDependency[Runtime],
        request: Request[Any, Any, Any],
    ) -> Response[LedgerEntryRead]:
        """Record a decision; 412 when someone else decided since you loaded it."""
        hazard = await visible_hazard(session, account, hazard_id, lock=True, deleted_too=False)
        assignment = None
        if data.assignment is not None:
            assignment = data.assignment.model_dump(exclude_none=True)
            deadline = data.assignment.deadline
            if not isinstance(deadline, datetime):
                deadline = datetime.combine(deadline, END_OF_DAY, runtime.time_zone)
            assignment["deadline"] = deadline.isoformat(timespec="seconds")
        entry = await service.transition(
            session, runtime.couch, hazard, account, data.event,
            if_match=_version_from(request.headers.get("if-match")),
            note=data.note, assignment=assignment,
            rectification_report_id=data.rectification_report_id,
        )  # fmt: skip
        record(session, actor_of(account), f"ledger.{entry.event}", hazard_id, reason=data.note,
               seq=entry.seq, status_after=entry.status_after)  # fmt: skip
        body = LedgerEntryRead.model_validate(entry, from_attributes=True)
        channels = request.app.plugins.get(ChannelsPlugin)
        event = hazard_event(hazard, "ledger")
        return Response(body, status_code=201, headers={"ETag": _etag(entry.seq)},
                        background=BackgroundTask(_publish, channels, event))  # fmt: skip


async def _publish(channels: ChannelsPlugin, event: dict[str, Any]) -> None:
    """After the response: the decision has committed by then."""
    channels.publish(event, CHANNEL)
