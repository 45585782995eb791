"""Grid status for colouring the map, and hazards counted per map cell for views that
hold more hazards than a browser should draw one by one."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Integer, case, cast, func
from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from backend.hazards.models import Hazard, on_the_ledger
from backend.hazards.query import HazardFilter, where_matching
from backend.inspections.models import Inspection
from backend.ledger.workflow import OPEN
from backend.sqltypes import utcnow


@dataclass(frozen=True, slots=True)
class GridStatus:
    open: int
    overdue: int
    inspections: int
    """Valid inspections started since ``since`` (this week)."""


async def grid_status(
    session: AsyncSession, grid_ids: set[str], since: datetime
) -> dict[str, GridStatus]:
    late = (col(Hazard.ledger_status) == "rectifying") & (col(Hazard.deadline) < utcnow())
    hazards = (
        select(Hazard.grid_id, func.count(), func.sum(case((late, 1), else_=0)))
        .where(col(Hazard.grid_id).in_(grid_ids), on_the_ledger())
        .where(col(Hazard.ledger_status).in_([s.value for s in OPEN]))
        .group_by(col(Hazard.grid_id))
    )
    counts = {g: (int(n), int(o or 0)) for g, n, o in (await session.exec(hazards)).all()}
    visits = (
        select(Inspection.grid_id, func.count())
        .where(col(Inspection.grid_id).in_(grid_ids), col(Inspection.valid).is_(True))
        .where(col(Inspection.deleted).is_(False), col(Inspection.started_at) >= since)
        .group_by(col(Inspection.grid_id))
    )
    done = dict((await session.exec(visits)).all())
    return {
        grid: GridStatus(counts.get(grid, (0, 0))[0], counts.get(grid, (0, 0))[1],
                         int(done.get(grid, 0)))
        for grid in sorted(grid_ids)
    }  # fmt: skip


@dataclass(frozen=True, slots=True)
class Cells:
    total: int
    cells: list[list[Any]]
    """[lon, lat, count, overdue, major] per occupied cell; lon/lat the mean point."""


async def cluster_cells(
    session: AsyncSession, f: HazardFilter, within: set[str] | None, cell_degrees: float
) -> Cells:
    """Hazards matching ``f`` (which has a bbox) counted per square cell."""
    assert f.bbox is not None
    west, south, _, _ = f.bbox
    dialect = session.get_bind().dialect.name

    def index(value: Any, origin: float) -> Any:
        ratio = (value - origin) / cell_degrees
        # non-negative inside the bbox: truncation is floor; PostgreSQL rounds on cast
        return func.floor(ratio) if dialect == "postgresql" else cast(ratio, Integer)

    column, row = index(col(Hazard.lon), west), index(col(Hazard.lat), south)
    late = (col(Hazard.ledger_status) == "rectifying") & (col(Hazard.deadline) < utcnow())
    measures: list[Any] = [
        func.avg(Hazard.lon), func.avg(Hazard.lat), func.count(),
        func.sum(case((late, 1), else_=0)),
        func.sum(case((col(Hazard.severity) == "major", 1), else_=0)),
    ]  # fmt: skip
    query = select(*measures).where(col(Hazard.lat).is_not(None))
    query = where_matching(query, f, within).group_by(column, row)
    cells = [
        [round(lon, 6), round(lat, 6), int(n), int(o or 0), int(m or 0)]
        for lon, lat, n, o, m in (await session.exec(query)).all()
    ]
    return Cells(sum(c[2] for c in cells), cells)
