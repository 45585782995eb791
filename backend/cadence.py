"""How often each kind of inspection is due, and the windows of a reporting period (pure).

A rule says: every place of ``level`` (each grid, each community, the street) needs at
least one inspection of ``kind`` by one of its grids in every ``every_days`` window.
A period is cut into whole windows counted back from its end; a rule slower than the
period looks back one window from the period's end (a fortnightly screening reported on
for a week asks "one in the last 14 days?").
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

KINDS = ("hazard_inspection", "dispute_screening", "patrol")
LEVELS = ("grid", "community", "street")


@dataclass(frozen=True, slots=True)
class CadenceRule:
    kind: str
    level: str
    every_days: int


DEFAULT_RULES: tuple[CadenceRule, ...] = (
    CadenceRule("hazard_inspection", "grid", 7),
    CadenceRule("patrol", "grid", 7),
    CadenceRule("dispute_screening", "community", 7),
    CadenceRule("dispute_screening", "street", 14),
)
HIGH_RISK_SITE_EVERY_DAYS = 7
"""Each high-risk site needs a hazard inspection this often."""


class CadenceError(ValueError):
    """The configured rules are malformed; the message says where."""


def parse_rules(raw: str) -> tuple[CadenceRule, ...]:
    """Rules from JSON: ``[{"kind": "patrol", "level": "grid", "every_days": 7}, ...]``."""
    try:
        entries = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise CadenceError(f"not JSON: {exc}") from None
    if not isinstance(entries, list) or not entries:
        raise CadenceError("expected a non-empty list of rules")
    rules = []
    for index, entry in enumerate(entries):
        if not isinstance(entry, dict) or set(entry) != {"kind", "level", "every_days"}:
            raise CadenceError(f"rule {index}: needs exactly kind, level and every_days")
        kind, level, every = entry["kind"], entry["level"], entry["every_days"]
        if kind not in KINDS:
            raise CadenceError(f"rule {index}: kind must be one of {', '.join(KINDS)}")
        if level not in LEVELS:
            raise CadenceError(f"rule {index}: level must be one of {', '.join(LEVELS)}")
        if not isinstance(every, int) or isinstance(every, bool) or not 1 <= every <= 366:
            raise CadenceError(f"rule {index}: every_days must be a whole number of 1..366 days")
        rules.append(CadenceRule(kind, level, every))
    return tuple(rules)


@dataclass(frozen=True, slots=True)
class Period:
    """Whole local days ``first``..``last`` in the street's time zone."""

    first: date
    last: date
    zone: ZoneInfo

    @classmethod
    def iso_week(cls, year: int, week: int, zone: ZoneInfo) -> Period:
        monday = date.fromisocalendar(year, week, 1)
        return cls(monday, monday + timedelta(days=6), zone)

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1

    @property
    def start(self) -> datetime:
        return datetime.combine(self.first, time(), self.zone)

    @property
    def end(self) -> datetime:
        """Exclusive: local midnight after the last day."""
        return datetime.combine(self.last + timedelta(days=1), time(), self.zone)

    def windows(self, every_days: int) -> list[tuple[datetime, datetime]]:
        """The rule's windows, oldest first, the last one ending with the period."""
        count = max(1, self.days // every_days)
        end_day = self.last + timedelta(days=1)
        return [
            (
                datetime.combine(end_day - timedelta(days=every_days * k), time(), self.zone),
                datetime.combine(end_day - timedelta(days=every_days * (k - 1)), time(), self.zone),
            )
            for k in range(count, 0, -1)
        ]

    def lookback_start(self, rules: Sequence[CadenceRule]) -> datetime:
        """The earliest instant any rule's windows reach back to."""
        return min([self.start, *(self.windows(r.every_days)[0][0] for r in rules)])


def missed_windows(
    windows: Sequence[tuple[datetime, datetime]], times: Sequence[datetime]
) -> list[tuple[datetime, datetime]]:
    """Windows with no inspection in them."""
    return [(a, b) for a, b in windows if not any(a <= t < b for t in times)]
