"""Stored XSS, tried as an attacker would: a tablet writes script-shaped text into every
field of its documents (valid ones, and ones that break the schema, which are stored and
shown too), a supervisor into every free-text field of a decision, an admin into names;
then every page shows them in Debian's Chromium. A page-global tripwire must stay unset
and no dialog may open; each payload must appear as the text it is."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from playwright.async_api import Dialog, Page

from backend.settings import Settings
from sync.couch import CouchClient
from sync.devserver import DevCouch
from tests.browser.harness import Served, chromium, served, signed_in_map
from tests.helpers import eventually, hazard_doc, inspection_doc

TRIP = "window.__xss=1"
PAYLOADS = [
    f'<img src=x onerror="{TRIP}">',
    f'"><svg onload={TRIP}>',
    f"'><script>{TRIP}</script>",
    f"javascript:{TRIP}",
    '<iframe srcdoc="<script>parent.__xss=1</script>"></iframe>',
    f"\u202e<b onmouseover={TRIP}>rtl</b>\u202c",
    f'<a href="javascript:{TRIP}">link</a>',
    f'<math><mtext><table><mglyph><style><img src=x onerror="{TRIP}">',
    '{{constructor.constructor("window.__xss=1")()}}',
]


def _payload(i: int) -> str:
    return PAYLOADS[i % len(PAYLOADS)]


def _tablet_documents(device: dict[str, Any]) -> list[dict[str, Any]]:
    who = {"device_id": device["device_id"], "author": device["username"], "grid_id": "donghu-01"}
    valid = hazard_doc(**who, title=_payload(0), description=_payload(1))
    broken = hazard_doc(**who, title=_payload(2))
    broken["location"] = {"lat": 30.2712, "lon": 120.1523, "accuracy_m": _payload(0),
                          "provider": _payload(4)}  # a number that is really markup  # fmt: skip
    broken["description"] = {"html": _payload(5)}
    numbers_as_strings = hazard_doc(**who, title=_payload(6), severity=_payload(7))
    numbers_as_strings["category"] = _payload(8)
    inspection = inspection_doc(
        **who, kind="hazard_inspection", started_at="2026-11-20T09:00:00+08:00"
    )
    inspection["site"] = {"name": _payload(0), "sector": "crowded_place", "address": _payload(1)}
    return [valid, broken, numbers_as_strings, inspection]


async def _supervisor_decides(app: Served, admin: str, hazard_id: str) -> None:
    assignment = {"responsible_person": _payload(1), "responsible_unit": _payload(2),
                  "measures": _payload(3), "deadline": "2026-12-31"}  # fmt: skip
    bodies = [{"event": "reviewed", "note": _payload(4)},
              {"event": "assigned", "assignment": assignment, "note": _payload(5)}]  # fmt: skip
    for version, body in enumerate(bodies):
        answer = await app.call("POST", f"/api/hazards/{hazard_id}/ledger", admin, json=body,
                                headers={"If-Match": f'"ledger-{version}"'})  # fmt: skip
        assert answer.status_code == 201, answer.text


async def _arm(page: Page, dialogs: list[str]) -> None:
    async def refuse(dialog: Dialog) -> None:
        dialogs.append(dialog.message)
        await dialog.dismiss()

    page.on("dialog", refuse)


async def _tripped(page: Page) -> Any:
    return await page.evaluate("window.__xss")


async def test_hostile_text_stays_text_on_every_page(
    sqlite_settings: Settings, dev_couch: DevCouch, tmp_path: Path
) -> None:
    dialogs: list[str] = []
    async with served(sqlite_settings, tmp_path) as app, chromium() as browser:
        admin = await app.token(*app.admin)
        worker = await app.call("POST", "/api/accounts", admin, json={
            "username": "hostile.worker", "display_name": _payload(6), "role": "grid_worker",
            "place_id": "donghu-01"})  # fmt: skip
        assert worker.status_code == 201, worker.text
        registered = await app.call("POST", "/api/devices", admin, json={
            "grid_id": "donghu-01", "label": _payload(7),
            "worker_account_id": worker.json()["account"]["id"]})  # fmt: skip
        assert registered.status_code == 201, registered.text
        device = registered.json()
        docs = _tablet_documents(device)
        async with CouchClient(dev_couch.url, device["username"], device["password"]) as tablet:
            for doc in docs:
                await tablet.put_doc(device["database"], doc)
        hazards = await eventually(lambda: app.call("GET", "/api/hazards", admin),
                                   lambda r: len(r.json()) == 3, within=30)  # fmt: skip
        await _supervisor_decides(app, admin, docs[0]["_id"])

        map_page = await signed_in_map(browser, app.base_url, *app.admin)
        await _arm(map_page, dialogs)
        for hazard in hazards.json():
            await map_page.goto(f"{app.base_url}/map?hazard={hazard['doc_id']}")
            await map_page.wait_for_function("() => document.querySelector('#panel-body h2')",
                                             timeout=30_000)  # fmt: skip
            panel = await map_page.inner_text("#panel-body")
            assert await _tripped(map_page) is None, panel
        first = await _panel_text(map_page, app, docs[0]["_id"])
        broken = await _panel_text(map_page, app, docs[1]["_id"])

        devices = await browser.new_page()
        await _arm(devices, dialogs)
        await devices.goto(f"{app.base_url}/devices")
        await devices.fill("input[name=username]", app.admin[0])
        await devices.fill("input[name=password]", app.admin[1])
        await devices.click("#login button[type=submit]")
        await devices.wait_for_selector("#devices tr")
        devices_text = await devices.inner_text("#devices")
        devices_tripped = await _tripped(devices)

        context = await browser.new_context(service_workers="allow")
        field = await context.new_page()
        await _arm(field, dialogs)
        await field.goto(f"{app.base_url}{device['enrol_path']}")
        await field.wait_for_function(
            "() => window.fieldState?.ready && window.fieldState.synced > 0", timeout=30_000
        )
        await field.click("[data-tab=ledger]")
        await field.wait_for_function("() => document.querySelector('#ledger-items .measures')",
                                      timeout=30_000)  # fmt: skip
        field_text = await field.inner_text("body")
        field_tripped = await _tripped(field)
        await context.close()

    assert dialogs == []
    assert devices_tripped is None
    assert field_tripped is None
    assert _payload(0) in first  # the title, as text
    assert _payload(3) in first  # the measures, as text
    assert _payload(2) in broken  # a document that breaks the schema is shown, as text
    assert _payload(7) in devices_text  # the tablet's label
    assert _payload(0) in field_text  # the hazard's title in the worker's list
    assert _payload(3) in field_text  # the measures in the worker's ledger


async def _panel_text(page: Page, app: Served, hazard_id: str) -> str:
    await page.goto(f"{app.base_url}/map?hazard={hazard_id}")
    await page.wait_for_function("() => document.querySelector('#panel-body h2')", timeout=30_000)
    await page.wait_for_timeout(300)  # thumbnails and tooltips have had their chance to run
    assert await _tripped(page) is None
    return await page.inner_text("#panel-body")
