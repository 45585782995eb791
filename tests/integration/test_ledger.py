"""Supervisors decide on hazards; every decision reaches the tablet as a ledger doc."""

from __future__ import annotations

import base64
import csv
import io
import json
from typing import Any

from PIL import Image

from backend.devices.service import IssuedCredentials
from backend.photos.processing import sha256_of
from backend.settings import Settings
from sync.contract import load_schemas
from sync.devserver import DevCouch
from tests.helpers import eventually, hazard_doc
from tests.integration.harness import get_json, running_app, sign_in_as, tablet

ASSIGNMENT = {
    "responsible_person": "李经理",
    "responsible_unit": "东湖综合市场",
    "measures": "清理二楼东侧出口杂物，设置禁止堆放标识。",
    "deadline": "2026-11-23T18:00:00+08:00",
}


async def test_review_and_assignment_with_optimistic_concurrency_reach_the_tablet(
    settings: Settings, dev_couch: DevCouch
) -> None:
    async with running_app(settings) as (client, runtime):
        cred = next(c for c in runtime.issued_credentials if c.grid_id == "donghu-01")
        doc = hazard_doc(device_id=cred.device_id, author=cred.couch_user, grid_id="donghu-01")
        async with tablet(dev_couch, cred) as device:
            await device.put_doc(cred.database, doc)
        await eventually(lambda: get_json(client, "/api/hazards"), lambda rows: len(rows) == 1)
        url = f"/api/hazards/{doc['_id']}/ledger"

        await sign_in_as(client, "donghu", runtime.demo_accounts["donghu"])
        empty = await client.get(url)
        reviewed = await client.post(url, json={"event": "reviewed", "note": "现场核实"},
                                     headers={"If-Match": empty.headers["etag"]})  # fmt: skip
        stale = await client.post(url, json={"event": "assigned", "assignment": ASSIGNMENT},
                                  headers={"If-Match": empty.headers["etag"]})  # fmt: skip
        blind = await client.post(url, json={"event": "assigned", "assignment": ASSIGNMENT})
        illegal = await client.post(url, json={"event": "closed_out"},
                                    headers={"If-Match": reviewed.headers["etag"]})  # fmt: skip
        incomplete = await client.post(url, json={"event": "assigned"},
                                       headers={"If-Match": reviewed.headers["etag"]})  # fmt: skip
        assigned = await client.post(url, json={"event": "assigned", "assignment": ASSIGNMENT},
                                     headers={"If-Match": reviewed.headers["etag"]})  # fmt: skip
        history = await get_json(client, url)
        [hazard] = await get_json(client, "/api/hazards")
        overdue = await get_json(client, "/api/hazards?overdue=true&ledger_status=rectifying")
        on_time = await get_json(client, "/api/hazards?overdue=false")

        await sign_in_as(client, "xixi", runtime.demo_accounts["xixi"])
        elsewhere = await client.get(url)
        meddling = await client.post(url, json={"event": "reopened"},
                                     headers={"If-Match": assigned.headers["etag"]})  # fmt: skip

        async with tablet(dev_couch, cred) as device:
            prefix = f"ledger:{doc['_id']}:"
            answer = await device.all_docs(
                cred.database, include_docs=True,
                startkey=json.dumps(prefix), endkey=json.dumps(prefix + "\ufff0"),
            )  # fmt: skip
            rows = answer["rows"]

    assert empty.json() == []
    assert empty.headers["etag"] == '"ledger-0"'
    assert (reviewed.status_code, reviewed.headers["etag"]) == (201, '"ledger-1"')
    assert stale.status_code == 412
    assert blind.status_code == 428
    assert illegal.status_code == 409
    assert "cannot closed_out a hazard that is under_review" in illegal.json()["detail"]
    assert incomplete.status_code == 400
    assert incomplete.json()["errors"] == [{"path": "/assignment", "message": "is required"}]
    assert assigned.status_code == 201
    assert [e["event"] for e in history] == ["reviewed", "assigned"]
    assert history[1]["actor_role"] == "community_supervisor"
    assert hazard["ledger_status"] == "rectifying"
    assert hazard["responsible_person"] == "李经理"
    assert hazard["deadline"].startswith("2026-11-23T10:00:00")
    assert hazard["overdue"] is True  # the deadline has passed (today is later)
    assert [h["doc_id"] for h in overdue] == [doc["_id"]]
    assert on_time == []
    assert elsewhere.status_code == meddling.status_code == 404
    events = [row["doc"] for row in rows]
    assert [e["event"] for e in events] == ["reviewed", "assigned"]
    assert events[1]["assignment"]["deadline"] == "2026-11-23T18:00:00+08:00"
    for event in events:
        assert load_schemas().errors(event, 1, "ledger") == []


