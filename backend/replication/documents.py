"""The registry of every synced worker document: idempotency by revision, schema
results and conflicts, whatever the document's type."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from backend.replication.batch import ProjectionBatch
from backend.sqltypes import utcnow
from backend.synced.models import SyncedDocument
from sync.contract import SchemaCheck
from sync.couch.types import rev_generation, rev_key


def is_newer(rev: str, than: str) -> bool:
    """CouchDB's order of revisions: generation first, then the hash."""
    return rev_key(rev) > rev_key(than)


async def register_document(
    session: AsyncSession,
    batch: ProjectionBatch,
    db: str,
    grid_id: str,
    rev: str,
    check: SchemaCheck,
    conflict_revs: Sequence[str] = (),
) -> datetime | None:
    """Record this revision of a worker document; when it was first received, or
    ``None`` when this revision (or a newer one) was applied already. ``batch`` holds
    the stored rows of the batch's documents."""
    assert check.doc_type is not None
    doc_id = str(check.doc["_id"])
    stored = batch.documents.get(doc_id)
    conflicts = sorted(conflict_revs, key=rev_key)
    if stored is not None and not is_newer(rev, stored.rev):
        if rev == stored.rev and conflicts != stored.conflict_revs:
            # a losing revision arrived later: same winner, new conflict
            stored.conflict_revs, stored.updated_at = conflicts, utcnow()
            session.add(stored)
        return None
    target = check.doc.get("hazard_id") if check.doc_type == "rectification_report" else None
    refers_to = target if check.valid and isinstance(target, str) else None
    errors = [{"path": e["path"], "message": e["message"]} for e in check.errors]
    geofence = batch.geofences.get(doc_id)
    if stored is None:  # a plain row, inserted with the batch's others in one statement
        now = utcnow()
        batch.new_documents[doc_id] = {
            "doc_id": doc_id, "db": db, "grid_id": grid_id, "doc_type": check.doc_type,
            "rev": rev, "rev_generation": rev_generation(rev), "valid": check.valid,
            "errors": errors, "schema_version": check.version,
            "upgraded_from": check.upgraded_from, "conflict_revs": conflicts,
            "deleted": False, "refers_to": refers_to, "geofence": geofence, "received_at": now,
            "updated_at": now,
        }  # fmt: skip
        return now
    stored.rev, stored.rev_generation = rev, rev_generation(rev)
    stored.valid, stored.errors = check.valid, errors
    stored.schema_version, stored.upgraded_from = check.version, check.upgraded_from
    stored.conflict_revs, stored.refers_to, stored.geofence = conflicts, refers_to, geofence
    stored.updated_at = utcnow()
    session.add(stored)
    return stored.received_at


def register_deletion(session: AsyncSession, batch: ProjectionBatch, doc_id: str, rev: str) -> bool:
    stored = batch.documents.get(doc_id)
    if stored is None or not is_newer(rev, stored.rev):
        return False
    stored.deleted = True
    stored.rev, stored.rev_generation = rev, rev_generation(rev)
    stored.updated_at = utcnow()
    session.add(stored)
    return True


async def list_conflicted(session: AsyncSession, limit: int = 100) -> Sequence[SyncedDocument]:
    query = (
        select(SyncedDocument)
        .where(func.json_array_length(col(SyncedDocument.conflict_revs)) > 0)
        .order_by(col(SyncedDocument.updated_at).desc())
        .limit(limit)
    )
    return (await session.exec(query)).all()


async def hazards_of_database(session: AsyncSession, db: str, hazard_ids: set[str]) -> set[str]:
    """Which of these hazards were synced from this grid database (and not deleted)."""
    if not hazard_ids:
        return set()
    query = select(SyncedDocument.doc_id).where(
        col(SyncedDocument.doc_id).in_(hazard_ids),
        SyncedDocument.db == db,
        SyncedDocument.doc_type == "hazard",
        col(SyncedDocument.deleted).is_(False),
    )
    return set((await session.exec(query)).all())
