"""The photo worker: fetches attachments that arrived, processes each picture once,
checks it against its hazard, and adds the result to the hazard's verdict.

It runs beside the changes follower so that slow photos never hold up the feed;
decoding happens in a worker thread, so the event loop never blocks.
"""

from __future__ import annotations

import asyncio
from datetime import tzinfo

from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from backend.database import unit_of_work
from backend.hazards.models import Hazard
from backend.photos.checks import CrossCheckPolicy, cross_check, local_time
from backend.photos.exif import ExifFacts
from backend.photos.models import HazardPhoto, Photo, PhotoStatus
from backend.photos.processing import (
    PhotoLimits,
    PhotoRejected,
    hamming,
    process_photo,
    sha256_of,
)
from backend.photos.storage import MediaStore
from backend.photos.verdicts import recomposed_verdicts
from backend.rounds import run_rounds
from backend.sqltypes import utcnow
from backend.synced.models import SyncedDocument
from backend.synced.verdicts import VerdictWriter
from sync.couch import CouchClient, CouchError, PayloadTooLarge

REUSE_HAMMING = 4


class PhotoWorker:
    def __init__(
        self,
        sessions: async_sessionmaker[AsyncSession],
        couch: CouchClient,
        store: MediaStore,
        limits: PhotoLimits | None = None,
        *,
        interval: float = 0.5,
        batch: int = 8,
        time_zone: tzinfo,
        verdicts: VerdictWriter | None = None,
    ) -> None:
        self.sessions, self.couch, self.store = sessions, couch, store
        self.verdicts = verdicts or VerdictWriter(couch)
        """Shared with the follower in one process: the same database locks."""
        self.limits = limits or PhotoLimits()
        self.interval, self.batch = interval, batch
        self.time_zone = time_zone
        self.policy = CrossCheckPolicy(time_zone=time_zone)
        self._stop = asyncio.Event()

    def stop(self) -> None:
        self._stop.set()

    async def run(self) -> None:
        await run_rounds(self._round, self._stop, self.interval, "photo")

    async def _round(self) -> bool:
        return await self.process_pending() > 0

    async def process_pending(self) -> int:
        """Process up to ``batch`` arrived photos; how many were handled."""
        async with unit_of_work(self.sessions, read_only=True) as session:
            query = (
                select(HazardPhoto)
                .where(HazardPhoto.status == PhotoStatus.pending)
                .where(col(HazardPhoto.couch_digest).is_not(None))
                .order_by(col(HazardPhoto.updated_at))
                .limit(self.batch)
            )
            pending = [
                (r.db, r.hazard_id, r.name, r.couch_digest)
                for r in (await session.exec(query)).all()
            ]
        results: dict[str, list[tuple[str, str, str | None, Photo | str]]] = {}
        for db, hazard_id, name, digest in pending:
            data, reason = await self._fetch(db, hazard_id, name)
            result = await self._result(data, reason)
            results.setdefault(db, []).append((hazard_id, name, digest, result))
        for db, stored in results.items():
            async with self.verdicts.holding(db):  # no page of this database meanwhile
                touched: list[str] = []
                for hazard_id, name, digest, result in stored:
                    async with unit_of_work(self.sessions) as session:
                        row = await session.get(HazardPhoto, (hazard_id, name))
                        if row is None or row.couch_digest != digest:
                            continue  # changed meanwhile: the next round takes the new one
                        await self._apply(session, row, result)
                    touched.append(hazard_id)
                if touched:
                    await self._update_verdicts(db, touched)
        return len(pending)

    async def _fetch(self, db: str, hazard_id: str, name: str) -> tuple[bytes | None, str | None]:
        try:
            async with self.couch.open_attachment(
                db, hazard_id, name, max_bytes=self.limits.max_bytes
            ) as chunks:
                return b"".join([chunk async for chunk in chunks]), None
        except PayloadTooLarge:
            return None, f"file larger than {self.limits.max_bytes} bytes"
        except CouchError as exc:
            if exc.status == 404:
                return None, "attachment missing"
            raise

    async def _result(self, data: bytes | None, reason: str | None) -> Photo | str:
        """The processed picture, or why there is none; decoded outside any transaction
        and lock, and only when no hazard sent the same picture before."""
        if data is None:
            return reason or "attachment missing"
        sha = sha256_of(data)
        async with unit_of_work(self.sessions, read_only=True) as session:
            known = await session.get(Photo, sha)
        return known if known is not None else await self._process(sha, data)

    async def _apply(self, session: AsyncSession, row: HazardPhoto, result: Photo | str) -> None:
        row.updated_at = utcnow()
        if isinstance(result, str):
            row.status, row.reason = PhotoStatus.rejected, result
            session.add(row)
            return
        sha = result.sha256
        photo = await session.get(Photo, sha)
        if photo is None:  # each picture is decoded once, whoever sends it
            photo = result
            session.add(photo)
        row.sha256 = sha
        flags = [] if sha == row.declared_sha256 else ["sha256_differs_from_report"]
        if photo.rejected_reason:
            row.status, row.reason = PhotoStatus.rejected, photo.rejected_reason
            if photo.exif_gps == "ok" or photo.taken_at is not None:
                flags.append("pixels_unusable_metadata_read")
        else:
            row.status, row.reason = PhotoStatus.processed, None
        hazard = await _hazard_of(session, row.hazard_id)
        exif = ExifFacts(photo.taken_at, photo.exif_lat, photo.exif_lon, None, photo.exif_gps,
                         "ok" if photo.taken_at else "absent")  # fmt: skip
        reported = None
        if hazard is not None and hazard.lat is not None and hazard.lon is not None:
            reported = (hazard.lat, hazard.lon)
        check = cross_check(exif, reported, hazard.reported_at if hazard else None, self.policy)
        row.distance_m, row.time_difference_s = check.distance_m, check.time_difference_s
        row.reused_from = None if photo.rejected_reason else await _reused_from(session, row, photo)
        if row.reused_from:
            flags.append("reused_photo")
        row.flags = flags + check.flags
        session.add(row)

    async def _process(self, sha: str, data: bytes) -> Photo:
        try:
            processed = await asyncio.to_thread(process_photo, data, self.limits)
        except PhotoRejected as exc:  # what the EXIF block said is kept all the same
            exif = exc.exif or ExifFacts()
            return Photo(sha256=sha, rejected_reason=f"{exc.code}: {exc.reason}"[:300],
                         taken_at=local_time(exif.taken_at, self.time_zone), exif_lat=exif.lat,
                         exif_lon=exif.lon, exif_gps=exif.gps, processed_at=utcnow())  # fmt: skip
        await asyncio.to_thread(self.store.put, "thumbnail", sha, processed.thumbnail)
        await asyncio.to_thread(self.store.put, "screen", sha, processed.screen)
        exif = processed.exif
        phash = "" if processed.dhash is None else f"{processed.dhash:016x}"
        return Photo(
            sha256=sha, format=processed.format, width=processed.width,
            height=processed.height, taken_at=local_time(exif.taken_at, self.time_zone),
            exif_lat=exif.lat, exif_lon=exif.lon, exif_gps=exif.gps, dhash=phash,
            processed_at=utcnow(),
        )  # fmt: skip

    async def _update_verdicts(self, db: str, carriers: list[str]) -> None:
        """The carriers' verdicts, composed from stored state now that their photos'
        results are committed (under the database's lock: see :class:`VerdictWriter`)."""
        async with unit_of_work(self.sessions, read_only=True) as session:
            documents = (await session.exec(
                select(SyncedDocument).where(col(SyncedDocument.doc_id).in_(carriers),
                                             col(SyncedDocument.deleted).is_(False))
            )).all()  # fmt: skip
            verdicts = await recomposed_verdicts(session, documents)
        await self.verdicts.write(db, verdicts.get(db, []))


