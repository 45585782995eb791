"""Real published boundary sets with the defects quantisation leaves (``real_boundaries/
SOURCES.md``): US counties from the TopoJSON files of ``us-atlas``, decoded exactly.
Rings collapsed to two or three positions, enclaves snapped away, shared edges that
cross — each file is read, its defects named, repaired into polygons, simplified for
tablets, and the geofence agrees with an independent point-in-polygon test."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

import numpy as np
import pytest
import shapely
from numpy.typing import NDArray
from shapely.geometry import mapping, shape
from shapely.geometry.base import BaseGeometry

from geo.geofence import GridIndex
from geo.hierarchy import PlaceFeature, read_hierarchy
from geo.repair import polygonal
from geo.simplify import simplify_coverage
from geo.validation import area_m2, validate_hierarchy

HERE = Path(__file__).parent / "real_boundaries"

# the counties whose published shapes are invalid, as an independent scan of the
# TopoJSON found them: "ring" = a ring of fewer than four positions, "cross" = edges
# that cross. The cities of Falls Church (51610) collapsed to nothing at all.
INVALID = {
    "virginia": {"51750": "ring", "51610": "ring", "51620": "cross", "51121": "ring",
                 "51093": "cross", "51041": "cross", "51683": "ring", "51153": "ring"},
    "colorado": {"08005": "ring", "08059": "ring", "08123": "ring", "08014": "ring",
                 "08031": "ring", "08013": "ring"},
}  # fmt: skip
NO_AREA_LEFT = {"virginia": {"51610"}, "colorado": set()}


@cache
def _places(name: str) -> tuple[PlaceFeature, ...]:
    text = (HERE / f"us_atlas_{name}.geojson").read_text(encoding="utf-8")
    return tuple(read_hierarchy(json.loads(text)))


def _grids(name: str) -> dict[str, BaseGeometry]:
    return {p.id: p.geometry for p in _places(name) if p.kind == "grid"}


def _raw_rings(name: str) -> dict[str, list[list[list[float]]]]:
    """Each county's rings exactly as the file gives them (no library in between)."""
    data = json.loads((HERE / f"us_atlas_{name}.geojson").read_text(encoding="utf-8"))
    rings = {}
    for feature in data["features"]:
        geometry = feature["geometry"]
        polygons = (
            [geometry["coordinates"]] if geometry["type"] == "Polygon" else geometry["coordinates"]
        )
        rings[feature["properties"]["id"]] = [ring for polygon in polygons for ring in polygon]
    return rings


def test_both_files_are_listed_with_their_source() -> None:
    on_disk = {p.name for p in HERE.glob("*.geojson")}
    assert on_disk == {f"us_atlas_{name}.geojson" for name in INVALID}
    sources = (HERE / "SOURCES.md").read_text(encoding="utf-8")
    assert "us-atlas@3.0.1" in sources
    assert "ISC" in sources


@pytest.mark.parametrize("name", sorted(INVALID))
def test_the_scan_of_the_file_agrees_with_the_list(name: str) -> None:
    """The list above is what the file holds: short rings counted on the raw positions."""
    short = {i for i, rings in _raw_rings(name).items() if any(len(r) < 4 for r in rings)}
    assert short == {i for i, why in INVALID[name].items() if why == "ring"}


@pytest.mark.parametrize("name", sorted(INVALID))
def test_a_real_quantised_file_is_read_and_its_defects_named(name: str) -> None:
    """Before: one ring of two positions made the whole file unreadable ("a linearring
    requires at least 4 coordinates"). After: every county is read; exactly the broken
    ones are named, each with a polygonal repair (empty where nothing is left)."""
    report = validate_hierarchy(_places(name))
    invalid = {p.place_ids[0]: p for p in report.problems if p.kind == "invalid_geometry"}
    assert set(invalid) == set(INVALID[name])
    for place_id, problem in invalid.items():
        assert problem.repair is not None
        assert problem.repair.is_valid
        assert problem.repair.geom_type in {"Polygon", "MultiPolygon"}
        assert problem.repair.is_empty == (place_id in NO_AREA_LEFT[name])
        expected = "Too few points" if INVALID[name][place_id] == "ring" else "Self-intersection"
        assert expected in problem.reason


