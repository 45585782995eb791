"""Benchmark: how the follower learns which of many grid databases changed, on the dev
CouchDB and on Apache CouchDB 3.5 (when ``COUCHDB_TEST_HOME`` names its scripts, as
``../shared/couchdb``).

1,000 grid databases, 10 of them active (one write every 0.1 s, spread over the ten).
For each way of following — polling every database in rounds (``max_idle`` 2 s, the
default) and, where the server has it, the ``/_db_updates`` feed with a 300 s safety
sweep — the follower runs against a small SQL sink (SQLite; one transaction per page with
its checkpoint, as the product's sink). Measured:

- requests per second the follower sends while all 1,000 databases are quiet, and while
  the ten are active;
- the time from a write's acknowledgement to its commit in SQL, p50/p95.

Raw baseline, same run, same server: a long-poll ``_changes`` request held open on the
one database being written — the soonest any reader can learn of a write.

Run: ``.venv/bin/python -m tests.bench.bench_db_updates`` (``BENCH_GRIDS``,
``BENCH_SECONDS``).
"""

from __future__ import annotations

import asyncio
import os
import random
import statistics
import tempfile
import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

import httpx
from sqlalchemy import Column, Float, MetaData, String, Table, insert
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from sync.couch import Change, CouchClient, CouchCredentials
from sync.couch.types import Seq
from sync.db_updates import DbUpdatesWatch
from sync.devserver import managed_dev_couch
from sync.follower import Follower
from tests.couch_servers import ApacheCouch
from tests.helpers import eventually

GRIDS = int(os.environ.get("BENCH_GRIDS", "1000"))
SECONDS = float(os.environ.get("BENCH_SECONDS", "20"))
ACTIVE = 10
WRITE_EVERY = 0.1

metadata = MetaData()
applied = Table("applied", metadata, Column("doc_id", String, primary_key=True),
                Column("committed_at", Float))  # fmt: skip
checkpoints = Table("checkpoint", metadata, Column("db", String, primary_key=True),
                    Column("seq", String))  # fmt: skip


class Counting(httpx.AsyncBaseTransport):
    """Counts the follower's requests by what they ask for."""

    def __init__(self) -> None:
        self.inner = httpx.AsyncHTTPTransport()
        self.counts: Counter[str] = Counter()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        kind = "_db_updates" if request.url.path == "/_db_updates" else "_changes"
        self.counts[kind] += 1
        return await self.inner.handle_async_request(request)

    async def aclose(self) -> None:
        await self.inner.aclose()


class SqlSink:
    """Each page and its checkpoint in one SQLite transaction; commit times per doc."""

    def __init__(self, engine: AsyncEngine, databases: list[str]) -> None:
        self.engine, self.databases = engine, databases

    async def grid_databases(self) -> Sequence[str]:
        return self.databases

    async def checkpoints(self) -> dict[str, Seq]:
        return {}

    async def apply(self, db: str, changes: Sequence[Change], last_seq: Seq) -> None:
        async with self.engine.begin() as conn:
            if changes:
                now = time.time()
                rows = [{"doc_id": c.id, "committed_at": now} for c in changes]
                await conn.execute(insert(applied).prefix_with("OR REPLACE"), rows)
            await conn.execute(insert(checkpoints).prefix_with("OR REPLACE"),
                               [{"db": db, "seq": str(last_seq)}])  # fmt: skip


def _p(values: list[float], q: int) -> float:
    return statistics.quantiles(values, n=100)[q - 1] if len(values) > 1 else values[0]


async def _create(admin: CouchClient, names: list[str]) -> None:
    gate = asyncio.Semaphore(16)

    async def one(name: str) -> None:
        async with gate:
            await admin.create_db(name)

    await asyncio.gather(*(one(name) for name in names))


async def _writes(
    admin: CouchClient, active: list[str], seconds: float, tag: str
) -> dict[str, float]:
    """One write every WRITE_EVERY seconds over the active databases; ack time per doc."""
    acked: dict[str, float] = {}
    deadline = time.monotonic() + seconds
    n = 0
    while time.monotonic() < deadline:
        doc_id = f"hazard:{tag}:{n:06d}"
        await admin.put_doc(active[n % len(active)], {"_id": doc_id, "type": "hazard"})
        acked[doc_id] = time.time()
        n += 1
        await asyncio.sleep(WRITE_EVERY)
    return acked


