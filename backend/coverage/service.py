"""Coverage of a period: which places and high-risk sites went without the inspections
their cadence asks for, and how each grid's hazards fared in the ledger.

Only places wholly inside the caller's jurisdiction are reported, so a community
supervisor never learns of another community's inspections through a street total.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from backend.cadence import (
    HIGH_RISK_SITE_EVERY_DAYS,
    CadenceRule,
    Period,
    missed_windows,
)
from backend.grids.models import Place
from backend.hazards.models import Hazard, on_the_ledger
from backend.inspections.models import Inspection
from backend.ledger.models import LedgerEntry
from backend.sites.models import Site

Window = tuple[datetime, datetime]


@dataclass(frozen=True, slots=True)
class PlaceCoverage:
    place_id: str
    level: str
    name_zh: str
    name_en: str
    kind: str
    every_days: int
    expected: int
    """Windows in the period, each needing one inspection."""
    met: int
    inspections: int
    missed: list[Window]


@dataclass(frozen=True, slots=True)
class SiteGap:
    site_id: int
    grid_id: str
    name: str
    sector: str
    last_inspected_at: datetime | None
    missed: list[Window]


@dataclass(slots=True)
class HazardOutcomes:
    """A grid's (or a worker's) hazards in the period."""

    found: int = 0
    closed_out: int = 0
    hours_to_close: list[float] = field(default_factory=list)
    due: int = 0
    rectified_on_time: int = 0
    clean_reports: int = 0
    """Valid reports whose point lay inside the grid (or within GPS accuracy)."""

    @property
    def median_hours_to_close(self) -> float | None:
        return round(statistics.median(self.hours_to_close), 1) if self.hours_to_close else None

    @property
    def on_time_rate(self) -> float | None:
        return round(self.rectified_on_time / self.due, 3) if self.due else None


@dataclass(frozen=True, slots=True)
class CoverageReport:
    period: Period
    rules: Sequence[CadenceRule]
    places: list[PlaceCoverage]
    missed_sites: list[SiteGap]
    outcomes: dict[str, HazardOutcomes]
    """By grid."""


@dataclass(frozen=True, slots=True)
class Visit:
    grid_id: str
    device_id: str
    kind: str
    started_at: datetime
    site_name: str | None
    site_credit_code: str | None


async def coverage(
    session: AsyncSession, within: set[str] | None, period: Period, rules: Sequence[CadenceRule]
) -> CoverageReport:
    places = await _places_within(session, within)
    grids_under = _grids_under(places)
    grid_ids = grids_under.keys() & {p.id for p in places if p.kind == "grid"}
    visits = await visits_between(session, grid_ids, None, period.end)
    since = period.lookback_start(rules)
    recent = [v for v in visits if v.started_at >= since]
    rows = []
    for rule in rules:
        for place in (p for p in places if p.kind == rule.level):
            under = grids_under[place.id]
            times = [v.started_at for v in recent if v.kind == rule.kind and v.grid_id in under]
            windows = period.windows(rule.every_days)
            missed = missed_windows(windows, times)
            rows.append(PlaceCoverage(
                place.id, place.kind, place.name_zh, place.name_en, rule.kind, rule.every_days,
                len(windows), len(windows) - len(missed), len(times), missed,
            ))  # fmt: skip
    sites = await _high_risk_sites(session, grid_ids)
    gaps = site_gaps(sites, visits, period)
    outcomes = await hazard_outcomes(session, grid_ids, period, key="grid_id")
    return CoverageReport(period, rules, rows, gaps, outcomes)


def site_gaps(sites: Iterable[Site], visits: Sequence[Visit], period: Period) -> list[SiteGap]:
    """High-risk sites that missed a hazard inspection in a window of the period."""
    windows = period.windows(HIGH_RISK_SITE_EVERY_DAYS)
    by_code: dict[str, list[datetime]] = defaultdict(list)
    by_name: dict[tuple[str, str], list[datetime]] = defaultdict(list)
    for visit in visits:
        if visit.kind != "hazard_inspection":
            continue
        if visit.site_credit_code:
            by_code[visit.site_credit_code].append(visit.started_at)
        if visit.site_name:
            by_name[(visit.grid_id, _normal(visit.site_name))].append(visit.started_at)
    gaps = []
    for site in sites:
        assert site.id is not None
        times = by_name.get((site.grid_id, _normal(site.name)), [])
        if site.credit_code:
            times = times + by_code.get(site.credit_code, [])
        missed = missed_windows(windows, times)
        if missed:
            gaps.append(SiteGap(site.id, site.grid_id, site.name, site.sector,
                                max(times, default=None), missed))  # fmt: skip
    return gaps


def _normal(name: str) -> str:
    return "".join(name.split()).casefold()


async def visits_between(
    session: AsyncSession, grid_ids: Iterable[str], start: datetime | None, end: datetime
) -> list[Visit]:
    """Valid, undeleted inspections of these grids that started before ``end``."""
    names = ("grid_id", "device_id", "kind", "started_at", "site_name", "site_credit_code")
    columns = [getattr(Inspection, name) for name in names]
    query = select(*columns).where(
        col(Inspection.grid_id).in_(list(grid_ids)), col(Inspection.valid).is_(True),
        col(Inspection.deleted).is_(False), col(Inspection.started_at) < end,
    )  # fmt: skip
    if start is not None:
        query = query.where(col(Inspection.started_at) >= start)
    return [Visit(*row) for row in (await session.exec(query)).all()]


async def hazard_outcomes(
    session: AsyncSession, grid_ids: Iterable[str], period: Period, *, key: str
) -> dict[str, HazardOutcomes]:
    """Hazards found, closed out and due in the period, grouped by ``key`` (a hazard
    column: ``grid_id`` or ``device_id``)."""
    grids = list(grid_ids)
    start, end = period.start, period.end
    outcomes: dict[str, HazardOutcomes] = defaultdict(HazardOutcomes)
    group = getattr(Hazard, key)
    live = (col(Hazard.grid_id).in_(grids), on_the_ledger())
    found = select(group, Hazard.valid, Hazard.geofence_status).where(
        *live, col(Hazard.reported_at) >= start, col(Hazard.reported_at) < end
    )
    for name, valid, fence in (await session.exec(found)).all():
        outcomes[name].found += 1
        clean = valid and fence in {"inside", "near_edge", "outside_within_accuracy"}
        outcomes[name].clean_reports += int(clean)
    closed = (
        select(group, Hazard.reported_at, Hazard.received_at, LedgerEntry.at)
        .join(LedgerEntry, col(LedgerEntry.hazard_id) == col(Hazard.doc_id))
        .where(*live, LedgerEntry.event == "closed_out")
        .where(col(LedgerEntry.at) >= start, col(LedgerEntry.at) < end)
    )
    for name, reported_at, received_at, at in (await session.exec(closed)).all():
        outcomes[name].closed_out += 1
        since = reported_at or received_at
        outcomes[name].hours_to_close.append(max(0.0, (at - since) / timedelta(hours=1)))
    rectified = (
        select(LedgerEntry.at)
        .where(col(LedgerEntry.hazard_id) == col(Hazard.doc_id))
        .where(LedgerEntry.event == "rectified_accepted")
        .where(col(LedgerEntry.at) <= col(Hazard.deadline))
        .exists()
    )
    due = select(group, rectified).where(
        *live, col(Hazard.deadline) >= start, col(Hazard.deadline) < end
    )
    for name, on_time in (await session.exec(due)).all():
        outcomes[name].due += 1
        outcomes[name].rectified_on_time += int(bool(on_time))
    return dict(outcomes)


async def _places_within(session: AsyncSession, within: set[str] | None) -> list[Place]:
    """Places all of whose grids are inside the jurisdiction."""
    places = list((await session.exec(select(Place).order_by(col(Place.id)))).all())
    if within is None:
        return places
    under = _grids_under(places)
    return [p for p in places if under[p.id] and under[p.id] <= within]


def _grids_under(places: Sequence[Place]) -> dict[str, set[str]]:
    parent = {p.id: p.parent_id for p in places}
    under: dict[str, set[str]] = {p.id: set() for p in places}
    for place in places:
        if place.kind != "grid":
            continue
        current: str | None = place.id
        while current is not None and current in under:
            under[current].add(place.id)
            current = parent.get(current)
    return under


async def _high_risk_sites(session: AsyncSession, grid_ids: Iterable[str]) -> Sequence[Site]:
    query = select(Site).where(
        col(Site.grid_id).in_(list(grid_ids)), col(Site.high_risk).is_(True),
        col(Site.retired).is_(False),
    ).order_by(col(Site.grid_id), col(Site.name))  # fmt: skip
    return (await session.exec(query)).all()
