"""HTTP: coverage of a period and the grid-worker scorecard, as JSON and as CSV."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from typing import Annotated, Any

from litestar import Controller, get
from litestar.di import NamedDependency, Provide
from litestar.params import QueryParameter
from litestar.response import Stream
from pydantic import BaseModel
from sqlmodel.ext.asyncio.session import AsyncSession

from backend.accounts.models import Account
from backend.accounts.service import jurisdiction_grid_ids
from backend.cadence import HIGH_RISK_SITE_EVERY_DAYS, Period
from backend.coverage.scorecard import ScoreRow, scorecard
from backend.coverage.service import CoverageReport, HazardOutcomes, coverage
from backend.errors import DomainError
from backend.exports.csv_stream import csv_response, listed
from backend.runtime import Runtime
from backend.tracks.blind_spots import GridPatrol, patrolled_grids, unpatrolled_features
from backend.tracks.filters import TrackFilter, provide_track_filter

WEEK = re.compile(r"^(\d{4})-W(\d{2})$")
MAX_DAYS = 366


def _bad(path: str, message: str) -> DomainError:
    return DomainError(
        f"{path.rsplit('/', 1)[-1]}: {message}", [{"path": path, "message": message}]
    )


def provide_period(
    runtime: NamedDependency[Runtime],
    week: Annotated[
        str | None, QueryParameter(max_length=8, description="ISO week, 2026-W47")
    ] = None,
    first: Annotated[
        date | None, QueryParameter(name="from", description="first local day")
    ] = None,
    last: Annotated[date | None, QueryParameter(name="to", description="last local day")] = None,
) -> Period:
    """The reporting period in the street's time zone: an ISO week, or from..to (both
    days included); this week when neither is given."""
    zone = runtime.time_zone
    if week is not None:
        match = WEEK.match(week)
        try:
            return Period.iso_week(int(match[1]), int(match[2]), zone) if match else _no_week()
        except ValueError:
            raise _bad("/query/week", "expected an ISO week such as 2026-W47") from None
    if first is None and last is None:
        today = datetime.now(zone).date()
        year, number, _ = today.isocalendar()
        return Period.iso_week(year, number, zone)
    if first is None or last is None:
        raise _bad("/query/from", "from and to go together")
    if not timedelta(0) <= last - first < timedelta(days=MAX_DAYS):
        raise _bad("/query/to", f"must be on or after from, at most {MAX_DAYS} days")
    return Period(first, last, zone)


def _no_week() -> Period:
    raise ValueError("not a week")


class Window(BaseModel):
    start: datetime
    end: datetime


class PlaceCoverageRead(BaseModel):
    place_id: str
    level: str
    name_zh: str
    name_en: str
    kind: str
    every_days: int
    expected: int
    met: int
    inspections: int
    missed: list[Window]


class SiteGapRead(BaseModel):
    site_id: int
    grid_id: str
    name: str
    sector: str
    last_inspected_at: datetime | None
    missed: list[Window]


class OutcomesRead(BaseModel):
    hazards_found: int
    closed_out: int
    median_hours_to_close: float | None
    due: int
    rectified_on_time: int
    on_time_rate: float | None


class PeriodRead(BaseModel):
    first: date
    last: date
    time_zone: str


class PatrolAreaRead(BaseModel):
    grid_id: str
    name_zh: str
    name_en: str
    tracks: int
    length_m: float
    area_m2: float
    patrolled_m2: float
    patrolled_share: float
    """Share of the grid within reach of a track of the period (``PATROL_REACH_M``)."""
    devices: list[str]


class CoverageRead(BaseModel):
    period: PeriodRead
    places: list[PlaceCoverageRead]
    missed_sites: list[SiteGapRead]
    grids: dict[str, OutcomesRead]
    """Hazard outcomes by grid."""
    patrols: list[PatrolAreaRead]
    """What each grid's patrol tracks covered; the blind spots' shapes are at
    ``/api/coverage/blind-spots``."""


class ScoreRead(BaseModel):
    device_id: str
    label: str
    grid_id: str
    worker_account_id: int | None
    worker_name: str | None
    inspections: dict[str, int]
    windows_expected: int
    windows_met: int
    high_risk_sites: int
    high_risk_sites_inspected: int
    outcomes: OutcomesRead
    patrolled_share: float
    """Share of the tablet's grid its own patrol tracks of the period came within
    ``PATROL_REACH_M`` of."""
    score: float


def _windows(windows: list[tuple[datetime, datetime]]) -> list[Window]:
    return [Window(start=a, end=b) for a, b in windows]


def _outcomes(o: HazardOutcomes) -> OutcomesRead:
    return OutcomesRead(
        hazards_found=o.found, closed_out=o.closed_out, due=o.due,
        median_hours_to_close=o.median_hours_to_close,
        rectified_on_time=o.rectified_on_time, on_time_rate=o.on_time_rate,
    )  # fmt: skip


def _period(period: Period) -> PeriodRead:
    return PeriodRead(first=period.first, last=period.last, time_zone=period.zone.key)


def _patrol_read(p: GridPatrol) -> PatrolAreaRead:
    c = p.coverage
    return PatrolAreaRead(
        grid_id=p.grid_id, name_zh=p.name_zh, name_en=p.name_en, tracks=p.tracks,
        length_m=round(p.length_m, 1), area_m2=round(c.area_m2, 1),
        patrolled_m2=round(c.patrolled_m2, 1), patrolled_share=round(c.patrolled_share, 4),
        devices=p.devices,
    )  # fmt: skip


def _coverage_read(report: CoverageReport, patrols: list[GridPatrol]) -> CoverageRead:
    return CoverageRead(
        period=_period(report.period),
        places=[PlaceCoverageRead(**{**_fields(p), "missed": _windows(p.missed)})
                for p in report.places],
        missed_sites=[SiteGapRead(**{**_fields(s), "missed": _windows(s.missed)})
                      for s in report.missed_sites],
        grids={grid: _outcomes(o) for grid, o in sorted(report.outcomes.items())},
        patrols=[_patrol_read(p) for p in patrols],
    )  # fmt: skip


def _fields(row: Any) -> dict[str, Any]:
    return {name: getattr(row, name) for name in row.__slots__}


def _score_read(row: ScoreRow) -> ScoreRead:
    values = {**_fields(row), "outcomes": _outcomes(row.outcomes)}
    return ScoreRead(**values)


def _local(moment: datetime | None, period: Period) -> str:
    return moment.astimezone(period.zone).isoformat(timespec="minutes") if moment else ""


class CoverageController(Controller):
    path = "/api"
    tags = ("coverage",)
    dependencies = {  # noqa: RUF012
        "period": Provide(provide_period, sync_to_thread=False),
        "whose": Provide(provide_track_filter, sync_to_thread=False),
    }

    @get("/coverage")
    async def coverage(
        self,
        session: NamedDependency[AsyncSession],
        account: NamedDependency[Account],
        runtime: NamedDependency[Runtime],
        period: NamedDependency[Period],
    ) -> CoverageRead:
        """Places and high-risk sites that missed their cadence in the period, and each
        grid's hazard outcomes."""
        within = await jurisdiction_grid_ids(session, account)
        report = await coverage(session, within, period, runtime.coverage_rules)
        patrols = await patrolled_grids(session, within, period, runtime.patrol_reach_m)
        return _coverage_read(report, patrols)

    @get("/coverage/blind-spots")
    async def blind_spots(
        self,
        session: NamedDependency[AsyncSession],
        account: NamedDependency[Account],
        runtime: NamedDependency[Runtime],
        period: NamedDependency[Period],
        whose: NamedDependency[TrackFilter],
    ) -> dict[str, Any]:
        """Per grid, the parts no track of the period came within reach of (GeoJSON, for
        the map), with the patrolled share; of one tablet's tracks with ``device``, of one
        grid worker's with ``worker``."""
        within = await jurisdiction_grid_ids(session, account)
        patrols = await patrolled_grids(session, within, period, runtime.patrol_reach_m, whose)
        return unpatrolled_features(patrols)

    @get("/coverage/csv", media_type="text/csv")
    async def coverage_csv(
        self,
        session: NamedDependency[AsyncSession],
        account: NamedDependency[Account],
        runtime: NamedDependency[Runtime],
        period: NamedDependency[Period],
    ) -> Stream:
        """The coverage report as one table: a row per place and kind, then a row per
        high-risk site that was missed."""
        within = await jurisdiction_grid_ids(session, account)
        report = await coverage(session, within, period, runtime.coverage_rules)
        header = ["section", "place_id", "level", "name_zh", "name_en", "kind", "every_days",
                  "expected", "met", "inspections", "missed_from", "last_inspected_at",
                  "patrolled_share"]  # fmt: skip
        rows: list[list[Any]] = [
            ["cadence", p.place_id, p.level, p.name_zh, p.name_en, p.kind, p.every_days,
             p.expected, p.met, p.inspections,
             " ".join(_local(a, period) for a, _ in p.missed), "", ""]
            for p in report.places
        ]  # fmt: skip
        every = HIGH_RISK_SITE_EVERY_DAYS
        expected = len(period.windows(every))
        rows += [
            ["high_risk_site", s.grid_id, "site", s.name, "", "hazard_inspection", every,
             expected, expected - len(s.missed), "",
             " ".join(_local(a, period) for a, _ in s.missed), _local(s.last_inspected_at, period),
             ""]
            for s in report.missed_sites
        ]  # fmt: skip
        patrols = await patrolled_grids(session, within, period, runtime.patrol_reach_m)
        rows += [
            ["patrolled_area", p.grid_id, "grid", p.name_zh, p.name_en, "patrol", "", "", "",
             "", "", "", round(p.coverage.patrolled_share, 4)]
            for p in patrols
        ]  # fmt: skip
        name = f"coverage-{period.first}-{period.last}.csv"
        return csv_response(name, header, listed(rows))

    @get("/scorecard")
    async def scorecard(
        self,
        session: NamedDependency[AsyncSession],
        account: NamedDependency[Account],
        runtime: NamedDependency[Runtime],
        period: NamedDependency[Period],
    ) -> list[ScoreRead]:
        """The grid-worker scorecard of the period (weights in the scorecard's docs)."""
        within = await jurisdiction_grid_ids(session, account)
        rows = await scorecard(
            session, within, period, runtime.coverage_rules, runtime.patrol_reach_m
        )
        return [_score_read(row) for row in rows]

    @get("/scorecard/csv", media_type="text/csv")
    async def scorecard_csv(
        self,
        session: NamedDependency[AsyncSession],
        account: NamedDependency[Account],
        runtime: NamedDependency[Runtime],
        period: NamedDependency[Period],
    ) -> Stream:
        within = await jurisdiction_grid_ids(session, account)
        rows = await scorecard(
            session, within, period, runtime.coverage_rules, runtime.patrol_reach_m
        )
        header = ["device_id", "label", "grid_id", "worker", "hazard_inspections",
                  "dispute_screenings", "patrols", "windows_expected", "windows_met",
                  "high_risk_sites", "high_risk_sites_inspected", "hazards_found", "closed_out",
                  "median_hours_to_close", "due", "rectified_on_time", "patrolled_share",
                  "score"]  # fmt: skip
        table = [
            [r.device_id, r.label, r.grid_id, r.worker_name or "",
             r.inspections.get("hazard_inspection", 0),
             r.inspections.get("dispute_screening", 0), r.inspections.get("patrol", 0),
             r.windows_expected, r.windows_met, r.high_risk_sites, r.high_risk_sites_inspected,
             r.outcomes.found, r.outcomes.closed_out, r.outcomes.median_hours_to_close,
             r.outcomes.due, r.outcomes.rectified_on_time, round(r.patrolled_share, 4),
             r.score]
            for r in rows
        ]  # fmt: skip
        name = f"scorecard-{period.first}-{period.last}.csv"
        return csv_response(name, header, listed(table))
