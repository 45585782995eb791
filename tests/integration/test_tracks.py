"""Patrol tracks synced from tablets are projected into SQL — length, times, the share
outside the grid and a light line — and the verdict says what the server made of them."""

from __future__ import annotations

from typing import Any

import pytest
from sqlmodel import select

from backend.database import create_engine, session_factory, unit_of_work
from backend.settings import Settings
from backend.tracks.models import TrackSegment
from geo.geofence import metres_per_degree
from sync.devserver import DevCouch
from sync.ids import new_ulid
from sync.verdicts import verdict_id
from tests.helpers import eventually, inspection_doc
from tests.integration.harness import running_app, tablet

EAST_PER_DEG, _ = metres_per_degree(30.272)


def _walk(west: float, east: float, fixes: int) -> list[dict[str, Any]]:
    """A walk along latitude 30.272, one fix every 5 s from 09:00 (UTC+8)."""
    step = (east - west) / (fixes - 1)
    return [{"t": f"2026-12-01T09:{i * 5 // 60:02d}:{i * 5 % 60:02d}+08:00", "lat": 30.272,
             "lon": west + i * step, "accuracy_m": 6} for i in range(fixes)]  # fmt: skip


async def test_a_track_is_projected_with_its_share_outside_the_grid(
    settings: Settings, dev_couch: DevCouch
) -> None:
    async with running_app(settings) as (_, runtime):
        cred = next(c for c in runtime.issued_credentials if c.grid_id == "donghu-01")
        patrol = inspection_doc(device_id=cred.device_id, author=cred.couch_user,
                                grid_id=cred.grid_id, kind="patrol",
                                started_at="2026-12-01T09:00:00+08:00")  # fmt: skip

        def track(points: list[dict[str, Any]]) -> dict[str, Any]:
            return {"_id": f"track:{cred.device_id}:{new_ulid()}", "type": "track",
                    "schema_version": 1, "app_version": "1.0.0", "author": cred.couch_user,
                    "device_id": cred.device_id, "grid_id": cred.grid_id,
                    "created_at": "2026-12-01T09:00:00+08:00",
                    "inspection_id": patrol["_id"], "points": points}  # fmt: skip

        # donghu-01's east edge is lon 120.160: the second walk ends 300 m beyond it
        inside = track(_walk(120.152, 120.158, 61))
        crossing = track(_walk(120.160 - 600 / EAST_PER_DEG, 120.160 + 300 / EAST_PER_DEG, 61))
        broken = track([{"t": "2026-12-01T09:00:00+08:00", "lat": 95.0, "lon": 120.15}])
        async with tablet(dev_couch, cred) as device:
            for doc in (patrol, inside, crossing, broken):
                await device.put_doc(cred.database, doc)

            async def segments() -> dict[str, TrackSegment]:
                async with unit_of_work(sessions, read_only=True) as session:
                    rows = (await session.exec(select(TrackSegment))).all()
                return {row.doc_id: row for row in rows}

            engine = create_engine(settings.database_url)  # this loop's own (the app has its)
            try:
                sessions = session_factory(engine)
                rows = await eventually(segments, lambda r: len(r) == 3, within=30)
            finally:
                await engine.dispose()
            verdicts: dict[str, dict[str, Any]] = {}
            for doc in (inside, crossing, broken):
                target = verdict_id(doc["_id"])

                async def written(target: str = target) -> dict[str, Any] | None:
                    return await device.find_doc(cred.database, target)

                verdict = await eventually(written, lambda v: v is not None, within=30)
                assert verdict is not None
                verdicts[doc["_id"]] = verdict
    walked = rows[inside["_id"]]
    assert (walked.grid_id, walked.inspection_id) == ("donghu-01", patrol["_id"])
    assert walked.points == 61
    assert walked.length_m == pytest.approx(0.006 * EAST_PER_DEG, rel=1e-3)
    assert walked.outside_share == 0
    assert walked.started_at is not None
    assert walked.started_at.isoformat() == "2026-12-01T01:00:00+00:00"
    assert walked.ended_at is not None
    assert (walked.ended_at - walked.started_at).total_seconds() == 300
    assert len(walked.line) == 2  # a straight walk: its two ends
    assert verdicts[inside["_id"]]["track"]["flags"] == []

    left = rows[crossing["_id"]]
    assert left.outside_share == pytest.approx(1 / 3, abs=0.01)
    assert verdicts[crossing["_id"]]["track"]["flags"] == ["track_outside_grid"]
    assert verdicts[crossing["_id"]]["track"]["outside_share"] == round(left.outside_share or 0, 3)

    invalid = rows[broken["_id"]]
    assert (invalid.valid, invalid.points, invalid.line) == (False, 0, [])
    assert verdicts[broken["_id"]]["schema"]["valid"] is False
    assert "track" not in verdicts[broken["_id"]]
