"""Sign-in, roles, and every list scoped to the caller's jurisdiction."""

from __future__ import annotations

from backend.settings import Settings
from sync.devserver import DevCouch
from tests.helpers import eventually, hazard_doc
from tests.integration.harness import get_json, running_app, sign_in_as, tablet


async def test_the_api_needs_a_signed_in_account(sqlite_settings: Settings) -> None:
    async with running_app(sqlite_settings, sign_in=False) as (client, _):
        anonymous = await client.get("/api/hazards")
        wrong = await client.post(
            "/api/auth/login", json={"username": "test-admin", "password": "not-the-password"}
        )
        unknown = await client.post(
            "/api/auth/login", json={"username": "nobody", "password": "whatever-it-is"}
        )
        forged = await client.get("/api/grids", headers={"Authorization": "Bearer x.y.z"})
        public = await client.get("/health")
    assert anonymous.status_code == 401
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json()["detail"] == unknown.json()["detail"] == "wrong username or password"
    assert forged.status_code == 401
    assert public.status_code == 200


async def test_a_community_supervisor_sees_only_the_community(
    settings: Settings, dev_couch: DevCouch
) -> None:
    async with running_app(settings) as (client, runtime):
        creds = {c.grid_id: c for c in runtime.issued_credentials}
        for grid_id in ("donghu-02", "xixi-01"):
            cred = creds[grid_id]
            async with tablet(dev_couch, cred) as device:
                doc = hazard_doc(device_id=cred.device_id, author=cred.couch_user,
                                 grid_id=grid_id)  # fmt: skip
                await device.put_doc(cred.database, doc)
        await eventually(lambda: get_json(client, "/api/hazards"), lambda rows: len(rows) == 2)
        me_admin = await get_json(client, "/api/auth/me")

        await sign_in_as(client, "donghu", runtime.demo_accounts["donghu"])
        me = await get_json(client, "/api/auth/me")
        grids = await get_json(client, "/api/grids")
        hazards = await get_json(client, "/api/hazards")
        sync_status = await client.get("/api/sync/status")

        await sign_in_as(client, "street", runtime.demo_accounts["street"])
        street_hazards = await get_json(client, "/api/hazards")

    assert me_admin["role"] == "admin"
    assert (me["role"], me["place_id"]) == ("community_supervisor", "donghu")
    assert [g["id"] for g in grids] == ["donghu-01", "donghu-02", "donghu-03"]
    assert [h["grid_id"] for h in hazards] == ["donghu-02"]
    assert sync_status.status_code == 403
    assert sorted(h["grid_id"] for h in street_hazards) == ["donghu-02", "xixi-01"]
