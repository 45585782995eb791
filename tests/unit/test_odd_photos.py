"""Photos broken or odd in the ways real ones are: each refusal says what it is, a photo
whose pixels are unusable keeps the metadata it had, offset-less and implausible EXIF
times are judged, and flat pictures never look like each other's re-upload."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from PIL import Image

from backend.photos.checks import CrossCheckPolicy, cross_check, local_time
from backend.photos.exif import EXIF_IFD, ExifFacts
from backend.photos.processing import PhotoLimits, PhotoRejected, hamming, process_photo
from tests.unit.test_photo_processing import _dms, _gps_exif, _jpeg, _marked

REPORTED_AT = datetime(2026, 11, 20, 9, 31, tzinfo=timezone(timedelta(hours=8)))


def _refusal(data: bytes) -> PhotoRejected:
    with pytest.raises(PhotoRejected) as refused:
        process_photo(data)
    return refused.value


def _gif() -> bytes:
    out = io.BytesIO()
    _marked().save(out, "GIF")
    return out.getvalue()


AVIF = b"\x00\x00\x00\x1cftypavif\x00\x00\x00\x00avifmif1miaf" + bytes(200)


@pytest.mark.parametrize(("data", "code", "words"), [
    (_gif(), "unsupported_format", "GIF is not accepted"),
    (AVIF, "unsupported_format", "AVIF is not accepted"),
    (b"<html><script>alert(1)</script></html>", "unsupported_format", "not an image"),
    (b"", "empty", "empty file"),
])  # fmt: skip
def test_each_refusal_has_its_own_code(data: bytes, code: str, words: str) -> None:
    refused = _refusal(data)
    assert refused.code == code
    assert words in refused.reason


def test_a_photo_with_too_many_pixels_is_not_called_corrupt() -> None:
    out = io.BytesIO()
    Image.new("RGB", (3000, 2000)).save(out, "PNG")
    with pytest.raises(PhotoRejected) as refused:
        process_photo(out.getvalue(), limits=PhotoLimits(max_pixels=5_000_000))
    assert refused.value.code == "too_many_pixels"
    assert "corrupt" not in refused.value.reason


def test_a_truncated_phone_photo_keeps_its_gps_and_time() -> None:
    data = _jpeg(_marked(1600, 1200), _gps_exif(_dms(30.2712), _dms(120.1523)))
    refused = _refusal(data[: len(data) * 2 // 3])
    assert refused.code == "truncated"
    assert refused.exif is not None
    assert refused.exif.gps == "ok"
    assert refused.exif.lat == pytest.approx(30.2712, abs=1e-6)
    assert refused.exif.taken_at is not None
    check = cross_check(refused.exif, (30.2812, 120.1523), REPORTED_AT)
    assert check.flags == ["taken_far_from_reported_point"]  # where the phone says it was


def test_an_exif_time_without_offset_is_read_in_the_streets_time_zone() -> None:
    exif = Image.Exif()
    exif.get_ifd(EXIF_IFD).update({36867: "2026:11:17 09:30:00"})  # no OffsetTimeOriginal
    photo = process_photo(_jpeg(_marked(), exif))
    assert photo.exif.taken_at is not None
    assert photo.exif.taken_at.tzinfo is None  # the camera's local clock, as written
    taken = local_time(photo.exif.taken_at, ZoneInfo("Asia/Shanghai"))
    assert taken is not None
    check = cross_check(ExifFacts(taken_at=taken, time="ok"), None, REPORTED_AT)
    assert check.time_difference_s == 3 * 24 * 3600 + 60
    assert check.flags == ["taken_long_before_report"]
    # the cross-check reads it the same way, in the zone its policy is given (one rule)
    street = CrossCheckPolicy(time_zone=ZoneInfo("Asia/Shanghai"))
    same = cross_check(
        ExifFacts(taken_at=photo.exif.taken_at, time="ok"), None, REPORTED_AT, street
    )
    assert same.time_difference_s == check.time_difference_s
    urumqi = CrossCheckPolicy(time_zone=ZoneInfo("Asia/Urumqi"))  # a street two hours west
    west = cross_check(
        ExifFacts(taken_at=photo.exif.taken_at, time="ok"), None, REPORTED_AT, urumqi
    )
    assert west.time_difference_s == check.time_difference_s - 2 * 3600


@pytest.mark.parametrize("taken", [datetime(2061, 1, 1, 12, tzinfo=UTC),
                                   datetime(1980, 1, 1, tzinfo=UTC),
                                   REPORTED_AT + timedelta(days=2)])  # fmt: skip
def test_an_implausible_time_has_its_own_flag(taken: datetime) -> None:
    check = cross_check(ExifFacts(taken_at=taken, time="ok"), None, REPORTED_AT)
    assert check.flags == ["exif_time_implausible"]


@pytest.mark.parametrize("colour", [(0, 0, 0), (255, 255, 255), (128, 128, 128)])
def test_flat_pictures_have_no_likeness_to_compare(colour: tuple[int, int, int]) -> None:
    assert process_photo(_jpeg(Image.new("RGB", (1200, 900), colour))).dhash is None
    noisy = Image.effect_noise((1200, 900), 2).convert("RGB")  # a lens cap, a dark room
    assert process_photo(_jpeg(noisy)).dhash is None
    assert process_photo(_jpeg(_marked(20, 16))).dhash is None  # too small to say anything


def test_a_real_reupload_resized_and_reencoded_still_looks_alike() -> None:
    scene = Image.effect_mandelbrot((1600, 1200), (-2.0, -1.2, 1.0, 1.2), 60).convert("RGB")
    first = process_photo(_jpeg(scene, quality=92)).dhash
    again = process_photo(_jpeg(scene.resize((800, 600)), quality=55)).dhash
    assert first is not None
    assert again is not None
    assert hamming(first, again) <= 4
