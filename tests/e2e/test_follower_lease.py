"""Several app processes, exactly one follower: the others stand by, and one takes over
within seconds when the holder is killed. Nothing is applied twice, nothing is lost."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from backend.settings import Settings
from sync.couch import CouchClient
from sync.devserver import DevCouch
from tests.browser.harness import Served, served
from tests.helpers import eventually, hazard_doc

BATCH = 40


async def _ready(app: Served) -> dict[str, Any]:
    """What an admin reads of the service's health (``/ready`` itself says only ok)."""
    token = await app.token(*app.admin)
    body: dict[str, Any] = (await app.call("GET", "/api/sync/health", token)).json()
    return body


async def _write(couch_admin: CouchClient, cred: Any, start: int) -> list[str]:
    docs = [hazard_doc(device_id=cred.device_id, author=cred.couch_user, grid_id=cred.grid_id,
                       title=f"隐患 {start + i}") for i in range(BATCH)]  # fmt: skip
    await couch_admin.bulk_docs(cred.database, docs)
    return [d["_id"] for d in docs]


async def test_one_follower_leads_and_a_standby_takes_over_when_it_dies(
    postgres_settings: Settings, dev_couch: DevCouch, couch_admin: CouchClient, tmp_path: Path
) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    async with (
        served(postgres_settings, tmp_path / "a") as first,
        served(postgres_settings, tmp_path / "b") as second,
    ):
        admin = await first.token(*first.admin)
        devices = (await first.call("GET", "/api/devices", admin)).json()
        cred = _credentials(first, devices)
        roles = {(await _ready(a))["follower"]["role"] for a in (first, second)}
        first_leads = (await _ready(first))["follower"]["role"] == "leader"
        leader, standby = (first, second) if first_leads else (second, first)
        written = await _write(couch_admin, cred, 0)

        async def applied() -> int:
            rows = (await standby.call("GET", "/api/hazards?limit=500", admin)).json()
            return len(rows)

        await eventually(applied, lambda n: n == BATCH, within=30)
        leader.process.kill()
        leader.process.wait(10)
        written += await _write(couch_admin, cred, BATCH)
        took_over = await eventually(
            lambda: _ready(standby), lambda r: r["follower"]["role"] == "leader", within=15
        )
        await eventually(applied, lambda n: n == 2 * BATCH, within=60)
        hazards = (await standby.call("GET", "/api/hazards?limit=500", admin)).json()

    assert roles == {"leader", "standby"}
    assert took_over["status"] == "ok"
    assert sorted(h["doc_id"] for h in hazards) == sorted(written)
    verdicts = (await couch_admin.all_docs(
        cred.database, startkey=json.dumps("verdict:"), endkey=json.dumps("verdict:\ufff0")
    ))["rows"]  # fmt: skip
    assert {row["id"] for row in verdicts} == {f"verdict:{doc_id}" for doc_id in written}
    assert {row["value"]["rev"][:2] for row in verdicts} == {"1-"}, "a verdict was written twice"


class _Cred:
    def __init__(self, device: dict[str, Any], database: str) -> None:
        self.device_id, self.grid_id = device["id"], device["grid_id"]
        self.couch_user, self.database = device["couch_user"], database


def _credentials(app: Served, devices: list[dict[str, Any]]) -> _Cred:
    """The demo tablet of donghu-01 (documents are written with the admin's rights)."""
    device = next(d for d in devices if d["grid_id"] == "donghu-01")
    database = device["couch_user"].replace("device_", "grid_").rsplit("grid_", 1)[0]
    return _Cred(device, f"{database}grid_donghu-01")
