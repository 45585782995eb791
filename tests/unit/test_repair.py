"""Shapes real boundary sets break in — a bow-tie, a ring collapsed to a line, a spike of
no width — are repaired into polygons, simplified for tablets without an error, and never
enter the geofence as they are."""

from __future__ import annotations

from typing import Any

import pytest
import shapely
from shapely.geometry import Polygon, shape

from geo.geofence import GeofenceStatus, GridIndex
from geo.repair import polygonal
from geo.simplify import simplify_coverage


def _ring(*corners: tuple[float, float]) -> dict[str, Any]:
    return {"type": "Polygon", "coordinates": [[*map(list, corners), list(corners[0])]]}


BOW_TIE = _ring((120.0, 30.0), (120.01, 30.01), (120.01, 30.0), (120.0, 30.01))
COLLAPSED = _ring((120.04, 30.0), (120.05, 30.0), (120.04, 30.0))
SPIKE = _ring((120.06, 30.0), (120.07, 30.0), (120.07, 30.01), (120.065, 30.01),
              (120.065, 30.02), (120.065, 30.01), (120.06, 30.01))  # fmt: skip
GOOD = _ring((120.02, 30.0), (120.03, 30.0), (120.03, 30.01), (120.02, 30.01))


@pytest.mark.parametrize(("broken", "parts"), [(BOW_TIE, 2), (COLLAPSED, 0), (SPIKE, 1)])
def test_the_repair_is_polygonal(broken: dict[str, Any], parts: int) -> None:
    repaired = polygonal(shape(broken))
    assert repaired.is_valid
    assert repaired.geom_type in {"Polygon", "MultiPolygon"}
    assert len(shapely.get_parts(repaired)) == parts


def test_tablet_shapes_are_made_from_any_set_the_report_accepts() -> None:
    light = simplify_coverage({"bow": BOW_TIE, "line": COLLAPSED, "spike": SPIKE, "ok": GOOD})
    for grid in ("bow", "spike", "ok"):
        assert shape(light[grid]).is_valid
        assert shape(light[grid]).area > 0
    assert light["line"] == COLLAPSED  # nothing to simplify: published as the file gives it


def test_a_collapsed_ring_is_no_edge_of_the_geofence() -> None:
    good = Polygon([(120.02, 30.0), (120.03, 30.0), (120.03, 30.01), (120.02, 30.01)])
    index = GridIndex({"line": shape(COLLAPSED), "spike": shape(SPIKE), "ok": good}, 1)
    on_the_line = index.classify("line", 120.045, 30.0, 5.0)
    on_the_spike = index.classify("spike", 120.065, 30.018, 5.0)
    assert on_the_line.status is not GeofenceStatus.near_edge  # before: "just on the edge"
    assert on_the_spike.status is GeofenceStatus.outside  # the spike has no area
    assert index.classify("ok", 120.025, 30.005, 5.0).status is GeofenceStatus.inside
