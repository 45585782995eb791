"""Photos as cheap tablets and phones send them: rotated, geotagged, truncated, fake."""

from __future__ import annotations

import io
import struct
import zlib
from datetime import datetime, timedelta, timezone
from fractions import Fraction

import pytest
from PIL import Image
from PIL.TiffImagePlugin import IFDRational

from backend.photos.checks import cross_check
from backend.photos.exif import EXIF_IFD, GPS_IFD
from backend.photos.processing import (
    PhotoRejected,
    dhash,
    hamming,
    process_photo,
)

ORIENTATION = 0x0112


def _marked(width: int = 240, height: int = 160) -> Image.Image:
    """A picture whose top-left corner is red and the rest blue."""
    image = Image.new("RGB", (width, height), (0, 0, 255))
    image.paste((255, 0, 0), (0, 0, width // 4, height // 4))
    return image


def _jpeg(image: Image.Image, exif: Image.Exif | None = None, quality: int = 90) -> bytes:
    out = io.BytesIO()
    image.save(out, "JPEG", quality=quality, exif=exif if exif is not None else Image.Exif())
    return out.getvalue()


# How each EXIF orientation stores the upright picture (what a camera writes).
STORED = {
    2: [Image.Transpose.FLIP_LEFT_RIGHT],
    3: [Image.Transpose.ROTATE_180],
    4: [Image.Transpose.FLIP_TOP_BOTTOM],
    5: [Image.Transpose.TRANSPOSE],
    6: [Image.Transpose.ROTATE_90],
    7: [Image.Transpose.TRANSVERSE],
    8: [Image.Transpose.ROTATE_270],
}


@pytest.mark.parametrize("orientation", range(2, 9))
def test_a_rotated_jpeg_comes_out_upright(orientation: int) -> None:
    upright = _marked()
    stored = upright
    for step in STORED[orientation]:
        stored = stored.transpose(step)
    exif = Image.Exif()
    exif[ORIENTATION] = orientation
    photo = process_photo(_jpeg(stored, exif))
    screen = Image.open(io.BytesIO(photo.screen))
    assert screen.size == upright.size
    assert (photo.width, photo.height) == upright.size
    red, _, blue = screen.getpixel((5, 5))  # type: ignore[misc]
    assert red > 200, f"orientation {orientation}: top-left is not red"
    assert blue < 60, f"orientation {orientation}: top-left is not red"
    assert not screen.getexif(), "derivatives carry no metadata"


def _gps_exif(lat: object, lon: object, lat_ref: str = "N", lon_ref: str = "E") -> Image.Exif:
    exif = Image.Exif()
    gps = exif.get_ifd(GPS_IFD)
    gps.update({1: lat_ref, 2: lat, 3: lon_ref, 4: lon, 31: IFDRational(8, 1)})
    exif.get_ifd(EXIF_IFD).update({36867: "2026:11:20 09:30:40", 36881: "+08:00"})
    return exif


def _dms(value: float) -> tuple[IFDRational, IFDRational, IFDRational]:
    degrees = int(value)
    minutes = int((value - degrees) * 60)
    seconds = Fraction((value - degrees - minutes / 60) * 3600).limit_denominator(10_000)
    return (IFDRational(degrees, 1), IFDRational(minutes, 1),
            IFDRational(seconds.numerator, seconds.denominator))  # fmt: skip


def test_gps_and_time_are_read_from_exif() -> None:
    photo = process_photo(_jpeg(_marked(), _gps_exif(_dms(30.2712), _dms(120.1523))))
    assert photo.exif.gps == "ok"
    assert photo.exif.lat == pytest.approx(30.2712, abs=1e-6)
    assert photo.exif.lon == pytest.approx(120.1523, abs=1e-6)
    assert photo.exif.accuracy_m == 8
    assert photo.exif.taken_at is not None
    assert photo.exif.taken_at.isoformat() == "2026-11-20T09:30:40+08:00"


@pytest.mark.parametrize(
    "lat",
    [
        (IFDRational(30, 0), IFDRational(0, 1), IFDRational(0, 1)),  # zero denominator
        (IFDRational(95, 1), IFDRational(0, 1), IFDRational(0, 1)),  # beyond the pole
        (IFDRational(30, 1),),  # too few parts
    ],
)
def test_garbage_gps_is_unreadable_and_the_photo_still_processes(lat: object) -> None:
    photo = process_photo(_jpeg(_marked(), _gps_exif(lat, _dms(120.15))))
    assert photo.exif.gps == "unreadable"
    assert photo.exif.lat is None


def test_a_photo_without_exif_has_absent_facts() -> None:
    photo = process_photo(_jpeg(_marked()))
    assert (photo.exif.gps, photo.exif.time) == ("absent", "absent")


def test_a_truncated_jpeg_is_refused_with_a_reason() -> None:
    data = _jpeg(_marked(1200, 900))
    with pytest.raises(PhotoRejected, match="truncated"):
        process_photo(data[: len(data) // 2])


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"GET / HTTP/1.1\r\nHost: example\r\n\r\n" * 10, "not an image"),
        (b"", "empty file"),
        (b"GIF89a" + bytes(100), "GIF is not accepted"),
    ],
)
def test_things_that_are_not_photos_are_refused(data: bytes, reason: str) -> None:
    with pytest.raises(PhotoRejected, match=reason):
        process_photo(data)


def _png_header_only(width: int, height: int) -> bytes:
    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body))
            + kind
            + body
            + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)
        )

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IEND", b"")


