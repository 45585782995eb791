"""Is a reported point in the grid it was reported for? An answer that respects the
GPS accuracy of the point, with the distance to the grid's edge in metres and the
grids that do contain the point.

Distances are computed in a local plane around each grid (metres east and north of
the grid's centre, scaled by the WGS-84 radii of curvature there): at grid scale
(a few kilometres) this is within 0.05 % of the geodesic distance.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

import numpy as np
import shapely
from numpy.typing import ArrayLike, NDArray
from shapely.geometry.base import BaseGeometry

from geo.repair import polygonal

_A = 6378137.0  # WGS-84
_E2 = 6.69437999014e-3


class GeofenceStatus(StrEnum):
    inside = "inside"
    near_edge = "near_edge"
    """Inside, but closer to the edge than the point's accuracy."""
    outside_within_accuracy = "outside_within_accuracy"
    """Outside, but no farther from the edge than the point's accuracy."""
    outside = "outside"
    no_fix = "no_fix"
    """No location, or one too inaccurate to judge."""


@dataclass(frozen=True, slots=True)
class GeofencePolicy:
    accuracy_floor_m: float = 5.0
    """Claimed accuracies below this are raised to it (phones are optimistic)."""
    accuracy_cap_m: float = 100.0
    """Fixes less accurate than this are ``no_fix``."""
    unknown_accuracy_m: float = 30.0
    """Used when the device gave no accuracy (old apps, manual placement)."""

    def accuracy(self, claimed: float | None) -> float | None:
        if claimed is None:
            return self.unknown_accuracy_m
        if not np.isfinite(claimed) or claimed > self.accuracy_cap_m:
            return None
        return max(claimed, self.accuracy_floor_m)


@dataclass(frozen=True, slots=True)
class GeofenceResult:
    status: GeofenceStatus
    boundary_version: int
    distance_m: float | None = None
    """Distance from the point to the reported grid's edge (0 on the edge)."""
    accuracy_m: float | None = None
    """The accuracy used (after floor and default)."""
    containing_grids: tuple[str, ...] = ()
    """Grids whose area (edge included) holds the point, in id order."""

    @property
    def suggested_grid_id(self) -> str | None:
        if self.status in (GeofenceStatus.inside, GeofenceStatus.near_edge):
            return None
        return self.containing_grids[0] if self.containing_grids else None

    def as_verdict(self) -> dict[str, object]:
        return {
            "status": self.status.value,
            "boundary_version": self.boundary_version,
            "distance_m": None if self.distance_m is None else round(self.distance_m, 1),
            "accuracy_m": self.accuracy_m,
            "suggested_grid_id": self.suggested_grid_id,
            "containing_grids": list(self.containing_grids),
        }


def metres_per_degree(lat: float) -> tuple[float, float]:
    """(east, north) metres per degree of longitude and latitude at ``lat``."""
    phi = np.radians(lat)
    w = 1.0 - _E2 * np.sin(phi) ** 2
    meridional = _A * (1.0 - _E2) / w**1.5
    prime_vertical = _A / np.sqrt(w)
    return float(np.radians(1) * prime_vertical * np.cos(phi)), float(np.radians(1) * meridional)


@dataclass(frozen=True, slots=True)
class _LocalGrid:
    geometry: BaseGeometry  # in metres around the origin
    edge: BaseGeometry
    inner: BaseGeometry  # shrunk by the band: points in it are deep inside
    outer: BaseGeometry  # grown by the band: points beyond it are far outside
    origin: tuple[float, float]
    scale: tuple[float, float]

    def project(self, lon: NDArray[np.float64], lat: NDArray[np.float64]) -> tuple[
        NDArray[np.float64], NDArray[np.float64]
    ]:  # fmt: skip
        return (lon - self.origin[0]) * self.scale[0], (lat - self.origin[1]) * self.scale[1]


def _local(geometry: BaseGeometry, band_m: float) -> _LocalGrid:
    centre = geometry.centroid
    origin = (centre.x, centre.y)
    scale = metres_per_degree(centre.y)
    local = shapely.transform(geometry, lambda xy: (xy - np.array(origin)) * np.array(scale))
    shapely.prepare(local)
    edge, inner, outer = local.boundary, local.buffer(-band_m), local.buffer(band_m)
    for part in (edge, inner, outer):
        shapely.prepare(part)
    return _LocalGrid(local, edge, inner, outer, origin, scale)


