"""What each worker document type projects into SQL, and what its deletion marks."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from sqlmodel.ext.asyncio.session import AsyncSession

from backend.devices.service import device_workers
from backend.hazards.service import mark_hazard_deleted, project_hazard
from backend.inspections.service import mark_inspection_deleted, project_inspection
from backend.photos.service import sync_hazard_photos
from backend.replication.batch import ProjectionBatch
from backend.tracks.service import mark_track_deleted, project_track
from sync.contract import SchemaCheck

Handler = Callable[[AsyncSession, ProjectionBatch, str, str, SchemaCheck], Awaitable[None]]
Deleter = Callable[[AsyncSession, ProjectionBatch, str, str], None]


async def _project_hazard(
    session: AsyncSession, batch: ProjectionBatch, grid_id: str, rev: str, check: SchemaCheck
) -> None:
    doc_id = str(check.doc["_id"])
    stored, fence = batch.hazards.get(doc_id), batch.fences.get(doc_id)
    await project_hazard(session, stored, grid_id, rev, check, fence, batch.new_hazards)
    _project_photos(session, batch, check)


def _project_photos(session: AsyncSession, batch: ProjectionBatch, check: SchemaCheck) -> None:
    """Photo rows of a hazard or a rectification report: the worker processes them."""
    doc_id = str(check.doc["_id"])
    if check.valid:
        rows = sync_hazard_photos(
            session, batch.db, doc_id, check.doc, batch.photos.get(doc_id, {})
        )
        batch.photos[doc_id] = {row.name: row for row in rows}


async def _project_report(
    session: AsyncSession, batch: ProjectionBatch, grid_id: str, rev: str, check: SchemaCheck
) -> None:
    _project_photos(session, batch, check)


def _delete_hazard(session: AsyncSession, batch: ProjectionBatch, doc_id: str, rev: str) -> None:
    stored = batch.hazards.get(doc_id)
    if stored is not None:
        mark_hazard_deleted(session, stored, rev)


async def _project_inspection(
    session: AsyncSession, batch: ProjectionBatch, grid_id: str, rev: str, check: SchemaCheck
) -> None:
    doc_id = str(check.doc["_id"])
    stored, fence = batch.inspections.get(doc_id), batch.fences.get(doc_id)
    project_inspection(session, stored, grid_id, rev, check, fence, batch.new_inspections)


def _delete_inspection(
    session: AsyncSession, batch: ProjectionBatch, doc_id: str, rev: str
) -> None:
    stored = batch.inspections.get(doc_id)
    if stored is not None:
        mark_inspection_deleted(stored, rev)
        session.add(stored)


async def _project_track(
    session: AsyncSession, batch: ProjectionBatch, grid_id: str, rev: str, check: SchemaCheck
) -> None:
    doc_id = str(check.doc["_id"])
    stored = batch.tracks.get(doc_id)
    if batch.workers is None:
        batch.workers = await device_workers(session, grid_id)
    facts = project_track(session, stored, batch.db, grid_id, rev, check, batch.grid,
                          batch.new_tracks, batch.workers)  # fmt: skip
    if facts is not None:
        batch.track_facts[doc_id] = facts


def _delete_track(session: AsyncSession, batch: ProjectionBatch, doc_id: str, rev: str) -> None:
    stored = batch.tracks.get(doc_id)
    if stored is not None:
        mark_track_deleted(session, stored, rev)


HANDLERS: dict[str, Handler] = {
    "hazard": _project_hazard,
    "inspection": _project_inspection,
    "rectification_report": _project_report,
    "track": _project_track,
}
DELETERS: dict[str, Deleter] = {
    "hazard": _delete_hazard,
    "inspection": _delete_inspection,
    "track": _delete_track,
}
