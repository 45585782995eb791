"""Which photos each hazard names, and what processing found."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import or_
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from backend.hazards.models import Hazard
from backend.photos.models import HazardPhoto, HazardPhotoRead, Photo, PhotoStatus
from backend.sqltypes import utcnow
from backend.synced.models import SyncedDocument


def sync_hazard_photos(
    session: AsyncSession,
    db: str,
    hazard_id: str,
    doc: dict[str, Any],
    stored: dict[str, HazardPhoto],
) -> list[HazardPhoto]:
    """Bring the hazard's photo rows in line with its ``photos[]`` and attachments.

    A photo whose attachment has not arrived stays ``pending``; one whose attachment
    digest is unchanged keeps its result (not processed again).
    """
    attachments = doc.get("_attachments") or {}
    rows = []
    for entry in doc.get("photos") or []:
        name = entry["name"]
        digest = (attachments.get(name) or {}).get("digest")
        row = stored.get(name)
        if row is None:
            row = HazardPhoto(hazard_id=hazard_id, name=name, db=db, flags=[],
                              updated_at=utcnow())  # fmt: skip
        if row.couch_digest != digest or row.declared_sha256 != entry["sha256"]:
            row.couch_digest, row.declared_sha256 = digest, entry["sha256"]
            row.status, row.reason, row.sha256 = PhotoStatus.pending, None, None
            row.distance_m = row.time_difference_s = None
            row.flags, row.reused_from, row.updated_at = [], None, utcnow()
        session.add(row)
        rows.append(row)
    listed = {row.name for row in rows}
    for name, row in stored.items():
        if name not in listed:  # the worker took it out of the report
            row.status, row.reason = PhotoStatus.rejected, "no longer listed by the hazard"
            session.add(row)
    return rows


def photo_summary(rows: Sequence[HazardPhoto]) -> list[dict[str, Any]]:
    """The photo part of a hazard's verdict."""
    return [
        {
            "name": row.name,
            "status": row.status.value if hasattr(row.status, "value") else str(row.status),
            "reason": row.reason,
            "distance_m": None if row.distance_m is None else round(row.distance_m, 1),
            "time_difference_s": row.time_difference_s,
            "flags": list(row.flags),  # "reused_photo" says it; whose is not the tablet's business
        }
        for row in sorted(rows, key=lambda r: r.name)
    ]


async def hazard_photos(
    session: AsyncSession, hazard_id: str, within: set[str] | None
) -> list[HazardPhotoRead]:
    """The hazard's own photos, then those of the rectification reports about it (their
    ``hazard_id`` is the report carrying them). ``reused_from`` names the other hazard
    only when it is inside ``within``, the reader's grids (``None``: all)."""
    reports = select(SyncedDocument.doc_id).where(
        SyncedDocument.refers_to == hazard_id, col(SyncedDocument.deleted).is_(False)
    )
    query = select(HazardPhoto).where(
        or_(col(HazardPhoto.hazard_id) == hazard_id, col(HazardPhoto.hazard_id).in_(reports))
    )
    carrier = col(HazardPhoto.hazard_id)
    order = (carrier != hazard_id, carrier, col(HazardPhoto.name))
    rows = (await session.exec(query.order_by(*order))).all()
    shas = [row.sha256 for row in rows if row.sha256]
    pictures = (await session.exec(select(Photo).where(col(Photo.sha256).in_(shas)))).all()
    exif = {p.sha256: p for p in pictures}
    out = []
    for row in rows:
        read = HazardPhotoRead.model_validate(row, from_attributes=True)
        if row.status == PhotoStatus.processed and row.sha256:
            read.thumbnail_url = f"/api/photos/{row.sha256}/thumbnail"
            read.screen_url = f"/api/photos/{row.sha256}/screen"
            picture = exif.get(row.sha256)
            if picture is not None:
                read.exif_lat, read.exif_lon = picture.exif_lat, picture.exif_lon
                read.taken_at = picture.taken_at
        out.append(read)
    await _hide_foreign_reuse(session, out, within)
    return out


async def _hide_foreign_reuse(
    session: AsyncSession, photos: list[HazardPhotoRead], within: set[str] | None
) -> None:
    others = {p.reused_from for p in photos if p.reused_from}
    if within is None or not others:
        return
    query = select(Hazard.doc_id).where(col(Hazard.doc_id).in_(others),
                                        col(Hazard.grid_id).in_(within))  # fmt: skip
    visible = set((await session.exec(query)).all())
    for photo in photos:
        if photo.reused_from not in visible:
            photo.reused_from = None
