"""Benchmark: the sync engine end to end, against raw CouchDB in the same run.

1. Push: a PouchDB tablet pushes N documents (with a photo each). Baseline: the same
   push into a grid-shaped database nobody follows. Ours: the push into a followed grid
   database, timed until every document is in SQL. Also the SQL lag per document
   (time it reached SQL minus time it reached CouchDB), p50/p95.
2. Catch-up: a backlog of M documents waits in a grid database while the service is
   down. Ours: the service started, timed until all M are in SQL and their M verdicts
   in CouchDB. Baselines, each alone
   on the same servers in the same run: (a) reading that database's whole ``_changes``
   feed with documents, in the follower's page size; (b) ``_bulk_docs`` of one
   verdict-sized document per change, in pages of that size; (c) one SQL transaction of
   executemany ``INSERT … ON CONFLICT`` upserts of exactly the rows the catch-up wrote,
   into an empty database of the same schema. The **wire limit** is M / (a + b + c): a
   catch-up cannot be faster than reading, writing verdicts and writing rows.
   Also the feed's length: what the follower is sent (the server leaves our own
   documents out) against the whole feed (backlog plus our verdicts).

Run: ``.venv/bin/python -m tests.bench.bench_sync`` (``BENCH_DOCS``, ``BENCH_BACKLOG``;
``BENCH_COUCHDB_HOME=../shared/couchdb`` for Apache CouchDB instead of the dev server,
``BENCH_SQL=postgresql`` for the PostgreSQL at 127.0.0.1:5432 instead of SQLite;
``BENCH_ONLY=catch-up`` or ``push`` for one of the two; ``BENCH_PROFILE=FILE`` runs the
service's last run under cProfile and prints where its time went).
"""

from __future__ import annotations

import asyncio
import os
import pstats
import secrets
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import AsyncExitStack, asynccontextmanager, contextmanager
from pathlib import Path
from typing import Any, Protocol

import asyncpg
import httpx
from sqlalchemy import Table, func, insert, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import SQLModel, col

import backend.models  # noqa: F401  (every table in SQLModel.metadata)
from backend.database import create_engine, read_only_connection
from backend.settings import REPO_ROOT
from backend.synced.models import SyncedDocument
from sync.couch import CouchClient, CouchCredentials
from sync.devserver import free_port, managed_dev_couch
from sync.doctypes import NOT_SERVER_OWNED
from sync.provisioning import provision_grid_database
from tests.couch_servers import ApacheCouch
from tests.helpers import eventually, hazard_doc
from tests.simulator import Tablet

DOCS = int(os.environ.get("BENCH_DOCS", "10000"))
BACKLOG = int(os.environ.get("BENCH_BACKLOG", "100000"))
ONLY = os.environ.get("BENCH_ONLY", "")
PROFILE = os.environ.get("BENCH_PROFILE", "")
PAGE = 200
POSTGRES = "postgresql://postgres@127.0.0.1:5432"


class Couch(Protocol):
    @property
    def url(self) -> str: ...
    @property
    def credentials(self) -> CouchCredentials: ...


