"""Changes the server could not apply, kept with their reason for review."""

from __future__ import annotations

from collections.abc import Sequence

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from backend.audit.service import record
from backend.synced.models import QuarantinedChange
from sync.contract import ErrorDetail


async def quarantine(
    session: AsyncSession,
    db: str,
    doc_id: str,
    rev: str,
    reason: str,
    errors: Sequence[ErrorDetail] = (),
) -> None:
    """Record the change once; replaying the same ``(db, doc_id, rev)`` is a no-op."""
    query = select(QuarantinedChange).where(
        QuarantinedChange.db == db,
        QuarantinedChange.doc_id == doc_id,
        QuarantinedChange.rev == rev,
    )
    if (await session.exec(query)).first() is not None:
        return
    session.add(
        QuarantinedChange(
            db=db,
            doc_id=doc_id[:500],
            rev=rev[:64],
            reason=reason[:500],
            errors=[{"path": e["path"], "message": e["message"]} for e in errors],
        )
    )
    record(session, "system:follower", "quarantine", doc_id, reason=reason, db=db, rev=rev[:64])
    await session.flush()


async def list_quarantined(session: AsyncSession, limit: int = 100) -> Sequence[QuarantinedChange]:
    query = select(QuarantinedChange).order_by(col(QuarantinedChange.id).desc()).limit(limit)
    return (await session.exec(query)).all()
