"""Real photos with broken or odd metadata (``real_photos/SOURCES.md``): each one is
processed or refused with the right code, keeps what could be read, is judged on what
it says — and none of them crashes anything."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from backend.photos.checks import cross_check
from backend.photos.exif import ExifFacts
from backend.photos.processing import PhotoRejected, process_photo

HERE = Path(__file__).parent / "real_photos"
REPORTED_AT = datetime(2026, 11, 20, 9, 31, tzinfo=timezone(timedelta(hours=8)))

# file: (refusal code or None, EXIF GPS state, EXIF time state, flags of the cross-check)
EXPECTED = {
    "flower.jpg": (None, "absent", "ok", ["taken_long_before_report"]),
    "sugarshack_bad_mpo_header.jpg": (None, "absent", "ok", ["taken_long_before_report"]),
    "exif_gps.jpg": (None, "unreadable", "ok", ["exif_gps_unreadable", "exif_time_implausible"]),
    "empty_gps_ifd.jpg": (None, "absent", "ok", ["taken_long_before_report"]),
    "exif_gps_typeerror.jpg": (None, "absent", "absent", []),
    "broken_exif_dpi.jpg": (None, "absent", "ok", ["taken_long_before_report"]),
    "truncated_exif_dpi.jpg": (None, "absent", "absent", []),
    "invalid-exif.jpg": (None, "absent", "absent", []),
    "multiple_exif.jpg": (None, "absent", "absent", []),
    "truncated_jpeg.jpg": ("truncated", "absent", "absent", []),
    "decompression_bomb.gif": ("too_many_pixels", None, None, []),
    "dispose_none.gif": ("unsupported_format", None, None, []),
}


def test_every_real_photo_is_listed() -> None:
    on_disk = {p.name for p in HERE.iterdir() if p.suffix in {".jpg", ".gif"}}
    assert on_disk == set(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_a_real_photo_gets_what_it_deserves(name: str) -> None:
    refusal, gps, time, flags = EXPECTED[name]
    data = (HERE / name).read_bytes()
    exif: ExifFacts | None
    code: str | None
    try:
        exif, code = process_photo(data).exif, None
    except PhotoRejected as refused:
        exif, code = refused.exif, refused.code
    assert code == refusal
    if gps is None:
        assert exif is None  # refused before any metadata was read
        return
    assert exif is not None
    assert (exif.gps, exif.time) == (gps, time)
    assert cross_check(exif, (30.27, 120.15), REPORTED_AT).flags == flags
