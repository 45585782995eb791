"""HTTP: a hazard's photos with their checks, and the derivatives (long-cached)."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.status_codes import HTTP_304_NOT_MODIFIED
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from backend.accounts.models import Account
from backend.accounts.service import jurisdiction_grid_ids
from backend.errors import NotFound
from backend.hazards.access import visible_hazard
from backend.photos.models import HazardPhoto, HazardPhotoRead
from backend.photos.service import hazard_photos
from backend.photos.storage import KINDS
from backend.runtime import Runtime
from backend.synced.models import SyncedDocument

YEAR = 365 * 24 * 3600


class PhotoController(Controller):
    tags = ("photos",)

    @get("/api/hazards/{hazard_id:str}/photos")
    async def list_for_hazard(
        self,
        hazard_id: FromPath[str],
        session: NamedDependency[AsyncSession],
        account: NamedDependency[Account],
    ) -> list[HazardPhotoRead]:
        """The photos a hazard names: pending, processed (with checks) or rejected."""
        await visible_hazard(session, account, hazard_id)
        return await hazard_photos(
            session, hazard_id, await jurisdiction_grid_ids(session, account)
        )

    @get("/api/photos/{sha256:str}/{kind:str}")
    async def derivative(
        self,
        sha256: FromPath[str],
        kind: FromPath[str],
        session: NamedDependency[AsyncSession],
        account: NamedDependency[Account],
        runtime: NamedDependency[Runtime],
        request: Request[Any, Any, Any],
    ) -> Response[bytes]:
        """A thumbnail or screen-size copy (no metadata); immutable, so cached long."""
        if kind not in KINDS or runtime.media is None:
            raise NotFound("no such photo")
        owners = (await session.exec(
            select(HazardPhoto.hazard_id).where(HazardPhoto.sha256 == sha256)
        )).all()  # fmt: skip
        within = await jurisdiction_grid_ids(session, account)
        # the documents carrying it: hazards and rectification reports
        query = select(SyncedDocument.grid_id).where(col(SyncedDocument.doc_id).in_(owners))
        grids = set((await session.exec(query)).all())
        if not grids or (within is not None and not grids & within):
            raise NotFound("no such photo")
        etag = f'"{sha256[:32]}-{kind}"'
        headers = {"ETag": etag, "Cache-Control": f"private, max-age={YEAR}, immutable"}
        if etag in request.headers.get("if-none-match", ""):
            return Response(b"", status_code=HTTP_304_NOT_MODIFIED, headers=headers)
        data = runtime.media.read(kind, sha256)
        if data is None:
            raise NotFound("no such photo")
        return Response(data, media_type="image/jpeg", headers=headers)
