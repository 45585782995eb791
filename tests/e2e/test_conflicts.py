"""The same document edited on two replicas: CouchDB keeps a winner, we record the loser."""

from __future__ import annotations

from pathlib import Path

from backend.settings import Settings
from sync.devserver import DevCouch
from tests.helpers import eventually
from tests.integration.harness import get_json, running_app
from tests.simulator import Tablet


async def test_a_conflict_between_two_replicas_is_detected_and_listed(
    settings: Settings, dev_couch: DevCouch, tmp_path: Path
) -> None:
    async with running_app(settings) as (client, runtime):
        cred = runtime.issued_credentials[0]

        def replica(name: str) -> Tablet:
            return Tablet(
                tmp_path / name,
                remote=f"{dev_couch.url}/{cred.database}",
                user=cred.couch_user,
                password=cred.password,
                device_id=cred.device_id,
                grid_id=cred.grid_id,
            )

        first, second = replica("tablet"), replica("reinstalled-tablet")
        [doc_id] = await first.create(hazards=1)
        assert (await first.sync())["ok"]
        assert (await second.sync("pull"))["ok"]
        await first.edit(doc_id, {"title": "楼道堆放杂物（已复查）"})
        await second.edit(doc_id, {"title": "楼道堆放杂物，涉及两户"})
        assert (await first.sync("push"))["ok"]
        assert (await second.sync("push"))["ok"]

        [conflict] = await eventually(
            lambda: get_json(client, "/api/sync/conflicts"), lambda rows: len(rows) == 1
        )
        status = await get_json(client, "/api/sync/status")
        [hazard] = await get_json(client, "/api/hazards")

    assert conflict["doc_id"] == doc_id
    assert conflict["rev"].startswith("2-")
    [loser] = conflict["conflict_revs"]
    assert loser.startswith("2-")
    assert loser != conflict["rev"]
    assert hazard["rev"] == conflict["rev"]  # CouchDB's winner is what the ledger shows
    assert {r["database"]: r["conflicted"] for r in status}[cred.database] == 1
