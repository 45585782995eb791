"""What a photo's EXIF says about when and where it was taken — never trusted blindly,
never a crash: garbage is reported as ``unreadable``."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from PIL import Image

EXIF_IFD, GPS_IFD = 0x8769, 0x8825
DATETIME_ORIGINAL, OFFSET_TIME_ORIGINAL = 36867, 36881
GPS_LAT_REF, GPS_LAT, GPS_LON_REF, GPS_LON, GPS_H_ERROR = 1, 2, 3, 4, 31


@dataclass(frozen=True, slots=True)
class ExifFacts:
    taken_at: datetime | None = None
    """Aware when the camera wrote an offset; naive (camera's local clock) otherwise."""
    lat: float | None = None
    lon: float | None = None
    accuracy_m: float | None = None
    gps: str = "absent"
    """``ok``, ``absent`` or ``unreadable``."""
    time: str = "absent"


def read_exif(image: Image.Image) -> ExifFacts:
    try:
        exif = image.getexif()
    except Exception:  # a broken EXIF block must not lose the photo
        return ExifFacts(gps="unreadable", time="unreadable")
    taken_at, time_state = _taken_at(exif)
    lat, lon, accuracy, gps_state = _gps(exif)
    return ExifFacts(taken_at, lat, lon, accuracy, gps_state, time_state)


def _taken_at(exif: Image.Exif) -> tuple[datetime | None, str]:
    try:
        ifd = exif.get_ifd(EXIF_IFD)
        raw = ifd.get(DATETIME_ORIGINAL)
        if raw is None:
            return None, "absent"
        taken = datetime.strptime(str(raw).strip("\x00 "), "%Y:%m:%d %H:%M:%S")
        offset = ifd.get(OFFSET_TIME_ORIGINAL)
        if offset:
            sign = -1 if str(offset).startswith("-") else 1
            hours, minutes = str(offset).strip("+-\x00 ").split(":")
            delta = timedelta(hours=int(hours), minutes=int(minutes))
            taken = taken.replace(tzinfo=timezone(sign * delta))
    except (ValueError, TypeError, KeyError, AttributeError, OverflowError):
        return None, "unreadable"
    return taken, "ok"


def _gps(exif: Image.Exif) -> tuple[float | None, float | None, float | None, str]:
    try:
        ifd: dict[int, Any] = dict(exif.get_ifd(GPS_IFD))
    except Exception:  # Pillow may fail on a malformed GPS IFD pointer
        return None, None, None, "unreadable"
    if GPS_LAT not in ifd and GPS_LON not in ifd:
        return None, None, None, "absent"
    if GPS_LAT not in ifd or GPS_LON not in ifd:  # half a position is garbage, not none
        return None, None, None, "unreadable"
    try:
        lat = _degrees(ifd[GPS_LAT]) * (-1 if str(ifd.get(GPS_LAT_REF, "N")) == "S" else 1)
        lon = _degrees(ifd[GPS_LON]) * (-1 if str(ifd.get(GPS_LON_REF, "E")) == "W" else 1)
        accuracy = float(ifd[GPS_H_ERROR]) if GPS_H_ERROR in ifd else None
    except (ValueError, TypeError, ZeroDivisionError, IndexError, KeyError):
        return None, None, None, "unreadable"
    finite = all(math.isfinite(v) for v in (lat, lon))
    if not finite or abs(lat) > 90 or abs(lon) > 180 or (lat == 0 and lon == 0):
        return None, None, None, "unreadable"
    if accuracy is not None and not (math.isfinite(accuracy) and accuracy >= 0):
        accuracy = None
    return lat, lon, accuracy, "ok"


def _degrees(value: Any) -> float:
    d, m, s = (float(part) for part in value)  # IFDRational → float; 0/0 gives nan
    return d + m / 60 + s / 3600
