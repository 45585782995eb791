"""The service is killed (SIGKILL) in the middle of following; after a restart SQL
equals CouchDB: nothing missing, nothing duplicated, every verdict written once."""

from __future__ import annotations

import asyncio
import json
import signal
import subprocess
from pathlib import Path

from sqlalchemy import func, select
from sqlmodel import col

from backend.database import create_engine, read_only_connection
from backend.hazards.models import Hazard
from backend.settings import Settings
from backend.synced.models import SyncedDocument
from sync.couch import CouchClient
from sync.devserver import DevCouch
from tests.helpers import eventually, hazard_doc, synced_count
from tests.integration.harness import running_app, serve_process

DOCS = 3000


async def test_killing_the_service_mid_batch_loses_and_duplicates_nothing(
    settings: Settings, dev_couch: DevCouch, couch_admin: CouchClient, tmp_path: Path
) -> None:
    async with running_app(settings, sign_in=False) as (_, runtime):
        cred = runtime.issued_credentials[0]
    docs = [
        hazard_doc(device_id=cred.device_id, author=cred.couch_user, grid_id=cred.grid_id,
                   title=f"隐患 {i}")
        for i in range(DOCS)
    ]  # fmt: skip
    for start in range(0, DOCS, 500):
        await couch_admin.bulk_docs(cred.database, docs[start : start + 500])

    engine = create_engine(settings.database_url)

    async def applied() -> int:
        return await synced_count(engine)

    log = tmp_path / "service.log"
    service: subprocess.Popen[bytes] | None = None
    try:
        service = serve_process(settings, log, FOLLOWER_BATCH_SIZE="50")
        at_kill = await eventually(applied, lambda n: n >= 300, within=60, every=0.01)
        service.send_signal(signal.SIGKILL)
        service.wait(10)
        assert at_kill < DOCS, "the service finished before it could be killed"

        service = serve_process(settings, log, FOLLOWER_BATCH_SIZE="50")
        await eventually(applied, lambda n: n == DOCS, within=120, every=0.1)
        await asyncio.sleep(1)  # a last round: anything beyond DOCS would show now
        service.send_signal(signal.SIGINT)
        assert service.wait(30) == 0, log.read_text()[-3000:]

        async with read_only_connection(engine) as conn:
            synced = set((await conn.execute(select(col(SyncedDocument.doc_id)))).scalars())
            hazards = (await conn.execute(select(func.count()).select_from(Hazard))).scalar_one()
    finally:
        if service is not None and service.poll() is None:  # a failed wait: no orphan left
            service.kill()
            service.wait(10)
        await engine.dispose()

    assert synced == {d["_id"] for d in docs}
    assert hazards == DOCS
    verdicts = (await couch_admin.all_docs(
        cred.database, startkey=json.dumps("verdict:"), endkey=json.dumps("verdict:\ufff0")
    ))["rows"]  # fmt: skip
    assert {row["id"] for row in verdicts} == {f"verdict:{d['_id']}" for d in docs}
    assert {row["value"]["rev"][:2] for row in verdicts} == {"1-"}, "a verdict was rewritten"
