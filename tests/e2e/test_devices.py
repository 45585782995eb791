"""An admin registers, rotates, moves and revokes tablets; access follows at once."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from backend.settings import Settings
from sync.couch import CouchClient, CouchError
from sync.devserver import DevCouch
from tests.integration.harness import running_app, sign_in_as
from tests.simulator import Tablet


def _tablet(tmp_path: Path, name: str, creds: dict[str, Any]) -> Tablet:
    return Tablet(
        tmp_path / name,
        remote=f"{creds['couch_url']}/{creds['database']}",
        user=creds["username"],
        password=creds["password"],
        device_id=creds["device_id"],
        grid_id=creds["grid_id"],
    )


async def _status_of(dev_couch: DevCouch, creds: dict[str, Any], db: str) -> int:
    async with CouchClient(dev_couch.url, creds["username"], creds["password"]) as device:
        try:
            await device.all_docs(db, limit=1)
        except CouchError as exc:
            return exc.status or 0
    return 200


async def test_device_lifecycle_from_registration_to_revocation(
    sqlite_settings: Settings, dev_couch: DevCouch, tmp_path: Path
) -> None:
    async with running_app(sqlite_settings) as (client, runtime):
        response = await client.post(
            "/api/devices", json={"grid_id": "donghu-01", "label": "王网格员的平板"}
        )
        assert response.status_code == 201, response.text
        creds = response.json()
        first_db = creds["database"]
        tablet = _tablet(tmp_path, "t1", creds)
        await tablet.create(hazards=3)
        assert (await tablet.sync())["ok"]

        rotated = (await client.post(f"/api/devices/{creds['device_id']}/rotate")).json()
        assert await _status_of(dev_couch, creds, first_db) == 401
        assert await _status_of(dev_couch, rotated, first_db) == 200

        moved = await client.post(
            f"/api/devices/{creds['device_id']}/move", json={"grid_id": "donghu-02"}
        )
        assert moved.json()["grid_id"] == "donghu-02"
        second_db = runtime.namespace.grid_db("donghu-02")
        assert await _status_of(dev_couch, rotated, first_db) in {401, 403}
        assert await _status_of(dev_couch, rotated, second_db) == 200
        async with CouchClient(dev_couch.url, rotated["username"], rotated["password"]) as device:
            purge = await device.get_doc(second_db, f"purge:{creds['device_id']}")
        assert purge["reason"] == "moved"

        revoked = await client.post(f"/api/devices/{creds['device_id']}/revoke")
        assert revoked.json()["revoked_at"] is not None
        after = _tablet(tmp_path, "t1", {**rotated, "database": second_db})
        attempt = await after.sync()
        again = await client.post(f"/api/devices/{creds['device_id']}/rotate")
        listed = (await client.get("/api/devices?grid_id=donghu-02")).json()
        audit = (await client.get(f"/api/audit?target={creds['device_id']}")).json()

        await sign_in_as(client, "donghu", runtime.demo_accounts["donghu"])
        refused = await client.post("/api/devices", json={"grid_id": "donghu-01"})

    assert attempt["ok"] is False
    assert attempt["push"]["status"] == 401
    assert again.status_code == 409
    assert [d["id"] for d in listed if d["revoked_at"]] == [creds["device_id"]]
    assert refused.status_code == 403
    assert [(e["action"], e["actor"]) for e in audit] == [
        ("device.revoke", "account:test-admin"), ("device.move", "account:test-admin"),
        ("device.rotate", "account:test-admin"), ("device.register", "account:test-admin"),
    ]  # fmt: skip
    assert audit[1]["details"] == {"grid_id": "donghu-02"}


@pytest.mark.parametrize(
    ("body", "status", "path"),
    [
        ({"grid_id": "nowhere"}, 404, "/grid_id"),
        ({"grid_id": "donghu-01", "device_id": "Bad Id!"}, 400, "/device_id"),
        ({"grid_id": "x" * 65}, 400, None),
    ],
)
async def test_bad_registrations_are_refused_with_the_field_at_fault(
    sqlite_settings: Settings, body: dict[str, Any], status: int, path: str | None
) -> None:
    async with running_app(sqlite_settings) as (client, _):
        response = await client.post("/api/devices", json=body)
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    if path:
        assert response.json()["errors"][0]["path"] == path
