"""Documents cannot reach across their scope: a tablet speaks only for its own grid and
itself, a report only about a hazard of its own grid database, and nothing a tablet does
makes a hazard the ledger has acted on disappear."""

from __future__ import annotations

from typing import Any

import pytest

from backend.settings import Settings
from sync.couch import CouchClient
from sync.couch.errors import Forbidden
from sync.devserver import DevCouch
from tests.helpers import eventually, hazard_doc
from tests.integration.harness import get_json, running_app, sign_in_as, tablet
from tests.integration.test_ledger import ASSIGNMENT, _report


async def _verdict(device: CouchClient, db: str, doc_id: str) -> dict[str, Any]:
    found = await eventually(lambda: device.find_doc(db, f"verdict:{doc_id}"),
                             lambda doc: doc is not None)  # fmt: skip
    assert found is not None
    return dict(found)


async def test_a_report_about_another_communitys_hazard_is_no_evidence(
    sqlite_settings: Settings, dev_couch: DevCouch
) -> None:
    async with running_app(sqlite_settings) as (client, runtime):
        creds = {c.grid_id: c for c in runtime.issued_credentials}
        donghu, xixi = creds["donghu-01"], creds["xixi-01"]
        hazard = hazard_doc(device_id=donghu.device_id, author=donghu.couch_user,
                            grid_id="donghu-01")  # fmt: skip
        async with tablet(dev_couch, donghu) as device:
            await device.put_doc(donghu.database, hazard)
        await eventually(lambda: get_json(client, "/api/hazards"), lambda rows: len(rows) == 1)
        await sign_in_as(client, "donghu", runtime.demo_accounts["donghu"])
        url = f"/api/hazards/{hazard['_id']}/ledger"
        for version, body in enumerate(
            [{"event": "reviewed"}, {"event": "assigned", "assignment": ASSIGNMENT}]
        ):
            answer = await client.post(url, json=body,
                                       headers={"If-Match": f'"ledger-{version}"'})  # fmt: skip
            assert answer.status_code == 201, answer.text
        forged = _report(xixi, hazard["_id"])  # written in xixi's own database
        async with tablet(dev_couch, xixi) as device:
            await device.put_doc(xixi.database, forged)
            verdict = await _verdict(device, xixi.database, forged["_id"])
        accepted = await client.post(url, json={"event": "rectified_accepted",
                                                "rectification_report_id": forged["_id"]},
                                     headers={"If-Match": '"ledger-2"'})  # fmt: skip
    assert verdict["schema"]["valid"] is False
    assert {"/hazard_id"} <= {e["path"] for e in verdict["schema"]["errors"]}
    assert accepted.status_code == 409
    assert "not a hazard of this grid database" in accepted.text


@pytest.mark.parametrize(
    ("field", "value", "path"),
    [("grid_id", "xixi-02", "/grid_id"), ("device_id", "demo-donghu-02", "/device_id")],
)
async def test_a_document_naming_another_grid_or_device_is_flagged(
    sqlite_settings: Settings, dev_couch: DevCouch, field: str, value: str, path: str
) -> None:
    async with running_app(sqlite_settings) as (client, runtime):
        cred = next(c for c in runtime.issued_credentials if c.grid_id == "donghu-01")
        doc = hazard_doc(device_id=cred.device_id, author=cred.couch_user, grid_id="donghu-01")
        doc[field] = value
        async with tablet(dev_couch, cred) as device:
            await device.put_doc(cred.database, doc)
            verdict = await _verdict(device, cred.database, doc["_id"])
        invalid = await get_json(client, "/api/hazards?valid=false")
    assert verdict["schema"]["valid"] is False
    assert path in {e["path"] for e in verdict["schema"]["errors"]}
    assert [h["doc_id"] for h in invalid] == [doc["_id"]]


async def test_a_decided_hazard_never_leaves_the_ledger(
    sqlite_settings: Settings, dev_couch: DevCouch
) -> None:
    async with running_app(sqlite_settings) as (client, runtime):
        cred = next(c for c in runtime.issued_credentials if c.grid_id == "donghu-01")
        doc = hazard_doc(device_id=cred.device_id, author=cred.couch_user, grid_id="donghu-01")
        async with tablet(dev_couch, cred) as device:
            doc["_rev"] = await device.put_doc(cred.database, doc)
        await eventually(lambda: get_json(client, "/api/hazards"), lambda rows: len(rows) == 1)
        url = f"/api/hazards/{doc['_id']}/ledger"
        assigned = {**ASSIGNMENT, "deadline": "2026-11-24"}  # overdue by now
        for version, body in enumerate(
            [{"event": "reviewed"}, {"event": "assigned", "assignment": assigned}]
        ):
            await client.post(url, json=body, headers={"If-Match": f'"ledger-{version}"'})
        async with tablet(dev_couch, cred) as device:
            with pytest.raises(Forbidden):  # the worker's own, overdue hazard
                await device.delete_doc(cred.database, doc["_id"], doc["_rev"])
        async with CouchClient.from_credentials(dev_couch.credentials) as operator:
            await operator.delete_doc(cred.database, doc["_id"], doc["_rev"])
        audit = await eventually(lambda: get_json(client, f"/api/audit?target={doc['_id']}"),
                                 lambda rows: any(e["action"] == "document.deleted"
                                                  for e in rows))  # fmt: skip
        overdue = await get_json(client, "/api/hazards?overdue=true")
        detail = await get_json(client, f"/api/hazards/{doc['_id']}")
    assert [h["doc_id"] for h in overdue] == [doc["_id"]]
    assert detail["deleted"] is True
    assert audit
