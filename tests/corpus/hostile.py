# ruff: noqa: E501 — tables of hostile cases read best one case per line
"""The hostile corpus: documents, pictures and boundary files that break every rule we
know of, each a (name, payload) pair. Built in code so that nothing huge is committed."""

from __future__ import annotations

import base64
import io
import json
import math
import struct
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from PIL import Image

from backend.settings import REPO_ROOT

EXAMPLES = REPO_ROOT / "mobile-schema" / "examples"


def _jpeg(size: tuple[int, int] = (64, 48)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (120, 40, 40)).save(out, "JPEG")
    return out.getvalue()


def _png_claiming(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims a huge picture (a decompression bomb)."""
    out = io.BytesIO()
    Image.new("RGB", (1, 1)).save(out, "PNG")
    data = bytearray(out.getvalue())
    ihdr = struct.pack(">II", width, height) + bytes(data[24:29])
    data[16:29] = ihdr
    data[29:33] = struct.pack(">I", zlib.crc32(b"IHDR" + ihdr) & 0xFFFFFFFF)
    return bytes(data)


PICTURES: dict[str, tuple[bytes, str]] = {
    "zero-bytes": (b"", "image/jpeg"),
    "truncated-jpeg": (_jpeg((640, 480))[:700], "image/jpeg"),
    "bomb-png": (_png_claiming(60_000, 60_000), "image/png"),
    "polyglot-jpeg-zip": (_jpeg() + b"PK\x03\x04" + b"\x00" * 26 + b"payload", "image/jpeg"),
    "png-named-jpeg": (_png_claiming(32, 32), "image/jpeg"),
    "text-as-jpeg": (b"<?php system($_GET['c']); ?>", "image/jpeg"),
    "svg-script": (b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>",
                   "image/jpeg"),
}  # fmt: skip


def documents(base: dict[str, Any], new_id: Any) -> Iterator[tuple[str, Any]]:
    """Hostile documents written by a device: dicts, or raw bytes for what JSON cannot say."""
    for version in ("v0", "v1"):
        for path in sorted((EXAMPLES / version / "invalid").glob("*.json")):
            doc = json.loads(path.read_text(encoding="utf-8"))
            doc_type = str(doc.get("type", "hazard")) if isinstance(doc.get("type"), str) else "x"
            doc.update(_id=new_id(doc_type if doc_type.isalpha() else "hazard"),
                       author=base["author"], device_id=base["device_id"])  # fmt: skip
            yield f"example {version}/{path.stem}", doc
    huge = "隐" * 10_000_000
    yield "10 MB title", {**base, "_id": new_id("hazard"), "title": huge}
    yield "deep nesting", ("deep", 1500)
    yield "wrong types everywhere", {**base, "_id": new_id("hazard"), "title": 5,
                                     "severity": ["major"], "location": "here", "photos": {}}  # fmt: skip
    yield "NaN coordinate", ("raw", b'{"type":"hazard","location":{"lat":NaN,"lon":1}}')
    yield "Infinity coordinate", ("raw", b'{"type":"hazard","location":{"lat":Infinity}}')
    yield "not JSON at all", ("raw", b"\x00\xff\xfe garbage")
    for lat, lon in [(91, 120), (30, 181), (-1e308, 0), (1e-320, -0.0)]:
        loc = {"lat": lat, "lon": lon, "accuracy_m": 5, "provider": "gps"}
        yield f"coordinates {lat},{lon}", {**base, "_id": new_id("hazard"), "location": loc}
    yield (
        "far future",
        {**base, "_id": new_id("hazard"), "reported_at": "9999-12-31T23:59:59+08:00"},
    )
    yield "year zero", {**base, "_id": new_id("hazard"), "reported_at": "0000-01-01T00:00:00Z"}
    for trick in ["hazard:../../_design/x", "_design/evil", "hazard:dev:%2e%2e%2f", "../../etc/passwd",
                  "hazard:" + "A" * 400, "hazard:\u202eevil\u0000", "verdict:hazard:x:y", "ledger:x:1"]:  # fmt: skip
        yield f"id {trick[:30]!r}", {**base, "_id": trick}
    yield "empty object", {"_id": new_id("hazard")}
    yield "array body", ("raw", b"[1,2,3]")
    yield "unknown type", {**base, "_id": new_id("hazard"), "type": "bomb"}
    for name, (data, content_type) in PICTURES.items():
        doc = {**base, "_id": new_id("hazard"), "title": f"picture: {name}",
               "photos": [{"name": "p.jpg", "sha256": "0" * 64}],
               "_attachments": {"p.jpg": {"content_type": content_type,
                                          "data": base64.b64encode(data).decode()}}}  # fmt: skip
        yield f"picture {name}", doc


def boundary_files() -> Iterator[tuple[str, Any]]:
    def feature(geometry: Any, **props: Any) -> dict[str, Any]:
        base = {"id": "s", "kind": "street", "name_zh": "街", "name_en": "street"}
        return {"type": "Feature", "properties": {**base, **props}, "geometry": geometry}

    square = [[[120.15, 30.27], [120.16, 30.27], [120.16, 30.28], [120.15, 30.28], [120.15, 30.27]]]
    bowtie = [[[120.15, 30.27], [120.16, 30.28], [120.16, 30.27], [120.15, 30.28], [120.15, 30.27]]]
    circle = [[[120.155 + 0.005 * math.cos(2 * math.pi * i / 100_000),
                30.275 + 0.005 * math.sin(2 * math.pi * i / 100_000)] for i in range(100_000)]]  # fmt: skip
    circle[0].append(circle[0][0])
    collection = {"type": "FeatureCollection"}
    yield (
        "self-intersecting ring",
        {**collection, "features": [feature({"type": "Polygon", "coordinates": bowtie})]},
    )
    yield (
        "empty geometry",
        {**collection, "features": [feature({"type": "Polygon", "coordinates": []})]},
    )
    yield "null geometry", {**collection, "features": [feature(None)]}
    yield "web mercator metres (wrong CRS)", {**collection, "features": [feature(
        {"type": "Polygon", "coordinates": [[[13375000, 3540000], [13376000, 3540000],
                                             [13376000, 3541000], [13375000, 3540000]]]})]}  # fmt: skip
    yield (
        "100,000 vertices",
        {**collection, "features": [feature({"type": "Polygon", "coordinates": circle})]},
    )
    yield (
        "unclosed ring",
        {**collection, "features": [feature({"type": "Polygon", "coordinates": [square[0][:-1]]})]},
    )
    yield (
        "a point for a grid",
        {**collection, "features": [feature({"type": "Point", "coordinates": [120, 30]})]},
    )
    yield (
        "missing properties",
        {
            **collection,
            "features": [
                {"type": "Feature", "geometry": {"type": "Polygon", "coordinates": square}}
            ],
        },
    )
    yield "not a collection", {"type": "Polygon", "coordinates": square}
    yield (
        "unknown datum",
        {
            **collection,
            "datum": "mars2000",
            "features": [feature({"type": "Polygon", "coordinates": square})],
        },
    )
    yield "no features", {**collection, "features": []}
    yield (
        "orphan grid",
        {
            **collection,
            "features": [
                feature(
                    {"type": "Polygon", "coordinates": square},
                    id="g",
                    kind="grid",
                    parent_id="nowhere",
                )
            ],
        },
    )


def corpus_dir() -> Path:
    return Path(__file__).resolve().parent
