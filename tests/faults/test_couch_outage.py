"""CouchDB dies while the follower is applying a backlog, and comes back: nothing is
lost, nothing is applied or answered twice."""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from backend.database import create_engine
from backend.settings import Settings
from sync.couch import CouchClient
from tests.conftest import TEST_ADMIN
from tests.couch_servers import fault_couch
from tests.faults.invariants import check_invariants
from tests.helpers import eventually, synced_count
from tests.integration.harness import hazard_for, running_app

DOCS = 400


async def _decision(client: Any) -> Callable[[], Awaitable[Any]]:
    """Reviewing the first applied hazard, as its version 0 — repeatable until it lands."""
    [first] = (await client.get("/api/hazards", params={"limit": 1})).json()
    url = f"/api/hazards/{first['doc_id']}/ledger"
    return lambda: client.post(url, json={"event": "reviewed"}, headers={"If-Match": '"ledger-0"'})


async def test_couchdb_killed_mid_backlog_then_restarted(tmp_path: Path) -> None:
    server = fault_couch(tmp_path / "couch", "fault-admin-pass", port_file=tmp_path / "port")
    await asyncio.to_thread(server.start)
    settings = Settings(env="test", var_dir=tmp_path / "var", couch=server.credentials,
                        couch_namespace="fault_", jwt_secret=secrets.token_urlsafe(32), demo=True,
                        follower_idle_interval=0.05, follower_max_idle=0.2,
                        follower_batch_size=25, bootstrap_admin=TEST_ADMIN)  # fmt: skip
    engine = create_engine(settings.database_url)

    async def applied() -> int:
        return await synced_count(engine)

    try:
        async with running_app(settings) as (client, runtime):
            cred = next(c for c in runtime.issued_credentials if c.grid_id == "donghu-01")
            async with CouchClient.from_credentials(server.credentials) as admin:
                docs = [hazard_for(cred, title=f"隐患 {i}") for i in range(DOCS)]
                await admin.bulk_docs(cred.database, docs)
            at_kill = await eventually(applied, lambda n: n >= 50, within=60, every=0.01)
            decide = await _decision(client)
            await asyncio.to_thread(server.kill)
            await asyncio.sleep(2)  # the follower meets a dead CouchDB and backs off
            down = (await client.get("/ready")).status_code
            decided_down = await decide()
            port = server.port
            await asyncio.to_thread(server.start)
            assert server.port == port, "CouchDB came back elsewhere"
            await eventually(applied, lambda n: n == DOCS, within=120, every=0.2)
            await eventually(
                lambda: client.get("/ready"), lambda r: r.status_code == 200, within=30
            )
            decided_up = await decide()
            databases = [c.database for c in runtime.issued_credentials]
        async with CouchClient.from_credentials(server.credentials) as admin:
            await check_invariants(settings.database_url, admin, databases)
    finally:
        await engine.dispose()
        await asyncio.to_thread(server.stop)
    assert at_kill < DOCS, "the backlog was done before CouchDB could be killed"
    assert down == 503
    assert (decided_down.status_code, decided_down.headers.get("retry-after")) == (503, "5")
    assert "CouchDB" in decided_down.json()["detail"]
    assert decided_up.status_code == 201, "the refused decision changed nothing: ledger-0 holds"
