"""``/couch/``, tried as an attacker would: anonymous visitors and hostile tablets may
reach their own grid database's replication endpoints and nothing else of CouchDB."""

from __future__ import annotations

import asyncio
import base64
import json
from pathlib import Path
from typing import Any

import httpx

from backend.couch_proxy.controller import MAX_BODY
from backend.couch_proxy.upstream import HOLD_LIMIT, LongPollGate
from backend.devices.service import IssuedCredentials
from backend.settings import Settings
from sync.devserver import DevCouch
from tests.integration.harness import hazard_for
from tests.security.harness import (
    assert_nothing_of_couchdb,
    raw_request,
    served_app,
    tablet_auth,
    two_grids,
)
from tests.security.nginx import shipped_nginx

REFUSED = {"error": "not_found", "reason": "not available here"}
"""The proxy's own 404: nothing was sent to CouchDB."""

TRAVERSALS = [
    b"/couch/../_all_dbs",
    b"/couch/%2e%2e/_all_dbs",
    b"/couch/%2E%2E/_users/_all_docs",
    b"/couch/{db}/../_all_dbs",
    b"/couch/{db}/../../_all_dbs",
    b"/couch/{db}/..%2f_all_dbs",
    b"/couch/{db}/..%2F_session",
    b"/couch/{db}%2f..%2f_all_dbs",
    b"/couch/{db}%2F..%2F_replicate",
    b"/couch/{db}/%2e%2e/%2e%2e/_utils/",
    b"/couch/{db}/.%2e/_all_dbs",
    b"/couch/{db}/%2e./_node/_local/_config",
    b"/couch/{db}/..%5c_all_dbs",
    b"/couch/{db}/..\\_all_dbs",
    b"/couch/{db}/%252e%252e/_all_dbs",
    b"/couch/{db}/./_all_dbs",
    b"/couch//_all_dbs",
    b"/couch/{db}//_all_dbs",
    b"/couch/{db}/_changes/../../_all_dbs",
    b"/couch/{db}/_local/../../_all_dbs",
    b"/couch/{db}/_local/..",
    b"/couch/{db}/hazard:x/..%2F..%2F_all_dbs",
    b"/couch/{db}/%00/../_all_dbs",
    b"/couch/{db}/%c0%ae%c0%ae/_all_dbs",
    b"/couch/_all_dbs",
    b"/couch/_users/org.couchdb.user:intruder",
    b"/couch/_session",
    b"/couch/_replicate",
    b"/couch/_utils/",
    b"/couch/",
    b"/couch/_node/_local/_config",
]
"""Every spelling of "leave this database" seen in the attack, and the plain ones."""

ENDPOINTS_OUTSIDE_REPLICATION = [
    ("PUT", "/couch/{db}/_design/mine", b'{"validate_doc_update": "function(){}"}'),
    ("GET", "/couch/{db}/_design/grid", b""),
    ("GET", "/couch/{db}/_security", b""),
    ("PUT", "/couch/{db}/_security", b'{"members": {"names": []}}'),
    ("POST", "/couch/{db}/_compact", b""),
    ("POST", "/couch/{db}/_find", b'{"selector": {}}'),
    ("POST", "/couch/{db}/_purge", b"{}"),
    ("POST", "/couch/{db}/_view_cleanup", b""),
    ("PUT", "/couch/{db}/_revs_limit", b"1"),
    ("PUT", "/couch/{db}", b""),
    ("DELETE", "/couch/{db}", b""),
    ("DELETE", "/couch/{db}/", b""),
    ("POST", "/couch/{db}", b'{"type": "hazard"}'),
    ("GET", "/couch/{db}/_changes?feed=continuous", b""),
    ("GET", "/couch/{db}/_changes?feed=eventsource", b""),
    ("GET", "/couch/{db}/_changes?filter=_selector", b""),
    ("GET", "/couch/{db}/_changes?filter=_design%2Fgrid%2Fall", b""),
    ("GET", "/couch/{db}/_all_docs?callback=alert", b""),
    ("GET", "/couch/{db}/_design_docs", b""),
    ("GET", "/couch/{db}/_shards", b""),
    ("COPY", "/couch/{db}/hazard:x", b""),
]


async def test_no_spelling_of_a_path_leaves_the_grid_database(sqlite_settings: Settings) -> None:
    async with served_app(sqlite_settings) as (base, runtime):
        mine, _ = two_grids(runtime)
        for caller in ({}, tablet_auth(mine)):
            for method in ("GET", "POST", "PUT"):
                for pattern in TRAVERSALS:
                    target = pattern.replace(b"{db}", mine.database.encode())
                    answer = await raw_request(base, method, target, caller, b"{}")
                    assert answer.status in {400, 404, 405}, (method, target, answer.status)
                    assert_nothing_of_couchdb(answer)


