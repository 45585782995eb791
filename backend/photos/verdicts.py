"""The verdicts of photo-carrying documents (hazards, rectification reports) composed
again from stored state: after the photo worker stored a result, or after a boundary
re-check changed a hazard's geofence."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from backend.grids.fence import grid_names
from backend.photos.models import HazardPhoto
from backend.photos.service import photo_summary
from backend.synced.models import SyncedDocument
from backend.synced.verdicts import stored_verdict
from sync.couch import JsonObject


async def recomposed_verdicts(
    session: AsyncSession, documents: Sequence[SyncedDocument]
) -> dict[str, list[JsonObject]]:
    """Each document's verdict, by grid database. A valid document has a photo part
    (empty without photos), as the follower composes it; an invalid one only when
    photo rows remain from an earlier revision."""
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
        carried = photos.get(document.doc_id, [])
        part = photo_summary(carried) if carried or document.valid else None
        by_db[document.db].append(stored_verdict(document, names, photos=part))
    return dict(by_db)
