"""The site register: supervisors keep their own grids' sites; errors name the field."""

from __future__ import annotations

from backend.settings import Settings
from sync.devserver import DevCouch
from tests.integration.harness import get_json, running_app, sign_in_as


async def test_supervisors_keep_the_register_of_their_own_grids(
    settings: Settings, dev_couch: DevCouch
) -> None:
    async with running_app(settings) as (client, runtime):
        await sign_in_as(client, "donghu", runtime.demo_accounts["donghu"])
        before = await get_json(client, "/api/sites")  # the demo street's register
        created = await client.post("/api/sites", json=[
            {"grid_id": "donghu-01", "name": "东湖加油站", "sector": "gas"},
            {"grid_id": "donghu-02", "name": "社区食堂", "sector": "catering"},
        ])  # fmt: skip
        updated = await client.post("/api/sites", json=[
            {"grid_id": "donghu-02", "name": "社区食堂", "sector": "catering", "high_risk": True,
             "address": "东湖路 3 号"},
        ])  # fmt: skip
        foreign = await client.post("/api/sites", json=[
            {"grid_id": "donghu-01", "name": "ok", "sector": "gas"},
            {"grid_id": "xixi-01", "name": "西溪工地", "sector": "construction"},
        ])  # fmt: skip
        bad_code = await client.post(
            "/api/sites",
            json=[{"grid_id": "donghu-01", "name": "x", "sector": "gas", "credit_code": "123"}],
        )
        bad_sector = await client.post(
            "/api/sites", json=[{"grid_id": "donghu-01", "name": "x", "sector": "volcano"}]
        )
        empty = await client.post("/api/sites", json=[])
        mine = await get_json(client, "/api/sites")
        high_risk = await get_json(client, "/api/sites?high_risk=true")

        await sign_in_as(client, "xixi", runtime.demo_accounts["xixi"])
        theirs = await get_json(client, "/api/sites")

    assert created.status_code == updated.status_code == 201
    assert [s["high_risk"] for s in created.json()] == [True, False]  # by sector
    assert updated.json()[0]["id"] == created.json()[1]["id"]
    assert updated.json()[0]["address"] == "东湖路 3 号"
    assert foreign.status_code == 404
    assert foreign.json()["errors"] == [{"path": "/1/grid_id", "message": "no such grid"}]
    assert bad_code.status_code == bad_sector.status_code == empty.status_code == 400
    assert "credit_code" in bad_code.text
    assert "sector" in bad_sector.text
    added = {(s["grid_id"], s["name"]) for s in mine} - {(s["grid_id"], s["name"]) for s in before}
    assert added == {("donghu-01", "东湖加油站"), ("donghu-02", "社区食堂")}
    assert {s["grid_id"] for s in before} == {"donghu-01", "donghu-02", "donghu-03"}
    assert len(high_risk) == sum(s["high_risk"] for s in before) + 2
    assert theirs
    assert all(s["grid_id"].startswith("xixi-") for s in theirs)
