"""HTTP: hazards reported from the field — a filtered, paged list and the same as GeoJSON."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

import msgspec
from litestar import Controller, Response, get
from litestar.di import NamedDependency, Provide
from litestar.params import FromPath, FromQuery, QueryParameter
from pydantic import AwareDatetime
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from backend.accounts.models import Account
from backend.accounts.service import jurisdiction_grid_ids
from backend.hazards.access import visible_hazard
from backend.hazards.models import HazardRead
from backend.hazards.query import (
    MARKER_PROPERTIES,
    HazardFilter,
    PhotoFlagFilter,
    encode_cursor,
    parse_bbox,
)
from backend.hazards.service import hazard_points, list_hazards
from backend.http_cache import GEOJSON, cached_json
from backend.ledger.models import LedgerEntryRead
from backend.ledger.service import history as ledger_history
from backend.ledger.workflow import LedgerStatus
from backend.photos.models import HazardPhotoRead
from backend.photos.service import hazard_photos
from backend.sqltypes import utcnow
from backend.synced.models import SyncedDocument
from geo.geofence import GeofenceStatus


def provide_filter(
    grid_id: Annotated[str | None, QueryParameter(max_length=64)] = None,
    community_id: Annotated[str | None, QueryParameter(max_length=64)] = None,
    category: Annotated[str | None, QueryParameter(max_length=32)] = None,
    severity: Annotated[str | None, QueryParameter(max_length=16)] = None,
    sector: Annotated[str | None, QueryParameter(max_length=32)] = None,
    photo_flag: FromQuery[PhotoFlagFilter | None] = None,
    ledger_status: FromQuery[LedgerStatus | None] = None,
    geofence_status: FromQuery[GeofenceStatus | None] = None,
    valid: FromQuery[bool | None] = None,
    overdue: FromQuery[bool | None] = None,
    reported_from: FromQuery[AwareDatetime | None] = None,
    reported_to: FromQuery[AwareDatetime | None] = None,
    bbox: Annotated[str | None, QueryParameter(max_length=200, description="w,s,e,n")] = None,
) -> HazardFilter:
    return HazardFilter(
        grid_id=grid_id, community_id=community_id, category=category, severity=severity,
        sector=sector, photo_flag=photo_flag.value if photo_flag else None,
        ledger_status=ledger_status.value if ledger_status else None,
        geofence_status=geofence_status.value if geofence_status else None,
        valid=valid, overdue=overdue, reported_from=reported_from, reported_to=reported_to,
        bbox=parse_bbox(bbox),
    )  # fmt: skip


def _next_cursor(count: int, limit: int, last: tuple[datetime, str]) -> dict[str, str]:
    """The header pointing past a full page's last row (``received_at``, ``doc_id``)."""
    return {"X-Next-Cursor": encode_cursor(*last)} if count == limit else {}


def _features(rows: list[tuple[Any, ...]]) -> list[dict[str, Any]]:
    """GeoJSON points of :func:`marker_columns` rows (rows without a location left out)."""
    names = (*MARKER_PROPERTIES, "overdue", "reported_at")
    width = len(names)
    return [
        {"type": "Feature", "id": row[0],
         "properties": dict(zip(names, (*row[: width - 2], bool(row[width - 2]), row[width - 1]),
                                strict=True)),
         "geometry": {"type": "Point", "coordinates": [row[-2], row[-1]]}}
        for row in rows
        if row[-1] is not None and row[-2] is not None
    ]  # fmt: skip


class HazardDetail(HazardRead):
    """A hazard with everything a supervisor reviews: the document as synced, its photos
    and their checks, the worker's rectification reports, and the ledger so far."""

    doc: dict[str, Any]
    conflict_revs: list[str]
    photos: list[HazardPhotoRead]
    rectification_reports: list[str]
    history: list[LedgerEntryRead]


class HazardController(Controller):
    path = "/api/hazards"
    tags = ("hazards",)
    dependencies = {"hazard_filter": Provide(provide_filter, sync_to_thread=False)}  # noqa: RUF012

    @get("/")
    async def list(
        self,
        session: NamedDependency[AsyncSession],
        account: NamedDependency[Account],
        hazard_filter: NamedDependency[HazardFilter],
        cursor: Annotated[str | None, QueryParameter(max_length=400)] = None,
        limit: Annotated[int, QueryParameter(ge=1, le=500)] = 100,
    ) -> Response[list[HazardRead]]:
        """Hazards in the caller's jurisdiction, newest first; ``X-Next-Cursor`` pages on."""
        within = await jurisdiction_grid_ids(session, account)
        rows = await list_hazards(session, within=within, hazard_filter=hazard_filter,
                                  cursor=cursor, limit=limit)  # fmt: skip
        body = [HazardRead.model_validate(row, from_attributes=True) for row in rows]
        last = (rows[-1].received_at, rows[-1].doc_id) if rows else (utcnow(), "")
        return Response(body, headers=_next_cursor(len(rows), limit, last))

    @get("/{hazard_id:str}")
    async def detail(
        self,
        hazard_id: FromPath[str],
        session: NamedDependency[AsyncSession],
        account: NamedDependency[Account],
    ) -> HazardDetail:
        """One hazard (404 outside the caller's jurisdiction); the ledger's ETag for
        decisions is ``"ledger-<ledger_version>"``."""
        hazard = await visible_hazard(session, account, hazard_id)
        registered = await session.get(SyncedDocument, hazard_id)
        reports = select(SyncedDocument.doc_id).where(
            SyncedDocument.refers_to == hazard_id, col(SyncedDocument.deleted).is_(False)
        )
        history = await ledger_history(session, hazard_id)
        return HazardDetail.model_validate({
            **HazardRead.model_validate(hazard, from_attributes=True).model_dump(),
            "doc": hazard.doc,
            "conflict_revs": registered.conflict_revs if registered else [],
            "photos": await hazard_photos(
                session, hazard_id, await jurisdiction_grid_ids(session, account)
            ),
            "rectification_reports": list((await session.exec(reports.order_by(
                col(SyncedDocument.doc_id)))).all()),
            "history": [LedgerEntryRead.model_validate(e, from_attributes=True) for e in history],
        })  # fmt: skip

    @get("/geojson", media_type="application/geo+json", responses=GEOJSON)
    async def geojson(
        self,
        session: NamedDependency[AsyncSession],
        account: NamedDependency[Account],
        hazard_filter: NamedDependency[HazardFilter],
        cursor: Annotated[str | None, QueryParameter(max_length=400)] = None,
        limit: Annotated[int, QueryParameter(ge=1, le=5000)] = 2000,
    ) -> Response[bytes]:
        """The same query as GeoJSON points (hazards without a location are left out)."""
        within = await jurisdiction_grid_ids(session, account)
        rows = await hazard_points(session, within=within, hazard_filter=hazard_filter,
                                   cursor=cursor, limit=limit)  # fmt: skip
        last = (datetime.fromisoformat(rows[-1][-3]), rows[-1][0]) if rows else (utcnow(), "")
        headers = _next_cursor(len(rows), limit, last)
        body = msgspec.json.encode({"type": "FeatureCollection", "features": _features(rows)})
        response = cached_json(body, "application/geo+json")
        response.headers.update(headers)
        return response
