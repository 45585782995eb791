"""The managed dev CouchDB (pouchdb-server) tried as an attacker would: its admin
endpoints stay its admin's, a crash is restarted and reported, and odd ``_doc_ids``
filters a hostile tablet may send neither crash it nor leak another grid's documents."""

from __future__ import annotations

import asyncio
import os
import signal
from pathlib import Path

import httpx
import pytest

from backend.settings import Settings
from sync.devserver import DevCouch
from tests.helpers import eventually
from tests.integration.harness import hazard_for
from tests.security.harness import (
    assert_nothing_of_couchdb,
    raw_request,
    served_app,
    tablet_auth,
    two_grids,
)


@pytest.mark.parametrize("caller", ["anonymous", "tablet"])
async def test_the_dev_couchdb_keeps_admin_endpoints_for_its_admin(
    sqlite_settings: Settings, dev_couch: DevCouch, caller: str
) -> None:
    async with (
        served_app(sqlite_settings) as (_, runtime),
        httpx.AsyncClient(base_url=dev_couch.url) as couch,
    ):
        mine, other = two_grids(runtime)
        auth = {} if caller == "anonymous" else tablet_auth(mine)
        answers = []
        if caller == "anonymous" or isinstance(dev_couch, DevCouch):
            # Apache CouchDB lets a signed-in user replicate with its own rights (its
            # design); the dev server keeps it for admins, and neither lets anyone in anonymously
            answers.append(await couch.post("/_replicate", headers=auth, json={
                "source": "http://127.0.0.1:9/x", "target": other.database}))  # fmt: skip
        answers.append(await couch.put("/_users/org.couchdb.user:intruder", headers=auth, json={
            "_id": "org.couchdb.user:intruder", "name": "intruder", "type": "user",
            "roles": [], "password": "x"}))  # fmt: skip
        answers.append(await couch.get("/_users/_all_docs", headers=auth))
        answers.append(await couch.post("/_replicator", headers=auth, json={"source": "x"}))
        answers.append(await couch.get("/_config", headers=auth))
        answers.append(await couch.get("/_all_dbs", headers=auth))
    for answer in answers:
        assert answer.status_code in {401, 403}, (answer.request.url, answer.text)


async def test_a_crashed_dev_couchdb_is_restarted_and_reported(
    sqlite_settings: Settings, tmp_path: Path
) -> None:
    managed = sqlite_settings.with_changes(couch=None, var_dir=tmp_path / "managed")
    async with served_app(managed) as (base, runtime), httpx.AsyncClient(base_url=base) as client:
        seen = runtime.dev_couch
        assert seen is not None
        assert seen.pid is not None
        os.killpg(seen.pid, signal.SIGKILL)  # as a hostile request that crashed it would
        await eventually(lambda: client.get("/ready"), lambda r: r.status_code == 503, within=10)
        ready = await eventually(lambda: client.get("/ready"), lambda r: r.status_code == 200,
                                 within=60)  # fmt: skip
        mine, _ = two_grids(runtime)
        doc = hazard_for(mine)
        put = await client.put(f"/couch/{mine.database}/{doc['_id']}", json=doc,
                               headers=tablet_auth(mine))  # fmt: skip
    assert ready.status_code == 200
    assert seen.restarts == 1
    assert seen.last_exit is not None
    assert seen.running
    assert put.status_code == 201


ODD_DOC_ID_FILTERS = [
    ("GET", "/couch/{db}/_changes?filter=_doc_ids", b""),
    ("GET", "/couch/{db}/_changes?filter=_doc_ids&doc_ids=%7B%7D", b""),
    ("GET", "/couch/{db}/_changes?filter=_doc_ids&doc_ids=not-json", b""),
    ("POST", "/couch/{db}/_changes?filter=_doc_ids", b""),
    ("POST", "/couch/{db}/_changes?filter=_doc_ids", b"{}"),
    ("POST", "/couch/{db}/_changes?filter=_doc_ids", b'{"doc_ids": "hazard:x"}'),
    ("POST", "/couch/{db}/_changes?filter=_doc_ids", b'{"doc_ids": [1, null, {}]}'),
    ("POST", "/couch/{db}/_changes?filter=_doc_ids&feed=longpoll&timeout=1", b"[]"),
]
"""``_doc_ids``, the one filter replication may use, with what a hostile tablet could
send in its place: nothing, not JSON, not a list."""


async def test_odd_doc_id_filters_neither_crash_couchdb_nor_leak(
    sqlite_settings: Settings, tmp_path: Path
) -> None:
    managed = sqlite_settings.with_changes(couch=None, var_dir=tmp_path / "managed")
    async with served_app(managed) as (base, runtime):
        seen = runtime.dev_couch
        assert seen is not None
        mine, other = two_grids(runtime)
        async with httpx.AsyncClient(base_url=base) as client:
            theirs = hazard_for(other)
            written = await client.put(f"/couch/{other.database}/{theirs['_id']}", json=theirs,
                                       headers=tablet_auth(other))  # fmt: skip
            assert written.status_code == 201, written.text
        for method, pattern, body in ODD_DOC_ID_FILTERS:
            target = pattern.replace("{db}", mine.database).encode()
            answer = await raw_request(base, method, target, tablet_auth(mine), body)
            assert answer.status == 400, (method, target, answer.status, answer.body[:300])
            assert theirs["_id"].encode() not in answer.body
            assert_nothing_of_couchdb(answer)
        await asyncio.sleep(1.5)  # the supervisor looks every second
        async with httpx.AsyncClient(base_url=base) as client:
            ours = hazard_for(mine)
            put = await client.put(f"/couch/{mine.database}/{ours['_id']}", json=ours,
                                   headers=tablet_auth(mine))  # fmt: skip
            assert put.status_code == 201, put.text
            wanted = {"doc_ids": [ours["_id"], theirs["_id"]]}
            alive = await client.post(f"/couch/{mine.database}/_changes?filter=_doc_ids",
                                      json=wanted, headers=tablet_auth(mine))  # fmt: skip
    assert alive.status_code == 200, alive.text
    assert [r["id"] for r in alive.json()["results"]] == [ours["_id"]]
    assert (seen.restarts, seen.last_exit, seen.running) == (0, None, True)
