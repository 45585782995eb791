"""The field app in headless Chromium, offline first: set up from the registration's
enrol link, go offline, record an inspection and a hazard with a photo and a position,
reload while still offline (nothing lost), go online, see the hazard on the supervisor
side and its verdict back in the app; the supervisor assigns it and the app shows the
assignment after the next sync. A second worker's app on another grid sees none of it.
Screenshots of the main screens go to tests/artifacts/."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PIL import Image
from playwright.async_api import Browser, BrowserContext, Geolocation, Page

from backend.settings import Settings
from sync.devserver import DevCouch
from tests.browser.harness import SCREENSHOTS, Served, chromium, served
from tests.helpers import eventually

HERE: Geolocation = {"latitude": 30.2721, "longitude": 120.1542, "accuracy": 9}  # donghu-01


def _photo(path: Path) -> Path:
    Image.new("RGB", (2400, 1800), (150, 60, 40)).save(path, "JPEG", quality=90)
    return path


async def _register(app: Served, admin: str, grid_id: str) -> dict[str, Any]:
    response = await app.call("POST", "/api/devices", admin,
                              json={"grid_id": grid_id, "label": "field app"})  # fmt: skip
    assert response.status_code == 201, response.text
    return dict(response.json())


async def _open_app(
    browser: Browser, app: Served, device: dict[str, Any], *, located: bool = True
) -> tuple[BrowserContext, Page]:
    """The app set up from the device's enrol link; ``located=False``: no GPS allowed."""
    context = await browser.new_context(
        viewport={"width": 800, "height": 1200}, geolocation=HERE if located else None,
        permissions=["geolocation"] if located else [], locale="zh-CN",
        timezone_id="Asia/Shanghai", service_workers="allow",
    )  # fmt: skip
    page = await context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    await page.goto(f"{app.base_url}{device['enrol_path']}")
    await page.wait_for_function("() => window.fieldState?.ready && window.fieldState.synced > 0",
                                 timeout=30_000)  # fmt: skip
    await page.evaluate("navigator.serviceWorker.ready")
    assert errors == [], errors
    return context, page


async def _record_offline(page: Page, photo: Path) -> tuple[str, int, str]:
    """An inspection and a hazard with a photo, offline: what the contract said of a
    document that breaks it (it is not stored), then what waits to be synced and the
    sync indicator's words."""
    refused = await page.evaluate(
        "fieldApp.store({...fieldApp.baseDoc('hazard'), title: 'x', severity: 'catastrophic'})"
        ".then(() => 'stored', (e) => e.message)"
    )
    await page.click("[data-tab=inspect]")
    await page.select_option("#inspect-form select[name=kind]", "hazard_inspection")
    await page.fill("#inspect-form input[name=site_name]", "东湖综合市场")
    await page.check("#inspect-form input[name='answer:exits-clear'][value=no]")
    await page.click("#inspect-form button[type=submit]")
    await page.wait_for_selector("#home:not([hidden])")
    await page.click("[data-tab=report]")
    await page.wait_for_function(
        "() => document.querySelector('#fix').textContent.includes('30.2721')"
    )
    await page.fill("#report-form input[name=title]", "二楼安全出口堵塞")
    await page.select_option("#report-form select[name=severity]", "major")
    await page.set_input_files("#report-form input[name=photos]", str(photo))
    await page.screenshot(path=str(SCREENSHOTS / "field-report.png"))
    await page.click("#report-form button[type=submit]")
    await page.wait_for_selector("#home:not([hidden])")
    await page.wait_for_function(  # its attempt to sync has failed: no network
        "!document.querySelector('#sync-state').textContent.includes('…')"
    )
    pending, status = await page.evaluate(
        "[window.fieldState.pending, document.querySelector('#sync-state').textContent"
        " + ' | ' + document.querySelector('#sync-detail').textContent]"
    )
    return str(refused), int(pending), str(status)


