"""Writing an applied page: its new rows in one statement per table, its audit lines,
its checkpoint."""

from __future__ import annotations

from typing import Any

from sqlmodel.ext.asyncio.session import AsyncSession

from backend.audit.service import record_many
from backend.hazards.models import Hazard
from backend.inspections.models import Inspection
from backend.replication.batch import ProjectionBatch
from backend.sqltypes import utcnow
from backend.synced.models import SyncCheckpoint, SyncedDocument
from backend.tracks.models import TrackSegment
from backend.upsert import insert_rows
from sync.couch import JsonObject
from sync.couch.types import Seq


def deletion_audit(db: str, doc_id: str, rev: str) -> dict[str, Any]:
    """A deletion that reached the server is kept on record, never dropped silently."""
    return {"at": utcnow(), "actor": "system:follower", "action": "document.deleted",
            "target": doc_id[:300], "reason": "deleted in its grid database",
            "details": {"rev": rev, "db": db}}  # fmt: skip


def verdict_audit(verdict: JsonObject) -> dict[str, Any]:
    """The audit trail's line for a verdict: what was decided about which revision."""
    schema, fence = verdict["schema"], verdict.get("geofence") or {}
    parts = ["valid" if schema["valid"] else f"invalid ({len(schema['errors'])} errors)"]
    if fence:
        parts.append(f"geofence {fence['status']}")
    details = {"rev": verdict["target_rev"], "type": verdict["target_type"],
               "grid_id": verdict["grid_id"], "errors": schema["errors"][:5]}  # fmt: skip
    if fence.get("suggested_grid_id"):
        details["suggested_grid_id"] = fence["suggested_grid_id"]
    return {"at": utcnow(), "actor": "system:follower", "action": "verdict",
            "target": str(verdict["target_id"])[:300], "reason": ", ".join(parts),
            "details": details}  # fmt: skip


async def write_rows(
    session: AsyncSession, batch: ProjectionBatch, audit: list[dict[str, Any]], db: str,
    last_seq: Seq,
) -> None:  # fmt: skip
    await insert_new(session, batch)
    await session.flush()
    await record_many(session, audit)
    await save_checkpoint(session, db, last_seq)


async def insert_new(session: AsyncSession, batch: ProjectionBatch) -> None:
    """The batch's rows of documents first seen in it: one statement per table."""
    batch.inserted_documents += len(batch.new_documents)
    await insert_rows(session, SyncedDocument, batch.new_documents)
    batch.inserted_hazards += batch.new_hazards.values()
    await insert_rows(session, Hazard, batch.new_hazards)
    await insert_rows(session, Inspection, batch.new_inspections)
    await insert_rows(session, TrackSegment, batch.new_tracks)


async def save_checkpoint(session: AsyncSession, db: str, seq: Seq) -> None:
    row = await session.get(SyncCheckpoint, db)
    if row is None:
        row = SyncCheckpoint(db=db, seq=seq)
    else:
        row.seq = seq
        row.updated_at = utcnow()
    session.add(row)
    await session.flush()
