"""Was the photo taken where and when the report says? Flags for the supervisor."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, tzinfo
from typing import overload

from backend.photos.exif import ExifFacts

EARTH_RADIUS_M = 6_371_008.8


@dataclass(frozen=True, slots=True)
class CrossCheckPolicy:
    max_distance_m: float = 200.0
    max_time_difference: timedelta = timedelta(hours=24)
    clock_skew: timedelta = timedelta(days=1)
    """A photo taken later than the report by more than this has a wrong clock."""
    earliest: datetime = datetime(1990, 1, 1, tzinfo=UTC)
    """Before digital cameras: a reset clock, not a photo's time."""
    time_zone: tzinfo = UTC
    """The street's time zone (the service gives ``STREET_TIME_ZONE``): an EXIF time
    without an offset is read in it."""


@dataclass(frozen=True, slots=True)
class CrossCheck:
    distance_m: float | None = None
    time_difference_s: float | None = None
    flags: list[str] = field(default_factory=list)


@overload
def local_time(taken: datetime, zone: tzinfo) -> datetime: ...
@overload
def local_time(taken: None, zone: tzinfo) -> None: ...
def local_time(taken: datetime | None, zone: tzinfo) -> datetime | None:
    """An EXIF time without an offset is the camera's local clock: read in ``zone`` (the
    street's time zone), so that it can be cross-checked like any other."""
    if taken is None or taken.tzinfo is not None:
        return taken
    return taken.replace(tzinfo=zone)


def haversine_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))


def cross_check(
    exif: ExifFacts,
    reported: tuple[float, float] | None,
    reported_at: datetime | None,
    policy: CrossCheckPolicy | None = None,
) -> CrossCheck:
    """Distance from the photo's GPS to the reported point and time difference to the
    report; flags when beyond the policy's thresholds or when EXIF is unreadable."""
    policy = policy or CrossCheckPolicy()
    flags: list[str] = []
    distance = None
    if exif.gps == "unreadable":
        flags.append("exif_gps_unreadable")
    elif exif.lat is not None and exif.lon is not None and reported is not None:
        distance = haversine_m(exif.lat, exif.lon, reported[0], reported[1])
        if distance > policy.max_distance_m:
            flags.append("taken_far_from_reported_point")
    difference = None
    if exif.time == "unreadable":
        flags.append("exif_time_unreadable")
    elif exif.taken_at is not None and reported_at is not None:
        taken = local_time(exif.taken_at, policy.time_zone)
        difference = abs((reported_at - taken).total_seconds())
        if taken < policy.earliest or taken > reported_at + policy.clock_skew:
            flags.append("exif_time_implausible")
        elif difference > policy.max_time_difference.total_seconds():
            flags.append("taken_long_before_report")
    return CrossCheck(distance, difference, flags)