async def test_a_worker_records_offline_and_the_loop_reaches_the_app(
    sqlite_settings: Settings, dev_couch: DevCouch, tmp_path: Path
) -> None:
    async with served(sqlite_settings, tmp_path) as app:
        admin = await app.token(*app.admin)
        mine = await _register(app, admin, "donghu-01")
        theirs = await _register(app, admin, "xixi-02")
        async with chromium() as browser:
            context, page = await _open_app(browser, app, mine)
            await context.set_offline(True)
            refused, pending_offline, status_offline = await _record_offline(
                page, _photo(tmp_path / "exit.jpg")
            )
            # still offline: the shell from the service worker, the data from IndexedDB
            await page.reload()
            await page.wait_for_function("() => window.fieldState?.ready", timeout=30_000)
            after_reload = await page.inner_text("#hazards")
            await page.screenshot(path=str(SCREENSHOTS / "field-offline.png"))

            await context.set_offline(False)
            await page.click("#sync")
            await page.wait_for_function("() => window.fieldState?.pending === 0", timeout=30_000)

            async def hazards() -> Any:
                return (await app.call("GET", "/api/hazards", admin)).json()

            [hazard] = await eventually(hazards, lambda rows: len(rows) == 1, within=20)
            photos = await eventually(
                lambda: _json(app.call("GET", f"/api/hazards/{hazard['doc_id']}/photos", admin)),
                lambda rows: bool(rows) and rows[0]["status"] == "processed",
                within=30,
            )
            await _sync_until(page, "!document.querySelector('#hazards .verdict')"
                                    ".textContent.includes('等待')")  # fmt: skip
            verdict = await page.inner_text("#hazards .verdict")

            decided = await _assign(app, admin, hazard["doc_id"])
            await page.click("[data-tab=ledger]")
            await _sync_until(page, "document.querySelector('#ledger-items .measures')")
            measures = await page.inner_text("#ledger-items .measures")
            deadline = await page.inner_text("#ledger-items .deadline")
            await page.screenshot(path=str(SCREENSHOTS / "field-ledger.png"))
            reports = await _rectify(page, app, admin, hazard["doc_id"], tmp_path)
            await page.click("[data-tab=home]")
            await page.screenshot(path=str(SCREENSHOTS / "field-home.png"))
            inspections = (await app.call("GET", "/api/coverage", admin)).json()
            await context.close()

            their_list, their_docs = await _other_worker(browser, app, theirs)

    assert refused.startswith("不符合数据规范")
    assert "/severity" in refused
    assert pending_offline == 2
    assert "待同步 2 条（照片 1 张）" in status_offline
    assert "没有网络" in status_offline
    assert "二楼安全出口堵塞" in after_reload
    assert hazard["severity"] == "major"
    assert hazard["geofence_status"] == "inside"
    assert photos[0]["thumbnail_url"]
    assert "网格内" in verdict
    assert decided == [201, 201]
    assert measures == "清理二楼东侧出口杂物"
    assert deadline == "2026-12-05 23:59"
    assert len(reports) == 1
    visited = [p for p in inspections["places"] if p["place_id"] == "donghu-01"
               and p["kind"] == "hazard_inspection"]  # fmt: skip
    assert visited[0]["inspections"] == 1
    assert "二楼安全出口堵塞" not in their_list
    assert not any(row["id"].startswith(("hazard:", "inspection:", "verdict:", "ledger:"))
                   for row in their_docs["rows"])  # fmt: skip


async def _rectify(page: Page, app: Served, admin: str, hazard_id: str, work: Path) -> Any:
    """The worker files the rectification report with a photo; the server links it."""
    await page.fill("#ledger-items textarea[name=text]", "杂物已清理，出口畅通。")
    await page.set_input_files("#ledger-items input[name=photos]", str(_photo(work / "after.jpg")))
    # a sync ends meanwhile and redraws: the draft stays
    await page.evaluate("fieldApp.refreshAll()")
    kept = await page.evaluate("[document.querySelector('#ledger-items textarea').value,"
                               " document.querySelector('#ledger-items input[name=photos]')"
                               ".files.length]")  # fmt: skip
    assert kept == ["杂物已清理，出口畅通。", 1]
    stored = await page.evaluate("window.fieldState.stored")
    await page.click("#ledger-items button[type=submit]")
    await page.wait_for_function(f"() => window.fieldState.stored > {stored}")
    await page.wait_for_function("() => window.fieldState?.pending === 0", timeout=30_000)

    async def linked() -> Any:
        detail = (await app.call("GET", f"/api/hazards/{hazard_id}", admin)).json()
        return detail["rectification_reports"]

    return await eventually(linked, bool, within=20)


