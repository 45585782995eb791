"""Read a street → community → grid hierarchy from a GeoJSON FeatureCollection."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import shapely
from numpy.typing import NDArray
from shapely.geometry import mapping, shape
from shapely.geometry.base import BaseGeometry

from geo.datum import DATUMS, to_wgs84

KINDS = ("street", "community", "grid")
PARENT_KIND = {"street": None, "community": "street", "grid": "community"}
AREA_TYPES = {"Polygon", "MultiPolygon"}


class HierarchyError(ValueError):
    """The file does not describe a usable hierarchy; ``path`` locates the problem."""

    def __init__(self, path: str, message: str) -> None:
        self.path = path
        self.message = message
        super().__init__(f"{path}: {message}")


@dataclass(frozen=True, slots=True)
class PlaceFeature:
    id: str
    kind: str
    parent_id: str | None
    name_zh: str
    name_en: str
    geometry: BaseGeometry

    def geojson_geometry(self) -> dict[str, Any]:
        return dict(mapping(self.geometry))


def read_hierarchy(collection: Mapping[str, Any]) -> list[PlaceFeature]:
    """Places in parent-before-child order, in WGS-84, or :class:`HierarchyError`.

    The collection's ``datum`` (``wgs84``, ``gcj02`` or ``bd09``; default ``wgs84``)
    says how its coordinates were drawn; they are converted to WGS-84.
    """
    if collection.get("type") != "FeatureCollection":
        raise HierarchyError("type", "expected a GeoJSON FeatureCollection")
    datum = collection.get("datum", "wgs84")
    if datum not in DATUMS:
        raise HierarchyError("datum", f"expected one of {', '.join(DATUMS)}")
    features = collection.get("features")
    if not isinstance(features, list) or not features:
        raise HierarchyError("features", "expected a non-empty list of features")
    places = [_read_feature(f"features[{i}]", f) for i, f in enumerate(features)]
    by_id: dict[str, PlaceFeature] = {}
    for i, place in enumerate(places):
        if place.id in by_id:
            raise HierarchyError(f"features[{i}].properties.id", f"duplicate id {place.id!r}")
        by_id[place.id] = place
    for i, place in enumerate(places):
        _check_parent(f"features[{i}].properties.parent_id", place, by_id)
    if datum != "wgs84":
        places = [replace(p, geometry=_to_wgs84(p.geometry, datum)) for p in places]
    return sorted(places, key=lambda p: KINDS.index(p.kind))


def _to_wgs84(geometry: BaseGeometry, datum: str) -> BaseGeometry:
    def convert(xy: NDArray[np.float64]) -> NDArray[np.float64]:
        lon, lat = to_wgs84(xy[:, 0], xy[:, 1], datum)
        return np.column_stack([lon, lat])

    return shapely.transform(geometry, convert)


def _read_feature(path: str, feature: Any) -> PlaceFeature:
    if not isinstance(feature, Mapping) or feature.get("type") != "Feature":
        raise HierarchyError(path, "expected a GeoJSON Feature")
    props = feature.get("properties")
    if not isinstance(props, Mapping):
        raise HierarchyError(f"{path}.properties", "expected an object")
    for key in ("id", "kind", "name_zh", "name_en"):
        if not isinstance(props.get(key), str) or not props[key].strip():
            raise HierarchyError(f"{path}.properties.{key}", "expected a non-empty string")
    if props["kind"] not in KINDS:
        raise HierarchyError(f"{path}.properties.kind", f"expected one of {', '.join(KINDS)}")
    parent = props.get("parent_id")
    if parent is not None and not isinstance(parent, str):
        raise HierarchyError(f"{path}.properties.parent_id", "expected a string or null")
    return PlaceFeature(
        id=props["id"],
        kind=props["kind"],
        parent_id=parent,
        name_zh=props["name_zh"],
        name_en=props["name_en"],
        geometry=_read_area(f"{path}.geometry", feature.get("geometry")),
    )


def _read_area(path: str, geometry: Any) -> BaseGeometry:
    if not isinstance(geometry, Mapping) or geometry.get("type") not in AREA_TYPES:
        raise HierarchyError(path, "expected a Polygon or MultiPolygon")
    try:
        area = shape({"type": geometry["type"], "coordinates": _closed_rings(geometry)})
    except (ValueError, TypeError, IndexError, AttributeError) as exc:
        raise HierarchyError(path, f"unreadable coordinates ({exc})") from None
    if area.is_empty:
        raise HierarchyError(path, "empty geometry")
    coords = shapely.get_coordinates(area)
    if not np.isfinite(coords).all():
        raise HierarchyError(path, "coordinates must be finite numbers")
    if (np.abs(coords[:, 0]) > 180).any() or (np.abs(coords[:, 1]) > 90).any():
        raise HierarchyError(path, "coordinates out of range: expected [lon, lat] in degrees")
    # an invalid shape (bow-tie, ...) is kept: the validation report names and repairs it
    return area


def _closed_rings(geometry: Mapping[str, Any]) -> Any:
    """The coordinates, with every ring of fewer than four positions padded by repeating
    its first one. Quantised files (TopoJSON, say) collapse small rings to two or three
    positions; read as they are, one such ring would make the whole file unreadable —
    padded, it is an invalid shape that the validation report names and repairs."""
    coordinates = geometry.get("coordinates")
    polygons = [coordinates] if geometry["type"] == "Polygon" else coordinates
    if not isinstance(polygons, list) or not all(isinstance(p, list) for p in polygons):
        return coordinates
    padded = [[_padded(ring) for ring in polygon] for polygon in polygons]
    return padded[0] if geometry["type"] == "Polygon" else padded


def _padded(ring: Any) -> Any:
    if isinstance(ring, list) and 0 < len(ring) < 4:
        return ring + [ring[0]] * (4 - len(ring))
    return ring


def _check_parent(path: str, place: PlaceFeature, by_id: Mapping[str, PlaceFeature]) -> None:
    wanted = PARENT_KIND[place.kind]
    if wanted is None:
        if place.parent_id is not None:
            raise HierarchyError(path, "a street has no parent")
        return
    parent = by_id.get(place.parent_id or "")
    if parent is None:
        raise HierarchyError(path, f"parent {place.parent_id!r} is not in the file")
    if parent.kind != wanted:
        raise HierarchyError(path, f"a {place.kind}'s parent must be a {wanted}")
