"""The first real path: tablet → grid database → follower → SQL → API."""

from __future__ import annotations

import json
from typing import Any

import pytest

from backend.devices.service import IssuedCredentials
from backend.settings import Settings
from sync.contract.schemas import SCHEMA_ROOT
from sync.couch import CouchClient, CouchError
from sync.couch.errors import Forbidden
from sync.devserver import DevCouch
from sync.ids import new_ulid
from tests.helpers import eventually
from tests.integration.harness import get_json, hazard_for, running_app, tablet

EXAMPLES = SCHEMA_ROOT / "examples"


async def test_hazard_written_by_a_tablet_appears_in_the_api(
    settings: Settings, dev_couch: DevCouch
) -> None:
    async with running_app(settings) as (client, runtime):
        cred = runtime.issued_credentials[0]
        doc = hazard_for(cred)
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


async def test_an_edit_replaces_the_hazard_and_only_an_admin_deletion_removes_it(
    settings: Settings, dev_couch: DevCouch
) -> None:
    """A reported hazard is on the ledger: its tablet cannot delete it; a deletion that
    reaches the service all the same (an operator's) takes it off the list, on record."""
    async with running_app(settings) as (client, runtime):
        cred = runtime.issued_credentials[0]
        doc = hazard_for(cred)
        async with tablet(dev_couch, cred) as device:
            doc["_rev"] = await device.put_doc(cred.database, doc)
            await eventually(lambda: get_json(client, "/api/hazards"), _count(1))
            doc["title"] = "Blocked fire exit, stairwell B"
            doc["_rev"] = await device.put_doc(cred.database, doc)
            await eventually(
                lambda: get_json(client, "/api/hazards"),
                lambda rows: rows[0]["title"] == "Blocked fire exit, stairwell B",
            )
            with pytest.raises(Forbidden):
                await device.delete_doc(cred.database, doc["_id"], doc["_rev"])
        async with CouchClient.from_credentials(dev_couch.credentials) as operator:
            await operator.delete_doc(cred.database, doc["_id"], doc["_rev"])
        await eventually(lambda: get_json(client, "/api/hazards"), _count(0))
        audit = await get_json(client, f"/api/audit?target={doc['_id']}")
    assert "document.deleted" in [e["action"] for e in audit]


async def test_a_hazard_breaking_its_schema_is_kept_flagged_and_explained_to_the_tablet(
    settings: Settings, dev_couch: DevCouch
) -> None:
    async with running_app(settings) as (client, runtime):
        cred = runtime.issued_credentials[0]
        bad = hazard_for(cred)
        bad["location"] = {"lat": 91, "lon": 120.15, "provider": "gps"}
        good = hazard_for(cred)
        async with tablet(dev_couch, cred) as device:
            bad_rev = await device.put_doc(cred.database, bad)
            await device.put_doc(cred.database, good)
            hazards = await eventually(lambda: get_json(client, "/api/hazards"), _count(2))
            verdict = await eventually(
                lambda: device.find_doc(cred.database, f"verdict:{bad['_id']}"),
                lambda doc: doc is not None,
            )
        invalid = await get_json(client, "/api/hazards?valid=false")

    assert {h["doc_id"] for h in hazards} == {bad["_id"], good["_id"]}
    [flagged] = invalid
    assert flagged["doc_id"] == bad["_id"]
    assert flagged["errors"] == [
        {"path": "/location/lat", "message": "91 is greater than the maximum of 90"}
    ]
    assert flagged["title"] == bad["title"]
    assert verdict is not None
    assert verdict["target_rev"] == bad_rev
    assert verdict["schema"] == {
        "valid": False,
        "version": 1,
        "upgraded_from": None,
        "errors": flagged["errors"],
    }


async def test_a_v0_hazard_from_an_old_app_is_stored_in_v1_shape(
    settings: Settings, dev_couch: DevCouch
) -> None:
    async with running_app(settings) as (client, runtime):
        cred = runtime.issued_credentials[0]
        old = json.loads((EXAMPLES / "v0/valid/hazard.json").read_text())
        old.update(author=cred.couch_user, device_id=cred.device_id, grid_id=cred.grid_id)
        old["_id"] = f"hazard:{cred.device_id}:{new_ulid()}"
        async with tablet(dev_couch, cred) as device:
            await device.put_doc(cred.database, old)
        [hazard] = await eventually(lambda: get_json(client, "/api/hazards"), _count(1))
        verdict_schema = (await eventually(
            lambda: _verdict(dev_couch, cred, old["_id"]), lambda doc: doc is not None
        ))["schema"]  # fmt: skip

    assert hazard["valid"] is True
    assert (hazard["schema_version"], hazard["upgraded_from"]) == (0, 0)
    assert (hazard["lat"], hazard["lon"]) == (old["lat"], old["lon"])
    assert hazard["reported_at"].startswith("2025-06-02T02:15:00")
    assert verdict_schema == {"valid": True, "version": 0, "upgraded_from": 0, "errors": []}


async def test_a_document_of_unknown_type_is_quarantined_and_the_feed_goes_on(
    settings: Settings, dev_couch: DevCouch
) -> None:
    async with running_app(settings) as (client, runtime):
        cred = runtime.issued_credentials[0]
        odd = {"_id": f"note:{cred.device_id}:x", "type": "note", "author": cred.couch_user}
        good = hazard_for(cred)
        async with tablet(dev_couch, cred) as device:
            await device.put_doc(cred.database, odd)
            await device.put_doc(cred.database, good)
        await eventually(lambda: get_json(client, "/api/hazards"), _count(1))
        [entry] = await get_json(client, "/api/sync/quarantine")
    assert entry["doc_id"] == odd["_id"]
    assert entry["db"] == cred.database
    assert entry["errors"] == [{"path": "/type", "message": "unknown document type 'note'"}]


async def _verdict(dev_couch: DevCouch, cred: IssuedCredentials, doc_id: str) -> Any:
    async with tablet(dev_couch, cred) as device:
        return await device.find_doc(cred.database, f"verdict:{doc_id}")


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