async def test_only_replication_endpoints_are_forwarded(sqlite_settings: Settings) -> None:
    async with served_app(sqlite_settings) as (base, runtime):
        mine, _ = two_grids(runtime)
        for method, pattern, body in ENDPOINTS_OUTSIDE_REPLICATION:
            target = pattern.replace("{db}", mine.database).encode()
            answer = await raw_request(base, method, target, tablet_auth(mine), body)
            assert answer.status in {404, 405}, (method, target, answer.status, answer.body)
            if answer.status == 404:
                assert json.loads(answer.body) == REFUSED


async def test_anonymous_and_foreign_callers_get_nothing_of_a_grid(
    sqlite_settings: Settings,
) -> None:
    async with (
        served_app(sqlite_settings) as (base, runtime),
        httpx.AsyncClient(base_url=base) as client,
    ):
        mine, other = two_grids(runtime)
        doc = hazard_for(mine)
        written = await client.put(f"/couch/{mine.database}/{doc['_id']}", json=doc,
                                   headers=tablet_auth(mine))  # fmt: skip
        assert written.status_code == 201, written.text
        for path in ("/", "/_changes", "/_all_docs", f"/{doc['_id']}"):
            anonymous = await client.get(f"/couch/{mine.database}{path}")
            assert anonymous.status_code == 401, (path, anonymous.text)
            assert "www-authenticate" not in anonymous.headers
            foreign = await client.get(f"/couch/{mine.database}{path}", headers=tablet_auth(other))
            assert foreign.status_code in {401, 403}, (path, foreign.text)
            assert doc["title"] not in foreign.text
        forged = hazard_for(mine, title="forged by the next grid")
        wrote = await client.post(f"/couch/{mine.database}/_bulk_docs",
                                  json={"docs": [forged]}, headers=tablet_auth(other))  # fmt: skip
        # Apache CouchDB refuses the request; the dev server refuses each document
        assert wrote.status_code in {401, 403} or all("error" in r for r in wrote.json())
        stored = await client.get(
            f"/couch/{mine.database}/{forged['_id']}", headers=tablet_auth(mine)
        )
        assert stored.status_code == 404
        bad_scheme = await client.get(f"/couch/{mine.database}/",
                                      headers={"Authorization": "Bearer x"})  # fmt: skip
        assert bad_scheme.status_code == 401
        admin = base64.b64encode(b"admin:guess").decode()
        admin_guess = await client.get(f"/couch/{mine.database}/",
                                       headers={"Authorization": f"Basic {admin}"})  # fmt: skip
        assert admin_guess.status_code == 401  # not even forwarded: no password oracle


async def test_no_cookie_outlives_the_request_that_got_it(
    sqlite_settings: Settings, dev_couch: DevCouch
) -> None:
    async with (
        served_app(sqlite_settings) as (base, runtime),
        httpx.AsyncClient(base_url=base) as client,
    ):
        mine, _ = two_grids(runtime)
        proxy = runtime.couch_proxy
        assert proxy is not None
        login = await proxy.post("/_session", data={"name": mine.couch_user,
                                                    "password": mine.password})  # fmt: skip
        assert login.status_code == 200
        assert "set-cookie" in login.headers
        assert len(proxy.cookies.jar) == 0
        anonymous = await client.get(f"/couch/{mine.database}/_all_docs")
        assert anonymous.status_code == 401
        read = await client.get(f"/couch/{mine.database}/", headers=tablet_auth(mine))
        assert read.status_code == 200
        assert "set-cookie" not in read.headers
        assert "location" not in read.headers


async def test_an_attachment_never_runs_as_a_page_of_the_service(
    sqlite_settings: Settings,
) -> None:
    script = b"<script>document.title='owned'</script>"
    async with (
        served_app(sqlite_settings) as (base, runtime),
        httpx.AsyncClient(base_url=base) as client,
    ):
        mine, _ = two_grids(runtime)
        doc = hazard_for(mine)
        doc["_attachments"] = {
            name: {"content_type": kind, "data": base64.b64encode(data).decode()}
            for name, kind, data in [("page.html", "text/html", script),
                                     ("drawing.svg", "image/svg+xml", b"<svg onload=x()/>"),
                                     ("photo.jpg", "image/jpeg", b"\xff\xd8\xff\xe0jpeg")]
        }  # fmt: skip
        saved = await client.put(f"/couch/{mine.database}/{doc['_id']}", json=doc,
                                 headers=tablet_auth(mine))  # fmt: skip
        assert saved.status_code == 201, saved.text
        answers = {name: await client.get(f"/couch/{mine.database}/{doc['_id']}/{name}",
                                          headers=tablet_auth(mine))
                   for name in ("page.html", "drawing.svg", "photo.jpg")}  # fmt: skip
    for name, answer in answers.items():
        assert answer.status_code == 200, name
        assert answer.headers["x-content-type-options"] == "nosniff"
        assert "sandbox" in answer.headers["content-security-policy"]
    for name in ("page.html", "drawing.svg"):
        assert answers[name].headers["content-type"] == "application/octet-stream"
        assert answers[name].headers["content-disposition"] == "attachment"
    assert answers["photo.jpg"].headers["content-type"] == "image/jpeg"