async def _hazard_of(session: AsyncSession, carrier_id: str) -> Hazard | None:
    """The hazard a photo shows: the carrying hazard, or the one a rectification report
    is about (its photo should be taken at the hazard's place)."""
    hazard = await session.get(Hazard, carrier_id)
    if hazard is None:
        carrier = await session.get(SyncedDocument, carrier_id)
        if carrier is not None and carrier.refers_to:
            hazard = await session.get(Hazard, carrier.refers_to)
    return hazard


async def _reused_from(session: AsyncSession, row: HazardPhoto, photo: Photo) -> str | None:
    """Another hazard carrying the same picture, or a near-identical one."""
    same = (await session.exec(
        select(HazardPhoto.hazard_id)
        .where(HazardPhoto.sha256 == photo.sha256, HazardPhoto.hazard_id != row.hazard_id)
        .order_by(col(HazardPhoto.hazard_id))
    )).first()  # fmt: skip
    if same:
        return same
    if not photo.dhash:
        return None
    candidates = (await session.exec(
        select(Photo.sha256, Photo.dhash).where(Photo.sha256 != photo.sha256, Photo.dhash != "")
    )).all()  # fmt: skip
    mine = int(photo.dhash, 16)
    similar = [sha for sha, h in candidates if hamming(mine, int(h, 16)) <= REUSE_HAMMING]
    if not similar:
        return None
    query = select(HazardPhoto.hazard_id).where(
        col(HazardPhoto.sha256).in_(similar), HazardPhoto.hazard_id != row.hazard_id
    )
    owners = sorted((await session.exec(query)).all())
    return owners[0] if owners else None
