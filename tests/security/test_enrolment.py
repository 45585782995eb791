"""Enrolment cannot be turned against a tablet: the QR code holds a single-use, expiring
code (never a password); a set-up tablet is never replaced or wiped by a link; only a
revocation proven with its own credentials makes it erase, and what it never sent is
saved for the worker first."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
from sqlmodel import select

from backend.database import unit_of_work
from backend.devices.models import EnrolCode
from backend.settings import Settings
from backend.sqltypes import utcnow
from sync.devserver import DevCouch
from tests.browser.harness import Served, chromium, served
from tests.helpers import basic_auth
from tests.integration.harness import running_app


async def test_a_set_up_code_works_once_and_holds_no_password(sqlite_settings: Settings) -> None:
    async with running_app(sqlite_settings) as (client, runtime):
        registered = (await client.post("/api/devices", json={"grid_id": "donghu-01"})).json()
        code = registered["enrol_path"].split("#enrol=")[1]
        first = await client.post("/api/field/enrol", json={"code": code})
        again = await client.post("/api/field/enrol", json={"code": code})
        mine = first.json()
        info = await client.get(f"/couch/{mine['database']}/",
                                headers=basic_auth(mine["username"], mine["password"]))  # fmt: skip
        shown_once = await client.get(f"/couch/{mine['database']}/",
                                      headers=basic_auth(registered["username"],
                                                         registered["password"]))  # fmt: skip
        expired_code = (await client.post(f"/api/devices/{mine['device_id']}/rotate")).json()
        async with unit_of_work(runtime.sessions) as session:
            for row in (await session.exec(select(EnrolCode))).all():
                row.expires_at = utcnow() - timedelta(seconds=1)
                session.add(row)
        expired = await client.post("/api/field/enrol", json={
            "code": expired_code["enrol_path"].split("#enrol=")[1]})  # fmt: skip
    assert registered["password"] not in registered["enrol_path"]
    assert first.status_code == 200, first.text
    assert again.status_code == 410
    assert info.status_code == 200  # the tablet's own password works
    assert shown_once.status_code == 401  # the registration's was replaced by the exchange
    assert expired.status_code == 410


async def _register(app: Served, admin: str) -> dict[str, Any]:
    answer = await app.call("POST", "/api/devices", admin, json={"grid_id": "donghu-01"})
    assert answer.status_code == 201, answer.text
    return dict(answer.json())


async def test_a_link_never_replaces_or_wipes_a_tablet_and_a_withdrawn_one_saves_its_unsent(
    sqlite_settings: Settings, dev_couch: DevCouch, tmp_path: Path
) -> None:
    async with served(sqlite_settings, tmp_path) as app, chromium() as browser:
        admin = await app.token(*app.admin)
        device, intruder = await _register(app, admin), await _register(app, admin)
        context = await browser.new_context(service_workers="allow")
        page = await context.new_page()
        await page.goto(f"{app.base_url}{device['enrol_path']}")
        await page.wait_for_function(
            "() => window.fieldState?.ready && window.fieldState.synced > 0", timeout=30_000
        )
        await page.goto(f"{app.base_url}{intruder['enrol_path']}")  # a crafted link
        await page.reload()
        await page.wait_for_function("() => window.fieldState?.ready", timeout=30_000)
        still = await page.evaluate("JSON.parse(localStorage.getItem('field.device')).device_id")
        async with httpx.AsyncClient(base_url=app.base_url) as client:  # nobody else's proof
            anyone = await client.get(f"/api/field/device?device_id={device['device_id']}")
        await context.set_offline(True)
        stored = await page.evaluate(
            "(() => { const { store, baseDoc, localIso } = fieldApp;"
            " return store({...baseDoc('hazard'), title: '未同步的隐患', category: 'fire',"
            " sector: 'gas', severity: 'general', reported_at: localIso(), photos: [],"
            " location: {lat: 30.2721, lon: 120.1542, accuracy_m: 9, provider: 'gps'}})"
            ".then(() => 'stored', (e) => e.message); })()"
        )
        revoked = await app.call("POST", f"/api/devices/{device['device_id']}/revoke", admin)
        await context.set_offline(False)
        async with page.expect_download() as download:
            await page.click("#sync")
        saved = await asyncio.to_thread(
            Path(await (await download.value).path()).read_text, encoding="utf-8"
        )
        await page.wait_for_selector("#enrol:not([hidden])", timeout=30_000)
        notice = await page.inner_text("#notice")
        await context.close()
    assert still == device["device_id"]
    assert anyone.status_code == 401
    assert stored == "stored"
    assert revoked.status_code == 200
    assert "未同步的隐患" in saved
    assert "unsent-" in notice


async def test_a_tablet_whose_password_changed_stops_signing_in_and_takes_only_its_own_code(
    sqlite_settings: Settings, dev_couch: DevCouch, tmp_path: Path
) -> None:
    """CouchDB locks a user out after a few failed sign-ins (Apache CouchDB: minutes, per
    user and address): a tablet holding a changed password must not keep trying it."""
    async with served(sqlite_settings, tmp_path) as app, chromium() as browser:
        admin = await app.token(*app.admin)
        device, other = await _register(app, admin), await _register(app, admin)
        context = await browser.new_context(service_workers="block")
        page = await context.new_page()
        calls: list[str] = []
        page.on("request", lambda request: calls.append(request.url.split(app.base_url)[-1]))
        await page.goto(f"{app.base_url}{device['enrol_path']}")
        await page.wait_for_function(
            "() => window.fieldState?.ready && window.fieldState.synced > 0", timeout=30_000
        )
        rotated = await app.call("POST", f"/api/devices/{device['device_id']}/rotate", admin)
        stored = await page.evaluate(
            "(async () => { const { store, baseDoc, localIso } = fieldApp;"
            " const doc = {...baseDoc('hazard'), title: '换密码后记录的隐患',"
            " category: 'fire', sector: 'gas', severity: 'general', reported_at: localIso(),"
            " photos: [], location: {lat: 30.2721, lon: 120.1542, accuracy_m: 9,"
            " provider: 'gps'}}; await store(doc); return doc._id; })().catch((e) => e.message)"
        )
        await page.evaluate("fieldApp.sync()")
        await page.wait_for_function("() => window.fieldState.refused === true", timeout=30_000)
        calls.clear()
        for _ in range(3):  # what the minute timer, the network coming back and a save do
            await page.evaluate("fieldApp.sync()")
        automatic = list(calls)
        await page.click("#sync")  # the worker's own press: one question to the service
        await page.wait_for_function(
            "() => document.querySelector('#sync-detail').textContent.length > 0"
        )
        pressed = [call for call in calls if call not in automatic]
        detail = await page.inner_text("#sync-detail")
        await page.goto(f"{app.base_url}{other['enrol_path']}")  # another tablet's code
        await page.reload()
        await page.wait_for_function("() => window.fieldState?.ready", timeout=30_000)
        not_mine = await page.inner_text("#notice")
        await page.goto(f"{app.base_url}{rotated.json()['enrol_path']}")  # its own new code
        await page.reload()
        await page.wait_for_function(
            "() => window.fieldState?.ready && window.fieldState.synced > 0"
            " && window.fieldState.pending === 0",
            timeout=30_000,
        )
        rekeyed = await page.evaluate("JSON.parse(localStorage.getItem('field.device'))")
        await context.close()
        async with httpx.AsyncClient(base_url=app.base_url) as client:
            other_code = other["enrol_path"].split("#enrol=")[1]
            still_unused = await client.post("/api/field/enrol", json={"code": other_code})
        async with httpx.AsyncClient(base_url=dev_couch.url, timeout=30) as couch:
            admin_auth = (dev_couch.credentials.user, dev_couch.credentials.password)
            arrived = await couch.get(f"/{device['database']}/{stored}", auth=admin_auth)
    assert rotated.status_code == 200, rotated.text
    assert stored.startswith("hazard:"), stored
    assert [call for call in automatic if call.startswith("/couch/")] == []
    assert [call for call in automatic if call.startswith("/api/field/device")] == []
    assert [call for call in pressed if call.startswith("/couch/")] == []
    assert len([call for call in pressed if call.startswith("/api/field/device")]) == 1
    assert "password" in detail or "密码" in detail
    assert "another tablet" in not_mine or "另一台设备" in not_mine
    assert rekeyed["device_id"] == device["device_id"]
    assert still_unused.status_code == 200  # refused for this tablet, left for its own
    assert arrived.status_code == 200  # the work saved before the new code was sent
