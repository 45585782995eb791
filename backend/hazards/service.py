"""Hazards: projected from grid databases, listed for the API."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlmodel import col, func, select
from sqlmodel.ext.asyncio.session import AsyncSession

from backend.hazards.documents import parse_hazard
from backend.hazards.models import Hazard
from backend.sqltypes import utcnow
from sync.couch.types import rev_generation, rev_key


def is_newer(rev: str, than: str) -> bool:
    return rev_key(rev) > rev_key(than)


async def project_hazard(session: AsyncSession, grid_id: str, doc: dict[str, Any]) -> bool:
    """Upsert the hazard from its document; ``False`` when the rev was already applied.

    The grid is the database's own, whatever the document claims.
    """
    parsed = parse_hazard(doc)
    stored = await session.get(Hazard, parsed.id)
    if stored is not None and not is_newer(parsed.rev, stored.rev):
        return False
    values = {
        "grid_id": grid_id,
        "device_id": parsed.device_id,
        "author": parsed.author,
        "title": parsed.title,
        "category": parsed.category,
        "severity": parsed.severity,
        "lat": parsed.location.lat if parsed.location else None,
        "lon": parsed.location.lon if parsed.location else None,
        "reported_at": parsed.reported_at,
        "deleted": False,
        "rev": parsed.rev,
        "rev_generation": rev_generation(parsed.rev),
        "doc": doc,
        "updated_at": utcnow(),
    }
    if stored is None:
        session.add(Hazard.model_validate({"doc_id": parsed.id, **values}))
    else:
        for key, value in values.items():
            setattr(stored, key, value)
        session.add(stored)
    await session.flush()
    return True


async def mark_hazard_deleted(session: AsyncSession, doc_id: str, rev: str) -> bool:
    stored = await session.get(Hazard, doc_id)
    if stored is None or not is_newer(rev, stored.rev):
        return False
    stored.deleted = True
    stored.rev = rev
    stored.rev_generation = rev_generation(rev)
    stored.updated_at = utcnow()
    session.add(stored)
    await session.flush()
    return True


async def list_hazards(
    session: AsyncSession, *, grid_id: str | None = None, limit: int = 100
) -> Sequence[Hazard]:
    query = select(Hazard).where(col(Hazard.deleted).is_(False))
    if grid_id is not None:
        query = query.where(Hazard.grid_id == grid_id)
    query = query.order_by(col(Hazard.received_at).desc(), col(Hazard.doc_id)).limit(limit)
    return (await session.exec(query)).all()


async def count_hazards(session: AsyncSession) -> int:
    return (await session.exec(select(func.count()).select_from(Hazard))).one()
