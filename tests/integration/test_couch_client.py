"""The CouchDB client against the real dev server (a test double of CouchDB 3)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from sync.couch import (
    Change,
    Conflict,
    CouchClient,
    CouchUnavailable,
    NotFound,
    PayloadTooLarge,
    Unauthorized,
)
from sync.devserver import DevCouch, free_port


@pytest.fixture
async def db(couch_admin: CouchClient, namespace_prefix: str) -> AsyncIterator[str]:
    name = f"{namespace_prefix}client"
    assert await couch_admin.create_db(name) is True
    yield name
    await couch_admin.delete_db(name)


async def test_creating_a_database_twice_is_harmless(couch_admin: CouchClient, db: str) -> None:
    assert await couch_admin.create_db(db) is False
    assert db in await couch_admin.all_dbs()


async def test_documents_round_trip_and_stale_revisions_conflict(
    couch_admin: CouchClient, db: str
) -> None:
    rev = await couch_admin.put_doc(db, {"_id": "hazard:d1:1", "title": "Loose cable"})
    doc = await couch_admin.get_doc(db, "hazard:d1:1")
    assert doc["_rev"] == rev
    assert doc["title"] == "Loose cable"
    with pytest.raises(Conflict):
        await couch_admin.put_doc(db, {"_id": "hazard:d1:1", "title": "no rev given"})
    with pytest.raises(NotFound):
        await couch_admin.get_doc(db, "hazard:d1:missing")
    assert await couch_admin.find_doc(db, "hazard:d1:missing") is None


async def test_ensure_doc_writes_no_new_revision_for_unchanged_content(
    couch_admin: CouchClient, db: str
) -> None:
    doc = {"_id": "verdict:hazard:d1:1", "type": "verdict", "schema": {"valid": True}}
    first = await couch_admin.ensure_doc(db, doc)
    assert first is not None
    assert await couch_admin.ensure_doc(db, doc) is None
    changed = await couch_admin.ensure_doc(db, {**doc, "schema": {"valid": False}})
    assert changed is not None
    assert changed.startswith("2-")


async def test_bulk_docs_reports_each_document(couch_admin: CouchClient, db: str) -> None:
    await couch_admin.put_doc(db, {"_id": "a"})
    results = await couch_admin.bulk_docs(db, [{"_id": "a"}, {"_id": "b"}])
    by_id = {r["id"]: r for r in results}
    assert by_id["a"]["error"] == "conflict"
    assert by_id["b"]["ok"] is True


async def test_changes_pages_resume_from_the_last_seq(couch_admin: CouchClient, db: str) -> None:
    """The contract both servers keep: pages of at most ``limit``, each change once across
    the pages, documents included. Not the order: a sharded database merges its shards'
    feeds, so rows need not come in write order."""
    for i in range(5):
        await couch_admin.put_doc(db, {"_id": f"doc{i}", "n": i})
    first = await couch_admin.changes(db, limit=3, include_docs=True)
    assert len(first.results) == 3
    for change in first.results:
        assert change.doc is not None
        assert change.doc["n"] == int(change.id.removeprefix("doc"))
    rest = await couch_admin.changes(db, since=first.last_seq)
    seen = [c.id for c in first.results] + [c.id for c in rest.results]
    assert sorted(seen) == [f"doc{i}" for i in range(5)]
    assert (await couch_admin.changes(db, since=rest.last_seq)).results == []


async def test_the_continuous_feed_delivers_new_changes_as_they_happen(
    couch_admin: CouchClient, db: str
) -> None:
    await couch_admin.put_doc(db, {"_id": "before"})
    seen: list[Change] = []

    async def follow() -> None:
        async for change in couch_admin.continuous_changes(db, heartbeat_ms=500):
            seen.append(change)
            if len(seen) == 2:
                return

    reader = asyncio.create_task(follow())
    await asyncio.sleep(0.3)
    await couch_admin.put_doc(db, {"_id": "after"})
    await asyncio.wait_for(reader, timeout=10)
    assert [c.id for c in seen] == ["before", "after"]


async def test_attachments_stream_and_respect_the_size_cap(
    couch_admin: CouchClient, db: str
) -> None:
    rev = await couch_admin.put_doc(db, {"_id": "hazard:d1:2"})
    photo = bytes(range(256)) * 400  # 100 KiB
    await couch_admin.put_attachment(db, "hazard:d1:2", rev, "p1.jpg", photo, "image/jpeg")

    async def read(max_bytes: int) -> bytes:
        async with couch_admin.open_attachment(
            db, "hazard:d1:2", "p1.jpg", max_bytes=max_bytes
        ) as chunks:
            return b"".join([chunk async for chunk in chunks])

    assert await read(len(photo)) == photo
    with pytest.raises(PayloadTooLarge):
        await read(1000)


async def test_users_sign_in_with_their_password_only(
    dev_couch: DevCouch, couch_admin: CouchClient, namespace_prefix: str
) -> None:
    name = f"{namespace_prefix}device_x"
    await couch_admin.put_user(name, "first-password")
    async with CouchClient(dev_couch.url, name, "first-password") as device:
        assert (await device.session())["userCtx"]["name"] == name
    await couch_admin.put_user(name, "rotated-password")
    async with CouchClient(dev_couch.url, name, "first-password") as stale:
        with pytest.raises(Unauthorized):
            await stale.session()
    await couch_admin.delete_user(name)
    assert await couch_admin.find_user(name) is None


async def test_an_unreachable_server_raises_couch_unavailable() -> None:
    async with CouchClient(f"http://127.0.0.1:{free_port()}", timeout=2) as nowhere:
        with pytest.raises(CouchUnavailable):
            await nowhere.server_info()


async def test_ensure_docs_rewrites_only_what_changed_and_keeps_first_values(
    couch_admin: CouchClient, db: str
) -> None:
    docs = [
        {"_id": f"verdict:{i}", "type": "verdict", "ok": True, "received_at": "t1"}
        for i in range(3)
    ]
    written = await couch_admin.ensure_docs(db, docs, keep=("received_at",))
    assert sorted(written) == ["verdict:0", "verdict:1", "verdict:2"]  # in no promised order
    replay = [{**d, "received_at": "t2"} for d in docs]
    assert await couch_admin.ensure_docs(db, replay, keep=("received_at",)) == []
    replay[1]["ok"] = False
    assert await couch_admin.ensure_docs(db, replay, keep=("received_at",)) == ["verdict:1"]
    stored = await couch_admin.get_doc(db, "verdict:1")
    assert (stored["ok"], stored["received_at"]) == (False, "t1")
    assert stored["_rev"].startswith("2-")


async def test_ensure_docs_writes_probably_new_docs_blind_and_recovers_when_they_exist(
    couch_admin: CouchClient, db: str
) -> None:
    await couch_admin.put_doc(db, {"_id": "verdict:old", "ok": True, "received_at": "t1"})
    docs = [
        {"_id": "verdict:old", "ok": True, "received_at": "t2"},  # exists, same content
        {"_id": "verdict:new", "ok": True, "received_at": "t2"},
    ]
    written = await couch_admin.ensure_docs(
        db, docs, keep=("received_at",), probably_new={"verdict:old", "verdict:new"}
    )
    assert written == ["verdict:new"]
    old = await couch_admin.get_doc(db, "verdict:old")
    assert (old["_rev"][:2], old["received_at"]) == ("1-", "t1")