def test_a_decompression_bomb_is_refused_before_decoding() -> None:
    with pytest.raises(PhotoRejected, match="decompression bomb"):
        process_photo(_png_header_only(60_000, 60_000))  # 3.6 Gpx, warning range too
    with pytest.raises(PhotoRejected, match="pixels"):
        process_photo(_png_header_only(9_000, 9_000))


def test_a_heic_photo_is_processed() -> None:
    out = io.BytesIO()
    _marked().save(out, format="HEIF")
    photo = process_photo(out.getvalue())
    assert photo.format == "HEIF"
    assert Image.open(io.BytesIO(photo.thumbnail)).size == (240, 160)


def test_a_large_jpeg_yields_bounded_derivatives() -> None:
    photo = process_photo(_jpeg(_marked(4000, 3000), quality=70))
    assert max(Image.open(io.BytesIO(photo.screen)).size) == 1280
    assert max(Image.open(io.BytesIO(photo.thumbnail)).size) == 256
    assert (photo.width, photo.height) == (4000, 3000)


def test_the_same_picture_recompressed_has_a_near_identical_hash() -> None:
    picture = _marked(800, 600)
    again = Image.open(io.BytesIO(_jpeg(picture, quality=40)))
    other = Image.new("RGB", (800, 600), (0, 255, 0))
    other.paste((0, 0, 0), (400, 300, 800, 600))
    assert hamming(dhash(picture), dhash(again)) <= 4
    assert hamming(dhash(picture), dhash(other)) > 10


def test_a_geotagged_photo_is_cross_checked_against_the_report() -> None:
    photo = process_photo(_jpeg(_marked(), _gps_exif(_dms(30.2712), _dms(120.1523))))
    reported_at = datetime(2026, 11, 20, 9, 31, tzinfo=timezone(timedelta(hours=8)))
    near = cross_check(photo.exif, (30.2714, 120.1523), reported_at)
    assert near.distance_m == pytest.approx(22.2, abs=0.5)
    assert near.time_difference_s == 20
    assert near.flags == []
    far = cross_check(photo.exif, (30.2812, 120.1523), reported_at + timedelta(days=3))
    assert far.flags == ["taken_far_from_reported_point", "taken_long_before_report"]


def test_unreadable_exif_is_flagged_not_fatal() -> None:
    bad = (IFDRational(30, 0), IFDRational(0, 1), IFDRational(0, 1))
    photo = process_photo(_jpeg(_marked(), _gps_exif(bad, _dms(120.15))))
    check = cross_check(photo.exif, (30.27, 120.15), None)
    assert check.flags == ["exif_gps_unreadable"]
    assert check.distance_m is None
