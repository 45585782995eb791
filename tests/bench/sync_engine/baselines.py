"""The raw baselines a catch-up is measured against, each alone on the same servers:
reading the feed, writing one verdict per change, upserting the projection's rows."""

from __future__ import annotations

import os
import time
from typing import Any

from sqlalchemy import Table, func, insert, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import SQLModel

import backend.models  # noqa: F401  (every table in SQLModel.metadata)
from sync.couch import CouchClient
from sync.provisioning import provision_grid_database
from tests.bench.sync_engine.service import scratch_engine

PAGE = int(os.environ.get("FOLLOWER_BATCH_SIZE", "200"))  # the follower's page size


async def read_feed(admin: CouchClient, db: str, selector: dict[str, Any] | None = None) -> float:
    """Seconds to read ``db``'s whole feed with documents, in the follower's pages."""
    since: Any = None
    started = time.perf_counter()
    while True:
        page = await admin.changes(db, since=since, limit=PAGE, include_docs=True,
                                   selector=selector)  # fmt: skip
        if not page.results:
            return time.perf_counter() - started
        since = page.last_seq


async def feed_length(admin: CouchClient, db: str, selector: dict[str, Any] | None) -> int:
    since: Any = None
    count = 0
    while True:
        page = await admin.changes(db, since=since, limit=10_000, selector=selector)
        count += len(page.results)
        if not page.results:
            return count
        since = page.last_seq


async def write_verdicts(
    admin: CouchClient, db: str, count: int, *, grid_shaped: bool = False
) -> float:
    """Seconds to write ``count`` verdict-sized documents (a sample of ``db``'s), as the
    follower writes them, into a database of their own; ``grid_shaped``: one provisioned
    like a grid database (its ``validate_doc_update`` then runs on every write, as it
    does for ours)."""
    rows = (await admin.all_docs(db, startkey='"verdict:"', endkey='"verdict:\ufff0"',
                                 limit=1, include_docs=True))["rows"]  # fmt: skip
    sample = {k: v for k, v in rows[0]["doc"].items() if k not in {"_id", "_rev"}}
    if grid_shaped:
        await provision_grid_database(admin, "raw_verdicts", [])
    else:
        await admin.request("PUT", "/raw_verdicts")
    started = time.perf_counter()
    for start in range(0, count, PAGE):
        page = [{**sample, "_id": f"verdict:hazard:{i}"} for i in range(start, start + PAGE)]
        await admin.bulk_docs("raw_verdicts", page)
    seconds = time.perf_counter() - started
    await admin.request("DELETE", "/raw_verdicts")
    return seconds


async def row_counts(engine: AsyncEngine) -> dict[str, int]:
    async with engine.connect() as conn:
        return {
            table.name: (await conn.execute(select(func.count()).select_from(table))).scalar_one()
            for table in SQLModel.metadata.sorted_tables
        }


async def upsert_rows(engine: AsyncEngine, before: dict[str, int]) -> tuple[float, int]:
    """As many rows as the catch-up wrote to each table, upserted with executemany in
    one transaction into a database of the same schema holding as many rows as the
    catch-up found there (copied first, untimed, with the tables it did not write to).
    Returns the seconds and the number of rows."""
    after = await row_counts(engine)
    async with engine.connect() as conn:
        content = {
            table.name: [dict(row._mapping) for row in await conn.execute(select(table))]
            for table in SQLModel.metadata.sorted_tables
        }
    old = {name: before.get(name, 0) if after[name] > before.get(name, 0) else len(rows)
           for name, rows in content.items()}  # fmt: skip
    async with scratch_engine(engine) as scratch:
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
