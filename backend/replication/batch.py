"""The rows one batch of changes touches, loaded with one query per table.

Projecting a document then costs no round trip to the database; the inserts and
updates go out together when the batch's transaction flushes.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from typing import Any

from shapely.geometry.base import BaseGeometry
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from backend.hazards.models import Hazard
from backend.inspections.models import Inspection
from backend.photos.models import HazardPhoto
from backend.synced.models import SyncedDocument
from backend.tracks.models import TrackSegment
from geo.geofence import GeofenceResult
from geo.tracks import TrackFacts


@dataclass
class ProjectionBatch:
    documents: dict[str, SyncedDocument] = field(default_factory=dict)
    hazards: dict[str, Hazard] = field(default_factory=dict)
    inspections: dict[str, Inspection] = field(default_factory=dict)
    tracks: dict[str, TrackSegment] = field(default_factory=dict)
    photos: dict[str, dict[str, HazardPhoto]] = field(default_factory=dict)
    """Photo rows of each hazard of the batch, by attachment name."""
    db: str = ""
    fences: dict[str, GeofenceResult] = field(default_factory=dict)
    """Geofence of each located document of the batch, computed in one pass."""
    geofences: dict[str, dict[str, object]] = field(default_factory=dict)
    """The same as stored with each document and told in its verdict."""
    grid: BaseGeometry | None = None
    """The shape of the database's grid (its polygonal repair), for tracks."""
    workers: dict[str, int | None] | None = None
    """The grid worker carrying each tablet of the grid, loaded by the first track."""
    track_facts: dict[str, TrackFacts] = field(default_factory=dict)
    """What each valid track of the batch says, for its verdict."""
    new_documents: dict[str, dict[str, Any]] = field(default_factory=dict)
    """Registry rows of documents first seen in this batch, not yet inserted."""
    new_hazards: dict[str, dict[str, Any]] = field(default_factory=dict)
    new_inspections: dict[str, dict[str, Any]] = field(default_factory=dict)
    new_tracks: dict[str, dict[str, Any]] = field(default_factory=dict)
    """Plain rows of hazards, inspections and tracks first seen in this batch, not yet
    inserted."""
    inserted_documents: int = 0
    """Documents first seen in this batch and inserted (for the planner's statistics)."""
    inserted_hazards: list[dict[str, Any]] = field(default_factory=list)
    """Those hazards' rows once inserted (for the live maps, after the commit)."""
    deletions: list[dict[str, Any]] = field(default_factory=list)
    """Audit lines of the deletions the batch applied."""
    replayed: set[str] = field(default_factory=set)
    """Documents whose revision was applied before: their verdicts are written again
    from stored state, nothing else."""

    @classmethod
    async def load(cls, session: AsyncSession, doc_ids: Collection[str]) -> ProjectionBatch:
        """The stored rows of these documents. Projected rows exist only beside a
        registered document (they are written in its transaction), so only registered
        ones are looked up further: a page of new documents costs one query."""
        if not doc_ids:
            return cls()
        query = select(SyncedDocument).where(col(SyncedDocument.doc_id).in_(list(doc_ids)))
        documents = {d.doc_id: d for d in (await session.exec(query)).all()}
        if not documents:
            return cls()
        ids = list(documents)
        hazards = await session.exec(select(Hazard).where(col(Hazard.doc_id).in_(ids)))
        inspections = await session.exec(select(Inspection).where(col(Inspection.doc_id).in_(ids)))
        tracks = await session.exec(select(TrackSegment).where(col(TrackSegment.doc_id).in_(ids)))
        photos: dict[str, dict[str, HazardPhoto]] = {}
        rows = await session.exec(select(HazardPhoto).where(col(HazardPhoto.hazard_id).in_(ids)))
        for row in rows.all():
            photos.setdefault(row.hazard_id, {})[row.name] = row
        return cls(
            documents=documents,
            hazards={h.doc_id: h for h in hazards.all()},
            inspections={i.doc_id: i for i in inspections.all()},
            tracks={t.doc_id: t for t in tracks.all()},
            photos=photos,
        )
