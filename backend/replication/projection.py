"""The SQL side of the follower: applies a batch of changes with its checkpoint.

Implements :class:`sync.ports.ChangeSink` and :class:`sync.ports.GridDirectory`.
For one batch: each worker document is checked against the mobile schema, registered
(idempotent by revision) and projected by its type's handler; the projection and the
database's checkpoint commit in one transaction; then the verdicts are queued for the
grid database (:class:`~backend.synced.verdicts.VerdictWriter`) and written while the
next batch is applied. The checkpoint stored moves past a batch only once its verdicts
are written, so a crash anywhere replays every batch whose verdicts may be missing: the
replay changes nothing in SQL and writes those verdicts from stored state. A document
whose handler fails is retried with the batch a bounded number of times, then
quarantined, so the feed never stalls.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel import select
from sqlmodel.ext.asyncio.session import AsyncSession

from backend.database import out_of_reach, unit_of_work
from backend.grids.fence import active_version_id, fence_documents, grid_names, load_grid_index
from backend.grids.service import grid_databases
from backend.live.events import hazard_event
from backend.photos.service import photo_summary
from backend.photos.verdicts import photo_part
from backend.replication.batch import ProjectionBatch
from backend.replication.documents import (
    hazards_of_database,
    register_deletion,
    register_document,
)
from backend.replication.handlers import DELETERS, HANDLERS
from backend.replication.page_writes import (
    deletion_audit,
    insert_new,
    save_checkpoint,
    verdict_audit,
    write_rows,
)
from backend.replication.quarantine import quarantine
from backend.synced.models import SyncCheckpoint
from backend.synced.verdicts import VerdictWriter, compose_verdict, stored_verdict
from backend.tracks.service import stored_track_verdict, track_verdict
from geo.geofence import GridIndex
from sync.contract import SchemaCheck, SchemaSet, check_worker_doc
from sync.contract.scope import referenced_hazards, scope_errors, with_scope
from sync.couch import Change, CouchClient, CouchError, JsonObject
from sync.couch.types import Seq

log = logging.getLogger(__name__)

MAX_DOC_ID = 200
ANALYZE_EVERY = 20_000
"""New documents between two ``ANALYZE`` runs of the projection tables (PostgreSQL)."""
ANALYZED_TABLES = ("synced_document", "hazard", "inspection", "track_segment", "hazard_photo",
                   "audit_entry")  # fmt: skip
MAX_ATTEMPTS = 3


class HandlerFailed(RuntimeError):
    """A document's handler failed; the batch is rolled back and retried."""


class VerdictsBehind(RuntimeError):
    """The database's verdicts are not being written; its next page waits."""


WHOLE_BATCH_FAILURES = (CouchError, HandlerFailed, VerdictsBehind)
"""Failures that retry the whole batch later rather than blame a document."""


