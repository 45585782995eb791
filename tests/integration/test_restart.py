"""A second start over the same data re-imports nothing and duplicates nothing."""

from __future__ import annotations

import json

from sqlalchemy import delete

from backend.database import create_engine
from backend.settings import Settings
from backend.synced.models import SyncCheckpoint
from sync.couch import CouchClient
from sync.devserver import DevCouch
from tests.helpers import eventually
from tests.integration.harness import get_json, hazard_for, running_app, tablet


async def test_restarting_the_service_keeps_every_record_once(
    settings: Settings, dev_couch: DevCouch, couch_admin: CouchClient
) -> None:
    async with running_app(settings) as (client, runtime):
        issued = runtime.issued_credentials
        cred = issued[0]
        first = hazard_for(cred)
        async with tablet(dev_couch, cred) as device:
            await device.put_doc(cred.database, first)
        await eventually(lambda: get_json(client, "/api/hazards"), lambda rows: len(rows) == 1)
        grids_before = await get_json(client, "/api/grids")
        design_before = await couch_admin.get_doc(cred.database, "_design/grid_rules")

    # While the service is down, the tablet keeps working and syncs to CouchDB.
    second = hazard_for(cred)
    async with tablet(dev_couch, cred) as device:
        await device.put_doc(cred.database, second)

    async with running_app(settings) as (client, runtime):
        assert runtime.issued_credentials == [], "demo tablets must not be registered again"
        hazards = await eventually(
            lambda: get_json(client, "/api/hazards"), lambda rows: len(rows) == 2
        )
        assert await get_json(client, "/api/grids") == grids_before
        # the old password still works: the device user was not recreated
        async with tablet(dev_couch, cred) as device:
            assert (await device.session())["userCtx"]["name"] == cred.couch_user
        design_after = await couch_admin.get_doc(cred.database, "_design/grid_rules")
        assert design_after["_rev"] == design_before["_rev"]
        assert await get_json(client, "/api/sync/quarantine") == []

    assert sorted(h["doc_id"] for h in hazards) == sorted([first["_id"], second["_id"]])
    assert len(grids_before) == len(issued) == 6


async def test_a_batch_replayed_after_a_lost_checkpoint_changes_nothing(
    settings: Settings, dev_couch: DevCouch, couch_admin: CouchClient
) -> None:
    async with running_app(settings) as (client, runtime):
        cred = runtime.issued_credentials[0]
        docs = [hazard_for(cred) for _ in range(5)]
        async with tablet(dev_couch, cred) as device:
            for doc in docs:
                await device.put_doc(cred.database, doc)
        before = await eventually(
            lambda: get_json(client, "/api/hazards"), lambda rows: len(rows) == 5
        )
        # verdicts go to CouchDB after the page's commit: wait for them too
        verdict_revs = await eventually(
            lambda: _verdict_revs(couch_admin, cred.database), lambda revs: len(revs) == 5
        )

    # As if the service died after writing verdicts but before committing SQL.
    engine = create_engine(settings.database_url)
    async with engine.begin() as conn:
        await conn.execute(delete(SyncCheckpoint))
    await engine.dispose()

    async with running_app(settings) as (client, runtime):
        await eventually(
            lambda: get_json(client, "/api/sync/health"),
            lambda ready: (
                ready["follower"]["lag_seconds"] < 0.5 and ready["follower"]["applied_changes"] >= 5
            ),
        )
        after = await get_json(client, "/api/hazards")
        assert await _verdict_revs(couch_admin, cred.database) == verdict_revs
    assert after == before


async def _verdict_revs(couch: CouchClient, db: str) -> dict[str, str]:
    rows = (await couch.all_docs(db, startkey=json.dumps("verdict:"),
                                 endkey=json.dumps("verdict:\ufff0")))["rows"]  # fmt: skip
    return {row["id"]: row["value"]["rev"] for row in rows}
