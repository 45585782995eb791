"""A patrol walked with the field app offline (scripted geolocation) reaches the
supervisor's map as a track with its blind spots: nothing is recorded before the
worker starts the patrol, inaccurate and too-close fixes are dropped, the summary is on
screen, the track is written to PouchDB and synced when the tablet is back online."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from playwright.async_api import Browser, Page

from backend.settings import Settings
from sync.devserver import DevCouch
from tests.browser.harness import SCREENSHOTS, Served, chromium, served, signed_in_map
from tests.browser.test_field_app import _open_app, _register
from tests.helpers import eventually

STEP_DEG = 0.0002  # about 19 m east at 30.272°N
WALK = 30


JUDGED = "(window.fieldState.patrol?.kept || 0) + (window.fieldState.patrol?.dropped || 0)"
"""Fixes the app has judged during the patrol: kept or dropped."""


async def _fix(page: Page, lon: float, accuracy: float) -> None:
    """Move the scripted position; wait until the app has judged the fix."""
    before = await page.evaluate(JUDGED)
    await page.context.set_geolocation({"latitude": 30.272, "longitude": lon, "accuracy": accuracy})
    await page.wait_for_function(f"() => {JUDGED} > {before}")


async def test_a_patrol_walked_offline_reaches_the_supervisors_map(
    sqlite_settings: Settings, dev_couch: DevCouch, tmp_path: Path
) -> None:
    async with served(sqlite_settings, tmp_path) as app:
        admin = await app.token(*app.admin)
        device = await _register(app, admin, "donghu-01")
        async with chromium() as browser:
            context, page = await _open_app(browser, app, device)
            await context.set_offline(True)
            before_start, idle = await _before_the_patrol(page)
            await _walk(page)
            walked = await page.evaluate("window.fieldState.patrol")
            summary = await page.inner_text("#patrol-summary")
            await page.screenshot(path=str(SCREENSHOTS / "field-patrol.png"))
            await page.click("#inspect-form button[type=submit]")  # end the patrol
            await page.wait_for_function("() => window.fieldState.patrol === null")
            ended = await page.evaluate("window.fieldState.tracks")
            pending_offline = await page.evaluate("window.fieldState.pending")
            await context.set_offline(False)
            await page.click("#sync")
            await page.wait_for_function("() => window.fieldState?.pending === 0", timeout=30_000)

            async def tracks() -> Any:
                return (await app.call("GET", "/api/tracks/geojson", admin)).json()["features"]

            synced = await eventually(tracks, lambda features: len(features) == 1, within=30)
            scores = (await app.call("GET", "/api/scorecard", admin)).json()

            on_map = await _supervisors_map(browser, app)
        spots = (await app.call("GET", "/api/coverage/blind-spots", admin)).json()["features"]

    assert before_start is None  # a position, but no patrol: nothing recorded
    assert "不记录位置" in idle
    assert walked["kept"] == WALK
    assert walked["dropped"] == 2 * (WALK // 10)
    assert walked["distance_m"] > (WALK - 1) * 18
    assert "公里" in summary
    assert ended == 1  # one track document: the whole patrol fits in one
    assert pending_offline >= 2  # the track and the patrol, waiting for the network
    track = synced[0]
    assert track["properties"]["points"] == WALK
    assert track["properties"]["device_id"] == device["device_id"]
    mine = next(row for row in scores if row["device_id"] == device["device_id"])
    assert mine["inspections"].get("patrol") == 1  # the patrol itself, saved at its end
    assert track["geometry"]["type"] == "LineString"
    assert (on_map["tracks"], on_map["blindSpots"]) == (1, 3)
    assert on_map["errors"] == []
    share = {f["id"]: f["properties"]["patrolled_share"] for f in spots}
    assert share["donghu-01"] > 0.1
    assert share["donghu-02"] == 0


async def _before_the_patrol(page: Page) -> tuple[Any, str]:
    """A position, but no patrol started: what the app recorded, what it says."""
    await page.context.set_geolocation({"latitude": 30.2725, "longitude": 120.1505,
                                        "accuracy": 8})  # fmt: skip
    await page.wait_for_timeout(300)
    recorded = await page.evaluate("window.fieldState.patrol")
    await page.click("#tabs button[data-tab=inspect]")
    await page.select_option("#inspect-form select[name=kind]", "patrol")
    return recorded, await page.inner_text("#patrol-summary")


async def _walk(page: Page) -> None:
    """Start the patrol and walk east along 30.272°N; at every tenth fix a bad one
    (accuracy 250 m: dropped) and one only 2 m on (too close: dropped)."""
    await page.click("#patrol-start")
    for i in range(WALK):
        lon = 120.151 + i * STEP_DEG
        await _fix(page, lon, 8)
        if i % 10 == 5:
            await _fix(page, lon + STEP_DEG / 2, 250)
            await _fix(page, lon + STEP_DEG / 20, 8)


async def _supervisors_map(browser: Browser, app: Served) -> Any:
    """The donghu supervisor's map with both patrol layers of this week."""
    page = await signed_in_map(browser, app.base_url, "donghu", _demo_password(app),
                               query="?lang=zh")  # fmt: skip
    await page.check("#tracks-toggle")
    await page.wait_for_function("() => window.mapState.patrolsDrawn")
    await page.check("#blind-toggle")
    await page.wait_for_function("() => window.mapState.patrolsDrawn")
    await page.screenshot(path=str(SCREENSHOTS / "map-patrol-walked.png"))
    return await page.evaluate("window.mapState")


def _demo_password(app: Served) -> str:
    """The donghu supervisor's password, printed once at the first start."""
    for line in app.log.read_text().splitlines():
        if line.strip().startswith("donghu ") and "password" in line:
            return line.split("password", 1)[1].strip()
    raise AssertionError("no password printed for donghu")