async def _assign(app: Served, admin: str, hazard_id: str) -> list[int]:
    """The supervisor reviews and assigns (a day as deadline): the answers' statuses."""
    assignment = {"responsible_person": "李经理", "measures": "清理二楼东侧出口杂物",
                  "deadline": "2026-12-05"}  # fmt: skip
    statuses = []
    for version, body in enumerate([{"event": "reviewed"},
                                    {"event": "assigned", "assignment": assignment}]):  # fmt: skip
        response = await app.call("POST", f"/api/hazards/{hazard_id}/ledger", admin, json=body,
                                  headers={"If-Match": f'"ledger-{version}"'})  # fmt: skip
        statuses.append(response.status_code)
    return statuses


async def _other_worker(browser: Browser, app: Served, device: dict[str, Any]) -> tuple[str, Any]:
    """Another grid's app: its hazard list and every document its local database holds."""
    context, page = await _open_app(browser, app, device)
    listed = await page.inner_text("#hazards")
    docs = await page.evaluate(
        "new PouchDB('field-' + JSON.parse(localStorage.getItem('field.device')).database)"
        ".allDocs()"
    )
    await context.close()
    return listed, docs


async def _json(call: Any) -> Any:
    return (await call).json()


async def _sync_until(page: Page, condition: str) -> None:
    """Sync (as the worker taps the button) until ``condition`` holds in the page."""
    for _ in range(40):
        await page.click("#sync")
        await page.wait_for_function(
            "() => !document.querySelector('#sync-state').textContent.includes('…')"
        )
        if await page.evaluate(f"Boolean({condition})"):
            return
        await page.wait_for_timeout(500)
    raise AssertionError(f"never true: {condition}")


async def test_the_qr_code_of_a_new_tablet_sets_up_the_field_app(
    sqlite_settings: Settings, dev_couch: DevCouch, tmp_path: Path
) -> None:
    async with served(sqlite_settings, tmp_path) as app, chromium() as browser:
        admin = await app.token(*app.admin)
        worker = {"username": "wang.fang", "display_name": "王芳", "role": "grid_worker",
                  "place_id": "donghu-03", "password": "worker-password-1"}  # fmt: skip
        assert (await app.call("POST", "/api/accounts", admin, json=worker)).status_code == 201
        admin_page = await browser.new_page(viewport={"width": 900, "height": 1000})
        await admin_page.goto(f"{app.base_url}/devices")
        await admin_page.fill("#login input[name=username]", app.admin[0])
        await admin_page.fill("#login input[name=password]", app.admin[1])
        await admin_page.click("#login button[type=submit]")
        await admin_page.select_option("#register select[name=grid_id]", "donghu-03")
        await admin_page.fill("#register input[name=label]", "王芳的平板")
        await admin_page.click("#register button[type=submit]")
        await admin_page.wait_for_selector("#qr img")
        link = await admin_page.get_attribute("#enrol-link", "href")
        await admin_page.screenshot(path=str(SCREENSHOTS / "devices-qr.png"))
        row = admin_page.locator("#devices tr", has_text="王芳的平板")
        await row.locator("select").select_option(label="王芳")  # handed to its worker
        handed = await eventually(
            lambda: _json(app.call("GET", "/api/devices", admin)),
            lambda devices: any(d["worker_name"] == "王芳" for d in devices),
        )
        listed = await admin_page.inner_text("#devices")

        assert link is not None
        context, tablet = await _open_app(browser, app, {"enrol_path": link.split(app.base_url)[1]})
        who = await tablet.inner_text("#who")
        stored = await tablet.evaluate("JSON.parse(localStorage.getItem('field.device'))")
        await context.close()

    assert "王芳的平板" in listed
    assert [d["label"] for d in handed if d["worker_name"] == "王芳"] == ["王芳的平板"]
    assert who.startswith("donghu-03")
    assert stored["database"].endswith("grid_donghu-03")
    assert "#" not in tablet.url  # the credentials do not stay in the address bar


async def _indexed_databases(page: Page) -> list[str]:
    names = await page.evaluate("indexedDB.databases().then((l) => l.map((d) => d.name))")
    return sorted(n for n in names if "field-" in n)


