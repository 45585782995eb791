"""Benchmark: processing one photo vs the raw Pillow path, and throughput on both cores.

Raw: ``Image.open`` + ``draft`` + ``thumbnail(1280)`` + JPEG encode — the least any
service must do to serve a screen-size copy. Ours: :func:`process_photo` (sha256, EXIF,
orientation, screen and thumbnail derivatives, perceptual hash).

Run: ``.venv/bin/python -m tests.bench.bench_photos``.
"""

from __future__ import annotations

import io
import os
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor

import numpy as np
from PIL import Image

from backend.photos.processing import process_photo


def _camera_jpeg(width: int, height: int, quality: int) -> bytes:
    rng = np.random.default_rng(width)
    base = rng.integers(0, 255, (height // 8, width // 8, 3), dtype=np.uint8)
    image = Image.fromarray(base).resize((width, height), Image.Resampling.BICUBIC)
    out = io.BytesIO()
    image.save(out, "JPEG", quality=quality)
    return out.getvalue()


def _raw(data: bytes) -> bytes:
    image = Image.open(io.BytesIO(data))
    image.draft("RGB", (1280, 1280))
    image.thumbnail((1280, 1280))
    out = io.BytesIO()
    image.convert("RGB").save(out, "JPEG", quality=82)
    return out.getvalue()


def _per_photo(run: Callable[[bytes], object], data: bytes, rounds: int) -> float:
    best = float("inf")
    for _ in range(3):
        start = time.perf_counter()
        for _ in range(rounds):
            run(data)
        best = min(best, (time.perf_counter() - start) / rounds)
    return best


def main() -> None:
    photos = {
        "12 MP (4000x3000)": (_camera_jpeg(4000, 3000, 88), 5),
        "200 KB (1600x1200)": (_camera_jpeg(1600, 1200, 60), 20),
    }
    for name, (data, rounds) in photos.items():
        raw = _per_photo(_raw, data, rounds)
        ours = _per_photo(process_photo, data, rounds)
        print(f"{name}, {len(data) / 1024:,.0f} KB:")
        print(f"  raw draft+thumbnail: {raw * 1000:7.1f} ms   ours: {ours * 1000:7.1f} ms   "
              f"ratio {ours / raw:.2f} (target <= 1.2)")  # fmt: skip
    data, _ = photos["12 MP (4000x3000)"]
    batch = [data] * 24
    for workers in (1, os.cpu_count() or 1):
        with ProcessPoolExecutor(workers) as pool:
            list(pool.map(process_photo, batch[:workers]))  # warm up
            start = time.perf_counter()
            list(pool.map(process_photo, batch))
            rate = len(batch) / (time.perf_counter() - start)
        print(f"12 MP throughput with {workers} process(es): {rate:5.1f} photos/s")


if __name__ == "__main__":
    main()
