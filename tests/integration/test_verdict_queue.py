"""Verdicts go to CouchDB through one queue per grid database, after the page's commit:
written in order (the newest verdict of a document wins), retried until CouchDB takes
them, and the checkpoint SQL keeps moves past a page only once its verdicts are written."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select
from sqlmodel import col

from backend.database import create_engine, read_only_connection
from backend.settings import Settings
from backend.synced.models import SyncCheckpoint
from backend.synced.verdicts import VerdictWriter
from sync.couch import CouchClient, NotFound
from sync.couch.types import Seq
from sync.devserver import DevCouch
from tests.helpers import eventually
from tests.integration.harness import get_json, hazard_for, running_app, tablet


def _verdict(target: str, says: str) -> dict[str, Any]:
    return {"_id": f"verdict:{target}", "type": "verdict", "target_id": target, "says": says}


async def test_verdicts_queued_while_couchdb_refuses_them_are_written_in_order_later(
    couch_admin: CouchClient, namespace_prefix: str
) -> None:
    db = f"{namespace_prefix}grid_queue"
    writer = VerdictWriter(couch_admin)
    told: list[list[str]] = []
    try:
        writer.send(db, [_verdict("a", "first")], probably_new={"verdict:a"}, then=told.append)
        writer.send(db, [_verdict("a", "second"), _verdict("b", "first")], then=told.append)
        with pytest.raises(NotFound):  # the database is not there yet
            await writer.write(db, [_verdict("c", "first")])
        assert writer.failing(db) is not None
        assert writer.pending(db)
        assert told == []

        await couch_admin.create_db(db)
        await eventually(lambda: _told(told), lambda t: len(t) == 2)
        assert writer.failing(db) is None
        assert told == [["verdict:a"], ["verdict:a", "verdict:b"]]
        stored = {i: await couch_admin.get_doc(db, f"verdict:{i}") for i in "abc"}
        assert stored["a"]["says"] == "second", "the newest verdict of a document wins"
        assert stored["a"]["_rev"].startswith("1-"), "an older verdict was written first"
        assert {i: d["says"] for i, d in stored.items()} == {
            "a": "second", "b": "first", "c": "first"
        }  # fmt: skip
        # unchanged verdicts are not written again
        assert await writer.write(db, [_verdict("b", "first")]) == []
    finally:
        await writer.close()
        await couch_admin.delete_db(db)


async def _told(told: list[list[str]]) -> list[list[str]]:
    return told


async def test_a_quiet_database_s_checkpoint_reaches_its_last_page(
    sqlite_settings: Settings, dev_couch: DevCouch
) -> None:
    async with running_app(sqlite_settings) as (client, runtime):
        cred = runtime.issued_credentials[0]
        async with tablet(dev_couch, cred) as device:
            for _ in range(3):
                await device.put_doc(cred.database, hazard_for(cred))
        await eventually(lambda: get_json(client, "/api/hazards"), lambda rows: len(rows) == 3)
        assert runtime.follower is not None
        followed = runtime.follower.status.databases[cred.database]
        engine = create_engine(sqlite_settings.database_url)
        try:
            await eventually(lambda: _stored_checkpoint(engine, cred.database),
                             lambda seq: seq == followed.last_seq)  # fmt: skip
        finally:
            await engine.dispose()


async def _stored_checkpoint(engine: Any, db: str) -> Seq:
    async with read_only_connection(engine) as conn:
        query = select(col(SyncCheckpoint.seq)).where(col(SyncCheckpoint.db) == db)
        return (await conn.execute(query)).scalar_one_or_none()
