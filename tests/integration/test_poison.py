"""A document whose handling keeps failing is retried a few times, then quarantined."""

from __future__ import annotations

import pytest
from sqlmodel.ext.asyncio.session import AsyncSession

from backend.replication import handlers, projection
from backend.replication.batch import ProjectionBatch
from backend.settings import Settings
from sync.contract import SchemaCheck
from sync.devserver import DevCouch
from tests.helpers import eventually, hazard_doc
from tests.integration.harness import get_json, hazard_for, running_app, tablet

attempts: list[str] = []
project_hazard = handlers.HANDLERS["hazard"]


async def _failing_handler(
    session: AsyncSession, batch: ProjectionBatch, grid_id: str, rev: str, check: SchemaCheck
) -> None:
    attempts.append(str(check.doc["_id"]))
    if check.doc.get("title") == "poison":
        raise ValueError("cannot project this one")
    await project_hazard(session, batch, grid_id, rev, check)


async def test_a_poison_document_is_quarantined_after_bounded_retries_and_the_feed_goes_on(
    sqlite_settings: Settings, dev_couch: DevCouch, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(handlers.HANDLERS, "hazard", _failing_handler)
    async with running_app(sqlite_settings) as (client, runtime):
        cred = runtime.issued_credentials[0]
        poison = hazard_doc(device_id=cred.device_id, author=cred.couch_user,
                            grid_id=cred.grid_id, title="poison")  # fmt: skip
        after = hazard_for(cred)
        async with tablet(dev_couch, cred) as device:
            await device.put_doc(cred.database, poison)
            await device.put_doc(cred.database, after)
        [entry] = await eventually(
            lambda: get_json(client, "/api/sync/quarantine"), lambda rows: len(rows) == 1
        )
        hazards = await eventually(
            lambda: get_json(client, "/api/hazards"), lambda rows: len(rows) == 1
        )
    assert entry["doc_id"] == poison["_id"]
    assert entry["reason"].startswith("handler failed 3 times: ValueError")
    # each attempt: the whole batch at once, then document by document
    assert attempts.count(poison["_id"]) == 2 * projection.MAX_ATTEMPTS
    assert hazards[0]["doc_id"] == after["_id"]
