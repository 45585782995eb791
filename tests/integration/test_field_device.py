"""``/api/field/device``: a tablet refused by its grid database learns why — moved to
another grid (and which database), or revoked — proving itself with its own CouchDB
credentials; nobody else learns where a tablet works."""

from __future__ import annotations

from backend.settings import Settings
from sync.devserver import DevCouch
from tests.helpers import basic_auth
from tests.integration.harness import running_app


async def test_a_tablet_learns_its_move_and_its_revocation(
    sqlite_settings: Settings, dev_couch: DevCouch
) -> None:
    async with running_app(sqlite_settings) as (client, runtime):
        creds = {c.grid_id: c for c in runtime.issued_credentials}
        mine, other = creds["donghu-01"], creds["xixi-01"]
        url = f"/api/field/device?device_id={mine.device_id}"
        own = basic_auth(mine.couch_user, mine.password)
        before = await client.get(url, headers=own)
        wrong_password = await client.get(url, headers=basic_auth(mine.couch_user, "x" * 24))
        someone_else = await client.get(url, headers=basic_auth(other.couch_user, other.password))
        unknown = await client.get("/api/field/device?device_id=nobody", headers=own)
        supervisor = await client.get(url)  # the admin's bearer token is no tablet's
        moved = await client.post(f"/api/devices/{mine.device_id}/move",
                                  json={"grid_id": "donghu-02"})  # fmt: skip
        after_move = await client.get(url, headers=own)
        revoked = await client.post(f"/api/devices/{mine.device_id}/revoke")
        anyone = await client.get(url, headers={"Authorization": ""})
        after_revoke = await client.get(url, headers=own)  # proven with what it last held

    assert before.status_code == 200, before.text
    assert before.json() | {"revoked_at": None} == {
        "device_id": mine.device_id, "status": "active", "grid_id": "donghu-01",
        "database": mine.database, "revoked_at": None}  # fmt: skip
    for refused in (wrong_password, someone_else, unknown, supervisor):
        assert refused.status_code == 401, refused.text
        assert "donghu" not in refused.text
    assert moved.status_code == 200
    assert (after_move.json()["grid_id"], after_move.json()["database"]) == (
        "donghu-02", creds["donghu-02"].database)  # fmt: skip
    assert revoked.status_code == 200
    assert anyone.status_code == 401  # nobody else can tell a tablet to erase itself
    assert after_revoke.status_code == 200
    assert after_revoke.json()["status"] == "revoked"
    assert after_revoke.json()["revoked_at"]
    assert after_revoke.json()["database"] is None
