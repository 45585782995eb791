"""Load: 50 PouchDB tablets working and syncing at once, with photos, for a bounded time.

Each tablet (its own Node process and local database) repeatedly writes hazards with a
photo and an inspection offline, then pushes. Measured: documents per second applied by
the service, follower lag (p50/p95 from /ready, sampled every second), sync errors
(target 0), and the service's RSS over time (target: flat). Raw baseline in the same
run: the same tablets pushing to CouchDB while the service does not follow
(``FOLLOWER=off``), i.e. CouchDB alone.

Run: ``.venv/bin/python -m tests.bench.bench_load`` (``BENCH_TABLETS``, ``BENCH_SECONDS``).
"""

from __future__ import annotations

import asyncio
import os
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

from backend.settings import Settings
from sync.devserver import managed_dev_couch
from tests.browser.harness import Served, served
from tests.simulator import Tablet

TABLETS = int(os.environ.get("BENCH_TABLETS", "50"))
SECONDS = float(os.environ.get("BENCH_SECONDS", "45"))
ADMIN = ("bench", "bench-password-1")
GRIDS = ["donghu-01", "donghu-02", "donghu-03", "xixi-01", "xixi-02", "xixi-03"]
CENTRES = {"donghu-01": (30.272, 120.155), "donghu-02": (30.276, 120.155),
           "donghu-03": (30.280, 120.155), "xixi-01": (30.272, 120.165),
           "xixi-02": (30.276, 120.165), "xixi-03": (30.280, 120.165)}  # fmt: skip


def _rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


async def _tablets(app: Served, work: Path, couch_url: str) -> list[Tablet]:
    token = await app.token(*ADMIN)
    tablets = []
    for i in range(TABLETS):
        grid = GRIDS[i % len(GRIDS)]
        cred = (await app.call("POST", "/api/devices", token, json={"grid_id": grid})).json()
        lat, lon = CENTRES[grid]
        remote = f"{couch_url}/{cred['database']}"
        tablets.append(Tablet(work / f"tablet-{i}", remote=remote, user=cred["username"],
                              password=cred["password"], device_id=cred["device_id"],
                              grid_id=grid, lat=lat, lon=lon))  # fmt: skip
    return tablets


async def _work(tablet: Tablet, until: float, written: list[int], errors: list[str]) -> None:
    while time.monotonic() < until:
        ids = await tablet.create(hazards=4, inspections=1, photos=1)
        result = await tablet.sync("push")
        if result.get("ok"):
            written.append(len(ids))
        else:
            errors.append(str(result)[:200])


async def _run(settings: Settings, work: Path, couch_url: str, follow: bool) -> dict[str, Any]:
    env = {} if follow else {"FOLLOWER": "off"}
    async with served(settings, work, **env) as app:
        tablets = await _tablets(app, work, couch_url)
        token = await app.token(*ADMIN)
        written: list[int] = []
        errors: list[str] = []
        lags: list[float] = []
        rss: list[float] = []
        slow: list[int] = []
        start = time.monotonic()
        until = start + SECONDS
        workers = [asyncio.create_task(_work(t, until, written, errors)) for t in tablets]

        async def sample() -> None:
            async with httpx.AsyncClient(base_url=app.base_url, timeout=10) as client:
                while not all(w.done() for w in workers):
                    rss.append(_rss_mb(app.process.pid))
                    try:
                        ready = (await client.get("/api/sync/health", headers={
                            "Authorization": f"Bearer {token}"})).json()  # fmt: skip
                    except httpx.HTTPError:
                        slow.append(1)  # the service did not answer within 10 s
                        continue
                    lag = ready["follower"].get("lag_seconds")
                    if lag is not None:
                        lags.append(lag)
                    await asyncio.sleep(1)

        sampler = asyncio.create_task(sample())
        await asyncio.gather(*workers)
        pushed_at = time.monotonic()
        total = sum(written)
        applied = 0
        if follow:  # until the service has applied everything pushed
            for _ in range(600):
                rows = (await app.call("GET", "/api/sync/status", token)).json()
                applied = sum(r["documents"] for r in rows)
                if applied >= total:
                    break
                await asyncio.sleep(0.5)
        done = time.monotonic()
        await sampler
    return {"pushed": total, "applied": applied, "push_seconds": pushed_at - start,
            "all_seconds": done - start, "errors": errors, "lags": lags, "rss": rss,
            "slow": len(slow)}  # fmt: skip


async def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        results = {}
        for follow in (False, True):
            work = root / ("ours" if follow else "raw")
            work.mkdir()
            with managed_dev_couch(work / "couch") as couch:
                settings = Settings(var_dir=work / "var", couch=couch.credentials, demo=True,
                                    jwt_secret="l" * 40, bootstrap_admin=ADMIN)  # fmt: skip
                results[follow] = await _run(settings, work, couch.url, follow)
    raw, ours = results[False], results[True]
    raw_rate = raw["pushed"] / raw["push_seconds"]
    ours_rate = ours["applied"] / ours["all_seconds"]
    lags = sorted(ours["lags"]) or [0.0]
    p95 = lags[min(len(lags) - 1, int(0.95 * len(lags)))]
    rss = ours["rss"] or [0.0]
    third = max(1, len(rss) // 3)
    print(f"load: {TABLETS} PouchDB tablets for {SECONDS:.0f} s, hazards with a photo each")
    print(
        f"  raw (CouchDB alone):  {raw['pushed']:,} docs pushed, {raw_rate:7.1f} docs/s, "
        f"{len(raw['errors'])} sync errors"
    )
    print(
        f"  ours (followed):      {ours['pushed']:,} pushed, {ours['applied']:,} applied, "
        f"{ours_rate:7.1f} docs/s end to end, {len(ours['errors'])} sync errors"
    )
    print(f"  ratio ours / raw:     {ours_rate / raw_rate:7.2f}")
    print(
        f"  follower lag:         p50 {statistics.median(lags):.2f} s, p95 {p95:.2f} s "
        f"({ours['slow']} health checks slower than 10 s)"
    )
    print(
        f"  service RSS (MB):     first third {statistics.mean(rss[:third]):.0f}, "
        f"last third {statistics.mean(rss[-third:]):.0f}, max {max(rss):.0f}"
    )
    for error in (raw["errors"] + ours["errors"])[:5]:
        print("  error:", error)


if __name__ == "__main__":
    asyncio.run(main())