class SqlChangeSink:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        couch: CouchClient,
        schemas: SchemaSet,
        publish: Callable[[list[dict[str, Any]]], None] | None = None,
        device_prefix: str = "device_",
        verdicts: VerdictWriter | None = None,
    ) -> None:
        self.sessions = sessions
        self.verdicts = verdicts or VerdictWriter(couch)
        """Written while the database's lock is held (see :class:`VerdictWriter`)."""
        self.device_prefix = device_prefix
        """The CouchDB user of device ``d`` is ``device_prefix + d``."""
        self.publish = publish
        """Told of the hazards each batch changed, once the batch has committed."""
        self.couch = couch
        self.schemas = schemas
        self._grid_of_db: dict[str, str] = {}
        self._failures: dict[tuple[str, str, str], int] = {}
        self._index: GridIndex | None = None
        self._names: dict[str, dict[str, str]] = {}
        self._new_since_analyze = self._inserted = 0
        self._stored: dict[str, Seq] = {}
        """Each database's checkpoint as SQL holds it."""
        self._confirmed: dict[str, Seq] = {}
        """Where each database's written verdicts end: the checkpoint SQL may hold."""
        self._settling: set[asyncio.Task[None]] = set()

    async def grid_databases(self) -> Sequence[str]:
        async with unit_of_work(self.sessions, read_only=True) as session:
            grids = await grid_databases(session)
        if grids != self._grid_of_db:
            self._index = None  # grids changed: rebuild the geofence index on next use
        self._grid_of_db = grids
        return sorted(self._grid_of_db)

    async def _grid_index(self, session: AsyncSession) -> GridIndex:
        """The geofence index, rebuilt when grids or the active boundaries change."""
        version = await active_version_id(session)
        if self._index is None or self._index.boundary_version != version:
            self._index = await load_grid_index(session)
            self._names = await grid_names(session)
        return self._index

    async def checkpoints(self) -> dict[str, Seq]:
        async with unit_of_work(self.sessions, read_only=True) as session:
            rows = (await session.exec(select(SyncCheckpoint))).all()
        self._stored = {row.db: row.seq for row in rows}
        self._confirmed = dict(self._stored)
        return dict(self._stored)

    async def apply(self, db: str, changes: Sequence[Change], last_seq: Seq) -> None:
        """Apply the batch in one transaction; if any document fails, apply it again
        document by document (savepoints), to retry or quarantine just that one."""
        behind = self.verdicts.failing(db)
        if behind is not None:  # read on once CouchDB takes this database's verdicts again
            raise VerdictsBehind(f"verdicts of {db} are not being written: {behind}")
        await self.verdicts.room(db)  # never more than a page or two ahead of CouchDB
        async with self.verdicts.holding(db):
            try:
                await self._apply(db, changes, last_seq, careful=False)
            except Exception as exc:
                if isinstance(exc, WHOLE_BATCH_FAILURES) or out_of_reach(exc):
                    raise  # the whole batch is retried later, nothing blamed on a document
                log.info("batch of %s failed (%r); applying it document by document", db, exc)
                await self._apply(db, changes, last_seq, careful=True)

    def _checkpoint_after(self, db: str, last_seq: Seq, verdicts: bool) -> tuple[Seq, bool]:
        """The checkpoint a page's transaction stores: the page's own ``last_seq`` only
        when it has no verdicts and none are queued before it; otherwise the end of the
        last page whose verdicts are written. A restart then reads again every page whose
        verdicts may be missing, and writes them from stored state."""
        if not verdicts and not self.verdicts.pending(db):
            return last_seq, True
        return self._confirmed.get(db), False

    def _confirm(self, db: str, seq: Seq) -> None:
        """The verdicts of every page up to ``seq`` are written."""
        self._confirmed[db] = seq
        if not self.verdicts.pending(db) and self._stored.get(db) != seq:
            task = asyncio.create_task(self._settle(db), name=f"checkpoint-{db}")
            self._settling.add(task)
            task.add_done_callback(self._settling.discard)

    async def _settle(self, db: str) -> None:
        """Store the checkpoint a quiet database's last written verdicts allow."""
        try:
            async with self.verdicts.holding(db):
                seq = self._confirmed.get(db)
                if self.verdicts.pending(db) or self._stored.get(db) == seq:
                    return  # a page under way stores it
                async with unit_of_work(self.sessions) as session:
                    await save_checkpoint(session, db, seq)
                self._stored[db] = seq
        except Exception as exc:  # the next page, or the next restart, catches up
            log.warning("checkpoint of %s not stored: %r", db, exc)

    async def close(self) -> None:
        """Write what is queued (for a while), then stop."""
        await self.verdicts.close()
        await asyncio.gather(*self._settling, return_exceptions=True)

    async def _apply(
        self, db: str, changes: Sequence[Change], last_seq: Seq, *, careful: bool
    ) -> None:
        changed: list[dict[str, Any]] = []
        async with unit_of_work(self.sessions) as session:
            grid_id = self._grid_of_db.get(db)
            if grid_id is None:
                grid_id = (await grid_databases(session))[db]
            batch = await ProjectionBatch.load(
                session, {c.id for c in changes if len(c.id) <= MAX_DOC_ID}
            )
            batch.db = db
            checks = {
                c.id: check_worker_doc(self.schemas, c.doc or {})
                for c in changes
                if not (c.deleted or (c.doc or {}).get("_deleted")) and len(c.id) <= MAX_DOC_ID
            }
            checks = await self._in_scope(session, db, grid_id, checks)
            valid = {doc_id: c.doc for doc_id, c in checks.items() if c.valid}
            index = await self._grid_index(session)
            batch.fences = fence_documents(index, grid_id, valid)
            batch.geofences = {i: fence.as_verdict() for i, fence in batch.fences.items()}
            batch.grid = index.shape(grid_id)
            known = set(batch.documents)
            verdicts, decided = [], []
            for change in changes:
                verdict = await self._apply_change(
                    session, batch, db, grid_id, change, checks.get(change.id), careful
                )
                if verdict is not None:
                    verdicts.append(verdict)
                    if verdict["target_id"] not in batch.replayed:
                        decided.append(verdict)
            audit = [verdict_audit(v) for v in decided] + batch.deletions
            checkpoint, settled = self._checkpoint_after(db, last_seq, bool(verdicts))
            await write_rows(session, batch, audit, db, checkpoint)
            if self.publish is not None:
                ids = {c.id for c in changes}
                stored = [hazard_event(h, "synced") for i, h in batch.hazards.items() if i in ids]
                changed = stored + [hazard_event(h, "synced") for h in batch.inserted_hazards]
        # committed: the verdicts go to CouchDB while the next page is applied; the
        # checkpoint moves past this page once they are written (see _checkpoint_after)
        self._stored[db] = checkpoint
        if settled:
            self._confirmed[db] = last_seq
        else:  # a document SQL has never seen most likely has no verdict yet either
            fresh = {v["_id"] for v in verdicts if v["target_id"] not in known}
            self.verdicts.send(db, verdicts, probably_new=fresh,
                               then=lambda _: self._confirm(db, last_seq))  # fmt: skip
        if changed and self.publish is not None:
            self.publish(changed)
        self._new_since_analyze += batch.inserted_documents
        self._inserted += batch.inserted_documents
        # often while the tables are young (each doubling), then every ANALYZE_EVERY
        if self._new_since_analyze >= min(ANALYZE_EVERY, max(1_000, self._inserted // 2)):
            self._new_since_analyze = 0
            await self._analyze()

    async def _analyze(self) -> None:
        """Fresh planner statistics for the tables a catch-up fills (PostgreSQL). Without
        them — autovacuum off, or not yet round — statements prepared while the tables
        were empty keep a sequential-scan plan, and every page's lookup reads the whole
        table: measured, a 100,000-document catch-up fell to a quarter of its speed."""
        async with unit_of_work(self.sessions) as session:
            if session.get_bind().dialect.name == "postgresql":
                connection = await session.connection()
                await connection.execute(text(f"ANALYZE {', '.join(ANALYZED_TABLES)}"))

    async def _apply_change(
        self,
        session: AsyncSession,
        batch: ProjectionBatch,
        db: str,
        grid_id: str,
        change: Change,
        check: SchemaCheck | None,
        careful: bool,
    ) -> JsonObject | None:
        """Project one change; its verdict, or ``None`` when there is nothing new to say."""
        doc = change.doc or {}
        rev = str(doc.get("_rev") or (change.revs[0] if change.revs else ""))
        if change.deleted or doc.get("_deleted"):
            if register_deletion(session, batch, change.id, rev):
                for delete in DELETERS.values():
                    delete(session, batch, change.id, rev)
                batch.deletions.append(deletion_audit(db, change.id, rev))
            return None
        refused = _refusal(change.id, doc)
        if refused is not None:
            await quarantine(session, db, change.id, rev, refused)
            return None
        if check is None:
            check = check_worker_doc(self.schemas, doc)
        if check.doc_type is None:
            await quarantine(session, db, change.id, rev, "not a worker document", check.errors)
            return None
        if not careful:
            received_at = await _project(session, batch, db, grid_id, rev, check)
        else:
            try:
                async with session.begin_nested():
                    received_at = await _project(session, batch, db, grid_id, rev, check)
                    await insert_new(session, batch)
                    await session.flush()
            except Exception as exc:
                if out_of_reach(exc):
                    raise  # the database itself failed: the whole batch is retried
                batch.new_documents.clear()  # rolled back with the savepoint
                batch.new_hazards.clear()
                batch.new_inspections.clear()
                batch.new_tracks.clear()
                batch.track_facts.pop(change.id, None)
                batch.inserted_hazards = [
                    h for h in batch.inserted_hazards if h["doc_id"] != change.id
                ]
                batch.documents.pop(change.id, None)
                batch.hazards.pop(change.id, None)
                batch.inspections.pop(change.id, None)
                await self._failed(session, db, change.id, rev, exc)
                return None
        if received_at is None:
            return self._replayed(batch, change.id, rev)
        photos = batch.photos.get(change.id)
        track = batch.track_facts.get(change.id)
        return compose_verdict(
            doc_id=change.id, rev=rev, doc_type=check.doc_type, grid_id=grid_id,
            received_at=received_at, schema=check, names=self._names,
            geofence=batch.geofences.get(change.id),
            photos=None if photos is None else photo_summary(list(photos.values())),
            track=None if track is None else track_verdict(track),
        )  # fmt: skip

    def _replayed(self, batch: ProjectionBatch, doc_id: str, rev: str) -> JsonObject | None:
        """The verdict on a revision applied before, composed from what SQL stored: a
        page read again after a restart writes the verdicts that were still queued."""
        row = batch.documents.get(doc_id)
        if row is None or row.rev != rev or row.deleted:
            return None
        batch.replayed.add(doc_id)
        track = batch.tracks.get(doc_id)
        return stored_verdict(
            row, self._names, photos=photo_part(row, list(batch.photos.get(doc_id, {}).values())),
            track=None if track is None or not track.valid else stored_track_verdict(track),
        )  # fmt: skip

    async def _in_scope(
        self, session: AsyncSession, db: str, grid_id: str, checks: dict[str, SchemaCheck]
    ) -> dict[str, SchemaCheck]:
        """Each worker document's references checked against this database and its writer."""
        wanted = set().union(*(referenced_hazards(c.doc) for c in checks.values() if c.doc_type))
        here = {i for i, c in checks.items() if c.doc_type == "hazard"}
        here |= await hazards_of_database(session, db, wanted - here)
        return {
            doc_id: with_scope(check, scope_errors(check.doc, grid_id=grid_id,
                                                   device_prefix=self.device_prefix,
                                                   hazards_here=here))
            if check.doc_type else check
            for doc_id, check in checks.items()
        }  # fmt: skip

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


def _refusal(doc_id: str, doc: dict[str, Any]) -> str | None:
    """Why a change cannot even be looked at, if it cannot."""
    if "_undecodable" in doc:
        return f"document cannot be decoded: {doc['_undecodable']}"[:500]
    if len(doc_id) > MAX_DOC_ID:
        return f"document id longer than {MAX_DOC_ID}"
    return None


async def _project(
    session: AsyncSession,
    batch: ProjectionBatch,
    db: str,
    grid_id: str,
    rev: str,
    check: SchemaCheck,
) -> datetime | None:
    assert check.doc_type is not None
    conflicts = check.doc.get("_conflicts") or []
    received_at = await register_document(session, batch, db, grid_id, rev, check, conflicts)
    handler = HANDLERS.get(check.doc_type)
    if received_at is not None and handler is not None:
        await handler(session, batch, grid_id, rev, check)
    return received_at