async def test_a_moved_tablet_follows_its_grid_and_a_withdrawn_one_is_erased(
    sqlite_settings: Settings, dev_couch: DevCouch, tmp_path: Path
) -> None:
    async with served(sqlite_settings, tmp_path) as app, chromium() as browser:
        admin = await app.token(*app.admin)
        device = await _register(app, admin, "donghu-01")
        context, page = await _open_app(browser, app, device)
        before = await _indexed_databases(page)

        moved = await app.call("POST", f"/api/devices/{device['device_id']}/move", admin,
                               json={"grid_id": "donghu-02"})  # fmt: skip
        await page.click("#sync")  # refused by donghu-01's database: the app asks why
        await page.wait_for_function("() => window.fieldState?.purged", timeout=30_000)
        after_move = (await page.inner_text("#who"), await page.inner_text("#notice"),
                      await _indexed_databases(page))  # fmt: skip
        await page.screenshot(path=str(SCREENSHOTS / "field-moved.png"))

        revoked = await app.call("POST", f"/api/devices/{device['device_id']}/revoke", admin)
        await page.click("#sync")
        await page.wait_for_selector("#enrol:not([hidden])", timeout=30_000)
        after_revoke = (await page.inner_text("#notice"), await _indexed_databases(page),
                        await page.evaluate("Object.keys(localStorage)"))  # fmt: skip
        await page.screenshot(path=str(SCREENSHOTS / "field-withdrawn.png"))
        await context.close()

    assert moved.status_code == revoked.status_code == 200
    assert [n.rsplit("grid_", 1)[-1] for n in before] == ["donghu-01"]
    who, notice, databases = after_move
    assert who.startswith("donghu-02")
    assert "donghu-02" in notice
    assert [n.rsplit("grid_", 1)[-1] for n in databases] == ["donghu-02"]
    notice, databases, stored = after_revoke
    assert "停用" in notice
    assert databases == []
    assert [k for k in stored if k.startswith("field.") and k != "field.lang"] == []


async def test_a_hazard_placed_by_hand_in_the_next_grid_comes_back_outside(
    sqlite_settings: Settings, dev_couch: DevCouch, tmp_path: Path
) -> None:
    async with served(sqlite_settings, tmp_path) as app, chromium() as browser:
        admin = await app.token(*app.admin)
        device = await _register(app, admin, "donghu-01")
        context, page = await _open_app(browser, app, device, located=False)
        await page.click("[data-tab=report]")
        no_fix = await page.inner_text("#fix")
        await page.click("#place-manually")
        await page.wait_for_selector("#pick-map:not([hidden])")
        # the worker pans to the spot (inside xixi-02) and taps it
        await page.evaluate(
            "fieldApp.state.pickMap.setView([30.276, 120.165], 18, {animate: false})"
        )
        await page.click("#pick-map")
        placed = await page.inner_text("#fix")
        await page.fill("#report-form input[name=title]", "路边燃气罐无人看管")
        await page.click("#report-form button[type=submit]")
        await page.wait_for_selector("#home:not([hidden])")
        await _sync_until(page, "!document.querySelector('#hazards .verdict')"
                                ".textContent.includes('等待')")  # fmt: skip
        verdict = await page.inner_text("#hazards .verdict")
        await page.screenshot(path=str(SCREENSHOTS / "field-outside.png"))
        grids = (await app.call("GET", "/api/grids", admin)).json()
        xixi_02 = next(g["name_zh"] for g in grids if g["id"] == "xixi-02")
        [listed] = (await app.call("GET", "/api/hazards", admin)).json()
        hazard = (await app.call("GET", f"/api/hazards/{listed['doc_id']}", admin)).json()
        await context.close()

    assert "还没有定位" in no_fix
    assert placed.startswith("手动标注：30.27")
    assert hazard["doc"]["location"]["provider"] == "manual"
    assert abs(hazard["lat"] - 30.276) < 1e-3
    assert abs(hazard["lon"] - 120.165) < 1e-3
    assert (hazard["geofence_status"], hazard["suggested_grid_id"]) == ("outside", "xixi-02")
    assert verdict.startswith("不在你的网格内——是否应属于 ")
    assert verdict.endswith(f"{xixi_02}？")  # its name from the verdict, not its id
