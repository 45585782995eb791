"""The service dies between committing a batch in SQL and writing its verdicts to
CouchDB — deterministically, not at a random moment. After a restart SQL equals CouchDB,
every document has its verdict (the batches whose verdicts may be missing are read again
and their verdicts written from stored state), the audit trail tells each verdict once,
nothing is quarantined."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import col

from backend.audit.models import AuditEntry
from backend.database import create_engine, read_only_connection
from backend.settings import Settings
from sync.couch import CouchClient
from sync.devserver import DevCouch
from tests.faults.invariants import check_invariants
from tests.helpers import eventually, hazard_doc, synced_count
from tests.integration.harness import running_app, serve_process

DOCS = 200
BATCH = 25
DYING = "tests.faults.serve_dying_after_commit"


async def test_death_after_the_commit_before_the_verdicts_loses_and_repeats_nothing(
    postgres_settings: Settings, dev_couch: DevCouch, couch_admin: CouchClient, tmp_path: Path
) -> None:
    async with running_app(postgres_settings, sign_in=False) as (_, runtime):
        cred = next(c for c in runtime.issued_credentials if c.grid_id == "donghu-01")
        databases = [c.database for c in runtime.issued_credentials]
    docs = [hazard_doc(device_id=cred.device_id, author=cred.couch_user, grid_id=cred.grid_id,
                       title=f"隐患 {i}") for i in range(DOCS)]  # fmt: skip
    await couch_admin.bulk_docs(cred.database, docs)
    engine = create_engine(postgres_settings.database_url)
    log = tmp_path / "service.log"
    try:
        dying = serve_process(postgres_settings, log, module=DYING, DIE_AT_BATCH="3",
                              DIE_IN_DB=cred.database, FOLLOWER_BATCH_SIZE=str(BATCH))  # fmt: skip
        returncode = dying.wait(120)
        committed = await synced_count(engine)
        told_at_death = await verdicts_told(engine)
        verdicts_at_death = len((await couch_admin.all_docs(
            cred.database, startkey='"verdict:"', endkey='"verdict:\ufff0"'))["rows"])  # fmt: skip

        service = serve_process(postgres_settings, log, FOLLOWER_BATCH_SIZE=str(BATCH))
        try:
            await eventually(lambda: synced_count(engine), lambda n: n == DOCS, within=120)
            await eventually(lambda: verdicts_told(engine), lambda n: n == DOCS, within=60)
        finally:
            service.terminate()
            service.wait(30)
    finally:
        told = await verdicts_told(engine)
        await engine.dispose()
    await check_invariants(postgres_settings.database_url, couch_admin, databases)
    assert returncode == -9, log.read_text()[-2000:]
    assert "dying in batch 3" in log.read_text()
    # three batches committed; the third's verdicts never reached CouchDB
    assert verdicts_at_death <= 2 * BATCH < 3 * BATCH <= committed, (committed, verdicts_at_death)
    assert told_at_death == committed, (told_at_death, committed)
    assert told == DOCS, told


async def verdicts_told(engine: AsyncEngine) -> int:
    """Lines of the audit trail that tell a verdict."""
    async with read_only_connection(engine) as conn:
        query = (
            select(func.count()).select_from(AuditEntry).where(col(AuditEntry.action) == "verdict")
        )
        count: int = (await conn.execute(query)).scalar_one()
        return count
