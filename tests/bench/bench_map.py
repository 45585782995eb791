"""Benchmark: first render of the supervisor map with 100,000 hazards, in Chromium.

The demo street with 100,000 hazards in its SQLite database; a real server process; the
map signed in as an admin (the whole street is the jurisdiction). Printed: the time from
submitting the sign-in to the first drawn view (street level: the server counts hazards
per cell), and to a zoomed-in view of single, clustered markers. Baseline in the same
run: the same API calls made by a plain HTTP client, without the browser.

Run: ``.venv/bin/python -m tests.bench.bench_map`` (``BENCH_HAZARDS``).
"""

from __future__ import annotations

import asyncio
import os
import tempfile
import time
from pathlib import Path

import httpx

from backend.settings import Settings
from sync.devserver import managed_dev_couch
from tests.bench.bench_bbox import _fill
from tests.browser.harness import chromium, served

HAZARDS = int(os.environ.get("BENCH_HAZARDS", "100000"))
ADMIN = ("bench", "bench-password-1")
ZOOMED = (120.153, 30.2715, 120.1545, 30.2722)


async def _api_only(base_url: str, bbox: str) -> float:
    """The calls the map makes for a view, by a plain client: its floor."""
    async with httpx.AsyncClient(base_url=base_url, timeout=60) as client:
        login = await client.post("/api/auth/login",
                                  json={"username": ADMIN[0], "password": ADMIN[1]})  # fmt: skip
        client.headers["Authorization"] = f"Bearer {login.json()['access_token']}"
        start = time.perf_counter()
        await client.get("/api/map/config")
        await client.get("/api/grids/geojson")
        await client.get("/api/map/grid-status")
        counted = (await client.get(f"/api/map/clusters?bbox={bbox}&cells=40")).json()
        if counted["total"] <= 3000:
            await client.get(f"/api/hazards/geojson?bbox={bbox}&limit=3000")
        return time.perf_counter() - start


async def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        with managed_dev_couch(work / "couch") as couch:
            settings = Settings(var_dir=work / "var", couch=couch.credentials, demo=True,
                                jwt_secret="m" * 40, bootstrap_admin=ADMIN,
                                couch_namespace="bench_")  # fmt: skip
            async with served(settings, work) as app:
                _fill(work / "var" / "inspection.sqlite3")
                street = "120.150000,30.270000,120.170000,30.282000"
                floor_street = await _api_only(app.base_url, street)
                floor_zoomed = await _api_only(app.base_url, ",".join(map(str, ZOOMED)))
                async with chromium() as browser:
                    page = await browser.new_page(viewport={"width": 1366, "height": 768})
                    await page.goto(f"{app.base_url}/map?lang=en")
                    await page.fill("input[name=username]", ADMIN[0])
                    await page.fill("input[name=password]", ADMIN[1])
                    start = time.perf_counter()
                    await page.click("#login button[type=submit]")
                    await page.wait_for_function("() => window.mapState.ready", timeout=60_000)
                    street_view = time.perf_counter() - start
                    first = await page.evaluate("window.mapState")
                    start = time.perf_counter()
                    west, south, east, north = ZOOMED
                    await page.evaluate(
                        "window.mapState.ready = false; "
                        f"window.mapView.fit([[{south}, {west}], [{north}, {east}]])"
                    )
                    await page.wait_for_function("() => window.mapState.ready", timeout=60_000)
                    zoomed_view = time.perf_counter() - start
                    zoomed = await page.evaluate("window.mapState")
    print(f"supervisor map over {HAZARDS:,} hazards (Chromium, 1366x768)")
    print(f"  street view: {first['total']:,} hazards in {first['cells']} cells ({first['mode']})")
    print(f"    sign-in to first render:     {street_view * 1000:7.0f} ms  (target < 2000)")
    print(f"    the same API calls, no page: {floor_street * 1000:7.0f} ms")
    print(f"    ratio:                       {street_view / floor_street:7.2f}")
    print(f"  zoomed view: {zoomed['markers']:,} markers ({zoomed['mode']})")
    print(f"    move to render:              {zoomed_view * 1000:7.0f} ms")
    print(f"    the same API calls, no page: {floor_zoomed * 1000:7.0f} ms")
    print(f"    ratio:                       {zoomed_view / floor_zoomed:7.2f}")


if __name__ == "__main__":
    asyncio.run(main())
