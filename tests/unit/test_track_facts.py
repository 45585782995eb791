"""A patrol track's length, the share of it outside its grid and its display line."""

from __future__ import annotations

import numpy as np
import pytest
from shapely.geometry import box

from geo.datum import wgs84_to_gcj02
from geo.geofence import metres_per_degree
from geo.tracks import track_facts

EAST, NORTH = metres_per_degree(30.27)
GRID = box(120.150, 30.270, 120.160, 30.278)


def _walk(
    start: tuple[float, float], metres_east: float, fixes: int
) -> tuple[list[float], list[float]]:
    lons = [start[0] + metres_east * i / (fixes - 1) / EAST for i in range(fixes)]
    return lons, [start[1]] * fixes


def test_a_straight_walk_inside_its_grid() -> None:
    lons, lats = _walk((120.151, 30.274), 500, 101)
    facts = track_facts(lons, lats, grid=GRID)
    assert facts.points == 101
    assert facts.length_m == pytest.approx(500, rel=1e-3)
    assert facts.outside_share == 0
    assert facts.flags == []
    assert len(facts.line) == 2  # a straight line needs only its ends


def test_the_share_outside_is_measured_along_the_track_and_flagged() -> None:
    edge = 120.160
    lons, lats = _walk((edge - 300 / EAST, 30.274), 400, 81)  # the last 100 m outside
    facts = track_facts(lons, lats, grid=GRID)
    assert facts.outside_share == pytest.approx(0.25, abs=0.01)
    assert facts.flags == ["track_outside_grid"]


def test_a_track_recorded_in_gcj02_is_converted_first() -> None:
    lons, lats = _walk((120.151, 30.274), 500, 51)
    shifted = wgs84_to_gcj02(np.array(lons), np.array(lats))
    facts = track_facts(shifted[0], shifted[1], "gcj02", grid=GRID)
    assert facts.line[0] == pytest.approx([lons[0], lats[0]], abs=1e-6)
    assert facts.outside_share == 0


def test_one_fix_and_no_grid() -> None:
    facts = track_facts([120.151], [30.274])
    assert (facts.points, facts.length_m, facts.outside_share) == (1, 0.0, None)
    assert facts.line == [pytest.approx([120.151, 30.274])]


def test_a_street_walked_up_and_down_all_day_is_drawn_with_a_few_points() -> None:
    """The display line drops the scatter of the fixes along a street the worker walks
    again and again (the track crosses itself at every pass)."""
    rng = np.random.default_rng(5)
    east = np.concatenate([np.linspace(0, 300, 47), np.linspace(300, 0, 47)[1:]])
    east = np.tile(east, 10)
    north = rng.normal(0, 1.5, size=east.size)  # a phone's scatter across the street
    lons, lats = 120.151 + east / EAST, 30.274 + north / NORTH
    facts = track_facts(lons, lats, grid=GRID)
    assert facts.points == east.size
    assert len(facts.line) < east.size // 10
