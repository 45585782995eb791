"""Patrol tracks are kept for ``TRACK_RETENTION_DAYS`` and then deleted by the service:
the track documents in their grid databases (the deletion replicates, so tablets drop
their copies too) and the points in SQL. What a track was — its grid, tablet, times
and length — stays for the coverage history; where it went does not. Each round is
audited: which database, how many, the oldest and newest end."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from backend.audit.service import record_many
from backend.database import unit_of_work
from backend.rounds import run_rounds
from backend.sqltypes import utcnow
from backend.tracks.models import TrackSegment
from sync.couch import CouchClient, NotFound

ROUND = 500
"""Tracks expired in one transaction."""


async def expire_tracks(
    session: AsyncSession, couch: CouchClient, keep_days: int, now: datetime | None = None
) -> int:
    """Delete up to ``ROUND`` tracks that ended more than ``keep_days`` ago; how many."""
    cutoff = (now or utcnow()) - timedelta(days=keep_days)
    query = (
        select(TrackSegment)
        .where(col(TrackSegment.ended_at) < cutoff, col(TrackSegment.deleted).is_(False))
        .order_by(col(TrackSegment.ended_at))
        .limit(ROUND)
    )
    by_db: dict[str, list[TrackSegment]] = defaultdict(list)
    for row in (await session.exec(query)).all():
        by_db[row.db].append(row)
    audit, expired = [], 0
    for db, rows in by_db.items():
        deleted = await _delete_in_couch(couch, db, rows)
        for row in deleted:
            row.deleted, row.line, row.updated_at = True, [], utcnow()
            session.add(row)
        if deleted:
            expired += len(deleted)
            audit.append(_audit_line(db, deleted, keep_days))
    await session.flush()
    await record_many(session, audit)
    return expired


async def _delete_in_couch(
    couch: CouchClient, db: str, rows: list[TrackSegment]
) -> list[TrackSegment]:
    """The rows whose documents are now deleted (or were gone already); a document with
    a newer revision than the row's is left for a later round, once it is projected."""
    tombstones = [{"_id": r.doc_id, "_rev": r.rev, "_deleted": True} for r in rows]
    try:
        results = await couch.bulk_docs(db, tombstones)
    except NotFound:
        return rows  # the grid database is gone: nothing left to delete there
    done = {str(r.get("id")) for r in results if r.get("ok") or r.get("error") == "not_found"}
    return [r for r in rows if r.doc_id in done]


def _audit_line(db: str, rows: list[TrackSegment], keep_days: int) -> dict[str, Any]:
    ends = [r.ended_at for r in rows if r.ended_at is not None]
    return {
        "at": utcnow(), "actor": "system:retention", "action": "track.expired",
        "target": db[:300], "reason": f"patrol tracks are kept {keep_days} days",
        "details": {"tracks": len(rows), "oldest_end": min(ends).isoformat() if ends else None,
                    "newest_end": max(ends).isoformat() if ends else None,
                    "grids": sorted({r.grid_id for r in rows})},
    }  # fmt: skip


class TrackRetention:
    """Expires old tracks every ``interval`` seconds (in the process that follows)."""

    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        couch: CouchClient,
        keep_days: int,
        interval: float = 3600.0,
    ) -> None:
        self.sessions, self.couch = sessions, couch
        self.keep_days, self.interval = keep_days, interval
        self._stop = asyncio.Event()

    def stop(self) -> None:
        self._stop.set()

    async def run(self) -> None:
        await run_rounds(self._round, self._stop, self.interval, "track retention")

    async def _round(self) -> bool:
        async with unit_of_work(self.sessions) as session:
            expired = await expire_tracks(session, self.couch, self.keep_days)
        return expired >= ROUND  # a full round: there is more, go on at once
