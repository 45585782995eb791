"""Patrol tracks synced from tablets are projected into SQL — length, times, the share
outside the grid and a light line — and the verdict says what the server made of them."""

from __future__ import annotations

import math
from datetime import UTC, datetime
from typing import Any

import pytest
from litestar.testing import AsyncTestClient
from shapely.geometry import shape
from sqlmodel import select

from backend.database import create_engine, session_factory, unit_of_work
from backend.settings import Settings
from backend.tracks.models import TrackSegment
from backend.tracks.retention import expire_tracks
from geo.geofence import metres_per_degree
from sync.couch import CouchClient
from sync.devserver import DevCouch
from sync.verdicts import verdict_id
from tests.helpers import eventually, inspection_doc, track_doc, walk
from tests.integration.harness import running_app, tablet

EAST_PER_DEG, _ = metres_per_degree(30.272)


async def test_a_track_is_projected_with_its_share_outside_the_grid(
    settings: Settings, dev_couch: DevCouch
) -> None:
    async with running_app(settings) as (client, runtime):
        cred = next(c for c in runtime.issued_credentials if c.grid_id == "donghu-01")
        patrol = inspection_doc(device_id=cred.device_id, author=cred.couch_user,
                                grid_id=cred.grid_id, kind="patrol",
                                started_at="2026-12-01T09:00:00+08:00")  # fmt: skip

        def track(points: list[dict[str, Any]]) -> dict[str, Any]:
            return track_doc(device_id=cred.device_id, author=cred.couch_user,
                             grid_id=cred.grid_id, points=points,
                             inspection_id=patrol["_id"])  # fmt: skip

        # donghu-01's east edge is lon 120.160: the second walk ends 300 m beyond it
        inside = track(walk(120.152, 120.158, 61))
        crossing = track(walk(120.160 - 600 / EAST_PER_DEG, 120.160 + 300 / EAST_PER_DEG, 61))
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
        spots, report, table = await _blind_spot_answers(client, cred.device_id)
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

    _check_blind_spots(spots, report, table, cred.device_id)


def _check_blind_spots(
    spots: dict[tuple[str, ...], dict[str, Any]], report: dict[str, Any], table: str,
    device_id: str,
) -> None:  # fmt: skip
    # blind spots: both walks run along 30.272, the middle of donghu-01 (120.150–120.160 E,
    # 30.270–30.274 N); together they cover 120.152 to the east edge and beyond, so within
    # 50 m: a band 100 m wide from 120.152 to the edge, and a half circle at its west end
    east, north = metres_per_degree(30.272)
    grid_area = 0.010 * east * 0.004 * north
    walked_area = 100 * 0.008 * east + math.pi * 50**2 / 2
    week = spots[("2026-W49",)]
    share = week["donghu-01"]["properties"]["patrolled_share"]
    assert share == pytest.approx(walked_area / grid_area, abs=0.01)  # a 2.5 m lattice
    assert week["donghu-01"]["properties"]["tracks"] == 2  # the invalid one does not count
    left = shape(week["donghu-01"]["geometry"])  # north and south of the band, joined west of it
    assert left.geom_type == "Polygon"
    assert left.area / (0.010 * 0.004) == pytest.approx(1 - share, abs=1e-3)
    assert week["xixi-01"]["properties"]["patrolled_share"] == 0
    assert all(f["properties"]["patrolled_share"] == 0 for f in spots[("2026-W48",)].values())
    mine = spots[("2026-W49", device_id)]["donghu-01"]["properties"]["patrolled_share"]
    assert mine == share
    assert spots[("2026-W49", "demo-xixi-01")]["donghu-01"]["properties"]["patrolled_share"] == 0
    patrols = {p["grid_id"]: p for p in report["patrols"]}
    assert patrols["donghu-01"]["patrolled_share"] == share
    assert patrols["donghu-01"]["devices"] == [device_id]
    assert f"patrolled_area,donghu-01,grid,东湖第一网格,Donghu Grid 1,patrol,,,,,,,{share}" in table


