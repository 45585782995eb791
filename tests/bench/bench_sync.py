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
service's last run under cProfile and prints where its time went). The parts are in
``tests/bench/sync_engine/``: the service and its servers, the raw baselines, the push
and the catch-up.
"""

from __future__ import annotations

import asyncio
import os
import tempfile
from contextlib import AsyncExitStack
from pathlib import Path

from backend.database import create_engine
from tests.bench.sync_engine.catch_up import catch_up_benchmark
from tests.bench.sync_engine.push import push_benchmark
from tests.bench.sync_engine.service import Service, couch_server, postgres_database

DOCS = int(os.environ.get("BENCH_DOCS", "10000"))
BACKLOG = int(os.environ.get("BENCH_BACKLOG", "100000"))
ONLY = os.environ.get("BENCH_ONLY", "")
PROFILE = os.environ.get("BENCH_PROFILE", "")


async def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        with couch_server(work, os.environ.get("BENCH_COUCHDB_HOME")) as couch:
            async with AsyncExitStack() as stack:
                if os.environ.get("BENCH_SQL") == "postgresql":
                    url = await stack.enter_async_context(postgres_database())
                else:
                    url = f"sqlite+aiosqlite:///{work / 'bench.sqlite3'}"
                service = Service(couch, work, url, profile=PROFILE)
                service.start()
                engine = create_engine(url)
                try:
                    if ONLY in ("", "push"):
                        await push_benchmark(couch, service, work, engine, DOCS)
                    if ONLY in ("", "catch-up"):
                        await catch_up_benchmark(couch, service, engine, BACKLOG)
                finally:
                    if service.running:
                        service.stop()
                    await engine.dispose()


if __name__ == "__main__":
    asyncio.run(main())
