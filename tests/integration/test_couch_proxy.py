"""``/couch/``: the browser's way to its grid database. Only grid databases are reachable,
and CouchDB's own security decides with the device's credentials: the server's admin
rights are never lent to a caller."""

from __future__ import annotations

from backend.settings import Settings
from sync.devserver import DevCouch
from tests.helpers import basic_auth, hazard_doc
from tests.integration.harness import running_app


async def test_a_device_reaches_only_its_own_grid_database_through_the_proxy(
    sqlite_settings: Settings, dev_couch: DevCouch
) -> None:
    async with running_app(sqlite_settings, sign_in=False) as (client, runtime):
        creds = {c.grid_id: c for c in runtime.issued_credentials}
        mine, other = creds["donghu-01"], creds["xixi-01"]
        auth = basic_auth(mine.couch_user, mine.password)
        doc = hazard_doc(device_id=mine.device_id, author=mine.couch_user, grid_id="donghu-01")
        info = await client.get(f"/couch/{mine.database}/", headers=auth)
        written = await client.put(f"/couch/{mine.database}/{doc['_id']}", json=doc, headers=auth)
        read = await client.get(f"/couch/{mine.database}/{doc['_id']}", headers=auth)
        changes = await client.get(f"/couch/{mine.database}/_changes", params={"limit": "5"},
                                   headers=auth)  # fmt: skip
        foreign = await client.get(f"/couch/{other.database}/_all_docs", headers=auth)
        anonymous = await client.get(f"/couch/{mine.database}/_all_docs")
        design = await client.put(f"/couch/{mine.database}/_design/mine", json={"views": {}},
                                  headers=auth)  # fmt: skip
        users = await client.get("/couch/_users/_all_docs", headers=auth)
        all_dbs = await client.get("/couch/_all_dbs", headers=auth)
        config = await client.get("/couch/_node/_local/_config", headers=auth)

    assert info.status_code == 200
    assert info.json()["db_name"] == mine.database
    assert written.status_code == 201, written.text
    assert read.json()["title"] == doc["title"]
    assert changes.status_code == 200
    assert foreign.status_code in {401, 403}
    assert anonymous.status_code in {401, 403}
    assert "www-authenticate" not in anonymous.headers  # no browser sign-in box
    assert design.status_code == 404  # not replication: never forwarded
    assert users.status_code == all_dbs.status_code == config.status_code == 404
