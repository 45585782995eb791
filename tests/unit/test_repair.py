"""Shapes real boundary sets break in — a bow-tie, a ring collapsed to a line, a spike of
no width — are repaired into polygons, simplified for tablets without an error, and never
enter the geofence as they are."""

from __future__ import annotations

from typing import Any

import pytest
import shapely
from shapely.geometry import Polygon, shape

from geo.geofence import GeofenceStatus, GridIndex
from geo.hierarchy import PlaceFeature
from geo.repair import polygonal
from geo.simplify import simplify_coverage
from geo.validation import validate_hierarchy


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


def test_a_lobe_the_repair_keeps_is_blamed_on_the_shape_to_redraw() -> None:
    """A bow-tie whose small lobe pokes into its neighbour: the overlap is the bow-tie's
    repair, named first and told to redraw — not the neighbour's fault."""
    neighbour = PlaceFeature("b", "grid", "p", "乙", "B", shape(
        _ring((120.01, 30.0), (120.02, 30.0), (120.02, 30.01), (120.01, 30.01))))  # fmt: skip
    bow = PlaceFeature("a", "grid", "p", "甲", "A", shape(  # its small lobe is east of 120.01
        _ring((120.0, 30.0), (120.012, 30.006), (120.012, 30.004), (120.0, 30.01))))  # fmt: skip
    parent = PlaceFeature("p", "community", None, "丙", "P", shape(
        _ring((120.0, 30.0), (120.02, 30.0), (120.02, 30.01), (120.0, 30.01))))  # fmt: skip
    report = validate_hierarchy([parent, bow, neighbour])
    overlaps = [p for p in report.problems if p.kind == "overlap"]
    assert overlaps
    assert all(p.place_ids == ("a", "b") for p in overlaps)
    assert all("the repair of a would overlap b" in p.reason for p in overlaps)