async def raw_latency(
    admin: CouchClient, creds: CouchCredentials, db: str, writes: int = 30
) -> list[float]:
    """Write → a long-poll ``_changes`` on that database answers, per write."""
    auth = (creds.user or "", creds.password or "")
    async with httpx.AsyncClient(base_url=creds.url, timeout=60, auth=auth) as http:
        since: Seq = (await http.get(f"/{db}")).json()["update_seq"]
        delays = []
        for n in range(writes):
            poll = asyncio.create_task(http.get(f"/{db}/_changes", params={
                "feed": "longpoll", "since": since, "timeout": 30000}))  # fmt: skip
            await asyncio.sleep(0.05)
            await admin.put_doc(db, {"_id": f"raw:{n:04d}"})
            acked = time.time()
            answer = await poll
            delays.append(time.time() - acked)
            since = answer.json()["last_seq"]
    return delays


async def follow(creds: CouchCredentials, names: list[str], active: list[str], work: Path,
                 *, feed: bool) -> dict[str, float]:  # fmt: skip
    engine = create_async_engine(f"sqlite+aiosqlite:///{work / ('feed' if feed else 'poll')}.db")
    async with engine.begin() as conn:
        await conn.run_sync(metadata.create_all)
    counting = Counting()
    couch = CouchClient.from_credentials(creds, transport=counting)
    sink = SqlSink(engine, names)
    watch = DbUpdatesWatch(couch) if feed else None
    follower = Follower(couch, sink, sink, idle_interval=0.5, max_idle=2.0, updates=watch,
                        sweep_interval=300.0)  # fmt: skip
    running = asyncio.create_task(follower.run())
    try:

        async def state() -> tuple[bool, bool | None]:
            first_round = follower.status.caught_up_at is not None
            return first_round, None if watch is None else watch.available

        await eventually(state, lambda s: s[0] and (not feed or s[1] is not None),
                         within=600, every=0.2)  # fmt: skip
        await asyncio.sleep(5)  # the first round's quick re-reads settle
        counting.counts.clear()
        await asyncio.sleep(SECONDS)
        quiet = sum(counting.counts.values()) / SECONDS
        counting.counts.clear()
        async with CouchClient.from_credentials(creds) as admin:
            acked = await _writes(admin, active, SECONDS, "feed" if feed else "poll")
        busy = sum(counting.counts.values()) / SECONDS
        await asyncio.sleep(10)  # the last writes reach SQL
    finally:
        follower.stop()
        await running
        await couch.aclose()
    async with engine.connect() as conn:
        rows = (await conn.execute(applied.select())).all()
    await engine.dispose()
    committed = {row.doc_id: row.committed_at for row in rows}
    lost = [d for d in acked if d not in committed]
    delays = [committed[d] - t for d, t in acked.items() if d in committed]
    return {"quiet": quiet, "busy": busy, "p50": _p(delays, 50), "p95": _p(delays, 95),
            "writes": len(acked), "lost": len(lost),
            "feed": watch is not None and watch.available is True}  # fmt: skip


async def bench(name: str, creds: CouchCredentials, work: Path) -> None:
    names = [f"bench_grid_{n:04d}" for n in range(GRIDS)]
    active = random.Random(7).sample(names, ACTIVE)
    async with CouchClient.from_credentials(creds) as admin:
        started = time.monotonic()
        await _create(admin, names)
        print(f"\n{name}: {GRIDS} databases created in {time.monotonic() - started:.0f} s")
        raw = await raw_latency(admin, creds, active[0])
    print(f"  raw long-poll on one database: write → seen p50 {_p(raw, 50) * 1000:.0f} ms, "
          f"p95 {_p(raw, 95) * 1000:.0f} ms")  # fmt: skip
    for feed in (False, True):
        r = await follow(creds, names, active, work, feed=feed)
        how = "_db_updates + 300 s sweep" if feed else "polling (max_idle 2 s)"
        if feed and not r["feed"]:
            how += " — not offered by this server: fell back to polling"
        print(f"  {how}: quiet {r['quiet']:.1f} req/s, active {r['busy']:.1f} req/s; "
              f"write → SQL p50 {r['p50'] * 1000:.0f} ms, p95 {r['p95'] * 1000:.0f} ms "
              f"({r['p95'] / _p(raw, 95):.1f}× raw p95); {r['writes']} writes, "
              f"{r['lost']} not in SQL")  # fmt: skip


async def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        with managed_dev_couch(work / "dev") as dev:
            await bench("dev CouchDB (pouchdb-server 4.2.0)", dev.credentials, work / "dev")
        home = os.environ.get("COUCHDB_TEST_HOME")
        if home:
            apache = ApacheCouch(Path(home), work / "apache")
            apache.start()
            try:
                await bench("Apache CouchDB 3.5.0, one node", apache.credentials, work / "apache")
            finally:
                apache.stop()


if __name__ == "__main__":
    asyncio.run(main())