def _report(cred: IssuedCredentials, hazard_id: str, *, photo: bool = False) -> dict[str, Any]:
    """The worker's rectification report about ``hazard_id`` (with a photo, if asked)."""
    report = hazard_doc(device_id=cred.device_id, author=cred.couch_user, grid_id=cred.grid_id)
    for key in ("title", "category", "sector", "severity", "location", "reported_at"):
        del report[key]
    report.update(
        _id=report["_id"].replace("hazard:", "rectification_report:"),
        type="rectification_report", hazard_id=hazard_id, text="杂物已清理，出口畅通。",
        rectified_at="2026-11-22T15:00:00+08:00",
    )  # fmt: skip
    if photo:
        picture = io.BytesIO()
        Image.new("RGB", (80, 60), (20, 120, 40)).save(picture, "JPEG")
        data = picture.getvalue()
        report["photos"] = [{"name": "after.jpg", "sha256": sha256_of(data)}]
        attachment = {"content_type": "image/jpeg", "data": base64.b64encode(data).decode()}
        report["_attachments"] = {"after.jpg": attachment}
    return report


async def _assign_late(client: Any, hazard_id: str) -> None:
    """Review and assign with a day as deadline (the end of 24 November, street time)."""
    late = {**ASSIGNMENT, "deadline": "2026-11-24"}
    bodies = [{"event": "reviewed"}, {"event": "assigned", "assignment": late}]
    for version, body in enumerate(bodies):
        response = await client.post(f"/api/hazards/{hazard_id}/ledger", json=body,
                                     headers={"If-Match": f'"ledger-{version}"'})  # fmt: skip
        assert response.status_code == 201, response.text


async def test_the_loop_closes_with_the_workers_rectification_report(
    sqlite_settings: Settings, dev_couch: DevCouch
) -> None:
    async with running_app(sqlite_settings) as (client, runtime):
        cred = next(c for c in runtime.issued_credentials if c.grid_id == "donghu-02")
        hazard = hazard_doc(device_id=cred.device_id, author=cred.couch_user,
                            grid_id="donghu-02")  # fmt: skip
        other = hazard_doc(device_id=cred.device_id, author=cred.couch_user, grid_id="donghu-02")
        async with tablet(dev_couch, cred) as device:
            await device.put_doc(cred.database, hazard)
            await device.put_doc(cred.database, other)
        await eventually(lambda: get_json(client, "/api/hazards"), lambda rows: len(rows) == 2)
        url = f"/api/hazards/{hazard['_id']}/ledger"
        await sign_in_as(client, "street", runtime.demo_accounts["street"])

        async def decide(version: int, **body: object) -> Any:
            return await client.post(url, json=body, headers={"If-Match": f'"ledger-{version}"'})

        assert (await decide(0, event="reviewed")).status_code == 201
        assert (await decide(1, event="assigned", assignment=ASSIGNMENT)).status_code == 201

        good, wrong = _report(cred, hazard["_id"], photo=True), _report(cred, other["_id"])
        async with tablet(dev_couch, cred) as device:
            assigned_doc = await device.get_doc(cred.database, f"ledger:{hazard['_id']}:000002")
            await device.put_doc(cred.database, good)
            await device.put_doc(cred.database, wrong)
        assert sqlite_settings.bootstrap_admin is not None
        await sign_in_as(client, *sqlite_settings.bootstrap_admin)  # sync status: admins
        await eventually(lambda: get_json(client, "/api/sync/status"),
                         lambda rows: sum(r["documents"] for r in rows) == 4)  # fmt: skip
        await sign_in_as(client, "street", runtime.demo_accounts["street"])

        missing = await decide(2, event="rectified_accepted")
        mismatched = await decide(2, event="rectified_accepted",
                                  rectification_report_id=wrong["_id"])  # fmt: skip
        accepted = await decide(2, event="rectified_accepted", rectification_report_id=good["_id"])
        verified = await decide(3, event="verified", note="复查合格")
        closed = await decide(4, event="closed_out")
        history = await get_json(client, url)
        await _assign_late(client, other["_id"])  # the second hazard: its deadline has passed
        overdue = await get_json(client, "/api/hazards?overdue=true")
        photos = await eventually(
            lambda: get_json(client, f"/api/hazards/{hazard['_id']}/photos"),
            lambda rows: bool(rows) and rows[0]["status"] == "processed",
            within=20,
        )
        ledger_csv = await client.get("/api/exports/ledger.csv?grid_id=donghu-02")
        hazards_csv = await client.get("/api/exports/hazards.csv")
        ledger_geojson = await get_json(client, "/api/exports/ledger.geojson")
        await sign_in_as(client, *sqlite_settings.bootstrap_admin)
        audit = await get_json(client, f"/api/audit?target={hazard['_id']}")
        report_verdicts = await get_json(client, f"/api/audit?action=verdict&target={good['_id']}")

    _check_audit(audit, report_verdicts)
    assert [h["doc_id"] for h in overdue] == [other["_id"]]
    assert overdue[0]["deadline"].startswith("2026-11-24T15:59:59")  # end of the day, +08:00
    [photo] = photos
    assert photo["hazard_id"] == good["_id"]
    assert photo["thumbnail_url"]
    assert assigned_doc["assignment"]["responsible_person"] == "李经理"
    assert missing.status_code == 400
    assert mismatched.status_code == 409
    assert (accepted.status_code, verified.status_code, closed.status_code) == (201, 201, 201)
    assert [e["status_after"] for e in history] == [
        "under_review", "rectifying", "rectified", "verified", "closed_out"
    ]  # fmt: skip
    assert history[2]["rectification_report_id"] == good["_id"]
    _check_exports(ledger_csv, hazards_csv, ledger_geojson, hazard["_id"], other["_id"],
                   good["_id"])  # fmt: skip


