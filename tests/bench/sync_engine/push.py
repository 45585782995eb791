"""Push: a PouchDB tablet pushes documents with a photo each into a followed grid
database, against the same push into a grid-shaped database nobody follows."""

from __future__ import annotations

import asyncio
import os
import statistics
import time
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import col

from backend.database import read_only_connection
from backend.synced.models import SyncedDocument
from sync.couch import CouchClient
from sync.provisioning import provision_grid_database
from tests.bench.sync_engine.service import Couch, CpuUse, Service, until_in_sql
from tests.simulator import Tablet


async def push_benchmark(
    couch: Couch, service: Service, work: Path, engine: AsyncEngine, docs: int
) -> None:
    creds = service.cli("devices", "register", "--grid", "donghu-01", "--device-id", "bench")
    async with CouchClient.from_credentials(couch.credentials) as admin:
        await provision_grid_database(admin, "raw_bench", [creds["couch_user"]])

    def tablet(name: str, db: str) -> Tablet:
        return Tablet(
            work / name,
            remote=f"{couch.url}/{db}",
            user=creds["couch_user"],
            password=creds["password"],
            device_id="bench",
            grid_id="donghu-01",
        )

    raw, ours = tablet("raw", "raw_bench"), tablet("ours", creds["database"])
    for t in (raw, ours):
        await t.create(hazards=docs, photos=1)

    raw_cpu, ours_cpu = CpuUse(), CpuUse()
    raw_cpu.start()
    start = time.perf_counter()
    assert (await raw.sync("push"))["ok"]
    raw_seconds = time.perf_counter() - start
    raw_cpu.stop()

    # CouchDB arrival times, sampled while pushing
    arrivals: list[tuple[float, int]] = []

    async def sample() -> None:
        async with CouchClient.from_credentials(couch.credentials) as admin:
            while True:
                info = await admin.db_info(creds["database"])
                arrivals.append((time.time(), int(info["doc_count"])))
                await asyncio.sleep(0.05)

    sampler = asyncio.create_task(sample())
    ours_cpu.start()
    start = time.perf_counter()
    pushed = await ours.sync("push")
    assert pushed["ok"], pushed
    await until_in_sql(engine, creds["database"], docs)
    ours_seconds = time.perf_counter() - start
    ours_cpu.stop()
    sampler.cancel()

    baseline_docs = arrivals[0][1]
    reached_sql = await _sql_times(engine, creds["database"])
    lags = []
    for k, t_sql in enumerate(reached_sql, start=1):
        t_couch = next((t for t, n in arrivals if n - baseline_docs >= k), arrivals[-1][0])
        lags.append(max(0.0, t_sql - t_couch))
    q = statistics.quantiles(lags, n=20)
    print(f"push of {docs} docs with a photo each")
    for label, seconds in (("raw replication into CouchDB:", raw_seconds),
                           ("end to end into SQL:", ours_seconds)):  # fmt: skip
        print(f"  {label:<29} {docs / seconds:8.0f} docs/s ({seconds:.1f}s)")
    print(f"  ratio ours/raw:               {raw_seconds / ours_seconds:8.2f}  (target >= 0.9)")
    print(f"  SQL lag p50 / p95:            {q[9]:.2f}s / {q[18]:.2f}s")
    print(f"  machine CPU, raw replication: {raw_cpu}")
    print(f"  machine CPU, ours:            {ours_cpu}")
    ceiling = raw_seconds / (ours_cpu.busy / (os.cpu_count() or 1))  # every core busy
    print(f"  ours/raw with every core busy: {ceiling:7.2f}  (raw seconds / (ours CPU-s / cores))")


async def _sql_times(engine: AsyncEngine, db: str) -> list[float]:
    """When each of ``db``'s documents reached SQL, in order."""
    async with read_only_connection(engine) as conn:
        query = select(col(SyncedDocument.received_at)).where(col(SyncedDocument.db) == db)
        return sorted(t.timestamp() for t in (await conn.execute(query)).scalars())
