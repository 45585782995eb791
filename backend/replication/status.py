"""The sync state of each grid database: SQL counts joined with the follower's view."""

from __future__ import annotations

import time
from typing import Any

from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from backend.grids.service import grid_databases
from backend.synced.models import QuarantinedChange, SyncCheckpoint, SyncedDocument
from sync.follower import FollowerStatus


async def _counts(session: AsyncSession, db_column: Any, where: Any = None) -> dict[str, int]:
    """Rows per grid database."""
    query = select(db_column, func.count()).group_by(db_column)
    if where is not None:
        query = query.where(where)
    return dict((await session.exec(query)).all())


async def sync_status(
    session: AsyncSession, follower: FollowerStatus | None
) -> list[dict[str, Any]]:
    databases = await grid_databases(session)
    checkpoints = {c.db: c for c in (await session.exec(select(SyncCheckpoint))).all()}
    documents = await _counts(session, col(SyncedDocument.db))
    invalid = await _counts(
        session, col(SyncedDocument.db), where=col(SyncedDocument.valid).is_(False)
    )
    conflicted = await _counts(
        session,
        col(SyncedDocument.db),
        where=func.json_array_length(col(SyncedDocument.conflict_revs)) > 0,
    )
    quarantined = await _counts(session, col(QuarantinedChange.db))
    now = time.time()
    rows = []
    for db, grid_id in sorted(databases.items()):
        state = follower.databases.get(db) if follower else None
        checkpoint = checkpoints.get(db)
        caught_up = state.caught_up_at if state else None
        rows.append(
            {
                "grid_id": grid_id,
                "database": db,
                "last_seq": checkpoint.seq if checkpoint else None,
                "checkpoint_at": checkpoint.updated_at if checkpoint else None,
                "lag_seconds": round(now - caught_up, 3) if caught_up else None,
                "documents": documents.get(db, 0),
                "invalid": invalid.get(db, 0),
                "conflicted": conflicted.get(db, 0),
                "quarantined": quarantined.get(db, 0),
                "last_error": state.last_error if state else None,
            }
        )
    return rows
