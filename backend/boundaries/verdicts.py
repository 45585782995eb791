"""After a new boundary version: the hazards whose geofence changed keep the new answer
with their document, and their verdicts are composed again (photo results and all), so
tablets learn it with their next replication."""

from __future__ import annotations

from collections.abc import Sequence

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from backend.hazards.models import Hazard
from backend.photos.verdicts import recomposed_verdicts
from backend.synced.models import SyncedDocument
from backend.synced.verdicts import VerdictWriter
from geo.geofence import GeofenceResult


async def refresh_hazard_verdicts(
    session: AsyncSession,
    verdicts: VerdictWriter,
    changed: Sequence[tuple[Hazard, GeofenceResult]],
) -> int:
    """Store each hazard's new geofence with its document and write the verdicts that
    changed; how many were written."""
    if not changed:
        return 0
    fences = {hazard.doc_id: fence for hazard, fence in changed}
    rows = await session.exec(select(SyncedDocument).where(
        col(SyncedDocument.doc_id).in_(list(fences)), col(SyncedDocument.deleted).is_(False)
    ))  # fmt: skip
    documents = list(rows.all())
    for document in documents:
        document.geofence = fences[document.doc_id].as_verdict()
        session.add(document)
    written = 0
    for db, composed in (await recomposed_verdicts(session, documents)).items():
        written += len(await verdicts.write(db, composed))
    return written
