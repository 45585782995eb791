"""The devices list says when each tablet's last report reached the server, so a street
office sees a tablet that has gone quiet."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from backend.settings import Settings
from sync.devserver import DevCouch
from tests.helpers import eventually, hazard_doc, inspection_doc
from tests.integration.harness import get_json, running_app, tablet


def _at(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


async def test_each_tablet_shows_when_its_last_report_arrived(
    sqlite_settings: Settings, dev_couch: DevCouch
) -> None:
    async with running_app(sqlite_settings) as (client, runtime):
        before = {d["id"]: d["last_report_at"] for d in await get_json(client, "/api/devices")}
        cred = next(c for c in runtime.issued_credentials if c.grid_id == "donghu-01")
        who = {"device_id": cred.device_id, "author": cred.couch_user, "grid_id": "donghu-01"}
        async with tablet(dev_couch, cred) as device:
            await device.put_doc(cred.database, hazard_doc(**who))
        [hazard] = await eventually(lambda: get_json(client, "/api/hazards"), lambda r: len(r) == 1)
        reported = _at(hazard["received_at"])
        assert reported is not None
        async with tablet(dev_couch, cred) as device:
            await device.put_doc(cred.database, inspection_doc(
                **who, kind="patrol", started_at="2026-11-20T09:00:00+08:00"))  # fmt: skip

        def after_the_hazard(devices: list[dict[str, Any]]) -> bool:
            latest = {d["id"]: _at(d["last_report_at"]) for d in devices}
            return (latest[cred.device_id] or reported) > reported

        devices = await eventually(lambda: get_json(client, "/api/devices"), after_the_hazard)

    assert set(before.values()) == {None}
    assert {d["id"] for d in devices if d["last_report_at"]} == {cred.device_id}
