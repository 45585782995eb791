"""A track belongs to the grid worker who carried the tablet when it arrived — and keeps
them when the tablet changes hands; the tracks layer and the blind spots filter by worker,
and the scorecard says how much of its grid each tablet's own tracks covered."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from litestar.testing import AsyncTestClient
from sqlmodel import select

from backend.database import create_engine, session_factory, unit_of_work
from backend.settings import Settings
from backend.tracks.models import TrackSegment
from sync.devserver import DevCouch
from tests.helpers import eventually, track_doc, walk
from tests.integration.harness import get_json, running_app, tablet

WEEK = {"week": "2026-W49"}


async def _worker(client: AsyncTestClient[Any], username: str, name: str) -> int:
    body = {"username": username, "display_name": name, "role": "grid_worker",
            "place_id": "donghu-01", "password": "worker-password-1"}  # fmt: skip
    response = await client.post("/api/accounts", json=body)
    assert response.status_code == 201, response.text
    return int(response.json()["account"]["id"])


async def _hand(client: AsyncTestClient[Any], device_id: str, account_id: int) -> None:
    handed = await client.post(f"/api/devices/{device_id}/worker", json={"account_id": account_id})
    assert handed.status_code in (200, 201), handed.text


async def _projected(settings: Settings, count: int) -> dict[str, TrackSegment]:
    engine = create_engine(settings.database_url)  # this loop's own (the app has its)
    sessions = session_factory(engine)

    async def segments() -> dict[str, TrackSegment]:
        async with unit_of_work(sessions, read_only=True) as session:
            return {row.doc_id: row for row in (await session.exec(select(TrackSegment))).all()}

    try:
        return await eventually(segments, lambda rows: len(rows) == count, within=30)
    finally:
        await engine.dispose()


def _shares(collection: dict[str, Any]) -> dict[str, float]:
    return {f["id"]: f["properties"]["patrolled_share"] for f in collection["features"]}


async def test_tracks_keep_their_walker_and_filter_by_worker(
    settings: Settings, dev_couch: DevCouch
) -> None:
    async with running_app(settings) as (client, runtime):
        cred = next(c for c in runtime.issued_credentials if c.grid_id == "donghu-01")
        wang, li = (
            await _worker(client, "wang.fang", "王芳"),
            await _worker(client, "li.si", "李四"),
        )

        def track(lat: float) -> dict[str, Any]:
            points = walk(120.151, 120.159, 49, lat=lat)
            return track_doc(device_id=cred.device_id, author=cred.couch_user,
                             grid_id=cred.grid_id, points=points)  # fmt: skip

        south, north, nobodys = track(30.2705), track(30.2735), track(30.272)
        async with tablet(dev_couch, cred) as device:
            await device.put_doc(cred.database, nobodys)  # nobody carries the tablet yet
            await _projected(settings, 1)
            await _hand(client, cred.device_id, wang)
            await device.put_doc(cred.database, south)
            await _projected(settings, 2)
            await _hand(client, cred.device_id, li)  # handed on: Wang's walk stays Wang's
            await device.put_doc(cred.database, north)
            rows = await _projected(settings, 3)

        tracks = {}
        for whose in ({}, {"worker": wang}, {"worker": li}, {"worker": wang, "device": "x"}):
            tracks[tuple(whose.values())] = await get_json(
                client, "/api/tracks/geojson", params={**WEEK, **whose}
            )
        spots = {whose: _shares(await get_json(client, "/api/coverage/blind-spots",
                                               params={**WEEK, **dict(whose)}))
                 for whose in ((), (("worker", wang),), (("worker", li),))}  # fmt: skip
        refused = [await client.get("/api/tracks/geojson", params={**WEEK, "worker": bad})
                   for bad in ("0", "abc", str(2**31))]  # fmt: skip
        scores = {r["device_id"]: r for r in await get_json(client, "/api/scorecard", params=WEEK)}
        table = (await client.get("/api/scorecard/csv", params=WEEK)).content.decode("utf-8-sig")

    assert rows[nobodys["_id"]].worker_account_id is None
    assert rows[south["_id"]].worker_account_id == wang
    assert rows[north["_id"]].worker_account_id == li
    everyone = tracks[()]["features"]
    assert [(f["id"], f["properties"]["worker_name"]) for f in everyone] == [
        (nobodys["_id"], None), (south["_id"], "王芳"), (north["_id"], "李四")
    ]  # fmt: skip
    assert [f["id"] for f in tracks[(wang,)]["features"]] == [south["_id"]]
    assert [f["id"] for f in tracks[(li,)]["features"]] == [north["_id"]]
    assert tracks[(wang, "x")]["features"] == []  # both filters hold

    # three parallel walks 330 m apart, each covering its own 100 m band of donghu-01
    whole = spots[()]["donghu-01"]
    walked_by_wang, walked_by_li = spots[(("worker", wang),)], spots[(("worker", li),)]
    assert walked_by_wang["donghu-01"] == pytest.approx(whole / 3, rel=0.05)
    assert walked_by_li["donghu-01"] == pytest.approx(whole / 3, rel=0.05)
    assert walked_by_wang["donghu-02"] == 0

    assert [answer.status_code for answer in refused] == [400, 400, 400]
    assert scores[cred.device_id]["patrolled_share"] == pytest.approx(whole, abs=1e-4)
    assert scores[cred.device_id]["worker_name"] == "李四"  # who carries it now
    others = [r["patrolled_share"] for d, r in scores.items() if d != cred.device_id]
    assert others
    assert all(share == 0 for share in others)
    csv_rows = {r["device_id"]: r for r in csv.DictReader(io.StringIO(table))}
    assert float(csv_rows[cred.device_id]["patrolled_share"]) == pytest.approx(whole, abs=1e-4)