def _check_audit(audit: list[dict[str, Any]], report_verdicts: list[dict[str, Any]]) -> None:
    """Every decision on the hazard is in the trail, the follower's verdict first."""
    assert [e["action"] for e in audit] == [
        "ledger.closed_out", "ledger.verified", "ledger.rectified_accepted", "ledger.assigned",
        "ledger.reviewed", "verdict",
    ]  # fmt: skip
    assert audit[-1]["actor"] == "system:follower"
    assert audit[-1]["reason"] == "valid, geofence outside"  # reported at donghu-01's point
    assert audit[-1]["details"]["suggested_grid_id"] == "donghu-01"
    assert [v["reason"] for v in report_verdicts] == ["valid"]
    assert audit[1]["reason"] == "复查合格"
    assert audit[0]["actor"] == "account:street"


def _check_exports(
    ledger_csv: Any, hazards_csv: Any, ledger_geojson: Any, hazard: str, other: str, report: str
) -> None:
    """Every step of the loop is in the ledger export; the hazard export shows the end."""
    assert ledger_csv.content.startswith("\ufeff".encode())
    rows = list(csv.DictReader(io.StringIO(ledger_csv.content.decode("utf-8-sig"))))
    mine = [r for r in rows if r["hazard_id"] == hazard]
    assert [r["event"] for r in mine] == [
        "reviewed", "assigned", "rectified_accepted", "verified", "closed_out"]  # fmt: skip
    assert mine[1]["measures"] == ASSIGNMENT["measures"]
    assert mine[2]["rectification_report_id"] == report
    assert mine[0]["at"].endswith("+08:00")
    assert [r["event"] for r in rows if r["hazard_id"] == other] == ["reviewed", "assigned"]
    text = hazards_csv.content.decode("utf-8-sig")
    hazard_rows = {r["doc_id"]: r for r in csv.DictReader(io.StringIO(text))}
    assert hazard_rows[hazard]["ledger_status"] == "closed_out"
    assert hazard_rows[other]["overdue"] == "true"
    assert hazard_rows[hazard]["community_id"] == "donghu"
    assert len(ledger_geojson["features"]) == 7
    assert ledger_geojson["features"][0]["geometry"]["type"] == "Point"
