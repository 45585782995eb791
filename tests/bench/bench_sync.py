"""Benchmark: the sync engine end to end, against raw CouchDB in the same run.

1. Push: a PouchDB tablet pushes N documents (with a photo each). Baseline: the same
   push into a grid-shaped database nobody follows. Ours: the push into a followed grid
   database, timed until every document is in SQL. Also the SQL lag per document
   (time it reached SQL minus time it reached CouchDB), p50/p95.
2. Catch-up: a backlog of M documents waits in a grid database while the service is
   down. Baseline: reading that database's whole ``_changes`` feed with documents, in
   the follower's page size. Ours: the service started, timed until all M are in SQL.

Run: ``.venv/bin/python -m tests.bench.bench_sync`` (``BENCH_DOCS``, ``BENCH_BACKLOG``).
"""

from __future__ import annotations

import asyncio
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import func, select
from sqlmodel import col

from backend.database import create_engine, read_only_connection
from backend.replication.models import SyncedDocument
from backend.settings import REPO_ROOT
from sync.couch import CouchClient
from sync.devserver import DevCouch, free_port, managed_dev_couch
from sync.provisioning import provision_grid_database
from tests.helpers import eventually, hazard_doc
from tests.simulator import Tablet

DOCS = int(os.environ.get("BENCH_DOCS", "10000"))
BACKLOG = int(os.environ.get("BENCH_BACKLOG", "100000"))
PAGE = 200


class Service:
    def __init__(self, couch: DevCouch, work: Path) -> None:
        self.port = free_port()
        self.env = {
            **os.environ, "COUCHDB_URL": couch.url, "COUCHDB_USER": couch.admin_user,
            "COUCHDB_PASSWORD": couch.admin_password, "VAR_DIR": str(work / "var"),
            "DATABASE_URL": f"sqlite+aiosqlite:///{work / 'bench.sqlite3'}", "DEMO": "1",
        }  # fmt: skip
        self.log = work / "service.log"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "backend", "serve", "--port", str(self.port)],
                cwd=REPO_ROOT, env=self.env, stdout=out, stderr=subprocess.STDOUT,
            )  # fmt: skip
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"http://127.0.0.1:{self.port}/ready", timeout=2).status_code == 200:
                    return
            except httpx.TransportError:
                time.sleep(0.2)
        raise RuntimeError(self.log.read_text()[-2000:])

    def stop(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGINT)
        self.process.wait(60)

    def cli(self, *args: str) -> Any:
        import json  # noqa: PLC0415

        out = subprocess.run(
            [sys.executable, "-m", "backend", *args], cwd=REPO_ROOT, env=self.env,
            capture_output=True, text=True, check=True,
        )  # fmt: skip
        return json.loads(out.stdout)


async def _sql_count(engine: Any, db: str) -> int:
    async with read_only_connection(engine) as conn:
        query = select(func.count()).select_from(SyncedDocument).where(col(SyncedDocument.db) == db)
        count: int = (await conn.execute(query)).scalar_one()
        return count


async def _sql_times(engine: Any, db: str) -> list[float]:
    async with read_only_connection(engine) as conn:
        query = select(col(SyncedDocument.received_at)).where(col(SyncedDocument.db) == db)
        return sorted(t.timestamp() for t in (await conn.execute(query)).scalars())


async def _until_in_sql(engine: Any, db: str, count: int) -> None:
    await eventually(lambda: _sql_count(engine, db), lambda n: n >= count, within=3600, every=0.05)


async def push_benchmark(couch: DevCouch, service: Service, work: Path, engine: Any) -> None:
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
        await t.create(hazards=DOCS, photos=1)

    start = time.perf_counter()
    assert (await raw.sync("push"))["ok"]
    raw_seconds = time.perf_counter() - start

    # CouchDB arrival times, sampled while pushing
    arrivals: list[tuple[float, int]] = []

    async def sample() -> None:
        async with CouchClient.from_credentials(couch.credentials) as admin:
            while True:
                info = await admin.db_info(creds["database"])
                arrivals.append((time.time(), int(info["doc_count"])))
                await asyncio.sleep(0.05)

    sampler = asyncio.create_task(sample())
    start = time.perf_counter()
    pushed = await ours.sync("push")
    assert pushed["ok"], pushed
    await _until_in_sql(engine, creds["database"], DOCS)
    ours_seconds = time.perf_counter() - start
    sampler.cancel()

    baseline_docs = arrivals[0][1]
    reached_sql = await _sql_times(engine, creds["database"])
    lags = []
    for k, t_sql in enumerate(reached_sql, start=1):
        t_couch = next((t for t, n in arrivals if n - baseline_docs >= k), arrivals[-1][0])
        lags.append(max(0.0, t_sql - t_couch))
    q = statistics.quantiles(lags, n=20)
    print(f"push of {DOCS} docs with a photo each")
    print(f"  raw replication into CouchDB: {DOCS / raw_seconds:8.0f} docs/s ({raw_seconds:.1f}s)")
    print(
        f"  end to end into SQL:          {DOCS / ours_seconds:8.0f} docs/s ({ours_seconds:.1f}s)"
    )
    print(f"  ratio ours/raw:               {raw_seconds / ours_seconds:8.2f}  (target >= 0.9)")
    print(f"  SQL lag p50 / p95:            {q[9]:.2f}s / {q[18]:.2f}s")


async def catch_up_benchmark(couch: DevCouch, service: Service, engine: Any) -> None:
    service.stop()
    db = "grid_xixi-01"
    async with CouchClient.from_credentials(couch.credentials) as admin:
        docs = [
            hazard_doc(device_id="demo-xixi-01", author="device_demo-xixi-01", grid_id="xixi-01")
            for _ in range(BACKLOG)
        ]
        for start in range(0, BACKLOG, 1000):
            await admin.bulk_docs(db, docs[start : start + 1000])
        since: Any = None
        started = time.perf_counter()
        while True:
            page = await admin.changes(db, since=since, limit=PAGE, include_docs=True)
            if not page.results:
                break
            since = page.last_seq
        raw_seconds = time.perf_counter() - started
    started = time.perf_counter()
    service.start()
    await _until_in_sql(engine, db, BACKLOG)
    ours_seconds = time.perf_counter() - started
    print(f"catch-up of a {BACKLOG}-doc backlog")
    print(f"  raw _changes read (pages of {PAGE}): {BACKLOG / raw_seconds:8.0f} docs/s")
    print(f"  follower into SQL (incl. start):  {BACKLOG / ours_seconds:8.0f} docs/s")
    print(f"  ratio ours/raw:                   {raw_seconds / ours_seconds:8.2f}  (target >= 0.8)")


async def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        with managed_dev_couch(work / "couch") as couch:
            service = Service(couch, work)
            service.start()
            engine = create_engine(service.env["DATABASE_URL"])
            try:
                await push_benchmark(couch, service, work, engine)
                await catch_up_benchmark(couch, service, engine)
            finally:
                service.stop()
                await engine.dispose()


if __name__ == "__main__":
    asyncio.run(main())
