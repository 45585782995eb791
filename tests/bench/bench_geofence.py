"""Benchmark: geofencing 1M points against 2,000 grids, and datum conversion.

Baselines measured in the same run:
- raw kernel: one ``shapely.contains_xy`` per grid over that grid's points (grouping
  included), i.e. plain point-in-polygon with no accuracy, distance or suggestion;
- naive loop: ``contains_xy`` point by point in Python (timed on a sample).
Ours: :meth:`geo.geofence.GridIndex.classify_arrays`, the full accuracy-aware answer,
with exact distances and in its fast status mode.

Run: ``.venv/bin/python -m tests.bench.bench_geofence``.
"""

from __future__ import annotations

import time

import numpy as np
import shapely
from shapely.geometry import box

from geo.datum import gcj02_to_wgs84, wgs84_to_gcj02
from geo.geofence import GeofenceStatus, GridIndex

POINTS = 1_000_000
COLUMNS, ROWS, CELL = 50, 40, 0.005  # 2,000 grids of about 480 m x 555 m
SAMPLE = 20_000


def _grids() -> dict[str, shapely.Geometry]:
    return {
        f"g{i:02d}-{j:02d}": box(120.0 + i * CELL, 30.0 + j * CELL,
                                 120.0 + (i + 1) * CELL, 30.0 + (j + 1) * CELL).segmentize(CELL / 4)
        for i in range(COLUMNS)
        for j in range(ROWS)
    }  # fmt: skip


def _points(index: GridIndex, rng: np.random.Generator) -> tuple[np.ndarray, ...]:
    """Each point reported for a grid; 95 % inside it, the rest up to 30 % beyond."""
    grid = rng.integers(0, len(index.ids), POINTS)
    bounds = np.array([g.bounds for g in index.geometries])[grid]
    spread = np.where(rng.random(POINTS) < 0.95, 1.0, 1.6)
    fx = 0.5 + (rng.random(POINTS) - 0.5) * spread
    fy = 0.5 + (rng.random(POINTS) - 0.5) * spread
    lon = bounds[:, 0] + fx * (bounds[:, 2] - bounds[:, 0])
    lat = bounds[:, 1] + fy * (bounds[:, 3] - bounds[:, 1])
    accuracy = rng.gamma(2.0, 6.0, POINTS)
    return grid, lon, lat, accuracy


def _best(run, rounds: int = 3) -> float:  # type: ignore[no-untyped-def]
    best = float("inf")
    for _ in range(rounds):
        start = time.perf_counter()
        run()
        best = min(best, time.perf_counter() - start)
    return best


def main() -> None:
    rng = np.random.default_rng(7)
    index = GridIndex(_grids(), boundary_version=1)
    grid, lon, lat, accuracy = _points(index, rng)
    geometries = index.geometries

    def kernel() -> None:
        order = np.argsort(grid, kind="stable")
        edges = np.searchsorted(grid[order], np.arange(len(geometries) + 1))
        for k, geometry in enumerate(geometries):
            idx = order[edges[k] : edges[k + 1]]
            shapely.contains_xy(geometry, lon[idx], lat[idx])

    def loop() -> None:
        for i in range(SAMPLE):
            shapely.contains_xy(geometries[grid[i]], lon[i], lat[i])

    kernel_s = _best(kernel)
    loop_s = _best(loop, 1) * POINTS / SAMPLE
    exact_s = _best(lambda: index.classify_arrays(grid, lon, lat, accuracy), 1)
    fast_s = _best(lambda: index.classify_arrays(grid, lon, lat, accuracy,
                                                 exact_distances=False), 1)  # fmt: skip
    statuses = index.classify_arrays(grid, lon, lat, accuracy, exact_distances=False)
    counts = np.bincount(statuses.status, minlength=5)

    print(f"{POINTS:,} points against {len(geometries):,} grids")
    print(f"  raw grouped contains_xy kernel: {POINTS / kernel_s:>12,.0f} points/s")
    print(f"  naive per-point loop:           {POINTS / loop_s:>12,.0f} points/s (sampled)")
    for name, seconds in (("ours, exact distances", exact_s), ("ours, fast status", fast_s)):
        print(f"  {name:<32}{POINTS / seconds:>12,.0f} points/s  "
              f"{kernel_s / seconds:.2f}x kernel  {loop_s / seconds:.1f}x loop")  # fmt: skip
    names = [status.value for status in GeofenceStatus]
    print(f"  statuses: {dict(zip(names, counts.tolist(), strict=True))}")

    g_lon, g_lat = wgs84_to_gcj02(lon, lat)
    forward_s = _best(lambda: wgs84_to_gcj02(lon, lat))
    inverse_s = _best(lambda: gcj02_to_wgs84(g_lon, g_lat))
    print(f"WGS-84 -> GCJ-02: {POINTS / forward_s:>12,.0f} points/s")
    print(f"GCJ-02 -> WGS-84: {POINTS / inverse_s:>12,.0f} points/s (3 iterations, < 1 mm)")


if __name__ == "__main__":
    main()
