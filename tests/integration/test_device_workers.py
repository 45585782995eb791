"""A tablet is handed to the grid worker who carries it — only a worker of the tablet's
own grid — and the scorecard then names that worker; a move to another grid takes the
tablet from its worker."""

from __future__ import annotations

import csv
import io
from typing import Any

from backend.settings import Settings
from sync.devserver import DevCouch
from tests.integration.harness import get_json, running_app


async def _account(client: Any, username: str, name: str, role: str, place: str) -> int:
    body = {"username": username, "display_name": name, "role": role, "place_id": place,
            "password": "worker-password-1"}  # fmt: skip
    response = await client.post("/api/accounts", json=body)
    assert response.status_code == 201, response.text
    return int(response.json()["account"]["id"])


async def test_a_tablet_goes_to_a_worker_of_its_grid_and_the_scorecard_names_them(
    sqlite_settings: Settings, dev_couch: DevCouch
) -> None:
    async with running_app(sqlite_settings) as (client, _):
        wang = await _account(client, "wang.fang", "王芳", "grid_worker", "donghu-01")
        li = await _account(client, "li.si", "李四", "grid_worker", "donghu-02")
        chief = await _account(client, "zhao.liu", "赵六", "community_supervisor", "donghu")
        url = "/api/devices/demo-donghu-01/worker"
        handed = await client.post(url, json={"account_id": wang})
        wrong_grid = await client.post(url, json={"account_id": li})
        not_a_worker = await client.post(url, json={"account_id": chief})
        nobody = await client.post(url, json={"account_id": 999_999})
        tablet = {"grid_id": "donghu-02", "device_id": "li-si-tablet", "worker_account_id": li}
        registered = await client.post("/api/devices", json=tablet)
        wrong = {**tablet, "device_id": "wrong-worker", "worker_account_id": wang}
        refused = await client.post("/api/devices", json=wrong)
        devices = {d["id"]: d for d in await get_json(client, "/api/devices")}
        scores = {s["device_id"]: s for s in await get_json(client, "/api/scorecard")}
        table = (await client.get("/api/scorecard/csv")).content.decode("utf-8-sig")
        moved = await client.post("/api/devices/demo-donghu-01/move", json={"grid_id": "donghu-03"})
        audit = await get_json(client, "/api/audit?action=device.worker")

    assert handed.status_code == 200, handed.text
    assert (handed.json()["worker_account_id"], handed.json()["worker_name"]) == (wang, "王芳")
    for answer in (wrong_grid, not_a_worker, nobody):
        assert answer.status_code == 400, answer.text
        assert answer.json()["errors"][0]["path"] == "/account_id"
    assert "works in donghu-02" in wrong_grid.json()["errors"][0]["message"]
    assert registered.status_code == 201, registered.text
    assert refused.status_code == 400
    assert refused.json()["errors"][0]["path"] == "/worker_account_id"
    assert "wrong-worker" not in devices  # refused before any CouchDB user was made
    assert devices["li-si-tablet"]["worker_name"] == "李四"
    assert scores["demo-donghu-01"]["worker_name"] == "王芳"
    assert scores["demo-xixi-01"]["worker_name"] is None
    rows = {r["device_id"]: r for r in csv.DictReader(io.StringIO(table))}
    assert rows["demo-donghu-01"]["worker"] == "王芳"
    assert moved.json()["worker_account_id"] is None
    assert [e["target"] for e in audit] == ["demo-donghu-01"]
