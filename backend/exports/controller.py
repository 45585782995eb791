"""HTTP: the hazard list and the ledger of any filter, streamed whole as CSV (for
Excel) or GeoJSON (for GIS tools), page by page so memory stays flat."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import msgspec
from litestar import Controller, get
from litestar.di import NamedDependency, Provide
from litestar.response import Stream
from sqlalchemy import and_, or_
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from backend.accounts.models import Account
from backend.accounts.service import jurisdiction_grid_ids
from backend.database import unit_of_work
from backend.exports.csv_stream import attachment, csv_response
from backend.grids.models import Place
from backend.hazards.controller import provide_filter
from backend.hazards.models import Hazard, is_overdue
from backend.hazards.query import (
    HazardFilter,
    after_cursor,
    encode_cursor,
    filtered,
    where_matching,
)
from backend.ledger.models import LedgerEntry
from backend.runtime import Runtime
from backend.sqltypes import utcnow

PAGE = 1000
HAZARD_COLUMNS = (
    "doc_id", "grid_id", "community_id", "title", "category", "sector", "severity",
    "lat", "lon", "reported_at", "author", "device_id", "geofence_status",
    "geofence_distance_m", "suggested_grid_id", "ledger_status", "responsible_person",
    "responsible_unit", "measures", "deadline", "overdue", "valid", "received_at",
)  # fmt: skip
LEDGER_COLUMNS = (
    "hazard_id", "grid_id", "title", "seq", "event", "status_after", "at", "actor_name",
    "actor_role", "note", "responsible_person", "responsible_unit", "measures", "deadline",
    "rectification_report_id",
)  # fmt: skip


class Scope(msgspec.Struct, frozen=True):
    """What one export reads: the filter, the caller's grids, the street's zone."""

    hazard_filter: HazardFilter
    within: set[str] | None
    zone: ZoneInfo
    community_of: dict[str, str | None]


async def _scope(
    session: AsyncSession, account: Account, runtime: Runtime, hazard_filter: HazardFilter
) -> Scope:
    places = (await session.exec(select(Place.id, Place.parent_id))).all()
    return Scope(hazard_filter, await jurisdiction_grid_ids(session, account),
                 runtime.time_zone, dict(places))  # fmt: skip


async def _hazards(runtime: Runtime, scope: Scope) -> AsyncIterator[Hazard]:
    """Every matching hazard, newest first, one short read transaction per page."""
    cursor = None
    while True:
        query = after_cursor(filtered(scope.hazard_filter, scope.within), cursor).limit(PAGE)
        async with unit_of_work(runtime.sessions, read_only=True) as session:
            rows = (await session.exec(query)).all()
        for row in rows:
            yield row
        if len(rows) < PAGE:
            return
        cursor = encode_cursor(rows[-1].received_at, rows[-1].doc_id)


async def _ledger(runtime: Runtime, scope: Scope) -> AsyncIterator[tuple[LedgerEntry, Hazard]]:
    """Every ledger event of the matching hazards, oldest first."""
    after: tuple[datetime, str] | None = None
    while True:
        query = select(LedgerEntry, Hazard).join(
            Hazard, col(Hazard.doc_id) == LedgerEntry.hazard_id
        )
        query = where_matching(query, scope.hazard_filter, scope.within)
        if after is not None:
            at, entry_id = after
            later = and_(col(LedgerEntry.at) == at, col(LedgerEntry.id) > entry_id)
            query = query.where(or_(col(LedgerEntry.at) > at, later))
        query = query.order_by(col(LedgerEntry.at), col(LedgerEntry.id)).limit(PAGE)
        async with unit_of_work(runtime.sessions, read_only=True) as session:
            rows: Sequence[tuple[LedgerEntry, Hazard]] = (await session.exec(query)).all()
        for row in rows:
            yield row
        if len(rows) < PAGE:
            return
        after = (rows[-1][0].at, rows[-1][0].id)


def _local(value: datetime | None, zone: ZoneInfo) -> datetime | None:
    return value.astimezone(zone) if value is not None else None


def _hazard_row(hazard: Hazard, scope: Scope, now: datetime) -> dict[str, Any]:
    values: dict[str, Any] = {name: getattr(hazard, name, None) for name in HAZARD_COLUMNS}
    values["community_id"] = scope.community_of.get(hazard.grid_id)
    values["overdue"] = is_overdue(hazard.ledger_status, hazard.deadline, now)
    for name in ("reported_at", "deadline", "received_at"):
        values[name] = _local(values[name], scope.zone)
    return values


def _ledger_row(entry: LedgerEntry, hazard: Hazard, zone: ZoneInfo) -> dict[str, Any]:
    assignment = entry.assignment or {}
    return {
        "hazard_id": entry.hazard_id, "grid_id": hazard.grid_id, "title": hazard.title,
        "seq": entry.seq, "event": entry.event, "status_after": entry.status_after,
        "at": _local(entry.at, zone), "actor_name": entry.actor_name,
        "actor_role": entry.actor_role, "note": entry.note,
        "responsible_person": assignment.get("responsible_person"),
        "responsible_unit": assignment.get("responsible_unit"),
        "measures": assignment.get("measures"), "deadline": assignment.get("deadline"),
        "rectification_report_id": entry.rectification_report_id,
    }  # fmt: skip


def _json_value(value: Any) -> Any:
    return value.isoformat(timespec="seconds") if isinstance(value, datetime) else value


async def _feature_collection(
    features: AsyncIterator[tuple[dict[str, Any], float | None, float | None]],
) -> AsyncIterator[bytes]:
    """GeoJSON, one feature at a time; features without a location have no geometry."""
    yield b'{"type":"FeatureCollection","features":['
    first = True
    async for properties, lon, lat in features:
        geometry = {"type": "Point", "coordinates": [lon, lat]} if lon is not None else None
        feature = {"type": "Feature", "geometry": geometry,
                   "properties": {k: _json_value(v) for k, v in properties.items()}}  # fmt: skip
        yield (b"" if first else b",") + msgspec.json.encode(feature)
        first = False
    yield b"]}"


def _geojson(name: str, chunks: AsyncIterator[bytes]) -> Stream:
    return Stream(chunks, media_type="application/geo+json", headers=attachment(name))


def _stamp() -> str:
    return utcnow().strftime("%Y%m%d-%H%M")


class ExportController(Controller):
    path = "/api/exports"
    tags = ("exports",)
    dependencies = {"hazard_filter": Provide(provide_filter, sync_to_thread=False)}  # noqa: RUF012

    @get("/hazards.csv", media_type="text/csv")
    async def hazards_csv(
        self,
        session: NamedDependency[AsyncSession],
        account: NamedDependency[Account],
        runtime: NamedDependency[Runtime],
        hazard_filter: NamedDependency[HazardFilter],
    ) -> Stream:
        """Every hazard the filter matches (same parameters as ``/api/hazards``), times in
        the street's time zone, UTF-8 with BOM."""
        scope, now = await _scope(session, account, runtime, hazard_filter), utcnow()

        async def rows() -> AsyncIterator[list[Any]]:
            async for hazard in _hazards(runtime, scope):
                values = _hazard_row(hazard, scope, now)
                yield [values[name] for name in HAZARD_COLUMNS]

        return csv_response(f"hazards-{_stamp()}.csv", HAZARD_COLUMNS, rows())

    @get("/hazards.geojson", media_type="application/geo+json")
    async def hazards_geojson(
        self,
        session: NamedDependency[AsyncSession],
        account: NamedDependency[Account],
        runtime: NamedDependency[Runtime],
        hazard_filter: NamedDependency[HazardFilter],
    ) -> Stream:
        """The same hazards as GeoJSON points with every column as a property."""
        scope, now = await _scope(session, account, runtime, hazard_filter), utcnow()

        async def features() -> AsyncIterator[tuple[dict[str, Any], float | None, float | None]]:
            async for hazard in _hazards(runtime, scope):
                yield _hazard_row(hazard, scope, now), hazard.lon, hazard.lat

        return _geojson(f"hazards-{_stamp()}.geojson", _feature_collection(features()))

    @get("/ledger.csv", media_type="text/csv")
    async def ledger_csv(
        self,
        session: NamedDependency[AsyncSession],
        account: NamedDependency[Account],
        runtime: NamedDependency[Runtime],
        hazard_filter: NamedDependency[HazardFilter],
    ) -> Stream:
        """Every ledger event of the hazards the filter matches, oldest first."""
        scope = await _scope(session, account, runtime, hazard_filter)

        async def rows() -> AsyncIterator[list[Any]]:
            async for entry, hazard in _ledger(runtime, scope):
                values = _ledger_row(entry, hazard, scope.zone)
                yield [values[name] for name in LEDGER_COLUMNS]

        return csv_response(f"ledger-{_stamp()}.csv", LEDGER_COLUMNS, rows())

    @get("/ledger.geojson", media_type="application/geo+json")
    async def ledger_geojson(
        self,
        session: NamedDependency[AsyncSession],
        account: NamedDependency[Account],
        runtime: NamedDependency[Runtime],
        hazard_filter: NamedDependency[HazardFilter],
    ) -> Stream:
        """The same events as GeoJSON, each at its hazard's point."""
        scope = await _scope(session, account, runtime, hazard_filter)

        async def features() -> AsyncIterator[tuple[dict[str, Any], float | None, float | None]]:
            async for entry, hazard in _ledger(runtime, scope):
                yield _ledger_row(entry, hazard, scope.zone), hazard.lon, hazard.lat

        return _geojson(f"ledger-{_stamp()}.geojson", _feature_collection(features()))