async def _blind_spot_answers(
    client: AsyncTestClient[Any], device_id: str
) -> tuple[dict[tuple[str, ...], dict[str, Any]], dict[str, Any], str]:
    """Blind spots of the tracks' week, of the week before, of the tablet's own tracks and
    another's; the coverage report and its CSV."""
    spots = {}
    for query in ({"week": "2026-W49"}, {"week": "2026-W48"},
                  {"week": "2026-W49", "device": device_id},
                  {"week": "2026-W49", "device": "demo-xixi-01"}):  # fmt: skip
        answer = await client.get("/api/coverage/blind-spots", params=query)
        assert answer.status_code == 200, answer.text
        spots[tuple(query.values())] = {f["id"]: f for f in answer.json()["features"]}
    report = (await client.get("/api/coverage", params={"week": "2026-W49"})).json()
    table = (await client.get("/api/coverage/csv", params={"week": "2026-W49"})).text
    return spots, report, table


async def test_old_tracks_are_deleted_everywhere_and_exports_are_audited(
    settings: Settings, dev_couch: DevCouch, couch_admin: CouchClient
) -> None:
    async with running_app(settings) as (client, runtime):
        cred = next(c for c in runtime.issued_credentials if c.grid_id == "donghu-01")

        def track(day: str) -> dict[str, Any]:
            points = [{**p, "t": p["t"].replace("2026-12-01", day)}
                      for p in walk(120.152, 120.158, 13)]  # fmt: skip
            return track_doc(device_id=cred.device_id, author=cred.couch_user,
                             grid_id=cred.grid_id, points=points)  # fmt: skip

        old, recent = track("2026-08-20"), track("2026-11-30")  # 106 and 4 days back
        async with tablet(dev_couch, cred) as device:
            for doc in (old, recent):
                await device.put_doc(cred.database, doc)
        engine = create_engine(settings.database_url)  # this loop's own (the app has its)
        sessions = session_factory(engine)
        try:

            async def live() -> set[str]:
                async with unit_of_work(sessions, read_only=True) as session:
                    rows = (await session.exec(select(TrackSegment))).all()
                return {r.doc_id for r in rows if not r.deleted}

            await eventually(live, lambda ids: ids == {old["_id"], recent["_id"]}, within=30)
            period = {"from": "2026-08-01", "to": "2026-12-04"}
            listed = await client.get("/api/tracks/geojson", params=period)
            assert listed.status_code == 200, listed.text
            before = listed.json()
            async with unit_of_work(sessions) as session:
                expired = await expire_tracks(session, couch_admin, keep_days=90,
                                              now=datetime(2026, 12, 4, tzinfo=UTC))  # fmt: skip
            async with unit_of_work(sessions, read_only=True) as session:
                gone = await session.get(TrackSegment, old["_id"])
            # the deletion replicates back through the follower: the row stays deleted
            await eventually(live, lambda ids: ids == {recent["_id"]}, within=30)
        finally:
            await engine.dispose()
        listed = await client.get("/api/tracks/geojson", params=period)
        assert listed.status_code == 200, listed.text
        after = listed.json()
        in_couch = await couch_admin.find_doc(cred.database, old["_id"])
        kept = await couch_admin.find_doc(cred.database, recent["_id"])
        exported = (await client.get("/api/audit/", params={"action": "tracks.exported"})).json()
        expiry = (await client.get("/api/audit/", params={"action": "track.expired"})).json()
    assert [f["id"] for f in before["features"]] == [old["_id"], recent["_id"]]
    assert before["features"][0]["geometry"]["type"] == "LineString"
    assert before["features"][0]["properties"]["device_id"] == cred.device_id
    assert expired == 1
    assert gone is not None
    assert (gone.deleted, gone.line, gone.points) == (True, [], 13)  # what, not where
    assert in_couch is None  # deleted in the grid database: tablets drop their copies too
    assert kept is not None
    assert [f["id"] for f in after["features"]] == [recent["_id"]]
    assert [e["details"]["tracks"] for e in exported] == [1, 2]  # newest first
    assert settings.bootstrap_admin is not None
    assert exported[0]["actor"] == f"account:{settings.bootstrap_admin[0]}"
    assert len(expiry) == 1
    assert expiry[0]["target"] == cred.database
    assert expiry[0]["details"]["tracks"] == 1
    assert expiry[0]["details"]["grids"] == ["donghu-01"]
