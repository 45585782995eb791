"""HTTP: hazards reported from the field — a filtered, paged list and the same as GeoJSON."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime
from typing import Annotated, Any

from litestar import Controller, Request, Response, get
from litestar.di import NamedDependency, Provide
from litestar.params import FromQuery, QueryParameter
from pydantic import AwareDatetime
from sqlmodel.ext.asyncio.session import AsyncSession

from backend.accounts.models import Account
from backend.accounts.service import jurisdiction_grid_ids
from backend.hazards.models import Hazard, HazardRead, is_overdue
from backend.hazards.query import HazardFilter, encode_cursor, parse_bbox
from backend.hazards.service import list_hazards
from backend.http_cache import cached_json
from backend.ledger.workflow import LedgerStatus
from backend.sqltypes import utcnow
from geo.geofence import GeofenceStatus


def provide_filter(
    grid_id: Annotated[str | None, QueryParameter(max_length=64)] = None,
    community_id: Annotated[str | None, QueryParameter(max_length=64)] = None,
    category: Annotated[str | None, QueryParameter(max_length=32)] = None,
    severity: Annotated[str | None, QueryParameter(max_length=16)] = None,
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
        ledger_status=ledger_status.value if ledger_status else None,
        geofence_status=geofence_status.value if geofence_status else None,
        valid=valid, overdue=overdue, reported_from=reported_from, reported_to=reported_to,
        bbox=parse_bbox(bbox),
    )  # fmt: skip


def _next_cursor(rows: Sequence[Hazard], limit: int) -> dict[str, str]:
    return {"X-Next-Cursor": encode_cursor(rows[-1])} if len(rows) == limit else {}


def _feature(hazard: Hazard, now: datetime) -> dict[str, Any]:
    return {
        "type": "Feature",
        "id": hazard.doc_id,
        "geometry": {"type": "Point", "coordinates": [hazard.lon, hazard.lat]},
        "properties": {
            "doc_id": hazard.doc_id, "title": hazard.title, "grid_id": hazard.grid_id,
            "category": hazard.category, "severity": hazard.severity,
            "ledger_status": hazard.ledger_status, "geofence_status": hazard.geofence_status,
            "overdue": is_overdue(hazard.ledger_status, hazard.deadline, now),
            "reported_at": hazard.reported_at.isoformat() if hazard.reported_at else None,
        },
    }  # fmt: skip


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
        return Response(body, headers=_next_cursor(rows, limit))

    @get("/geojson")
    async def geojson(
        self,
        session: NamedDependency[AsyncSession],
        account: NamedDependency[Account],
        hazard_filter: NamedDependency[HazardFilter],
        request: Request[Any, Any, Any],
        cursor: Annotated[str | None, QueryParameter(max_length=400)] = None,
        limit: Annotated[int, QueryParameter(ge=1, le=5000)] = 2000,
    ) -> Response[bytes]:
        """The same query as GeoJSON points (hazards without a location are left out)."""
        within = await jurisdiction_grid_ids(session, account)
        rows = await list_hazards(session, within=within, hazard_filter=hazard_filter,
                                  cursor=cursor, limit=limit)  # fmt: skip
        now = utcnow()
        features = [_feature(h, now) for h in rows if h.lat is not None and h.lon is not None]
        body = json.dumps({"type": "FeatureCollection", "features": features},
                          ensure_ascii=False).encode()  # fmt: skip
        response = cached_json(request, body, "application/geo+json")
        response.headers.update(_next_cursor(rows, limit))
        return response
