"""The grid-worker scorecard (量化考核): one row per tablet of the jurisdiction, named by
the grid worker who carries it (``POST /api/devices/{id}/worker``).

score = 100 × (0.4 × cadence + 0.2 × sites + 0.2 × on-time + 0.2 × quality), where
cadence is the share of the grid-level cadence windows the worker's own inspections
met, sites the share of the grid's high-risk sites the worker inspected in the period,
on-time the share of the worker's hazards due in the period that were rectified by
their deadline, and quality the share of the worker's reports that were valid and
inside the grid. A share with nothing to count (no hazard due) counts as full.

Beside the score, each row says how much of its grid the tablet's own patrol tracks of
the period came within ``PATROL_REACH_M`` of (its blind spots are the rest): a figure to
read with the score, not part of it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from sqlmodel import col, select
from sqlmodel.ext.asyncio.session import AsyncSession

from backend.cadence import (
    HIGH_RISK_SITE_EVERY_DAYS,
    CadenceRule,
    Period,
    missed_windows,
)
from backend.coverage.service import HazardOutcomes, hazard_outcomes, site_gaps, visits_between
from backend.devices.models import Device
from backend.devices.service import worker_names
from backend.sites.models import Site
from backend.tracks.blind_spots import patrolled_by_device

WEIGHTS = {"cadence": 0.4, "sites": 0.2, "on_time": 0.2, "quality": 0.2}


@dataclass(frozen=True, slots=True)
class ScoreRow:
    device_id: str
    label: str
    grid_id: str
    worker_account_id: int | None
    worker_name: str | None
    """The grid worker who carries the tablet, when an admin handed it to one."""
    inspections: dict[str, int]
    windows_expected: int
    windows_met: int
    high_risk_sites: int
    high_risk_sites_inspected: int
    outcomes: HazardOutcomes
    patrolled_share: float
    """Share of the grid within reach of the tablet's own tracks of the period."""
    score: float


def _share(part: int, whole: int) -> float:
    return part / whole if whole else 1.0


async def scorecard(
    session: AsyncSession,
    within: set[str] | None,
    period: Period,
    rules: Sequence[CadenceRule],
    reach_m: float,
) -> list[ScoreRow]:
    query = select(Device).order_by(col(Device.grid_id), col(Device.id))
    devices = [
        d for d in (await session.exec(query)).all() if within is None or d.grid_id in within
    ]
    grid_ids = {d.grid_id for d in devices}
    grid_rules = [r for r in rules if r.level == "grid"]
    site_rule = CadenceRule("hazard_inspection", "grid", HIGH_RISK_SITE_EVERY_DAYS)
    since = period.lookback_start([*grid_rules, site_rule])
    visits = await visits_between(session, grid_ids, since, period.end)
    by_device = defaultdict(list)
    for visit in visits:
        by_device[visit.device_id].append(visit)
    site_query = select(Site).where(
        col(Site.grid_id).in_(grid_ids), col(Site.high_risk).is_(True), col(Site.retired).is_(False)
    )
    sites_of: dict[str, list[Site]] = defaultdict(list)
    for site in (await session.exec(site_query)).all():
        sites_of[site.grid_id].append(site)
    outcomes = await hazard_outcomes(session, grid_ids, period, key="device_id")
    workers = await worker_names(session, devices)
    patrolled = await patrolled_by_device(
        session, {d.id: d.grid_id for d in devices}, period, reach_m
    )
    rows = []
    for device in devices:
        own = by_device.get(device.id, [])
        if device.revoked_at is not None and not own and device.id not in outcomes:
            continue  # a retired tablet with nothing in the period
        expected = met = 0
        for rule in grid_rules:
            windows = period.windows(rule.every_days)
            times = [v.started_at for v in own if v.kind == rule.kind]
            expected += len(windows)
            met += len(windows) - len(missed_windows(windows, times))
        sites = sites_of.get(device.grid_id, [])
        inspected = len(sites) - len(site_gaps(sites, own, period))
        result = outcomes.get(device.id, HazardOutcomes())
        shares = {
            "cadence": _share(met, expected),
            "sites": _share(inspected, len(sites)),
            "on_time": _share(result.rectified_on_time, result.due),
            "quality": _share(result.clean_reports, result.found),
        }
        score = round(100 * sum(WEIGHTS[k] * v for k, v in shares.items()), 1)
        kinds: dict[str, int] = defaultdict(int)
        for visit in own:
            kinds[visit.kind] += int(visit.started_at >= period.start)
        rows.append(ScoreRow(device.id, device.label, device.grid_id, device.worker_account_id,
                             workers.get(device.worker_account_id or 0), dict(kinds), expected,
                             met, len(sites), inspected, result,
                             patrolled.get(device.id, 0.0), score))  # fmt: skip
    return rows
