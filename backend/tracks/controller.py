"""HTTP: the patrol tracks of a period as GeoJSON lines, for the map's tracks layer and
for download — only of grids in the caller's jurisdiction, and every export audited
(tracks say where a person walked)."""

from __future__ import annotations

from typing import Any

from litestar import Controller, get
from litestar.di import NamedDependency, Provide
from sqlmodel.ext.asyncio.session import AsyncSession

from backend.accounts.models import Account
from backend.accounts.service import jurisdiction_grid_ids
from backend.audit.service import actor_of, record
from backend.cadence import Period
from backend.coverage.controller import provide_period
from backend.database import unit_of_work
from backend.runtime import Runtime
from backend.tracks.filters import TrackFilter, provide_track_filter
from backend.tracks.service import tracks_of_period


class TracksController(Controller):
    path = "/api/tracks"
    tags = ("tracks",)
    dependencies = {  # noqa: RUF012
        "period": Provide(provide_period, sync_to_thread=False),
        "whose": Provide(provide_track_filter, sync_to_thread=False),
    }

    @get("/geojson", media_type="application/geo+json")
    async def geojson(
        self,
        session: NamedDependency[AsyncSession],
        account: NamedDependency[Account],
        runtime: NamedDependency[Runtime],
        period: NamedDependency[Period],
        whose: NamedDependency[TrackFilter],
    ) -> dict[str, Any]:
        """The period's tracks (lines simplified to 5 m), one feature per track document,
        with its grid, tablet, worker, patrol, times and length; of one tablet with
        ``device``, of one grid worker with ``worker``."""
        within = await jurisdiction_grid_ids(session, account)
        features = await tracks_of_period(session, within, period.start, period.end, whose)
        target = f"period:{period.first}..{period.last}"
        grids = sorted({f["properties"]["grid_id"] for f in features})
        # the request's own transaction only reads (GET): the audit line commits on its
        # own, before anything is sent — no export goes out unrecorded
        async with unit_of_work(runtime.sessions) as writing:
            record(writing, actor_of(account), "tracks.exported", target, tracks=len(features),
                   grids=grids, **whose.audit())  # fmt: skip
        return {"type": "FeatureCollection", "features": features}
