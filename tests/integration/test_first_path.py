"""The first real path: tablet → grid database → follower → SQL → API."""

from __future__ import annotations

from typing import Any

import pytest

from backend.settings import Settings
from sync.couch import CouchError
from sync.devserver import DevCouch
from tests.helpers import eventually, hazard_doc
from tests.integration.harness import get_json, running_app, tablet


async def test_hazard_written_by_a_tablet_appears_in_the_api(
    settings: Settings, dev_couch: DevCouch
) -> None:
    async with running_app(settings) as (client, runtime):
        cred = runtime.issued_credentials[0]
        doc = hazard_doc(device_id=cred.device_id, author=cred.couch_user, grid_id=cred.grid_id)
        async with tablet(dev_couch, cred) as device:
            rev = await device.put_doc(cred.database, doc)

        hazards = await eventually(lambda: get_json(client, "/api/hazards"), _count(1))

    [hazard] = hazards
    assert hazard["doc_id"] == doc["_id"]
    assert hazard["rev"] == rev
    assert hazard["grid_id"] == cred.grid_id
    assert hazard["author"] == cred.couch_user
    assert hazard["title"] == "Blocked fire exit"
    assert (hazard["lat"], hazard["lon"]) == (30.2712, 120.1523)
    assert hazard["reported_at"].startswith("2026-11-20T01:31:00")


async def test_an_edit_replaces_the_hazard_and_a_deletion_removes_it(
    settings: Settings, dev_couch: DevCouch
) -> None:
    async with running_app(settings) as (client, runtime):
        cred = runtime.issued_credentials[0]
        doc = hazard_doc(device_id=cred.device_id, author=cred.couch_user, grid_id=cred.grid_id)
        async with tablet(dev_couch, cred) as device:
            doc["_rev"] = await device.put_doc(cred.database, doc)
            await eventually(lambda: get_json(client, "/api/hazards"), _count(1))
            doc["title"] = "Blocked fire exit, stairwell B"
            doc["_rev"] = await device.put_doc(cred.database, doc)
            await eventually(
                lambda: get_json(client, "/api/hazards"),
                lambda rows: rows[0]["title"] == "Blocked fire exit, stairwell B",
            )
            await device.delete_doc(cred.database, doc["_id"], doc["_rev"])
            await eventually(lambda: get_json(client, "/api/hazards"), _count(0))


async def test_a_malformed_hazard_is_quarantined_and_the_feed_goes_on(
    settings: Settings, dev_couch: DevCouch
) -> None:
    async with running_app(settings) as (client, runtime):
        cred = runtime.issued_credentials[0]
        bad = hazard_doc(device_id=cred.device_id, author=cred.couch_user, grid_id=cred.grid_id)
        bad["location"] = {"lat": 91, "lon": 120.15}
        good = hazard_doc(device_id=cred.device_id, author=cred.couch_user, grid_id=cred.grid_id)
        async with tablet(dev_couch, cred) as device:
            await device.put_doc(cred.database, bad)
            await device.put_doc(cred.database, good)

        hazards = await eventually(lambda: get_json(client, "/api/hazards"), _count(1))
        assert hazards[0]["doc_id"] == good["_id"]
        [entry] = await get_json(client, "/api/sync/quarantine")
    assert entry["doc_id"] == bad["_id"]
    assert entry["db"] == cred.database
    assert entry["errors"][0]["path"] == "/location/lat"


async def test_the_grid_database_holds_only_its_own_tablets(
    settings: Settings, dev_couch: DevCouch
) -> None:
    async with running_app(settings) as (_, runtime):
        mine, other = runtime.issued_credentials[0], runtime.issued_credentials[1]
        async with tablet(dev_couch, other) as intruder:
            with pytest.raises(CouchError) as refused:
                await intruder.changes(mine.database)
        assert refused.value.status in {401, 403}


def _count(n: int) -> Any:
    return lambda rows: len(rows) == n
