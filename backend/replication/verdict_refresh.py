"""Rewrite the verdicts of hazards whose geofence changed (after a new boundary version),
so tablets learn the new answer with their next replication."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from backend.grids.fence import geofence_verdict, grid_names
from backend.hazards.models import Hazard
from backend.replication.models import SyncedDocument
from geo.geofence import GeofenceResult
from sync.contract import ErrorDetail, SchemaCheck
from sync.couch import CouchClient, JsonObject
from sync.verdicts import VERDICT_KEEP, verdict_doc


async def refresh_hazard_verdicts(
    session: AsyncSession,
    couch: CouchClient,
    changed: Sequence[tuple[Hazard, GeofenceResult]],
) -> int:
    """Write the new verdicts (schema result unchanged, new geofence); how many."""
    if not changed:
        return 0
    ids = [hazard.doc_id for hazard, _ in changed]
    rows = await session.exec(select(SyncedDocument).where(col(SyncedDocument.doc_id).in_(ids)))
    synced = {row.doc_id: row for row in rows.all()}
    names = await grid_names(session)
    by_db: dict[str, list[JsonObject]] = defaultdict(list)
    for hazard, fence in changed:
        row = synced.get(hazard.doc_id)
        if row is None:
            continue
        schema = SchemaCheck(
            "hazard", row.valid, row.schema_version, row.upgraded_from,
            [ErrorDetail(path=e["path"], message=e["message"]) for e in row.errors],
        )  # fmt: skip
        by_db[row.db].append(verdict_doc(
            doc_id=row.doc_id, rev=row.rev, doc_type="hazard", grid_id=row.grid_id,
            received_at=row.received_at.isoformat(timespec="milliseconds"), schema=schema,
            extra={"geofence": geofence_verdict(fence, names)},
        ))  # fmt: skip
    written = 0
    for db, verdicts in by_db.items():
        written += len(await couch.ensure_docs(db, verdicts, keep=VERDICT_KEEP))
    return written
