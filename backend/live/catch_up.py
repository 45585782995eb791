"""What a live map missed, from SQL: hazards changed since a moment. The event stream
replays them after a reconnect (``Last-Event-ID``) and looks again every little while, so
an event lost on its way — a process that died between its commit and its publish, a
Redis message dropped, a laptop asleep — reaches open maps late instead of never."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import tuple_
from sqlalchemy.orm import defer
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from backend.hazards.models import Hazard
from backend.live.events import hazard_event

LIMIT = 2000
"""New events per look; a longer backlog comes over the next looks, oldest first."""
PAGE = 500
MARGIN = timedelta(seconds=10)
"""How far behind the newest change seen each look starts again: a change stamped before
it may commit after it (a long batch), or come from a process whose clock runs behind."""


async def look(
    session: AsyncSession,
    within: set[str] | None,
    mark: Watermark,
    *,
    limit: int = LIMIT,
    page: int = PAGE,
) -> list[dict[str, Any]]:
    """Events of the hazards inside ``within`` changed after ``mark.since`` that ``mark``
    has not told yet, oldest first; it stops after the page that reaches ``limit`` (the
    rest comes at the next look). It pages through what it has told already, so a
    thousand hazards stamped in the same second (a boundary activation re-checks them
    all) all come through."""
    found: list[dict[str, Any]] = []
    after: tuple[datetime, str] = (mark.since, "")
    while len(found) < limit:
        query = select(Hazard).options(defer(Hazard.doc), defer(Hazard.errors))  # type: ignore[arg-type]
        query = query.where(tuple_(col(Hazard.updated_at), col(Hazard.doc_id)) > after)
        if within is not None:
            query = query.where(col(Hazard.grid_id).in_(within))
        query = query.order_by(col(Hazard.updated_at), col(Hazard.doc_id)).limit(page)
        rows = (await session.exec(query)).all()
        found.extend(e for e in (hazard_event(h, "changed") for h in rows) if mark.admit(e))
        if len(rows) < page:
            break
        after = (rows[-1].updated_at, rows[-1].doc_id)
    return found


@dataclass
class Watermark:
    """The newest change one stream has told, and what it told recently, so a change
    heard live and found again in SQL goes out once."""

    latest: datetime
    told: dict[tuple[str, str], datetime] = field(default_factory=dict)

    @property
    def since(self) -> datetime:
        return self.latest - MARGIN

    def admit(self, event: dict[str, Any]) -> bool:
        """True the first time this change (hazard and its time) comes by."""
        stamp = event.get("updated_at")
        if not isinstance(stamp, str):
            return True
        key = (str(event.get("id")), stamp)
        if key in self.told:
            return False
        at = datetime.fromisoformat(stamp)
        self.told[key] = at
        if at > self.latest:
            self.latest = at
            self.told = {k: t for k, t in self.told.items() if t >= self.since}
        return True
