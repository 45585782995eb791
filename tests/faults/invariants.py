"""What must hold after any fault: SQL holds exactly what CouchDB holds, every document
has its verdict once (never rewritten), nothing waits in quarantine."""

from __future__ import annotations

from typing import Any

from sqlmodel import col, select

from backend.database import create_engine, read_only_connection
from backend.replication.models import QuarantinedChange, SyncedDocument
from sync.couch import CouchClient
from sync.doctypes import SERVER_ID_PREFIXES


async def check_invariants(database_url: str, couch: CouchClient, databases: list[str]) -> None:
    worker: dict[str, str] = {}
    verdicts: dict[str, Any] = {}
    for db in databases:
        rows = (await couch.all_docs(db, include_docs=True))["rows"]
        for row in rows:
            doc = row["doc"]
            if row["id"].startswith("verdict:"):
                verdicts[doc["target_id"]] = doc
            elif not row["id"].startswith((*SERVER_ID_PREFIXES, "_design/")):
                worker[row["id"]] = doc["_rev"]
    engine = create_engine(database_url)
    try:
        async with read_only_connection(engine) as conn:
            synced = dict((await conn.execute(
                select(col(SyncedDocument.doc_id), col(SyncedDocument.rev))
            )).all())  # fmt: skip
            held = list((await conn.execute(select(col(QuarantinedChange.doc_id)))).scalars())
    finally:
        await engine.dispose()
    assert synced == worker, "SQL and CouchDB disagree"
    assert set(verdicts) == set(worker), "a document lacks its verdict, or has a stray one"
    stale = {i for i, v in verdicts.items() if v["target_rev"] != worker[i]}
    assert stale == set(), f"verdicts on old revisions: {sorted(stale)[:5]}"
    rewritten = {i for i, v in verdicts.items() if not v["_rev"].startswith("1-")}
    assert rewritten == set(), f"verdicts written more than once: {sorted(rewritten)[:5]}"
    assert held == [], f"quarantined: {held[:5]}"
    print(f"invariants: {len(worker)} documents in CouchDB and SQL, {len(verdicts)} verdicts once")
