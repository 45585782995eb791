"""The service dies between writing a batch's verdicts to CouchDB and committing that
batch in SQL — deterministically, not at a random moment. After a restart SQL equals
CouchDB, every verdict exists once and was written once (the replayed batch finds its
verdicts already there and leaves them), nothing is quarantined."""

from __future__ import annotations

from pathlib import Path

from backend.database import create_engine
from backend.settings import Settings
from sync.couch import CouchClient
from sync.devserver import DevCouch
from tests.faults.invariants import check_invariants
from tests.helpers import eventually, hazard_doc, synced_count
from tests.integration.harness import running_app, serve_process

DOCS = 200
BATCH = 25
DYING = "tests.faults.serve_dying_before_commit"


async def test_death_after_the_verdicts_before_the_commit_loses_and_repeats_nothing(
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
        verdicts_at_death = len((await couch_admin.all_docs(
            cred.database, startkey='"verdict:"', endkey='"verdict:\ufff0"'))["rows"])  # fmt: skip

        service = serve_process(postgres_settings, log, FOLLOWER_BATCH_SIZE=str(BATCH))
        try:
            await eventually(lambda: synced_count(engine), lambda n: n == DOCS, within=120)
        finally:
            service.terminate()
            service.wait(30)
    finally:
        await engine.dispose()
    await check_invariants(postgres_settings.database_url, couch_admin, databases)
    assert returncode == -9, log.read_text()[-2000:]
    assert "dying in batch 3" in log.read_text()
    # two batches committed; the third's verdicts reached CouchDB, its rows did not
    assert 0 < committed < verdicts_at_death <= 3 * BATCH, (committed, verdicts_at_death)
