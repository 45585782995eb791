"""The SQL side of the follower: applies a batch of changes with its checkpoint.

Implements :class:`sync.ports.ChangeSink` and :class:`sync.ports.GridDirectory`.
One batch is one transaction: the projection of every change and the database's
checkpoint commit together, so a crash replays the batch, which is idempotent.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from backend.database import unit_of_work
from backend.grids.service import grid_databases
from backend.hazards.documents import InvalidDocument
from backend.hazards.service import mark_hazard_deleted, project_hazard
from backend.replication.models import SyncCheckpoint
from backend.replication.quarantine import quarantine
from backend.sqltypes import utcnow
from sync.couch import Change
from sync.couch.types import Seq
from sync.doctypes import WORKER_TYPES

log = logging.getLogger(__name__)

Handler = Callable[[AsyncSession, str, dict[str, Any]], Awaitable[bool]]
HANDLERS: dict[str, Handler] = {"hazard": project_hazard}
DELETERS: dict[str, Callable[[AsyncSession, str, str], Awaitable[bool]]] = {
    "hazard": mark_hazard_deleted,
}


class SqlChangeSink:
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self.sessions = sessions
        self._grid_of_db: dict[str, str] = {}

    async def grid_databases(self) -> Sequence[str]:
        async with unit_of_work(self.sessions) as session:
            self._grid_of_db = await grid_databases(session)
        return sorted(self._grid_of_db)

    async def checkpoints(self) -> dict[str, Seq]:
        async with unit_of_work(self.sessions) as session:
            rows = (await session.exec(select(SyncCheckpoint))).all()
        return {row.db: row.seq for row in rows}

    async def apply(self, db: str, changes: Sequence[Change], last_seq: Seq) -> None:
        async with unit_of_work(self.sessions) as session:
            grid_id = self._grid_of_db.get(db)
            if grid_id is None:
                grid_id = (await grid_databases(session))[db]
            for change in changes:
                await apply_change(session, db, grid_id, change)
            await save_checkpoint(session, db, last_seq)


async def save_checkpoint(session: AsyncSession, db: str, seq: Seq) -> None:
    row = await session.get(SyncCheckpoint, db)
    if row is None:
        row = SyncCheckpoint(db=db, seq=seq)
    else:
        row.seq = seq
        row.updated_at = utcnow()
    session.add(row)
    await session.flush()


async def apply_change(session: AsyncSession, db: str, grid_id: str, change: Change) -> None:
    """Project one change inside a savepoint; a bad document is quarantined, not fatal."""
    doc = change.doc or {}
    rev = str(doc.get("_rev") or (change.revs[0] if change.revs else ""))
    try:
        async with session.begin_nested():
            await _dispatch(session, grid_id, change, doc, rev)
    except InvalidDocument as exc:
        await quarantine(session, db, change.id, rev, "document breaks its schema", exc.errors)
    except (OperationalError, InterfaceError):
        raise  # the database itself failed: the whole batch is retried
    except Exception as exc:
        log.exception("could not apply %s@%s from %s", change.id, rev, db)
        await quarantine(session, db, change.id, rev, f"handler failed: {type(exc).__name__}")


async def _dispatch(
    session: AsyncSession, grid_id: str, change: Change, doc: dict[str, Any], rev: str
) -> None:
    if change.deleted or doc.get("_deleted"):
        for delete in DELETERS.values():
            await delete(session, change.id, rev)
        return
    doc_type = doc.get("type")
    handler = HANDLERS.get(doc_type) if isinstance(doc_type, str) else None
    if handler is not None:
        await handler(session, grid_id, doc)
    elif doc_type not in WORKER_TYPES:
        raise InvalidDocument([{"path": "/type", "message": f"unknown document type {doc_type!r}"}])
