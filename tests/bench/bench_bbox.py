"""Benchmark: a map's bbox query over 100,000 hazards — through the API vs raw SQL.

Raw: the same SELECT (bbox, newest first, 2,000 rows) on the same SQLite file with the
sqlite3 module, interleaved with the API calls; medians of both (also of the SELECT of
the marker columns only). Ours: ``GET /api/hazards/geojson?bbox=…&limit=2000`` through the app
(JWT check, jurisdiction, ORM, GeoJSON encoding), in process.

Run: ``.venv/bin/python -m tests.bench.bench_bbox`` (``BENCH_HAZARDS``).
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import sqlite3
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from litestar.testing import AsyncTestClient

from backend.app import create_app
from backend.settings import Settings
from sync.devserver import managed_dev_couch

HAZARDS = int(os.environ.get("BENCH_HAZARDS", "100000"))
BBOX = (120.152, 30.271, 120.156, 30.273)
ROUNDS = 30


def _fill(db: Path) -> None:
    rng = random.Random(3)
    start = datetime(2026, 1, 1, tzinfo=UTC)
    grids = ["donghu-01", "donghu-02", "donghu-03", "xixi-01", "xixi-02", "xixi-03"]
    rows = []
    for i in range(HAZARDS):
        at = (start + timedelta(minutes=i)).replace(tzinfo=None).isoformat(sep=" ")
        rows.append((f"hazard:bench:{i:026d}", rng.choice(grids), "bench", "bench", f"隐患 {i}",
                     "fire", "general", 30.270 + rng.random() * 0.012,
                     120.150 + rng.random() * 0.020, at, "inside", "reported", 0, 1, 1,
                     "1-a", 1, "{}", "[]", at, at))  # fmt: skip
    with sqlite3.connect(db) as conn:
        conn.executemany(
            "INSERT INTO hazard (doc_id, grid_id, device_id, author, title, category, severity,"
            " lat, lon, reported_at, geofence_status, ledger_status, ledger_version, valid,"
            " schema_version, rev, rev_generation, doc, errors, received_at, updated_at, deleted)"
            " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,0)",
            rows,
        )


MARKERS = ("doc_id, title, grid_id, category, severity, ledger_status, geofence_status,"
           " deadline, reported_at, received_at, lon, lat")  # fmt: skip


def _raw(conn: sqlite3.Connection, columns: str = "*") -> float:
    west, south, east, north = BBOX
    start = time.perf_counter()
    conn.execute(
        f"SELECT {columns} FROM hazard WHERE deleted = 0 AND lon BETWEEN ? AND ? AND lat"
        " BETWEEN ? AND ? ORDER BY received_at DESC, doc_id LIMIT 2000",
        (west, east, south, north),
    ).fetchall()
    return time.perf_counter() - start


async def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        with managed_dev_couch(work / "couch") as couch:
            settings = Settings(var_dir=work / "var", couch=couch.credentials, demo=True,
                                jwt_secret="b" * 40, follower_enabled=False,
                                bootstrap_admin=("bench", "bench-password"))  # fmt: skip
            app = create_app(settings)
            async with AsyncTestClient(app=app) as client:
                _fill(work / "var" / "inspection.sqlite3")
                credentials = {"username": "bench", "password": "bench-password"}
                login = await client.post("/api/auth/login", json=credentials)
                client.headers["Authorization"] = f"Bearer {login.json()['access_token']}"
                url = "/api/hazards/geojson?limit=2000&bbox=" + ",".join(map(str, BBOX))
                answer = await client.get(url)
                found = len(json.loads(answer.content)["features"])
                raws, markers, apis = [], [], []
                with sqlite3.connect(work / "var" / "inspection.sqlite3") as conn:
                    _raw(conn)
                    for _ in range(ROUNDS):  # interleaved: both see the same machine state
                        raws.append(_raw(conn))
                        markers.append(_raw(conn, MARKERS))
                        start = time.perf_counter()
                        await client.get(url)
                        apis.append(time.perf_counter() - start)
                raw, api = statistics.median(raws), statistics.median(apis)
                marker = statistics.median(markers)
    print(f"bbox query over {HAZARDS:,} hazards, {found} in the box (page of 2,000)")
    print(f"  raw SQL (sqlite3), median of {ROUNDS}:  {raw * 1000:7.1f} ms")
    print(f"  raw SQL, marker columns only:        {marker * 1000:7.1f} ms")
    print(f"  API /api/hazards/geojson, median:    {api * 1000:7.1f} ms")
    print(f"  ratio API / raw:             {api / raw:7.2f}  (target <= 2)")
    print(f"  ratio API / raw markers:     {api / marker:7.2f}")


if __name__ == "__main__":
    asyncio.run(main())