class GridIndex:
    """The grids of one boundary version, ready to classify points in bulk."""

    def __init__(
        self,
        grids: Mapping[str, BaseGeometry],
        boundary_version: int,
        policy: GeofencePolicy | None = None,
        band_m: float = 30.0,
    ) -> None:
        # invalid shapes enter as their polygonal repair (a collapsed ring must not act
        # as an edge); a grid left with no area is not in the index at all
        grids = {i: polygonal(g) for i, g in grids.items()}
        grids = {i: g for i, g in grids.items() if not g.is_empty}
        self.ids = sorted(grids)
        self.geometries = np.array([grids[i] for i in self.ids], dtype=object)
        self.boundary_version = boundary_version
        self.policy = policy or GeofencePolicy()
        self.band_m = band_m
        self.tree = shapely.STRtree(self.geometries)
        self._local = {i: _local(grids[i], band_m) for i in self.ids}
        local = [self._local[i] for i in self.ids]
        self._origin = np.array([grid.origin for grid in local], dtype=float).reshape(-1, 2)
        self._scale = np.array([grid.scale for grid in local], dtype=float).reshape(-1, 2)
        self._shapes = np.array([grid.geometry for grid in local], dtype=object)
        self._edges = np.array([grid.edge for grid in local], dtype=object)
        self._inner = np.array([grid.inner for grid in local], dtype=object)
        self._outer = np.array([grid.outer for grid in local], dtype=object)
        for geometry in self.geometries:
            shapely.prepare(geometry)

    def shape(self, grid_id: str) -> BaseGeometry | None:
        """The grid's shape as the index holds it (its polygonal repair); ``None`` for a
        grid it does not know or one with no area."""
        if grid_id not in self._local:
            return None
        shape: BaseGeometry = self.geometries[self.ids.index(grid_id)]
        return shape

    def containing(self, lons: ArrayLike, lats: ArrayLike) -> list[tuple[str, ...]]:
        """For each point, the grids that hold it (edges included), in id order."""
        points = shapely.points(np.asarray(lons, dtype=float), np.asarray(lats, dtype=float))
        found: list[list[str]] = [[] for _ in range(len(points))]
        point_idx, grid_idx = self.tree.query(points, predicate="intersects")
        for p, g in zip(point_idx.tolist(), grid_idx.tolist(), strict=True):
            found[p].append(self.ids[g])
        return [tuple(sorted(f)) for f in found]

    def classify(
        self, grid_id: str, lon: float | None, lat: float | None, accuracy_m: float | None
    ) -> GeofenceResult:
        return self.classify_many([grid_id], [lon], [lat], [accuracy_m])[0]

    def classify_many(
        self,
        grid_ids: Sequence[str],
        lons: Sequence[float | None],
        lats: Sequence[float | None],
        accuracies: Sequence[float | None],
    ) -> list[GeofenceResult]:
        """Classify each point against the grid it was reported for (exact distances)."""
        position = {g: i for i, g in enumerate(self.ids)}
        bulk = self.classify_arrays(
            np.array([position.get(g, -1) for g in grid_ids], dtype=np.int64),
            np.array([np.nan if v is None else v for v in lons], dtype=float),
            np.array([np.nan if v is None else v for v in lats], dtype=float),
            # missing: NaN (the policy's default applies); NaN or infinite: unusable
            np.array([np.nan if v is None else v if np.isfinite(v) else np.inf
                      for v in accuracies], dtype=float),
        )  # fmt: skip
        outside = np.flatnonzero(
            (bulk.status == _CODE[GeofenceStatus.outside])
            | (bulk.status == _CODE[GeofenceStatus.outside_within_accuracy])
        )
        lon_arr = np.array([np.nan if v is None else v for v in lons], dtype=float)
        lat_arr = np.array([np.nan if v is None else v for v in lats], dtype=float)
        holders = dict(
            zip(outside.tolist(), self.containing(lon_arr[outside], lat_arr[outside]),
                strict=True)
        )  # fmt: skip
        results = []
        for i, code in enumerate(bulk.status.tolist()):
            status = _STATUS[code]
            if status is GeofenceStatus.no_fix:
                results.append(GeofenceResult(status, self.boundary_version))
                continue
            inside = status in (GeofenceStatus.inside, GeofenceStatus.near_edge)
            held = (grid_ids[i],) if inside else holders.get(i, ())
            results.append(GeofenceResult(status, self.boundary_version, float(bulk.distance[i]),
                                          float(bulk.accuracy[i]), held))  # fmt: skip
        return results

    def classify_arrays(
        self,
        grid_index: NDArray[np.int64],
        lon: NDArray[np.float64],
        lat: NDArray[np.float64],
        accuracy: NDArray[np.float64],
        *,
        exact_distances: bool = True,
    ) -> BulkGeofence:
        """The batch path: points as arrays, ``grid_index`` into :attr:`ids` (-1:
        unknown grid). Vectorized over all points at once: no Python loop per point or
        per grid.

        Without ``exact_distances``, points whose answer cannot depend on the exact
        distance (deeper inside or farther outside than the band) get NaN distances.
        """
        n = len(grid_index)
        acc = self._accuracies(accuracy)
        usable = np.isfinite(lon) & np.isfinite(lat) & np.isfinite(acc)
        usable &= (grid_index >= 0) & (grid_index < len(self.ids))
        status = np.full(n, _CODE[GeofenceStatus.no_fix], dtype=np.uint8)
        distance = np.full(n, np.nan)
        idx = np.flatnonzero(usable)
        g = grid_index[idx]
        # each point in its grid's local metric plane; shapely then loops in C over
        # (point, grid) pairs, reusing each grid's prepared geometry
        x = (lon[idx] - self._origin[g, 0]) * self._scale[g, 0]
        y = (lat[idx] - self._origin[g, 1]) * self._scale[g, 1]
        covered = shapely.intersects_xy(self._shapes[g], x, y)
        need = np.ones(len(idx), dtype=bool)
        if not exact_distances:
            narrow = acc[idx] <= self.band_m
            deep = narrow & covered
            deep[deep] = shapely.contains_xy(self._inner[g[deep]], x[deep], y[deep])
            far = narrow & ~covered
            far[far] = ~shapely.intersects_xy(self._outer[g[far]], x[far], y[far])
            need = ~(deep | far)
        d = np.full(len(idx), np.nan)
        d[need] = self._edge_distances(g[need], x[need], y[need])
        close = ~np.isnan(d) & (d <= acc[idx])
        status[idx] = np.where(
            covered,
            np.where(close & (d < acc[idx]), _CODE[GeofenceStatus.near_edge],
                     _CODE[GeofenceStatus.inside]),
            np.where(close, _CODE[GeofenceStatus.outside_within_accuracy],
                     _CODE[GeofenceStatus.outside]),
        )  # fmt: skip
        distance[idx] = d
        return BulkGeofence(status, distance, acc)

    def _edge_distances(
        self, g: NDArray[np.int64], x: NDArray[np.float64], y: NDArray[np.float64]
    ) -> NDArray[np.float64]:
        """Distance of each local point to its grid's edge, grid by grid (one GEOS
        call per grid is faster for distances than one call over mixed grids)."""
        out = np.empty(len(g))
        order = np.argsort(g, kind="stable")
        bounds = np.searchsorted(g[order], np.arange(len(self.ids) + 1))
        points = shapely.points(x[order], y[order])
        for k in np.flatnonzero(np.diff(bounds)).tolist():
            part = slice(bounds[k], bounds[k + 1])
            out[order[part]] = shapely.distance(self._edges[k], points[part])
        return out

    def _accuracies(self, claimed: NDArray[np.float64]) -> NDArray[np.float64]:
        p = self.policy
        acc = np.where(np.isnan(claimed), p.unknown_accuracy_m, claimed)  # NaN: not given
        acc = np.maximum(acc, p.accuracy_floor_m)
        return np.where(np.isfinite(acc) & (acc <= p.accuracy_cap_m), acc, np.nan)


_STATUS = list(GeofenceStatus)
_CODE = {status: np.uint8(i) for i, status in enumerate(_STATUS)}


@dataclass(frozen=True, slots=True)
class BulkGeofence:
    """Results of the batch path, as arrays (status codes index ``GeofenceStatus``)."""

    status: NDArray[np.uint8]
    distance: NDArray[np.float64]
    accuracy: NDArray[np.float64]

    def statuses(self) -> list[GeofenceStatus]:
        return [_STATUS[code] for code in self.status.tolist()]
