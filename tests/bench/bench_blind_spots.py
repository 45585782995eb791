"""Benchmark: blind spots of 1,000 grids from a week of patrol tracks.

Each grid is a 1 km square; its worker walks its streets (a lattice every 100 m, turning
at random at each corner, 1.3 m/s; one block of streets, the north-east, never) eight
hours a day for seven days with a fix every 5 s and a few metres of GPS noise: 40,320
fixes per grid, in track documents of at most 2,000 fixes, as tablets send them.

Baseline (raw shapely, the obvious way): every segment's raw fixes in metres buffered by
the reach, the buffers united, the union subtracted from the grid. It costs seconds per
grid, so it runs on the first ``BENCH_RAW_GRIDS`` grids (10) and the ratio compares time
per grid on those same grids. Ours:
:func:`geo.blind_spots.patrol_coverage` on what the server stores of each segment (its
line simplified to 5 m at sync time by :func:`geo.tracks.track_facts`), from degrees to
GeoJSON in degrees — what ``/api/coverage/blind-spots`` computes after its SQL read. The
simplification at sync is timed on its own. Both answers' patrolled areas are compared.

Run: ``.venv/bin/python -m tests.bench.bench_blind_spots`` (``BENCH_GRIDS`` to scale).
"""

from __future__ import annotations

import os
import time

import numpy as np
import shapely
from shapely.geometry import Polygon

from geo.blind_spots import DEFAULT_REACH_M, patrol_coverage
from geo.geofence import metres_per_degree
from geo.tracks import track_facts

GRIDS = int(os.environ.get("BENCH_GRIDS", "1000"))
RAW_GRIDS = min(GRIDS, int(os.environ.get("BENCH_RAW_GRIDS", "10")))
FIXES_PER_DOC = 2_000
FIX_EVERY_S = 5
WALK_M_S = 1.3
BLOCK_M = 100.0
SIDE_M = 1_000.0
FIXES_PER_WEEK = 7 * 8 * 3600 // FIX_EVERY_S
LAT0, LON0 = 30.0, 120.0
EAST, NORTH = metres_per_degree(LAT0 + 0.5)


def _grid_origin(i: int) -> tuple[float, float]:
    """South-west corner (metres east and north of LON0, LAT0) of grid ``i`` of 40 a row."""
    return (i % 40) * SIDE_M, (i // 40) * SIDE_M


def _week_of_walking(rng: np.random.Generator) -> np.ndarray:
    """A week of fixes (metres, relative to the grid's corner) along the street lattice."""
    step = WALK_M_S * FIX_EVERY_S
    per_block = round(BLOCK_M / step)
    corners = int(SIDE_M / BLOCK_M)
    moves = FIXES_PER_WEEK // per_block + 1
    at = np.array([corners // 2, corners // 2])
    path = [at.copy()]
    directions = np.array([[1, 0], [-1, 0], [0, 1], [0, -1]])
    for choice in rng.integers(0, 4, size=moves):
        nxt = at + directions[choice]
        avoided = nxt[0] > corners * 0.6 and nxt[1] > corners * 0.6
        if avoided or not (0 <= nxt[0] <= corners and 0 <= nxt[1] <= corners):
            nxt = at  # the grid's edge, or streets this worker never walks: wait, turn
        at = nxt
        path.append(at.copy())
    corners_m = np.asarray(path, dtype=float) * BLOCK_M
    fraction = np.arange(per_block) / per_block
    starts, ends = corners_m[:-1], corners_m[1:]
    fixes = starts[:, None, :] + (ends - starts)[:, None, :] * fraction[None, :, None]
    fixes = fixes.reshape(-1, 2)[:FIXES_PER_WEEK]
    return fixes + rng.normal(0.0, 3.0, size=fixes.shape)  # a phone's usual scatter


def main() -> None:
    rng = np.random.default_rng(7)
    grids_m, grids_deg, raw_docs, stored = [], [], [], []
    simplify_s = 0.0
    for i in range(GRIDS):
        x0, y0 = _grid_origin(i)
        square = [(x0, y0), (x0 + SIDE_M, y0), (x0 + SIDE_M, y0 + SIDE_M), (x0, y0 + SIDE_M)]
        grids_m.append(Polygon(square))
        grids_deg.append(Polygon([(LON0 + x / EAST, LAT0 + y / NORTH) for x, y in square]))
        week = _week_of_walking(rng) + np.array([x0, y0])
        docs = [week[k : k + FIXES_PER_DOC] for k in range(0, len(week), FIXES_PER_DOC)]
        raw_docs.append(docs)
        start = time.perf_counter()
        lines = []
        for doc in docs:
            lons, lats = LON0 + doc[:, 0] / EAST, LAT0 + doc[:, 1] / NORTH
            lines.append(track_facts(lons, lats).line)
        simplify_s += time.perf_counter() - start
        stored.append(lines)
    fixes = sum(len(d) for docs in raw_docs for d in docs)
    kept = sum(len(line) for lines in stored for line in lines)
    print(f"{GRIDS} grids, {fixes:,} fixes in {sum(len(d) for d in raw_docs):,} track "
          f"documents; stored lines keep {kept:,} points ({kept / fixes:.1%})")  # fmt: skip

    start = time.perf_counter()
    raw_patrolled = []
    for grid, docs in zip(grids_m[:RAW_GRIDS], raw_docs[:RAW_GRIDS], strict=True):
        buffers = shapely.buffer([shapely.linestrings(d) for d in docs], DEFAULT_REACH_M)
        walked = shapely.union_all(buffers)
        spots = grid.difference(walked)
        raw_patrolled.append(grid.area - spots.area)
    raw_s = time.perf_counter() - start

    start = time.perf_counter()
    ours = [patrol_coverage(g, lines, DEFAULT_REACH_M)
            for g, lines in zip(grids_deg, stored, strict=True)]  # fmt: skip
    ours_s = time.perf_counter() - start

    shares_raw = np.array(raw_patrolled) / (SIDE_M * SIDE_M)
    shares_ours = np.array([c.patrolled_share for c in ours])
    gap = np.abs(shares_ours[:RAW_GRIDS] - shares_raw)
    raw_each, ours_each = raw_s / RAW_GRIDS, ours_s / GRIDS
    print(f"raw shapely (buffer, union, difference of raw fixes), {RAW_GRIDS} grids: "
          f"{raw_s:7.2f} s, {raw_each * 1000:8.1f} ms per grid")  # fmt: skip
    print(f"ours (stored 5 m lines, degrees to GeoJSON), {GRIDS} grids: "
          f"{ours_s:7.2f} s, {ours_each * 1000:8.1f} ms per grid; "
          f"ratio {raw_each / ours_each:.1f}x faster")  # fmt: skip
    print(f"simplification at sync (track_facts, once per document): {simplify_s:.2f} s")
    print(f"patrolled share: mean {shares_ours.mean():.3f}; on the baseline's grids "
          f"{shares_ours[:RAW_GRIDS].mean():.4f} against {shares_raw.mean():.4f}, "
          f"largest difference {gap.max():.4f}")  # fmt: skip


if __name__ == "__main__":
    main()
