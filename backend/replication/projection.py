"""The SQL side of the follower: applies a batch of changes with its checkpoint.

Implements :class:`sync.ports.ChangeSink` and :class:`sync.ports.GridDirectory`.
For one batch: each worker document is checked against the mobile schema, registered
(idempotent by revision) and projected by its type's handler; the verdicts are written
to the grid database (idempotently); then the projection and the database's checkpoint
commit in one transaction. A crash anywhere replays the batch, which changes nothing
the second time. A document whose handler fails is retried with the batch a bounded
number of times, then quarantined, so the feed never stalls.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime

from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from backend.database import unit_of_work
from backend.grids.service import grid_databases
from backend.hazards.service import mark_hazard_deleted, project_hazard
from backend.replication.documents import register_deletion, register_document
from backend.replication.models import SyncCheckpoint
from backend.replication.quarantine import quarantine
from backend.sqltypes import utcnow
from sync.contract import SchemaCheck, SchemaSet, check_worker_doc
from sync.couch import Change, CouchClient, JsonObject
from sync.couch.types import Seq
from sync.verdicts import VERDICT_KEEP, verdict_doc

log = logging.getLogger(__name__)

MAX_DOC_ID = 200
MAX_ATTEMPTS = 3

Handler = Callable[[AsyncSession, str, str, SchemaCheck], Awaitable[None]]
HANDLERS: dict[str, Handler] = {"hazard": project_hazard}
DELETERS: dict[str, Callable[[AsyncSession, str, str], Awaitable[None]]] = {
    "hazard": mark_hazard_deleted,
}


class HandlerFailed(RuntimeError):
    """A document's handler failed; the batch is rolled back and retried."""


class SqlChangeSink:
    def __init__(
        self, sessions: async_sessionmaker[AsyncSession], couch: CouchClient, schemas: SchemaSet
    ) -> None:
        self.sessions = sessions
        self.couch = couch
        self.schemas = schemas
        self._grid_of_db: dict[str, str] = {}
        self._failures: dict[tuple[str, str, str], int] = {}

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
            verdicts = []
            for change in changes:
                verdict = await self._apply_change(session, db, grid_id, change)
                if verdict is not None:
                    verdicts.append(verdict)
            # verdicts first: if this fails, nothing commits and the batch is replayed
            await self.couch.ensure_docs(db, verdicts, keep=VERDICT_KEEP)
            await save_checkpoint(session, db, last_seq)

    async def _apply_change(
        self, session: AsyncSession, db: str, grid_id: str, change: Change
    ) -> JsonObject | None:
        """Project one change; its verdict, or ``None`` when there is nothing new to say."""
        doc = change.doc or {}
        rev = str(doc.get("_rev") or (change.revs[0] if change.revs else ""))
        if change.deleted or doc.get("_deleted"):
            if await register_deletion(session, change.id, rev):
                for delete in DELETERS.values():
                    await delete(session, change.id, rev)
            return None
        if len(change.id) > MAX_DOC_ID:
            await quarantine(session, db, change.id, rev, f"document id longer than {MAX_DOC_ID}")
            return None
        check = check_worker_doc(self.schemas, doc)
        if check.doc_type is None:
            await quarantine(session, db, change.id, rev, "not a worker document", check.errors)
            return None
        try:
            async with session.begin_nested():
                received_at = await _project(session, db, grid_id, rev, check)
        except (OperationalError, InterfaceError):
            raise  # the database itself failed: the whole batch is retried
        except Exception as exc:
            await self._failed(session, db, change.id, rev, exc)
            return None
        if received_at is None:
            return None
        return verdict_doc(
            doc_id=change.id,
            rev=rev,
            doc_type=check.doc_type,
            grid_id=grid_id,
            received_at=received_at.isoformat(timespec="milliseconds"),
            schema=check,
        )

    async def _failed(
        self, session: AsyncSession, db: str, doc_id: str, rev: str, exc: Exception
    ) -> None:
        key = (db, doc_id, rev)
        attempts = self._failures[key] = self._failures.get(key, 0) + 1
        log.warning("attempt %d of %s@%s from %s failed: %r", attempts, doc_id, rev, db, exc)
        if attempts < MAX_ATTEMPTS:
            raise HandlerFailed(f"{doc_id}@{rev}: {exc!r}") from exc
        del self._failures[key]
        reason = f"handler failed {attempts} times: {type(exc).__name__}: {exc}"
        await quarantine(session, db, doc_id, rev, reason)


async def save_checkpoint(session: AsyncSession, db: str, seq: Seq) -> None:
    row = await session.get(SyncCheckpoint, db)
    if row is None:
        row = SyncCheckpoint(db=db, seq=seq)
    else:
        row.seq = seq
        row.updated_at = utcnow()
    session.add(row)
    await session.flush()


async def _project(
    session: AsyncSession, db: str, grid_id: str, rev: str, check: SchemaCheck
) -> datetime | None:
    assert check.doc_type is not None
    conflicts = check.doc.get("_conflicts") or []
    received_at = await register_document(session, db, grid_id, rev, check, conflicts)
    handler = HANDLERS.get(check.doc_type)
    if received_at is not None and handler is not None:
        await handler(session, grid_id, rev, check)
    return received_at
