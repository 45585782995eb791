"""CouchDB dies while a PouchDB tablet is pushing, and comes back: the tablet's push
fails, its retry completes, and everything it wrote is applied once."""

from __future__ import annotations

import asyncio
import secrets
from pathlib import Path

from backend.settings import Settings
from sync.couch import CouchClient
from tests.conftest import TEST_ADMIN
from tests.couch_servers import fault_couch
from tests.faults.invariants import check_invariants
from tests.helpers import eventually
from tests.integration.harness import get_json, running_app
from tests.simulator import Tablet

HAZARDS = 1000
"""Enough for the push to be under way when CouchDB dies, on a busy machine too (with
300, the last batches once landed between the count that triggers the kill and the
kill itself, and the "interrupted" push succeeded)."""


async def test_couchdb_killed_during_a_tablets_push_then_the_tablet_retries(
    tmp_path: Path,
) -> None:
    server = fault_couch(tmp_path / "couch", "fault-admin-pass", port_file=tmp_path / "port")
    await asyncio.to_thread(server.start)
    settings = Settings(env="test", var_dir=tmp_path / "var", couch=server.credentials,
                        couch_namespace="fault_", jwt_secret=secrets.token_urlsafe(32), demo=True,
                        follower_idle_interval=0.05, follower_max_idle=0.2,
                        bootstrap_admin=TEST_ADMIN)  # fmt: skip
    try:
        async with running_app(settings) as (client, runtime):
            cred = next(c for c in runtime.issued_credentials if c.grid_id == "donghu-01")
            tablet = Tablet(tmp_path / "tablet", remote=f"{server.url}/{cred.database}",
                            user=cred.couch_user, password=cred.password,
                            device_id=cred.device_id, grid_id=cred.grid_id)  # fmt: skip
            ids = set(await tablet.create(hazards=HAZARDS, photos=1))
            async with CouchClient.from_credentials(server.credentials) as admin:
                before = (await admin.db_info(cred.database))["doc_count"]
                push = asyncio.create_task(tablet.sync("push"))
                arrived = await eventually(
                    lambda: admin.db_info(cred.database), lambda i: i["doc_count"] > before + 40,
                    within=60, every=0.02,
                )  # fmt: skip
            await asyncio.to_thread(server.kill)
            first = await push
            await asyncio.to_thread(server.start)
            second = await tablet.sync("push")

            async def synced() -> int:
                status = await get_json(client, "/api/sync/status")
                return sum(row["documents"] for row in status)

            await eventually(synced, lambda n: n == HAZARDS, within=120, every=0.2)
            databases = [c.database for c in runtime.issued_credentials]
        async with CouchClient.from_credentials(server.credentials) as admin:
            stored = {row["id"] for row in (await admin.all_docs(cred.database))["rows"]}
            await check_invariants(settings.database_url, admin, databases)
    finally:
        await asyncio.to_thread(server.stop)
    assert arrived["doc_count"] - before < HAZARDS, "the push finished before CouchDB died"
    assert first["ok"] is False
    assert second["ok"] is True
    assert ids <= stored
