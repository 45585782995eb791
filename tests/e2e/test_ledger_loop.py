"""The closed loop with a real PouchDB tablet: reported offline, synced, assigned,
the assignment pulled to the tablet, rectified with a photo, accepted, verified and
closed out — every step in the audit trail and the ledger export; a second hazard passes
its deadline and is overdue."""

from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from backend.settings import Settings
from sync.devserver import DevCouch
from tests.helpers import eventually
from tests.integration.harness import get_json, running_app, sign_in_as
from tests.simulator import Tablet

STEPS = ["reviewed", "assigned", "rectified_accepted", "verified", "closed_out"]


async def test_a_hazard_goes_round_the_loop_between_tablet_and_supervisor(
    settings: Settings, dev_couch: DevCouch, tmp_path: Path
) -> None:
    async with running_app(settings) as (client, runtime):
        cred = next(c for c in runtime.issued_credentials if c.grid_id == "donghu-01")
        device = Tablet(tmp_path / "tablet", remote=f"{dev_couch.url}/{cred.database}",
                        user=cred.couch_user, password=cred.password,
                        device_id=cred.device_id, grid_id=cred.grid_id)  # fmt: skip
        first, second = await device.create(hazards=2, photos=1)  # offline
        assert (await device.sync("push"))["ok"]
        await sign_in_as(client, "donghu", runtime.demo_accounts["donghu"])
        await eventually(lambda: get_json(client, "/api/hazards"), lambda rows: len(rows) == 2)

        async def decide(hazard_id: str, version: int, **body: Any) -> dict[str, Any]:
            response = await client.post(f"/api/hazards/{hazard_id}/ledger", json=body,
                                         headers={"If-Match": f'"ledger-{version}"'})  # fmt: skip
            assert response.status_code == 201, response.text
            return dict(response.json())

        tomorrow = (datetime.now(ZoneInfo("Asia/Shanghai")) + timedelta(days=1)).date()
        assignment = {"responsible_person": "张店长", "measures": "更换过期灭火器",
                      "deadline": tomorrow.isoformat()}  # fmt: skip
        await decide(first, 0, event="reviewed")
        await decide(first, 1, event="assigned", assignment=assignment)
        await decide(second, 0, event="reviewed")
        await decide(second, 1, event="assigned",
                     assignment={**assignment, "deadline": "2026-11-25"})  # fmt: skip

        assert (await device.sync("pull"))["ok"]
        events = {(e["hazard_id"], e["event"]): e for e in await device.docs("ledger")}
        report = await device.rectify(first, photos=1)  # offline again
        assert (await device.sync("push"))["ok"]
        await eventually(lambda: get_json(client, f"/api/hazards/{first}"),
                         lambda h: h["rectification_reports"] == [report])  # fmt: skip
        await decide(first, 2, event="rectified_accepted", rectification_report_id=report)
        await decide(first, 3, event="verified", note="复查合格")
        await decide(first, 4, event="closed_out")
        assert (await device.sync("pull"))["ok"]
        on_tablet = sorted(e["event"] for e in await device.docs("ledger")
                           if e["hazard_id"] == first)  # fmt: skip
        photos = await eventually(
            lambda: get_json(client, f"/api/hazards/{first}/photos"),
            lambda rows: len(rows) == 2 and all(r["status"] == "processed" for r in rows),
            within=30,
        )
        overdue = await get_json(client, "/api/hazards?overdue=true")
        ledger_csv = await client.get("/api/exports/ledger.csv")
        assert settings.bootstrap_admin is not None
        await sign_in_as(client, *settings.bootstrap_admin)
        trail = await get_json(client, f"/api/audit?target={first}")

    assigned = events[(first, "assigned")]
    assert assigned["assignment"]["responsible_person"] == "张店长"
    assert assigned["assignment"]["deadline"] == f"{tomorrow.isoformat()}T23:59:59+08:00"
    assert on_tablet == sorted(STEPS)
    assert [p["hazard_id"] for p in photos] == [first, report]  # the hazard's, then the report's
    assert [h["doc_id"] for h in overdue] == [second]
    assert [e["action"] for e in reversed(trail)] == ["verdict", *(f"ledger.{s}" for s in STEPS)]
    assert all(e["actor"] == "account:donghu" for e in trail[:5])
    rows = list(csv.DictReader(io.StringIO(ledger_csv.content.decode("utf-8-sig"))))
    assert [r["event"] for r in rows if r["hazard_id"] == first] == STEPS
    assert [r["event"] for r in rows if r["hazard_id"] == second] == ["reviewed", "assigned"]
