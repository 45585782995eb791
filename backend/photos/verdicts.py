"""The verdicts of photo-carrying documents (hazards, rectification reports) composed
again from stored state: after the photo worker stored a result, or after a boundary
re-check changed a hazard's geofence."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from backend.grids.fence import grid_names
from backend.photos.models import HazardPhoto
from backend.photos.service import photo_summary
from backend.synced.models import SyncedDocument
from backend.synced.verdicts import stored_verdict
from sync.couch import JsonObject

PHOTO_CARRIERS = frozenset({"hazard", "rectification_report"})


def photo_part(
    document: SyncedDocument, carried: Sequence[HazardPhoto]
) -> list[dict[str, Any]] | None:
    """The verdict's photo part: a valid photo carrier has one (empty without photos),
    as the follower composes it; an invalid one only while photo rows remain from an
    earlier revision."""
    if document.doc_type not in PHOTO_CARRIERS or not (carried or document.valid):
        return None
    return photo_summary(list(carried))


async def recomposed_verdicts(
    session: AsyncSession, documents: Sequence[SyncedDocument]
) -> dict[str, list[JsonObject]]:
    """Each document's verdict, by grid database (see :func:`photo_part`)."""
    if not documents:
        return {}
    ids = [d.doc_id for d in documents]
    photos: dict[str, list[HazardPhoto]] = defaultdict(list)
    for row in (await session.exec(
        select(HazardPhoto).where(col(HazardPhoto.hazard_id).in_(ids))
    )).all():  # fmt: skip
        photos[row.hazard_id].append(row)
    names = await grid_names(session)
    by_db: dict[str, list[JsonObject]] = defaultdict(list)
    for document in documents:
        part = photo_part(document, photos.get(document.doc_id, []))
        by_db[document.db].append(stored_verdict(document, names, photos=part))
    return dict(by_db)
