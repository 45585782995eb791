"""The supervisor map's patrol layers in headless Chromium: a tablet's patrol track of a
week, drawn as a line named by the worker who carried the tablet, and the grids' blind
spots of that week, filtered by tablet and by worker."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from playwright.async_api import Page

from backend.settings import Settings
from sync.couch import CouchClient
from sync.devserver import DevCouch
from sync.ids import new_ulid
from tests.browser.harness import SCREENSHOTS, Served, chromium, map_state, served, signed_in_map
from tests.helpers import eventually

SUPERVISOR = ("patrol.donghu", "donghu-patrol-password")
DRAWN = "() => window.mapState.patrolsDrawn"
"""Both patrol layers drawn after the last change of week, tablet or toggles."""


def _track(cred: dict[str, str]) -> dict[str, Any]:
    """A walk along the middle of donghu-01 (120.150–120.160 E), 09:00–09:10 on
    Tuesday 1 December 2026 (week 2026-W49), a fix every 5 s."""
    points = [{"t": f"2026-12-01T09:{i * 5 // 60:02d}:{i * 5 % 60:02d}+08:00", "lat": 30.272,
               "lon": 120.151 + i * 0.00006, "accuracy_m": 5} for i in range(121)]  # fmt: skip
    return {"_id": f"track:{cred['device_id']}:{new_ulid()}", "type": "track",
            "schema_version": 1, "app_version": "1.0.0", "author": cred["username"],
            "device_id": cred["device_id"], "grid_id": "donghu-01",
            "created_at": "2026-12-01T09:00:00+08:00",
            "inspection_id": f"inspection:{cred['device_id']}:{new_ulid()}",
            "points": points}  # fmt: skip


async def _hand_to_a_worker(app: Served, admin: str, device_id: str) -> str:
    """A grid worker of donghu-01, 王芳, now carries the tablet; their account id."""
    worker = {"username": "wang.fang", "password": "worker-password-1", "role": "grid_worker",
              "place_id": "donghu-01", "display_name": "王芳"}  # fmt: skip
    made = await app.call("POST", "/api/accounts", admin, json=worker)
    wang = int(made.json()["account"]["id"])
    handed = await app.call("POST", f"/api/devices/{device_id}/worker", admin,
                            json={"account_id": wang})  # fmt: skip
    assert handed.status_code in (200, 201), handed.text
    return str(wang)


MIDDLE_OF_TRACK = """(() => { const r = document.querySelector('path.patrol-track')
  .getBoundingClientRect(); return [r.x + r.width / 2, r.y + r.height / 2]; })()"""


async def _by_worker(page: Page, worker: str) -> tuple[list[str], str, dict[str, Any]]:
    """The worker choices, the track's tooltip, and the map with one worker's tracks."""
    workers = await page.locator("#patrol-worker option").all_inner_texts()
    await page.mouse.move(*await page.evaluate(MIDDLE_OF_TRACK))  # level: hover() sees no height
    track_tip = await page.locator(".leaflet-tooltip", has_text="km").inner_text()
    await page.select_option("#patrol-worker", worker)
    await page.wait_for_function(DRAWN)
    drawn = await map_state(page)
    await page.select_option("#patrol-worker", "")
    await page.wait_for_function(DRAWN)
    return workers, track_tip, drawn


async def test_a_supervisor_sees_a_weeks_tracks_and_blind_spots(
    sqlite_settings: Settings, dev_couch: DevCouch, tmp_path: Path
) -> None:
    async with served(sqlite_settings, tmp_path) as app:
        admin = await app.token(*app.admin)
        account = {"username": SUPERVISOR[0], "password": SUPERVISOR[1], "place_id": "donghu",
                   "role": "community_supervisor", "display_name": "东湖社区 巡查"}  # fmt: skip
        assert (await app.call("POST", "/api/accounts", admin, json=account)).status_code == 201
        registered = await app.call("POST", "/api/devices", admin,
                                    json={"grid_id": "donghu-01", "label": "patrol"})  # fmt: skip
        cred = dict(registered.json())
        wang = await _hand_to_a_worker(app, admin, cred["device_id"])
        async with CouchClient(cred["couch_url"], cred["username"], cred["password"]) as tablet:
            await tablet.put_doc(cred["database"], _track(cred))

        async def projected() -> Any:
            answer = await app.call("GET", "/api/tracks/geojson?week=2026-W49", admin)
            return answer.json()["features"]

        await eventually(projected, lambda features: len(features) == 1, within=20)

        async with chromium() as browser:
            page = await signed_in_map(browser, app.base_url, *SUPERVISOR, query="?lang=en")
            await page.fill("#patrol-week", "2026-W49")
            await page.check("#tracks-toggle")
            await page.wait_for_function(DRAWN)
            await page.check("#blind-toggle")
            await page.wait_for_function(DRAWN)
            lines = await page.locator("path.patrol-track").count()
            spots = await page.locator("path.blind-spot").count()
            devices = await page.locator("#patrol-device option").all_inner_texts()
            await page.locator("path.blind-spot").first.hover(position={"x": 6, "y": 6})
            tip = await page.inner_text(".leaflet-tooltip")
            await page.screenshot(path=str(SCREENSHOTS / "map-patrols.png"))
            workers, track_tip, walked_by_wang = await _by_worker(page, wang)

            await page.select_option("#patrol-device", "")
            await page.fill("#patrol-week", "2026-W48")  # the week before: nobody walked
            await page.wait_for_function(DRAWN)
            earlier = await map_state(page)
            await page.close()

    assert (lines, spots) == (1, 3)  # a line of the week's track, a blind spot per grid
    assert devices == ["All tablets", cred["device_id"]]
    assert workers == ["All workers", "王芳"]
    assert track_tip.startswith(f"王芳 ({cred['device_id']})")
    assert (walked_by_wang["tracks"], walked_by_wang["blindSpots"]) == (1, 3)
    assert "% patrolled" in tip
    assert (earlier["tracks"], earlier["blindSpots"]) == (0, 3)
    assert earlier["errors"] == []
