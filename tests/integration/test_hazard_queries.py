"""Hazard lists: filters, bbox, keyset pages, and the same query as GeoJSON."""

from __future__ import annotations

from typing import Any

from backend.settings import Settings
from sync.devserver import DevCouch
from tests.helpers import eventually, hazard_doc
from tests.integration.harness import get_json, running_app, sign_in_as, tablet


async def test_filters_pages_and_geojson_agree(
    sqlite_settings: Settings, dev_couch: DevCouch
) -> None:
    async with running_app(sqlite_settings) as (client, runtime):
        creds = {c.grid_id: c for c in runtime.issued_credentials}
        placed = {"donghu-01": (120.155, 30.272), "xixi-02": (120.165, 30.276)}
        written: list[dict[str, Any]] = []
        for grid_id, (lon, lat) in placed.items():
            cred = creds[grid_id]
            async with tablet(dev_couch, cred) as device:
                for i in range(5):
                    severity = "major" if i == 0 else "general"
                    doc = hazard_doc(device_id=cred.device_id, author=cred.couch_user,
                                     grid_id=grid_id, severity=severity)  # fmt: skip
                    doc["location"] = {"lat": lat, "lon": lon + i * 1e-4, "accuracy_m": 5,
                                       "provider": "gps"}  # fmt: skip
                    await device.put_doc(cred.database, doc)
                    written.append(doc)
        await eventually(lambda: get_json(client, "/api/hazards"), lambda rows: len(rows) == 10)

        pages, cursor = [], None
        while True:
            response = await client.get("/api/hazards", params={"limit": 3, **(
                {"cursor": cursor} if cursor else {})})  # fmt: skip
            pages.append([h["doc_id"] for h in response.json()])
            cursor = response.headers.get("x-next-cursor")
            if not cursor:
                break
        in_xixi = await get_json(client, "/api/hazards?community_id=xixi")
        major = await get_json(client, "/api/hazards?severity=major")
        boxed = await get_json(client, "/api/hazards?bbox=120.150,30.270,120.160,30.274")
        geojson = await get_json(client, "/api/hazards/geojson?bbox=120.150,30.270,120.160,30.274")
        bad_box = await client.get("/api/hazards?bbox=120.2,30,120.1,31")
        bad_cursor = await client.get("/api/hazards?cursor=not-ours")

        await sign_in_as(client, "donghu", runtime.demo_accounts["donghu"])
        mine = await get_json(client, "/api/hazards/geojson")

    flat = [doc_id for page in pages for doc_id in page]
    assert [len(p) for p in pages] == [3, 3, 3, 1]
    assert sorted(flat) == sorted(d["_id"] for d in written)
    assert {h["grid_id"] for h in in_xixi} == {"xixi-02"}
    assert len(major) == 2
    assert {h["grid_id"] for h in boxed} == {"donghu-01"}
    assert sorted(f["id"] for f in geojson["features"]) == sorted(h["doc_id"] for h in boxed)
    assert geojson["features"][0]["geometry"]["type"] == "Point"
    assert bad_box.status_code == bad_cursor.status_code == 400
    assert bad_box.json()["errors"][0]["path"] == "/query/bbox"
    assert {f["properties"]["grid_id"] for f in mine["features"]} == {"donghu-01"}


async def test_a_hazards_detail_has_its_history_and_revalidates_with_its_etag(
    sqlite_settings: Settings, dev_couch: DevCouch
) -> None:
    async with running_app(sqlite_settings) as (client, runtime):
        cred = next(c for c in runtime.issued_credentials if c.grid_id == "xixi-01")
        doc = hazard_doc(device_id=cred.device_id, author=cred.couch_user, grid_id="xixi-01")
        async with tablet(dev_couch, cred) as device:
            await device.put_doc(cred.database, doc)
        url = f"/api/hazards/{doc['_id']}"
        before = await eventually(lambda: client.get(url), lambda r: r.status_code == 200)
        unchanged = await client.get(url, headers={"If-None-Match": before.headers["etag"]})
        reviewed = await client.post(f"{url}/ledger", json={"event": "reviewed"},
                                     headers={"If-Match": '"ledger-0"'})  # fmt: skip
        after = await client.get(url, headers={"If-None-Match": before.headers["etag"]})
        missing = await client.get("/api/hazards/hazard:nobody:01JD2Z8K6Q4W5E6R7T8Y9V0H1G")

    assert before.json()["doc"]["title"] == doc["title"]
    assert before.json()["history"] == []
    assert before.json()["photos"] == []
    assert (unchanged.status_code, unchanged.content) == (304, b"")
    assert reviewed.status_code == 201
    assert after.status_code == 200
    assert [e["event"] for e in after.json()["history"]] == ["reviewed"]
    assert after.headers["etag"] != before.headers["etag"]
    assert missing.status_code == 404
    assert missing.headers["content-type"].startswith("application/problem+json")
