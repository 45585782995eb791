"""PostgreSQL refuses this service's database while the follower applies a backlog (all
its connections cut, new ones refused), then accepts again: the service reports itself
unready meanwhile, then catches up with nothing lost or answered twice."""

from __future__ import annotations

import asyncio
from pathlib import Path

import asyncpg
import httpx
from sqlalchemy.engine import make_url
from sqlmodel import col, select

from backend.database import create_engine, read_only_connection
from backend.settings import Settings
from backend.synced.models import SyncCheckpoint, SyncedDocument
from sync.couch import CouchClient
from sync.devserver import DevCouch
from sync.doctypes import NOT_SERVER_OWNED
from tests.browser.harness import Served, served
from tests.conftest import POSTGRES_ADMIN_DSN
from tests.faults.invariants import check_invariants
from tests.helpers import eventually, hazard_doc

DOCS = 300


async def _block(name: str, *, blocked: bool) -> None:
    conn = await asyncpg.connect(POSTGRES_ADMIN_DSN)
    try:
        await conn.execute(
            f'ALTER DATABASE "{name}" WITH ALLOW_CONNECTIONS {str(not blocked).lower()}'
        )
        if blocked:
            await conn.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                               "WHERE datname = $1 AND pid <> pg_backend_pid()", name)  # fmt: skip
    finally:
        await conn.close()


async def _ready(app: Served) -> httpx.Response:
    async with httpx.AsyncClient(base_url=app.base_url, timeout=5) as client:
        return await client.get("/ready")


async def _applied(app: Served, token: str) -> int:
    try:
        rows = (await app.call("GET", "/api/sync/status", token)).json()
        return sum(r["documents"] for r in rows)
    except (httpx.HTTPError, TypeError, KeyError):
        return -1


async def _why_not(
    app: Served, token: str, couch: CouchClient, database: str, database_url: str
) -> str:
    """What the service says about a backlog that did not complete, and where the
    documents SQL lacks are: whether the feed from the stored checkpoint still has them."""
    status = (await app.call("GET", "/api/sync/status", token)).json()
    quarantined = (await app.call("GET", "/api/sync/quarantine", token)).json()
    log = app.log.read_text(errors="replace").splitlines()
    warnings = [line for line in log if line.startswith(("WARNING", "ERROR"))][-30:]
    in_couch = {r["id"] for r in (await couch.all_docs(database))["rows"]
                if r["id"].startswith("hazard")}  # fmt: skip
    engine = create_engine(database_url)
    try:
        async with read_only_connection(engine) as conn:
            in_sql = set((await conn.execute(select(col(SyncedDocument.doc_id)))).scalars())
            checkpoint = await conn.scalar(
                select(col(SyncCheckpoint.seq)).where(SyncCheckpoint.db == database)
            )
    finally:
        await engine.dispose()
    missing = sorted(in_couch - in_sql)
    feed = await couch.changes(database, since=checkpoint, selector=NOT_SERVER_OWNED)
    whole = await couch.changes(database, selector=NOT_SERVER_OWNED)
    where = {
        m: {"after checkpoint": any(c.id == m for c in feed.results),
            "in whole feed": any(c.id == m for c in whole.results)}
        for m in missing[:5]
    }  # fmt: skip
    lacking = f"missing from SQL: {missing[:5]} ({len(missing)}): {where}"
    return "\n".join([f"status: {status}", f"quarantined: {quarantined}", lacking, *warnings])


async def test_sql_refusing_the_service_mid_backlog_then_returning(
    postgres_settings: Settings, dev_couch: DevCouch, couch_admin: CouchClient, tmp_path: Path
) -> None:
    name = make_url(postgres_settings.database_url).database
    assert name is not None
    # small batches: the backlog takes many commits, so SQL is refused in the middle of it
    # however fast or busy the machine (one batch of 200 could finish before the refusal)
    async with served(postgres_settings, tmp_path, FOLLOWER_BATCH_SIZE="10") as app:
        token = await app.token(*app.admin)
        devices = (await app.call("GET", "/api/devices", token)).json()
        device = next(d for d in devices if d["grid_id"] == "donghu-01")
        database = f"{postgres_settings.couch_namespace}grid_donghu-01"
        author, device_id = device["couch_user"], device["id"]
        docs = [hazard_doc(device_id=device_id, author=author, grid_id="donghu-01",
                           title=f"隐患 {i}") for i in range(DOCS)]  # fmt: skip
        written = await couch_admin.bulk_docs(database, docs)
        assert all(r.get("ok") for r in written), [r for r in written if not r.get("ok")]
        at_block = await eventually(lambda: _applied(app, token), lambda n: n >= 30, within=60,
                                    every=0.01)  # fmt: skip
        await _block(name, blocked=True)
        try:
            unready = await eventually(
                lambda: _ready(app), lambda r: r.status_code == 503, within=20
            )
            refused = await app.call("GET", "/api/hazards", token)
            await asyncio.sleep(2)
        finally:
            await _block(name, blocked=False)
        try:
            await eventually(lambda: _applied(app, token), lambda n: n == DOCS, within=120,
                             every=0.2)  # fmt: skip
        except AssertionError as exc:
            why = await _why_not(app, token, couch_admin, database, postgres_settings.database_url)
            raise AssertionError(f"{exc}\n{why}") from None
        await eventually(lambda: _ready(app), lambda r: r.status_code == 200, within=30)
        grids = ("donghu-01", "donghu-02", "donghu-03", "xixi-01", "xixi-02", "xixi-03")
        databases = [f"{postgres_settings.couch_namespace}grid_{g}" for g in grids]
    await check_invariants(postgres_settings.database_url, couch_admin, databases)
    assert at_block < DOCS, "the backlog was done before SQL could be refused"
    assert unready.json() == {"status": "unavailable"}  # why: admins, at /api/sync/health
    assert (refused.status_code, refused.headers.get("retry-after")) == (503, "5"), refused.text
    assert refused.headers["content-type"].startswith("application/problem+json")
