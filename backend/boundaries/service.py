"""Import, inspect and activate boundary versions; re-check hazards after activation."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from shapely.geometry import mapping, shape
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from backend.boundaries.models import BoundaryVersion, PlaceBoundary
from backend.errors import ConflictError, DomainError, NotFound
from backend.grids.models import Place, PlaceKind
from backend.hazards.models import Hazard
from backend.sqltypes import utcnow
from geo.geofence import GeofenceResult, GridIndex
from geo.hierarchy import HierarchyError, read_hierarchy
from geo.repair import polygonal
from geo.validation import validate_hierarchy
from sync.provisioning import Namespace

SLIVER_M2 = 1.0
NO_AREA = "no area left once repaired (a ring collapsed to a line): redraw it"


class InvalidBoundary(DomainError):
    status = 422
    title = "Invalid boundary file"


async def import_boundaries(
    session: AsyncSession, collection: Any, label: str, sliver_m2: float = SLIVER_M2
) -> BoundaryVersion:
    """A new, inactive version with its validation report."""
    if not isinstance(collection, dict):
        raise InvalidBoundary("expected a GeoJSON FeatureCollection", [{"path": "", "message":
                              "expected a JSON object"}])  # fmt: skip
    try:
        places = read_hierarchy(collection)
    except HierarchyError as exc:
        raise InvalidBoundary(str(exc), [{"path": exc.path, "message": exc.message}]) from None
    report = validate_hierarchy(places, sliver_m2)
    version = BoundaryVersion(
        label=label,
        datum=collection.get("datum", "wgs84"),
        problem_counts=report.counts(),
        problems=report.as_geojson(),
    )
    session.add(version)
    await session.flush()
    assert version.id is not None
    for place in places:
        session.add(PlaceBoundary(
            version_id=version.id, place_id=place.id, kind=place.kind,
            parent_id=place.parent_id, name_zh=place.name_zh, name_en=place.name_en,
            geometry=place.geojson_geometry(),
        ))  # fmt: skip
    await session.flush()
    return version


async def get_version(session: AsyncSession, version_id: int) -> BoundaryVersion:
    version = await session.get(BoundaryVersion, version_id)
    if version is None:
        raise NotFound(f"no boundary version {version_id}")
    return version


async def active_version(session: AsyncSession) -> BoundaryVersion | None:
    query = select(BoundaryVersion).where(col(BoundaryVersion.active).is_(True))
    return (await session.exec(query)).first()


async def list_versions(session: AsyncSession) -> Sequence[BoundaryVersion]:
    query = select(BoundaryVersion).order_by(col(BoundaryVersion.id).desc())
    return (await session.exec(query)).all()


async def repaired_collection(session: AsyncSession, version_id: int) -> dict[str, Any]:
    """The version as a boundary file again, each invalid shape replaced by its polygonal
    repair (same id and properties), ready to import as a new version. A shape with no
    area left (a ring collapsed to a line) cannot be repaired: it is left out and named
    in ``not_repaired`` with the reason, for the office to redraw."""
    version = await get_version(session, version_id)
    rows = (await session.exec(
        select(PlaceBoundary).where(PlaceBoundary.version_id == version_id)
        .order_by(col(PlaceBoundary.place_id))
    )).all()  # fmt: skip
    features, not_repaired, repaired = [], [], []
    for row in rows:
        geometry = shape(row.geometry)
        if not geometry.is_valid:
            geometry = polygonal(geometry)
            if geometry.is_empty:
                not_repaired.append({"id": row.place_id, "reason": NO_AREA})
                continue
            repaired.append(row.place_id)
        properties = {"id": row.place_id, "kind": row.kind, "parent_id": row.parent_id,
                      "name_zh": row.name_zh, "name_en": row.name_en}  # fmt: skip
        features.append({"type": "Feature", "properties": properties,
                         "geometry": mapping(geometry)})  # fmt: skip
    return {"type": "FeatureCollection", "name": f"{version.label} (repaired)",
            "datum": "wgs84", "repaired": repaired, "not_repaired": not_repaired,
            "features": features}  # fmt: skip


async def activate(
    session: AsyncSession,
    version_id: int,
    namespace: Namespace,
    *,
    force: bool = False,
    reason: str = "",
) -> BoundaryVersion:
    """Make this version the one places, geofences and tablets use.

    A version with problems is refused unless forced with a reason, which is kept.
    """
    version = await get_version(session, version_id)
    problems = sum(version.problem_counts.values())
    if problems and not force:
        raise ConflictError(f"version {version_id} has {problems} problem(s); fix the file, "
                            "or activate with force and a reason")  # fmt: skip
    if problems and not reason.strip():
        raise DomainError("forcing an activation needs a reason",
                          [{"path": "/reason", "message": "required when forcing"}])  # fmt: skip
    for other in (await session.exec(select(BoundaryVersion))).all():
        other.active = other.id == version_id
        session.add(other)
    version.activated_at, version.forced, version.force_reason = utcnow(), bool(problems), reason
    rows = (await session.exec(
        select(PlaceBoundary).where(PlaceBoundary.version_id == version_id)
    )).all()  # fmt: skip
    order = {"street": 0, "community": 1, "grid": 2}
    for row in sorted(rows, key=lambda r: order[r.kind]):
        await _upsert_place(session, row, namespace)
    await session.flush()
    return version


async def _upsert_place(session: AsyncSession, row: PlaceBoundary, namespace: Namespace) -> None:
    place = await session.get(Place, row.place_id)
    if place is None:
        place = Place(
            id=row.place_id, kind=PlaceKind(row.kind), name_zh=row.name_zh,
            name_en=row.name_en, boundary=row.geometry,
            couch_db=namespace.grid_db(row.place_id) if row.kind == "grid" else None,
        )  # fmt: skip
    place.parent_id, place.name_zh, place.name_en = row.parent_id, row.name_zh, row.name_en
    place.boundary = row.geometry
    session.add(place)
    await session.flush()


@dataclass
class Recheck:
    checked: int
    changed: list[tuple[Hazard, GeofenceResult]]

    def summary(self) -> dict[str, Any]:
        now = Counter(result.status.value for _, result in self.changed)
        return {"checked": self.checked, "changed": len(self.changed), "now": dict(now)}


async def recheck_hazards(session: AsyncSession, index: GridIndex) -> Recheck:
    """Geofence every located hazard again against ``index``; those whose answer
    changed, with the new answer."""
    hazards = (await session.exec(
        select(Hazard).where(col(Hazard.lat).is_not(None), col(Hazard.deleted).is_(False))
    )).all()  # fmt: skip
    accuracies = [(h.doc.get("location") or {}).get("accuracy_m") for h in hazards]
    results = index.classify_many(
        [h.grid_id for h in hazards], [h.lon for h in hazards], [h.lat for h in hazards],
        accuracies,
    )  # fmt: skip
    changed = []
    for hazard, result in zip(hazards, results, strict=True):
        if (hazard.geofence_status, hazard.suggested_grid_id) != (
            result.status.value,
            result.suggested_grid_id,
        ):
            changed.append((hazard, result))
            hazard.updated_at = utcnow()  # open maps hear of it (backend.live.catch_up)
        hazard.geofence_status = result.status.value
        hazard.geofence_distance_m = result.distance_m
        hazard.suggested_grid_id = result.suggested_grid_id
        hazard.boundary_version = result.boundary_version
        session.add(hazard)
    await session.flush()
    return Recheck(len(hazards), changed)
