"""Catch-up: a backlog waits in a grid database while the service is down; the
service started, timed until every document is in SQL and every verdict in CouchDB,
against the wire limit: backlog / (raw read + raw verdict writes + raw SQL upserts)."""

from __future__ import annotations

import pstats
import time

from sqlalchemy.ext.asyncio import AsyncEngine

from sync.couch import CouchClient
from sync.doctypes import NOT_SERVER_OWNED
from tests.bench.sync_engine.baselines import (
    PAGE,
    feed_length,
    read_feed,
    row_counts,
    upsert_rows,
    write_verdicts,
)
from tests.bench.sync_engine.service import Couch, Service, until_in_sql
from tests.helpers import eventually, hazard_doc

DB = "grid_xixi-01"


async def catch_up_benchmark(
    couch: Couch, service: Service, engine: AsyncEngine, backlog: int
) -> None:
    service.stop()
    async with CouchClient.from_credentials(couch.credentials) as admin:
        docs = [
            hazard_doc(device_id="demo-xixi-01", author="device_demo-xixi-01", grid_id="xixi-01")
            for _ in range(backlog)
        ]
        for start in range(0, backlog, 1000):
            await admin.bulk_docs(DB, docs[start : start + 1000])
        read_seconds = await read_feed(admin, DB)
        filtered_seconds = await read_feed(admin, DB, NOT_SERVER_OWNED)
        docs_before = (await admin.db_info(DB))["doc_count"]
    rows_before = await row_counts(engine)
    started = time.perf_counter()
    service.start()
    ready = time.perf_counter()
    await until_in_sql(engine, DB, backlog)
    in_sql = time.perf_counter()
    async with CouchClient.from_credentials(couch.credentials) as admin:
        await eventually(  # and every verdict written
            lambda: admin.db_info(DB),
            lambda info: info["doc_count"] >= docs_before + backlog, within=600, every=0.05,
        )  # fmt: skip
        ours_seconds = time.perf_counter() - started
        after_ready = time.perf_counter() - ready
        verdict_seconds = await write_verdicts(admin, DB, backlog)
        checked_seconds = await write_verdicts(admin, DB, backlog, grid_shaped=True)
        whole = await feed_length(admin, DB, None)
        sent = await feed_length(admin, DB, NOT_SERVER_OWNED)
    sql_seconds, rows = await upsert_rows(engine, rows_before)
    wire_seconds = read_seconds + verdict_seconds + sql_seconds

    def rate(label: str, seconds: float) -> None:
        print(f"  {label:<45} {backlog / seconds:8.0f} docs/s")

    print(f"catch-up of a {backlog}-doc backlog ({couch.url}, {engine.dialect.name})")
    rate(f"(a) raw _changes read, docs, pages of {PAGE}:", read_seconds)
    rate("    the same through the follower's filter:", filtered_seconds)
    rate("(b) raw _bulk_docs, one verdict per change:", verdict_seconds)
    rate("    the same into a grid-shaped database:", checked_seconds)
    rate(f"(c) raw SQL upsert of the {rows} rows written:", sql_seconds)
    rate("wire limit M / (a + b + c):", wire_seconds)
    rate("follower, all in SQL (incl. start):", in_sql - started)
    rate("... and every verdict written (incl. start):", ours_seconds)
    rate("... the same from /ready:", after_ready)
    print(f"  ratio ours / wire limit: {wire_seconds / ours_seconds:5.2f} (target >= 0.8)")
    print(f"  ratio ours / raw read:   {read_seconds / ours_seconds:5.2f}")
    print(f"  feed: {whole} changes in all, {sent} sent to the follower")
    if service.profile:
        service.stop()
        print_profile(service.profile)


def print_profile(path: str) -> None:
    """The service's own functions and the libraries it calls, by time spent inside."""
    stats = pstats.Stats(path)
    stats.sort_stats("tottime").print_stats(25)
    stats.sort_stats("cumulative").print_stats(r"(backend|sync|geo)/", 25)
