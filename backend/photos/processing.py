"""Decode a photo safely and make its derivatives.

Formats are allowed by name (JPEG, PNG, WebP, HEIC); the decompression-bomb warning is
an error; truncated or corrupt files are refused with a reason. JPEGs are decoded at
a reduced scale (``draft``) when that is enough for the largest derivative, so a 12 MP
photo is not fully decoded. Derivatives are upright (EXIF orientation applied) and
carry no metadata: no GPS leaves through what the map serves.
"""

from __future__ import annotations

import hashlib
import io
import warnings
from dataclasses import dataclass

import pillow_heif
from PIL import Image, ImageOps, UnidentifiedImageError

from backend.photos.exif import ExifFacts, read_exif

pillow_heif.register_heif_opener()

ALLOWED_FORMATS = frozenset({"JPEG", "PNG", "WEBP", "HEIF"})
THUMBNAIL_PX, SCREEN_PX = 256, 1280


class PhotoRejected(ValueError):
    """The bytes are not a photo we accept; ``reason`` says why in plain words."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(reason)


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
    dhash: int
    """64-bit difference hash: near-identical pictures differ in few bits."""
    thumbnail: bytes
    screen: bytes


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def process_photo(data: bytes, limits: PhotoLimits | None = None) -> ProcessedPhoto:
    """Check, decode and derive; :class:`PhotoRejected` for anything unacceptable.
    CPU-bound: call it from a worker thread or process."""
    limits = limits or PhotoLimits()
    if not data:
        raise PhotoRejected("empty file")
    if len(data) > limits.max_bytes:
        raise PhotoRejected(f"file larger than {limits.max_bytes} bytes")
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            return _process(data, limits)
        except (Image.DecompressionBombWarning, Image.DecompressionBombError):
            raise PhotoRejected("too many pixels (decompression bomb)") from None
        except UnidentifiedImageError:
            raise PhotoRejected("not an image in an accepted format") from None
        except (OSError, SyntaxError, ValueError, EOFError) as exc:
            raise PhotoRejected(f"corrupt or truncated image: {exc}") from None


def _process(data: bytes, limits: PhotoLimits) -> ProcessedPhoto:
    image = Image.open(io.BytesIO(data))
    if image.format not in ALLOWED_FORMATS:
        raise PhotoRejected(f"format {image.format} is not accepted")
    width, height = image.size
    if width * height > limits.max_pixels:
        raise PhotoRejected(f"{width}×{height} pixels is more than {limits.max_pixels}")
    exif = read_exif(image)
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
        dhash=dhash(thumbnail),
        thumbnail=_jpeg(thumbnail),
        screen=_jpeg(screen),
    )


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
