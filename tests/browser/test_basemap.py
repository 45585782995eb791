"""The base map in headless Chromium: the supervisor map draws the demo street's tiles read
by byte ranges from the served archive; the field app copies its grid's tiles (the grid
plus a margin, over its zoom range) into Cache Storage, draws them offline after a reload,
and copies them again when the archive is replaced, dropping the old copy."""

from __future__ import annotations

import math
import shutil
from pathlib import Path
from typing import Any

from playwright.async_api import Page, Request

from backend.basemap.demo import demo_basemap
from backend.settings import Settings
from geo.basemap import tiles_covering
from sync.devserver import DevCouch
from tests.browser.harness import SCREENSHOTS, Served, chromium, served, signed_in_map
from tests.browser.test_field_app import _open_app, _register

DRAWN_TILES = """() => [...document.querySelectorAll('.basemap img.leaflet-tile-loaded')]
  .filter((img) => img.style.visibility !== 'hidden' && img.naturalWidth === 256).length"""
FIELD_MARGIN_M = 300
"""basemap.js MARGIN_M: the margin the field app keeps around its grid."""
FIELD_ZOOMS = (12, 18)
"""basemap.js ZOOMS."""


async def _drawn(page: Page, at_least: int) -> int:
    # a function, not an expression: the page's CSP refuses the eval an expression needs
    await page.wait_for_function(f"() => ({DRAWN_TILES})() >= {at_least}", timeout=30_000)
    return int(await page.evaluate(f"({DRAWN_TILES})()"))


async def test_the_supervisor_map_draws_the_demo_base_map_by_byte_ranges(
    sqlite_settings: Settings, dev_couch: DevCouch, tmp_path: Path
) -> None:
    async with served(sqlite_settings, tmp_path) as app, chromium() as browser:
        ranges: list[str] = []

        def seen(request: Request) -> None:
            if request.url.endswith("/basemap/archive.pmtiles"):
                ranges.append(request.headers.get("range", ""))

        page = await signed_in_map(browser, app.base_url, *app.admin, query="?lang=en")
        page.on("request", seen)
        drawn_at_start = await _drawn(page, 4)
        for _ in range(2):
            await page.click(".leaflet-control-zoom-in")
            await page.wait_for_timeout(400)
        drawn_zoomed = await _drawn(page, 4)
        await page.screenshot(path=str(SCREENSHOTS / "map-basemap.png"))

    assert drawn_at_start >= 4
    assert drawn_zoomed >= 4
    assert ranges, "tiles of a new zoom are read from the archive"
    assert all(value.startswith("bytes=") for value in ranges), ranges


def _field_tiles(boundary: dict[str, Any], facts: dict[str, Any]) -> int:
    """How many tiles the field app should keep: its grid's bounding box plus the margin
    (the same arithmetic as basemap.js), within the archive, at each zoom both allow."""
    points = [point for ring in boundary["coordinates"] for point in ring]
    lons, lats = [p[0] for p in points], [p[1] for p in points]
    d_lat = FIELD_MARGIN_M / 111320
    d_lon = FIELD_MARGIN_M / (111320 * math.cos(math.radians(min(lats))))
    west, south, east, north = facts["bounds"]
    area = (max(min(lons) - d_lon, west), max(min(lats) - d_lat, south),
            min(max(lons) + d_lon, east), min(max(lats) + d_lat, north))  # fmt: skip
    lowest, highest = max(FIELD_ZOOMS[0], facts["min_zoom"]), min(FIELD_ZOOMS[1], facts["max_zoom"])
    zooms = range(lowest, highest + 1)
    return sum(len(list(tiles_covering(area, zoom))) for zoom in zooms)


async def _grid_boundary(app: Served, admin: str, grid_id: str) -> dict[str, Any]:
    grids = (await app.call("GET", "/api/grids/geojson", admin)).json()
    [feature] = [f for f in grids["features"] if f["properties"]["id"] == grid_id]
    return dict(feature["geometry"])


COPY = "() => window.fieldState.basemap"
COPIES = "caches.keys().then((keys) => keys.filter((key) => key.startsWith('field-basemap-')))"


async def test_the_field_app_keeps_its_grids_base_map_offline_and_follows_a_new_archive(
    sqlite_settings: Settings, dev_couch: DevCouch, tmp_path: Path
) -> None:
    archive = tmp_path / "street.pmtiles"
    shutil.copyfile(demo_basemap(), archive)
    async with served(sqlite_settings, tmp_path, BASEMAP_PMTILES=str(archive)) as app:
        admin = await app.token(*app.admin)
        facts = (await app.call("GET", "/basemap/info", admin)).json()
        expected = _field_tiles(await _grid_boundary(app, admin, "donghu-01"), facts)
        device = await _register(app, admin, "donghu-01")
        async with chromium() as browser:
            context, page = await _open_app(browser, app, device)
            await page.wait_for_function("() => window.fieldState.basemap?.complete",
                                         timeout=60_000)  # fmt: skip
            first: dict[str, Any] = await page.evaluate(COPY)
            status = await page.inner_text("#basemap-status")

            await context.set_offline(True)
            await page.reload()
            await page.wait_for_function("() => window.fieldState?.ready", timeout=30_000)
            drawn_offline = await _drawn(page, 4)
            await page.screenshot(path=str(SCREENSHOTS / "field-basemap-offline.png"))
            await context.set_offline(False)

            shutil.copyfile(demo_basemap(), tmp_path / "replacement.pmtiles")
            (tmp_path / "replacement.pmtiles").replace(archive)  # a new file: a new ETag
            await page.evaluate("fieldApp.state.basemap.checked = 0; fieldApp.refreshAll()")
            await page.wait_for_function(
                f"() => window.fieldState.basemap?.etag && window.fieldState.basemap.etag !== "
                f"{first['etag']!r} && window.fieldState.basemap.complete && "
                "!window.fieldState.basemap.progress", timeout=60_000)  # fmt: skip
            second: dict[str, Any] = await page.evaluate(COPY)
            copies: list[str] = await page.evaluate(COPIES)
            await context.close()

    assert first["grid"] == "donghu-01"
    assert first["etag"] == facts["etag"]
    assert first["tiles"] == expected > 50
    assert not first["capped"]
    assert 0 < first["bytes"] < 40 * 1024 * 1024
    assert f"{expected} 张" in status
    assert drawn_offline >= 4
    assert second["tiles"] == expected
    assert copies == [second["cache"]]
    assert second["cache"] != first["cache"]
