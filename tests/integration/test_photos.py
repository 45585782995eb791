"""Photos attached on tablets: processed once, checked, served upright without GPS."""

from __future__ import annotations

import io
from typing import Any

import pytest
from PIL import Image

from backend.photos import processing
from backend.photos import worker as photo_worker
from backend.photos.processing import sha256_of
from backend.settings import Settings
from sync.devserver import DevCouch
from tests.helpers import eventually, hazard_doc, jpeg_photo, with_photos
from tests.integration.harness import get_json, hazard_for, running_app, tablet


async def _photos_of(client: Any, hazard_id: str, status: str | None = None) -> Any:
    """The hazard's photos once none is pending (and all have ``status`` if given)."""

    def settled(rows: list[dict[str, Any]]) -> bool:
        statuses = {r["status"] for r in rows}
        wanted = status is None or statuses == {status}
        return bool(rows) and "pending" not in statuses and wanted

    return await eventually(lambda: _listed(client, hazard_id), settled, within=20)


async def _listed(client: Any, hazard_id: str) -> Any:
    response = await client.get(f"/api/hazards/{hazard_id}/photos")
    return response.json() if response.status_code == 200 else []


async def test_photos_are_processed_checked_deduplicated_and_served(
    sqlite_settings: Settings, dev_couch: DevCouch, monkeypatch: pytest.MonkeyPatch
) -> None:
    decoded: list[int] = []
    original = processing.process_photo

    def counting(data: bytes, limits: Any = None) -> Any:
        decoded.append(len(data))
        return original(data, limits)

    monkeypatch.setattr(photo_worker, "process_photo", counting)
    async with running_app(sqlite_settings) as (client, runtime):
        cred = next(c for c in runtime.issued_credentials if c.grid_id == "donghu-01")

        def new_hazard() -> dict[str, Any]:
            return hazard_doc(device_id=cred.device_id, author=cred.couch_user,
                              grid_id=cred.grid_id)  # fmt: skip

        rotated = jpeg_photo((30, 90, 200), orientation=6, gps=True)
        first, second, broken = new_hazard(), new_hazard(), new_hazard()
        with_photos(first, {"p1.jpg": rotated})
        with_photos(second, {"same.jpg": rotated})
        with_photos(broken, {"fake.jpg": b"this is not a photo at all" * 20})
        async with tablet(dev_couch, cred) as device:
            first["_rev"] = await device.put_doc(cred.database, first)
            [p1] = await _photos_of(client, first["_id"], "processed")
            await device.put_doc(cred.database, second)
            await device.put_doc(cred.database, broken)
            [same] = await _photos_of(client, second["_id"])
            [fake] = await _photos_of(client, broken["_id"])

            # editing the hazard keeps the attachment: the photo is not decoded again
            edited = await device.get_doc(cred.database, first["_id"])
            edited["title"] = "安全出口堵塞（已通知负责人）"
            await device.put_doc(cred.database, edited)
            await eventually(
                lambda: get_json(client, "/api/hazards?limit=10"),
                lambda rows: any(r["title"] == edited["title"] for r in rows),
            )
            [p1_again] = await _photos_of(client, first["_id"])
            verdict = await eventually(
                lambda: device.get_doc(cred.database, f"verdict:{first['_id']}"),
                lambda doc: doc.get("photos", [{}])[0].get("status") == "processed",
            )
        thumb = await client.get(p1["thumbnail_url"])
        cached = await client.get(
            p1["thumbnail_url"], headers={"If-None-Match": thumb.headers["etag"]}
        )
        screen = await client.get(p1["screen_url"])

    assert p1["sha256"] == sha256_of(rotated)
    assert p1["distance_m"] == pytest.approx(29.6, abs=0.5)  # 16'17.28" N vs 30.2712
    assert p1["flags"] == []
    assert same["status"] == "processed"
    assert same["reused_from"] == first["_id"]
    assert "reused_photo" in same["flags"]
    assert fake["status"] == "rejected"
    assert fake["reason"] == (
        "unsupported_format: not an image in an accepted format (JPEG, PNG, WebP or HEIC)"
    )
    assert len(decoded) == 2, "each picture is decoded once (the shared one too)"
    assert p1_again["status"] == "processed"
    assert verdict["photos"][0]["name"] == "p1.jpg"
    assert thumb.status_code == 200
    assert thumb.headers["content-type"] == "image/jpeg"
    assert "immutable" in thumb.headers["cache-control"]
    assert cached.status_code == 304
    upright = Image.open(io.BytesIO(screen.content))
    assert upright.size == (240, 320)  # orientation 6: stored landscape, shown portrait
    assert not upright.getexif()


async def test_a_photo_named_before_it_arrives_is_pending_then_completes(
    sqlite_settings: Settings, dev_couch: DevCouch
) -> None:
    async with running_app(sqlite_settings) as (client, runtime):
        cred = runtime.issued_credentials[0]
        doc = hazard_for(cred)
        picture = jpeg_photo((200, 40, 40))
        with_photos(doc, {"later.jpg": picture}, attach=False)
        async with tablet(dev_couch, cred) as device:
            rev = await device.put_doc(cred.database, doc)
            [pending] = await eventually(
                lambda: _listed(client, doc["_id"]), lambda rows: len(rows) == 1
            )
            await device.put_attachment(cred.database, doc["_id"], rev, "later.jpg", picture,
                                        "image/jpeg")  # fmt: skip
            [done] = await _photos_of(client, doc["_id"], "processed")
    assert pending["status"] == "pending"
    assert done["sha256"] == sha256_of(picture)


async def test_a_photo_with_unusable_pixels_is_still_cross_checked_by_its_metadata(
    sqlite_settings: Settings, dev_couch: DevCouch
) -> None:
    """A phone photo cut off in transfer: refused (its pixels cannot be shown), but the
    GPS and time its EXIF block holds are kept and compared with the report."""
    whole = jpeg_photo((30, 90, 200), gps=True)
    scene = Image.effect_mandelbrot((1600, 1200), (-2.0, -1.2, 1.0, 1.2), 40).convert("RGB")
    out = io.BytesIO()
    exif = Image.open(io.BytesIO(whole)).getexif()
    scene.save(out, "JPEG", exif=exif)
    cut = out.getvalue()[: len(out.getvalue()) * 2 // 3]
    async with running_app(sqlite_settings) as (client, runtime):
        cred = next(c for c in runtime.issued_credentials if c.grid_id == "donghu-01")
        hazard = hazard_for(cred)
        hazard["location"] = {**hazard["location"], "lat": 30.2812}  # 1.1 km north of the photo
        with_photos(hazard, {"cut.jpg": cut})
        async with tablet(dev_couch, cred) as device:
            await device.put_doc(cred.database, hazard)
        [photo] = await _photos_of(client, hazard["_id"], "rejected")
    assert photo["reason"].startswith("truncated: ")
    assert photo["distance_m"] > 1000
    assert "pixels_unusable_metadata_read" in photo["flags"]
    assert "taken_far_from_reported_point" in photo["flags"]
