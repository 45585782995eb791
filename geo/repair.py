"""A boundary that is not valid made into one that is: polygonal only (a collapsed ring
or a zero-width spike becomes nothing, not a stray line), so that the repaired shape can
be imported, simplified for tablets and indexed for the geofence like any other."""

from __future__ import annotations

import shapely
from shapely.geometry import MultiPolygon, Polygon
from shapely.geometry.base import BaseGeometry


def polygonal(geometry: BaseGeometry) -> Polygon | MultiPolygon:
    """``geometry`` if it is a valid polygon, else its polygonal repair (possibly empty).

    GEOS's "structure" repair keeps the area a ring encloses and drops collapsed parts;
    what is left of any other kind (lines, points) is dropped."""
    if isinstance(geometry, Polygon | MultiPolygon) and geometry.is_valid:
        return geometry
    repaired = shapely.make_valid(geometry, method="structure", keep_collapsed=False)
    parts = [p for p in shapely.get_parts(shapely.get_parts(repaired)) if isinstance(p, Polygon)]
    parts = [p for p in parts if not p.is_empty and p.area > 0]
    if len(parts) == 1:
        return parts[0]
    return MultiPolygon(parts)