class Service:
    def __init__(self, couch: Couch, work: Path, database_url: str) -> None:
        self.port = free_port()
        creds = couch.credentials
        self.env = {
            **os.environ, "COUCHDB_URL": couch.url, "COUCHDB_USER": creds.user,
            "COUCHDB_PASSWORD": creds.password, "VAR_DIR": str(work / "var"),
            "DATABASE_URL": database_url, "DEMO": "1",
        }  # fmt: skip
        self.log = work / "service.log"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        with self.log.open("ab") as out:
            profile = ["-m", "cProfile", "-o", PROFILE] if PROFILE else []
            self.process = subprocess.Popen(
                [sys.executable, *profile, "-m", "backend", "serve", "--port", str(self.port)],
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


async def push_benchmark(couch: Couch, service: Service, work: Path, engine: Any) -> None:
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


async def catch_up_benchmark(couch: Couch, service: Service, engine: AsyncEngine) -> None:
    service.stop()
    db = "grid_xixi-01"
    async with CouchClient.from_credentials(couch.credentials) as admin:
        docs = [
            hazard_doc(device_id="demo-xixi-01", author="device_demo-xixi-01", grid_id="xixi-01")
            for _ in range(BACKLOG)
        ]
        for start in range(0, BACKLOG, 1000):
            await admin.bulk_docs(db, docs[start : start + 1000])
        read_seconds = await _read_feed(admin, db)
        filtered_seconds = await _read_feed(admin, db, NOT_SERVER_OWNED)
        docs_before = (await admin.db_info(db))["doc_count"]
    rows_before = await _row_counts(engine)
    started = time.perf_counter()
    service.start()
    ready = time.perf_counter()
    await _until_in_sql(engine, db, BACKLOG)
    in_sql = time.perf_counter()
    async with CouchClient.from_credentials(couch.credentials) as admin:
        await eventually(  # and every verdict written
            lambda: admin.db_info(db),
            lambda info: info["doc_count"] >= docs_before + BACKLOG, within=600, every=0.05,
        )  # fmt: skip
        ours_seconds = time.perf_counter() - started
        after_ready = time.perf_counter() - ready
        verdict_seconds = await _write_verdicts(admin, db)
        checked_seconds = await _write_verdicts(admin, db, grid_shaped=True)
        whole = await _feed_length(admin, db, None)
        sent = await _feed_length(admin, db, NOT_SERVER_OWNED)
    sql_seconds, rows = await _upsert_rows(engine, rows_before)
    wire_seconds = read_seconds + verdict_seconds + sql_seconds
    print(f"catch-up of a {BACKLOG}-doc backlog ({couch.url}, {engine.dialect.name})")
    print(f"  (a) raw _changes read, docs, pages of {PAGE}: {BACKLOG / read_seconds:8.0f} docs/s")
    print(
        f"      the same through the follower's filter:  {BACKLOG / filtered_seconds:8.0f} docs/s"
    )
    print(f"  (b) raw _bulk_docs, one verdict per change:  {BACKLOG / verdict_seconds:8.0f} docs/s")
    print(f"      the same into a grid-shaped database:    {BACKLOG / checked_seconds:8.0f} docs/s")
    print(f"  (c) raw SQL upsert of the {rows} rows written: {BACKLOG / sql_seconds:8.0f} docs/s")
    print(f"  wire limit M / (a + b + c):                 {BACKLOG / wire_seconds:8.0f} docs/s")
    print(
        f"  follower, all in SQL (incl. start):         {BACKLOG / (in_sql - started):8.0f} docs/s"
    )
    print(f"  ... and every verdict written (incl. start): {BACKLOG / ours_seconds:8.0f} docs/s")
    print(f"  ... the same from /ready:                   {BACKLOG / after_ready:8.0f} docs/s")
    print(f"  ratio ours / wire limit: {wire_seconds / ours_seconds:5.2f} (target >= 0.8)")
    print(f"  ratio ours / raw read:   {read_seconds / ours_seconds:5.2f}")
    print(f"  feed: {whole} changes in all, {sent} sent to the follower")
    if PROFILE:
        service.stop()
        _print_profile(PROFILE)


def _print_profile(path: str) -> None:
    """The service's own functions and the libraries it calls, by time spent inside."""
    stats = pstats.Stats(path)
    stats.sort_stats("tottime").print_stats(25)
    stats.sort_stats("cumulative").print_stats(r"(backend|sync|geo)/", 25)


async def _read_feed(admin: CouchClient, db: str, selector: dict[str, Any] | None = None) -> float:
    since: Any = None
    started = time.perf_counter()
    while True:
        page = await admin.changes(db, since=since, limit=PAGE, include_docs=True,
                                   selector=selector)  # fmt: skip
        if not page.results:
            return time.perf_counter() - started
        since = page.last_seq


async def _feed_length(admin: CouchClient, db: str, selector: dict[str, Any] | None) -> int:
    since: Any = None
    count = 0
    while True:
        page = await admin.changes(db, since=since, limit=10_000, selector=selector)
        count += len(page.results)
        if not page.results:
            return count
        since = page.last_seq


async def _write_verdicts(admin: CouchClient, db: str, *, grid_shaped: bool = False) -> float:
    """One verdict-sized document per change, as the follower writes them, into a
    database of their own; ``grid_shaped``: one provisioned like a grid database (its
    ``validate_doc_update`` then runs on every write, as it does for ours)."""
    rows = (await admin.all_docs(db, startkey='"verdict:"', endkey='"verdict:\ufff0"',
                                 limit=1, include_docs=True))["rows"]  # fmt: skip
    sample = {k: v for k, v in rows[0]["doc"].items() if k not in {"_id", "_rev"}}
    if grid_shaped:
        await provision_grid_database(admin, "raw_verdicts", [])
    else:
        await admin.request("PUT", "/raw_verdicts")
    started = time.perf_counter()
    for start in range(0, BACKLOG, PAGE):
        page = [{**sample, "_id": f"verdict:hazard:{i}"} for i in range(start, start + PAGE)]
        await admin.bulk_docs("raw_verdicts", page)
    seconds = time.perf_counter() - started
    await admin.request("DELETE", "/raw_verdicts")
    return seconds


async def _row_counts(engine: AsyncEngine) -> dict[str, int]:
    async with engine.connect() as conn:
        return {
            table.name: (await conn.execute(select(func.count()).select_from(table))).scalar_one()
            for table in SQLModel.metadata.sorted_tables
        }


async def _upsert_rows(engine: AsyncEngine, before: dict[str, int]) -> tuple[float, int]:
    """As many rows as the catch-up wrote to each table, upserted with executemany in
    one transaction into a database of the same schema holding as many rows as the
    catch-up found there (copied first, untimed, with the tables it did not write to)."""
    after = await _row_counts(engine)
    async with engine.connect() as conn:
        content = {
            table.name: [dict(row._mapping) for row in await conn.execute(select(table))]
            for table in SQLModel.metadata.sorted_tables
        }
    old = {name: before.get(name, 0) if after[name] > before.get(name, 0) else len(rows)
           for name, rows in content.items()}  # fmt: skip
    async with _scratch_engine(engine) as scratch:
        async with scratch.begin() as conn:
            await conn.run_sync(SQLModel.metadata.create_all)
        async with scratch.begin() as conn:
            for table in SQLModel.metadata.sorted_tables:
                if rows := content[table.name][: old[table.name]]:
                    await conn.execute(insert(table), rows)
        started = time.perf_counter()
        async with scratch.begin() as conn:
            for table in SQLModel.metadata.sorted_tables:
                if rows := content[table.name][old[table.name] :]:
                    await conn.execute(_upsert(scratch, table), rows)
        seconds = time.perf_counter() - started
    return seconds, sum(len(rows) - old[name] for name, rows in content.items())


def _upsert(engine: AsyncEngine, table: Table) -> Any:
    dialect = postgresql if engine.dialect.name == "postgresql" else sqlite
    statement = dialect.insert(table)
    keys = [c.name for c in table.primary_key.columns]
    updates = {c.name: statement.excluded[c.name] for c in table.columns if c.name not in keys}
    return statement.on_conflict_do_update(index_elements=keys, set_=updates)


@asynccontextmanager
async def _scratch_engine(engine: AsyncEngine) -> AsyncIterator[AsyncEngine]:
    if engine.dialect.name != "postgresql":
        with tempfile.TemporaryDirectory() as tmp:
            scratch = create_engine(f"sqlite+aiosqlite:///{tmp}/scratch.sqlite3")
            try:
                yield scratch
            finally:
                await scratch.dispose()
        return
    async with _postgres_database() as url:
        scratch = create_engine(url)
        try:
            yield scratch
        finally:
            await scratch.dispose()


@asynccontextmanager
async def _postgres_database() -> AsyncIterator[str]:
    name = f"bench_{secrets.token_hex(4)}"
    conn = await asyncpg.connect(f"{POSTGRES}/test")
    await conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"postgresql+asyncpg://postgres@127.0.0.1:5432/{name}"
    finally:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await conn.close()


@contextmanager
def _couch(work: Path) -> Iterator[Couch]:
    home = os.environ.get("BENCH_COUCHDB_HOME")
    if not home:
        with managed_dev_couch(work / "couch") as dev:
            yield dev
        return
    apache = ApacheCouch(Path(home).resolve(), work / "apache")
    apache.start()
    try:
        yield apache
    finally:
        apache.stop()


async def main() -> None:
    with tempfile.TemporaryDirectory() as tmp, _couch(Path(tmp)) as couch:
        work = Path(tmp)
        async with AsyncExitStack() as stack:
            if os.environ.get("BENCH_SQL") == "postgresql":
                url = await stack.enter_async_context(_postgres_database())
            else:
                url = f"sqlite+aiosqlite:///{work / 'bench.sqlite3'}"
            service = Service(couch, work, url)
            service.start()
            engine = create_engine(url)
            try:
                if ONLY in ("", "push"):
                    await push_benchmark(couch, service, work, engine)
                if ONLY in ("", "catch-up"):
                    await catch_up_benchmark(couch, service, engine)
            finally:
                if service.process is not None and service.process.poll() is None:
                    service.stop()
                await engine.dispose()


if __name__ == "__main__":
    asyncio.run(main())