async def test_bodies_over_the_limit_or_without_credentials_are_not_read(
    sqlite_settings: Settings,
) -> None:
    async with served_app(sqlite_settings) as (base, runtime):
        mine, _ = two_grids(runtime)
        target = f"/couch/{mine.database}/_bulk_docs".encode()
        huge = {"Content-Length": str(MAX_BODY + 1)}
        # the body is announced but never sent: an answer proves it was not waited for
        anonymous = await _announce_only(base, target, huge)
        oversized = await _announce_only(base, target, {**huge, **tablet_auth(mine)})
    assert anonymous == 401
    assert oversized == 413


async def _announce_only(base: str, target: bytes, headers: dict[str, str]) -> int:
    host, port = base.removeprefix("http://").split(":")
    reader, writer = await asyncio.open_connection(host, int(port))
    head = [b"POST " + target + b" HTTP/1.1", f"Host: {host}".encode()]
    head += [f"{k}: {v}".encode() for k, v in headers.items()]
    writer.write(b"\r\n".join(head) + b"\r\n\r\n")
    await writer.drain()
    status_line = await asyncio.wait_for(reader.readline(), timeout=10)
    writer.close()
    return int(status_line.split()[1])


async def test_one_tablet_cannot_hold_every_feed(sqlite_settings: Settings) -> None:
    async with (
        served_app(sqlite_settings) as (base, runtime),
        httpx.AsyncClient(base_url=base, timeout=60) as client,
    ):
        mine, other = two_grids(runtime)

        def feed(cred: IssuedCredentials) -> Any:
            return client.get(f"/couch/{cred.database}/_changes",
                              params={"feed": "longpoll", "since": "now", "heartbeat": "5000"},
                              headers=tablet_auth(cred))  # fmt: skip

        held = [asyncio.create_task(feed(mine)) for _ in range(2)]
        await asyncio.sleep(0.5)
        third = await feed(mine)
        neighbour = asyncio.create_task(feed(other))
        await asyncio.sleep(0.5)
        assert third.status_code == 429
        assert third.headers["retry-after"]
        assert not neighbour.done()  # the next grid's tablet is still being served
        for cred in (mine, other):  # a write ends the long-polls
            doc = hazard_for(cred)
            put = await client.put(f"/couch/{cred.database}/{doc['_id']}", json=doc,
                                   headers=tablet_auth(cred))  # fmt: skip
            assert put.status_code == 201
        answers = await asyncio.gather(*held, neighbour)
        assert [a.status_code for a in answers] == [200, 200, 200]


async def test_the_shipped_nginx_refuses_the_same_paths(
    sqlite_settings: Settings, tmp_path: Path
) -> None:
    async with (
        served_app(sqlite_settings) as (base, runtime),
        shipped_nginx(base, tmp_path / "nginx") as front,
        httpx.AsyncClient(base_url=front) as client,
    ):
        mine, _ = two_grids(runtime)
        for pattern in TRAVERSALS:
            target = pattern.replace(b"{db}", mine.database.encode())
            for caller in ({}, tablet_auth(mine)):
                answer = await raw_request(front, "GET", target, caller)
                assert answer.status in {400, 404}, (target, answer.status)
                assert_nothing_of_couchdb(answer)
        info = await client.get(f"/couch/{mine.database}/", headers=tablet_auth(mine))
        doc = hazard_for(mine)
        stolen = {**tablet_auth(mine), "Cookie": "AuthSession=stolen"}
        put = await client.put(f"/couch/{mine.database}/{doc['_id']}", json=doc, headers=stolen)
    assert info.status_code == 200
    assert info.json()["db_name"] == mine.database
    assert put.status_code == 201
    assert "set-cookie" not in put.headers


def test_a_feed_whose_end_was_never_seen_frees_its_place_in_time() -> None:
    now = [0.0]
    gate = LongPollGate(clock=lambda: now[0])
    assert gate.try_acquire("device_a")
    assert gate.try_acquire("device_a")
    assert not gate.try_acquire("device_a")
    assert gate.try_acquire("device_b")
    now[0] += HOLD_LIMIT
    assert gate.try_acquire("device_a")  # the two holds were never released: forgotten
    gate.release("device_a")
    gate.release("device_a")  # more releases than holds change nothing
    assert gate.try_acquire("device_a")