@pytest.mark.parametrize("name", sorted(INVALID))
def test_gaps_and_parts_outside_are_what_the_outline_and_the_counties_leave(name: str) -> None:
    """The state outline comes from another file of the same package than the counties;
    their mismatch along the border is reported, and its area is what an independent
    overlay of the outline and the repaired counties measures."""
    places = _places(name)
    outline = next(p.geometry for p in places if p.kind == "community")
    union = shapely.union_all([polygonal(g) for g in _grids(name).values()])
    report = validate_hierarchy(places)
    gap = sum(p.area_m2 for p in report.problems if p.kind == "gap")
    outside = sum(p.area_m2 for p in report.problems if p.kind == "outside_parent")
    assert gap == pytest.approx(area_m2(outline.difference(union)), rel=1e-3)
    assert outside == pytest.approx(area_m2(union.difference(outline)), rel=1e-3)


def test_overlapping_repairs_name_both_shapes_to_redraw() -> None:
    """Isle of Wight and Franklin both cross their shared edge: the overlap of their
    repairs is on both, not on one of them."""
    report = validate_hierarchy(_places("virginia"))
    overlaps = [p for p in report.problems if p.kind == "overlap"]
    assert [p.place_ids for p in overlaps] == [("51093", "51620")]
    assert overlaps[0].reason == "the repairs of 51093 and 51620 would overlap: redraw both"


@pytest.mark.parametrize("name", sorted(INVALID))
def test_tablet_shapes_are_made_from_the_real_file(name: str) -> None:
    light = simplify_coverage({i: dict(mapping(g)) for i, g in _grids(name).items()})
    assert set(light) == set(_grids(name))
    for grid_id, boundary in light.items():
        if grid_id not in NO_AREA_LEFT[name]:
            assert shape(boundary).is_valid, grid_id
            assert shape(boundary).area > 0, grid_id


def _inside(
    rings: list[NDArray[np.float64]], x: NDArray[np.float64], y: NDArray[np.float64]
) -> NDArray[np.bool_]:
    """Even-odd ray casting over every ring of a shape (holes and parts alike)."""
    crossings = np.zeros(len(x), dtype=np.int64)
    for ring in rings:
        x1, y1, x2, y2 = ring[:-1, 0], ring[:-1, 1], ring[1:, 0], ring[1:, 1]
        for a, b, c, d in zip(x1, y1, x2, y2, strict=True):
            straddles = (b > y) != (d > y)
            with np.errstate(divide="ignore", invalid="ignore"):
                at = a + (y - b) * (c - a) / (d - b)
            crossings += straddles & (x < at)
    odd: NDArray[np.bool_] = crossings % 2 == 1
    return odd


@pytest.mark.parametrize("name", sorted(INVALID))
def test_the_geofence_agrees_with_an_independent_point_in_polygon_test(name: str) -> None:
    """3,000 random points over the state: the grids the index says hold each point are
    the grids whose repaired rings hold it by even-odd ray casting. A county that is
    invalid as published is judged on its repair; one with no area holds nothing."""
    grids = _grids(name)
    index = GridIndex(grids, 1)
    west, south, east, north = shapely.total_bounds(list(grids.values()))
    rng = np.random.default_rng(20261204)
    x, y = rng.uniform(west, east, 3000), rng.uniform(south, north, 3000)
    expected: list[list[str]] = [[] for _ in range(len(x))]
    for grid_id in sorted(grids):
        repaired = polygonal(grids[grid_id])
        rings = [
            np.asarray(r.coords)
            for p in shapely.get_parts(repaired)
            for r in (p.exterior, *p.interiors)
        ]
        for i in np.flatnonzero(_inside(rings, x, y)).tolist():
            expected[i].append(grid_id)
    found = index.containing(x, y)
    assert found == [tuple(e) for e in expected]
    assert sum(bool(f) for f in found) > 1000  # the test is not empty: a third of the box or more
    assert not set(NO_AREA_LEFT[name]) & {g for f in found for g in f}
