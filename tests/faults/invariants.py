"""What must hold after any fault: SQL holds exactly what CouchDB holds, every document
has its verdict once (written by the follower once, and by the photo worker once more
when it has photos — never again), each verdict says what SQL stored (geofence, photo
results: never a stale "pending"), nothing waits in quarantine."""

from __future__ import annotations

from typing import Any

from sqlmodel import col, select

from backend.database import create_engine, read_only_connection
from backend.photos.models import HazardPhoto
from backend.synced.models import QuarantinedChange, SyncedDocument
from sync.couch import CouchClient
from sync.doctypes import SERVER_ID_PREFIXES


async def check_invariants(database_url: str, couch: CouchClient, databases: list[str]) -> None:
    worker: dict[str, str] = {}
    pictured: set[str] = set()
    verdicts: dict[str, Any] = {}
    for db in databases:
        rows = (await couch.all_docs(db, include_docs=True))["rows"]
        for row in rows:
            doc = row["doc"]
            if row["id"].startswith("verdict:"):
                verdicts[doc["target_id"]] = doc
            elif not row["id"].startswith((*SERVER_ID_PREFIXES, "_design/")):
                worker[row["id"]] = doc["_rev"]
                if doc.get("photos"):
                    pictured.add(row["id"])
    engine = create_engine(database_url)
    try:
        async with read_only_connection(engine) as conn:
            registry = (await conn.execute(select(
                col(SyncedDocument.doc_id), col(SyncedDocument.rev), col(SyncedDocument.geofence)
            ))).all()  # fmt: skip
            photos: dict[str, list[tuple[str, str]]] = {}
            for hazard_id, name, status in (await conn.execute(select(
                col(HazardPhoto.hazard_id), col(HazardPhoto.name), col(HazardPhoto.status)
            ))).all():  # fmt: skip
                photos.setdefault(hazard_id, []).append(
                    (name, str(getattr(status, "value", status)))
                )
            held = list((await conn.execute(select(col(QuarantinedChange.doc_id)))).scalars())
    finally:
        await engine.dispose()
    synced = {doc_id: rev for doc_id, rev, _ in registry}
    assert synced == worker, "SQL and CouchDB disagree"
    fences = {doc_id: fence for doc_id, _, fence in registry}
    told = {i: {k: v for k, v in (verdicts[i].get("geofence") or {}).items()
                if k != "suggested_grid_name"} or None for i in verdicts}  # fmt: skip
    differ = {i for i in verdicts if told[i] != fences.get(i)}
    assert differ == set(), f"verdicts whose geofence is not the stored one: {sorted(differ)[:5]}"
    stale_photos = {
        i for i, v in verdicts.items() if "photos" in v
        and sorted((p["name"], p["status"]) for p in v["photos"]) != sorted(photos.get(i, []))
    }  # fmt: skip
    assert stale_photos == set(), f"verdicts whose photos are not SQL's: {sorted(stale_photos)[:5]}"
    assert set(verdicts) == set(worker), "a document lacks its verdict, or has a stray one"
    stale = {i for i, v in verdicts.items() if v["target_rev"] != worker[i]}
    assert stale == set(), f"verdicts on old revisions: {sorted(stale)[:5]}"
    # written once by the follower, and once more by the photo worker when there are photos
    allowed = {i: 2 if i in pictured else 1 for i in verdicts}
    rewritten = {i for i, v in verdicts.items() if int(v["_rev"].split("-")[0]) > allowed[i]}
    assert rewritten == set(), f"verdicts written too often: {sorted(rewritten)[:5]}"
    assert held == [], f"quarantined: {held[:5]}"
    print(f"invariants: {len(worker)} documents in CouchDB and SQL, {len(verdicts)} verdicts once")
