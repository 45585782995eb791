"""Where CouchDB has ``/_db_updates`` (Apache CouchDB) the follower learns from it which
grid databases changed; where it has none (the dev server) it polls. Either way a
tablet's write reaches SQL, and the health page says which way is in use."""

from __future__ import annotations

from typing import Any

from backend.settings import Settings
from sync.couch import CouchClient
from sync.devserver import DevCouch
from tests.helpers import eventually
from tests.integration.harness import get_json, hazard_for, running_app, tablet


async def test_the_follower_uses_the_servers_update_feed_where_there_is_one(
    sqlite_settings: Settings, dev_couch: DevCouch, couch_admin: CouchClient
) -> None:
    vendor = str((await couch_admin.server_info()).get("vendor", {}).get("name", ""))
    offered = "Apache" in vendor
    # a long sweep: a write reaches SQL soon only if the feed (or polling) finds it
    settings = sqlite_settings.with_changes(follower_sweep_seconds=600.0)
    async with running_app(settings) as (client, runtime):

        async def how() -> Any:
            return (await get_json(client, "/api/sync/health"))["follower"]["db_updates"]

        wanted = "following /_db_updates" if offered else "not offered by this CouchDB"
        await eventually(how, lambda said: str(said).startswith(wanted), within=30)
        cred = runtime.issued_credentials[0]
        doc = hazard_for(cred)
        async with tablet(dev_couch, cred) as device:
            await device.put_doc(cred.database, doc)
        await eventually(lambda: client.get(f"/api/hazards/{doc['_id']}"),
                         lambda answer: answer.status_code == 200, within=20)  # fmt: skip
