"""Every pooled PostgreSQL connection busy: a request waits ``DATABASE_POOL_TIMEOUT``,
then gets 503 with Retry-After — never a hang, never a 500 — and is served again as soon
as a connection frees."""

from __future__ import annotations

import asyncio
import time
from dataclasses import replace

from backend.database import PoolSize
from backend.settings import Settings
from sync.devserver import DevCouch
from tests.integration.harness import running_app


async def test_a_request_meeting_a_busy_pool_gets_503_then_service(
    postgres_settings: Settings, dev_couch: DevCouch
) -> None:
    settings = replace(postgres_settings, database_pool=PoolSize(size=1, overflow=0, timeout=0.5),
                       follower_enabled=False)  # fmt: skip
    async with running_app(settings) as (client, runtime):
        before = await client.get("/api/hazards")
        # the pool's only connection, taken on the app's own event loop and kept busy
        held = runtime.engine.connect()
        await asyncio.to_thread(lambda: client.blocking_portal.call(held.start))
        try:
            started = time.monotonic()
            busy = await client.get("/api/hazards")
            waited = time.monotonic() - started
        finally:
            await asyncio.to_thread(lambda: client.blocking_portal.call(held.close))
        after = await client.get("/api/hazards")

    assert before.status_code == 200
    assert (busy.status_code, busy.headers.get("retry-after")) == (503, "5"), busy.text
    assert busy.headers["content-type"].startswith("application/problem+json")
    assert "database" in busy.json()["detail"]
    assert 0.4 < waited < 5, waited
    assert after.status_code == 200
