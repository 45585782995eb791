"""Decode a photo safely and make its derivatives.

Formats are allowed by name (JPEG, PNG, WebP, HEIC); the decompression-bomb warning is
an error; every refusal has its own code (:data:`REFUSALS`) and a plain reason, and what
the EXIF block said is kept when only the pixels are unusable. JPEGs are decoded at
a reduced scale (``draft``) when that is enough for the largest derivative, so a 12 MP
photo is not fully decoded. Derivatives are upright (EXIF orientation applied) and
carry no metadata: no GPS leaves through what the map serves.
"""

from __future__ import annotations

import hashlib
import io
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import pillow_heif
from PIL import Image, ImageOps, ImageStat, UnidentifiedImageError

from backend.photos.exif import ExifFacts, read_exif

pillow_heif.register_heif_opener()

ALLOWED_FORMATS = frozenset({"JPEG", "PNG", "WEBP", "HEIF"})
THUMBNAIL_PX, SCREEN_PX = 256, 1280


REFUSALS = ("empty", "file_too_large", "unsupported_format", "too_many_pixels", "truncated",
            "corrupt")  # fmt: skip
LOW_INFORMATION_STDDEV = 4.0
"""Grey levels (of 255): a thumbnail flatter than this says nothing about its scene."""
LOW_INFORMATION_PX = 32
SIGNATURES = ((b"GIF8", "GIF"), (b"BM", "BMP"), (b"%PDF", "PDF"), (b"II*\x00", "TIFF"),
              (b"MM\x00*", "TIFF"), (b"\x00\x00\x01\x00", "ICO"))  # fmt: skip


class PhotoRejected(ValueError):
    """The bytes are not a photo we accept: ``code`` (one of :data:`REFUSALS`) and
    ``reason`` in plain words; ``exif`` what could be read before the pixels failed."""

    def __init__(self, code: str, reason: str, exif: ExifFacts | None = None) -> None:
        self.code, self.reason, self.exif = code, reason, exif
        super().__init__(f"{code}: {reason}")


@dataclass(frozen=True, slots=True)
class PhotoLimits:
    max_bytes: int = 25 * 1024 * 1024
    max_pixels: int = 50_000_000


@dataclass(frozen=True, slots=True)
class ProcessedPhoto:
    sha256: str
    format: str
    width: int
    height: int
    """Upright size of the original."""
    exif: ExifFacts
    dhash: int | None
    """64-bit difference hash: near-identical pictures differ in few bits. ``None`` for a
    picture with too little in it (flat, near-uniform, tiny): such pictures all hash
    alike, so likeness between them proves nothing."""
    thumbnail: bytes
    screen: bytes


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def process_photo(data: bytes, limits: PhotoLimits | None = None) -> ProcessedPhoto:
    """Check, decode and derive; :class:`PhotoRejected` for anything unacceptable.
    CPU-bound: call it from a worker thread or process."""
    limits = limits or PhotoLimits()
    if not data:
        raise PhotoRejected("empty", "empty file")
    if len(data) > limits.max_bytes:
        raise PhotoRejected("file_too_large", f"file larger than {limits.max_bytes} bytes")
    with warnings.catch_warnings():
        # Pillow's complaints about odd metadata (corrupt EXIF, malformed MPO) are not
        # refusals: what can be read is read; only a decompression bomb stops the photo
        warnings.simplefilter("ignore")
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        with _bombs_refused():
            try:
                image = Image.open(io.BytesIO(data))
            except UnidentifiedImageError:
                raise PhotoRejected("unsupported_format", _unsupported(data)) from None
            except (OSError, SyntaxError, ValueError, EOFError) as exc:
                raise PhotoRejected("corrupt", f"corrupt image: {exc}") from None
        if image.format not in ALLOWED_FORMATS:
            raise PhotoRejected("unsupported_format", f"{image.format} is not accepted "
                                f"({_ACCEPTED})")  # fmt: skip
        width, height = image.size
        if width * height > limits.max_pixels:
            too_many = f"{width}×{height} pixels is more than {limits.max_pixels}"
            raise PhotoRejected("too_many_pixels", too_many)
        exif = read_exif(image)
        with _bombs_refused(exif):
            try:
                return _derive(image, data, exif)
            except (OSError, SyntaxError, ValueError, EOFError) as exc:
                code = "truncated" if "truncated" in str(exc) else "corrupt"
                raise PhotoRejected(code, f"{code} image: {exc}", exif) from None


@contextmanager
def _bombs_refused(exif: ExifFacts | None = None) -> Iterator[None]:
    """A decompression bomb (Pillow's warning made an error, or its error) is refused
    as too many pixels, keeping what the EXIF block said where it was read."""
    try:
        yield
    except (Image.DecompressionBombWarning, Image.DecompressionBombError):
        raise PhotoRejected(
            "too_many_pixels", "too many pixels (decompression bomb)", exif
        ) from None


_ACCEPTED = "JPEG, PNG, WebP or HEIC"


def _unsupported(data: bytes) -> str:
    """Name what the bytes are when it is a picture format we do not take."""
    head = data[:64]
    if head[4:8] == b"ftyp" and head[8:12] in {b"avif", b"avis"}:
        return f"AVIF is not accepted ({_ACCEPTED})"
    for signature, name in SIGNATURES:
        if head.startswith(signature):
            return f"{name} is not accepted ({_ACCEPTED})"
    return f"not an image in an accepted format ({_ACCEPTED})"


def _derive(image: Image.Image, data: bytes, exif: ExifFacts) -> ProcessedPhoto:
    width, height = image.size
    if image.format == "JPEG":
        image.draft("RGB", (SCREEN_PX, SCREEN_PX))  # decode at 1/2, 1/4 or 1/8 scale
    image_format = str(image.format)
    if (image.getexif().get(0x0112, 1) or 1) in (5, 6, 7, 8):
        width, height = height, width
    image.load()
    ImageOps.exif_transpose(image, in_place=True)
    screen = image if image.mode == "RGB" else image.convert("RGB")
    screen.thumbnail((SCREEN_PX, SCREEN_PX))  # in place, from the draft-size decode
    thumbnail = screen.copy()
    thumbnail.thumbnail((THUMBNAIL_PX, THUMBNAIL_PX))
    return ProcessedPhoto(
        sha256=sha256_of(data),
        format=image_format,
        width=width,
        height=height,
        exif=exif,
        dhash=None if _low_information(thumbnail) else dhash(thumbnail),
        thumbnail=_jpeg(thumbnail),
        screen=_jpeg(screen),
    )


def _low_information(thumbnail: Image.Image) -> bool:
    """Flat, near-uniform or tiny: nothing in it to recognise a scene by."""
    if min(thumbnail.size) < LOW_INFORMATION_PX:
        return True
    return float(ImageStat.Stat(thumbnail.convert("L")).stddev[0]) < LOW_INFORMATION_STDDEV


def _jpeg(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, "JPEG", quality=82)  # no exif= : metadata stripped
    return out.getvalue()


def dhash(image: Image.Image, size: int = 8) -> int:
    """Difference hash of the picture (robust to scaling and recompression)."""
    small = image.convert("L").resize((size + 1, size), Image.Resampling.LANCZOS)
    pixels = list(small.tobytes())  # mode "L": one byte per pixel
    bits = 0
    for row in range(size):
        for col in range(size):
            left, right = pixels[row * (size + 1) + col], pixels[row * (size + 1) + col + 1]
            bits = (bits << 1) | (left > right)
    return bits


def hamming(a: int, b: int) -> int:
    return (a ^ b).bit_count()
