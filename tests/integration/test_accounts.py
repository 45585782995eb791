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


async def test_supervisors_create_and_disable_accounts_below_them_in_their_place(
    sqlite_settings: Settings,
) -> None:
    async with running_app(sqlite_settings) as (client, runtime):
        await sign_in_as(client, "street", runtime.demo_accounts["street"])
        made = await client.post("/api/accounts", json={
            "username": "donghu.deputy", "display_name": "东湖副主管",
            "role": "community_supervisor", "place_id": "donghu"})  # fmt: skip
        peer = await client.post(
            "/api/accounts",
            json={"username": "street.two", "role": "street_supervisor", "place_id": "demo-street"},
        )
        wrong_kind = await client.post(
            "/api/accounts",
            json={"username": "misplaced", "role": "grid_worker", "place_id": "donghu"},
        )
        bad_name = await client.post(
            "/api/accounts",
            json={"username": "Has Spaces", "role": "grid_worker", "place_id": "donghu-01"},
        )
        deputy = made.json()

        await sign_in_as(client, "donghu.deputy", deputy["password"])
        worker = await client.post("/api/accounts", json={
            "username": "wang.fang", "role": "grid_worker", "place_id": "donghu-01",
            "password": "chosen-password-1"})  # fmt: skip
        elsewhere = await client.post(
            "/api/accounts",
            json={"username": "li.lei", "role": "grid_worker", "place_id": "xixi-01"},
        )
        seen = [a["username"] for a in await get_json(client, "/api/accounts")]

        await sign_in_as(client, "xixi", runtime.demo_accounts["xixi"])
        foreign = await client.post(f"/api/accounts/{worker.json()['account']['id']}/disable")

        await sign_in_as(client, "street", runtime.demo_accounts["street"])
        disabled = await client.post(f"/api/accounts/{deputy['account']['id']}/disable")
        reset = await client.post(f"/api/accounts/{deputy['account']['id']}/password")
        login = await client.post(
            "/api/auth/login",
            json={"username": "donghu.deputy", "password": reset.json()["password"]},
        )
        assert sqlite_settings.bootstrap_admin is not None
        await sign_in_as(client, *sqlite_settings.bootstrap_admin)
        trail = await get_json(client, "/api/audit?actor=account:street")

    assert made.status_code == 201
    assert deputy["password"]
    assert deputy["account"]["role"] == "community_supervisor"
    assert peer.status_code == 400
    assert peer.json()["errors"][0]["path"] == "/role"
    assert wrong_kind.status_code == 400
    assert wrong_kind.json()["errors"][0]["path"] == "/place_id"
    assert bad_name.status_code == 400
    assert worker.status_code == 201
    assert worker.json()["password"] is None  # chosen, so not echoed
    assert elsewhere.status_code == 400
    assert seen == ["donghu.deputy", "wang.fang"]
    assert foreign.status_code == 404
    assert disabled.json()["disabled"] is True
    assert login.status_code == 401  # disabled: even the new password does not sign in
    assert [e["action"] for e in trail] == [
        "account.password_reset", "account.disable", "account.create"]  # fmt: skip
