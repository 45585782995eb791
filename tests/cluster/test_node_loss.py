"""A 3-node Apache CouchDB cluster loses a node while tablets push: tablets write through
node 1, the follower reads node 2; node 2 is killed mid-push and brought back. Afterwards
SQL holds exactly what CouchDB holds, every document has its verdict once, nothing waits
in quarantine. Runs where the tests have a cluster of their own (``make real-couchdb``)."""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import secrets
from pathlib import Path
from typing import Any

import httpx
import pytest

from backend.database import create_engine
from backend.devices.service import IssuedCredentials
from backend.settings import Settings
from sync.couch import CouchClient, CouchCredentials
from tests.conftest import TEST_ADMIN
from tests.couch_servers import ApacheCouch, fault_couch
from tests.faults.invariants import check_invariants
from tests.helpers import eventually, synced_count
from tests.integration.harness import hazard_for, running_app

pytestmark = pytest.mark.skipif(
    os.environ.get("COUCHDB_TEST_NODES") != "3" or not os.environ.get("COUCHDB_TEST_HOME"),
    reason="needs Apache CouchDB's scripts for a 3-node cluster (make real-couchdb runs it)",
)
BATCHES, BATCH = 12, 20
"""Per tablet: 240 hazards, pushed 20 at a time as PouchDB replication does."""


def replicated(doc: dict[str, Any]) -> dict[str, Any]:
    """The document as a replicating tablet sends it: with its own first revision, so a
    batch sent again after a lost answer writes nothing twice."""
    digest = hashlib.md5(json.dumps(doc, sort_keys=True).encode()).hexdigest()
    return {**doc, "_rev": f"1-{digest}"}


async def _push(tablet: httpx.AsyncClient, cred: IssuedCredentials, pushed: list[int]) -> None:
    for _ in range(BATCHES):
        docs = [replicated(hazard_for(cred, title=f"巡查 {n}")) for n in range(BATCH)]
        while True:  # a tablet retries until its batch is taken
            try:
                answer = await tablet.post(f"/{cred.database}/_bulk_docs",
                                           json={"docs": docs, "new_edits": False})  # fmt: skip
            except httpx.TransportError:
                answer = None
            if answer is not None and answer.status_code in {201, 202}:
                break
            await asyncio.sleep(0.5)
        pushed[0] += len(docs)
        await asyncio.sleep(0.1)


async def test_a_node_killed_mid_push_loses_and_repeats_nothing(tmp_path: Path) -> None:
    server = fault_couch(tmp_path / "couch", "cluster-admin-pass")
    assert isinstance(server, ApacheCouch)
    assert server.nodes == 3
    await asyncio.to_thread(server.start)
    follower_node = CouchCredentials(server.node_url(2), "admin", server.admin_password)
    settings = Settings(env="test", var_dir=tmp_path / "var", couch=follower_node,
                        couch_namespace="cluster_", jwt_secret=secrets.token_urlsafe(32),
                        demo=True, follower_idle_interval=0.05, follower_max_idle=0.2,
                        follower_batch_size=25, bootstrap_admin=TEST_ADMIN)  # fmt: skip
    engine = create_engine(settings.database_url)
    pushed = [0]

    async def applied() -> int:
        return await synced_count(engine)

    try:
        async with running_app(settings) as (client, runtime):
            creds = runtime.issued_credentials[:3]
            tablets = [httpx.AsyncClient(base_url=server.node_url(1), timeout=30,
                                         auth=(c.couch_user, c.password))
                       for c in creds]  # fmt: skip
            pushes = [asyncio.create_task(_push(t, c, pushed))
                      for t, c in zip(tablets, creds, strict=True)]  # fmt: skip
            at_kill = await eventually(applied, lambda n: n >= 60, within=120, every=0.05)
            await asyncio.to_thread(server.kill_node, 2)
            await asyncio.sleep(3)  # tablets go on pushing through node 1; the follower waits
            while_down = pushed[0]
            down = (await client.get("/ready")).status_code
            await asyncio.to_thread(server.start_node, 2)
            await eventually(lambda: _up(server.node_url(2)), bool, within=90, every=0.5)
            await asyncio.gather(*pushes)
            for tablet in tablets:
                await tablet.aclose()
            total = len(creds) * BATCHES * BATCH
            await eventually(applied, lambda n: n == total, within=180, every=0.5)
            databases = [c.database for c in runtime.issued_credentials]
        async with CouchClient.from_credentials(
            CouchCredentials(server.node_url(1), "admin", server.admin_password)
        ) as admin:
            await check_invariants(settings.database_url, admin, databases)
    finally:
        await engine.dispose()
        await asyncio.to_thread(server.stop)
    assert at_kill < total, "everything was applied before the node could be killed"
    assert while_down > at_kill, "no tablet pushed while the follower's node was down"
    assert down == 503


async def _up(url: str) -> bool:
    try:
        async with httpx.AsyncClient(timeout=5) as client:
            return (await client.get(f"{url}/_up")).status_code == 200
    except httpx.TransportError:
        return False
