"""The base map archive over HTTP as the pmtiles reader uses it: its facts, byte ranges,
revalidation by a strong ETag, a replaced archive noticed, and start-up refusing an
archive the maps cannot draw."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from pmtiles.tile import Compression, TileType, zxy_to_tileid
from pmtiles.writer import Writer

from backend.basemap.archive import BaseMapError, archive_facts
from backend.basemap.demo import demo_basemap
from backend.lifespan import StartupError
from backend.preflight import preflight
from backend.settings import Settings
from tests.integration.harness import running_app

URL = "/basemap/archive.pmtiles"


async def test_the_archive_is_served_by_ranges_with_a_strong_etag(
    sqlite_settings: Settings, tmp_path: Path
) -> None:
    archive = tmp_path / "street.pmtiles"
    shutil.copyfile(demo_basemap(), archive)
    data = archive.read_bytes()
    settings = sqlite_settings.with_changes(basemap_path=archive)
    async with running_app(settings, sign_in=False) as (client, _):
        info = (await client.get("/basemap/info")).json()
        etag = info["etag"]
        whole = await client.get(URL, headers={"Accept-Encoding": "gzip"})
        head = await client.get(URL, headers={"Range": "bytes=0-126"})
        tail = await client.get(URL, headers={"Range": "bytes=-100"})
        current = await client.get(URL, headers={"Range": "bytes=0-126", "If-None-Match": etag})
        beyond = await client.get(URL, headers={"Range": f"bytes={len(data)}-"})

        archive.write_bytes(data + b"")  # rewritten by an office: a new ETag
        renewed = (await client.get("/basemap/info")).json()["etag"]
        stale = await client.get(URL, headers={"Range": "bytes=0-126", "If-Range": etag})

    assert info["url"] == URL
    assert info["size"] == len(data)
    assert info["tile_format"] == "png"
    assert (info["min_zoom"], info["max_zoom"]) == (13, 18)
    west, south, east, north = info["bounds"]
    assert west < 120.15
    assert east > 120.17
    assert south < 30.27
    assert north > 30.282
    assert whole.status_code == 200
    assert whole.content == data
    assert "content-encoding" not in whole.headers  # byte offsets must mean the file's bytes
    assert whole.headers["etag"] == etag
    assert whole.headers["accept-ranges"] == "bytes"
    assert (head.status_code, head.content) == (206, data[:127])
    assert head.headers["content-range"] == f"bytes 0-126/{len(data)}"
    assert head.content.startswith(b"PMTiles\x03")
    assert (tail.status_code, tail.content) == (206, data[-100:])
    assert (current.status_code, current.content) == (304, b"")
    assert beyond.status_code == 416
    assert beyond.headers["content-range"] == f"bytes */{len(data)}"
    assert renewed != etag
    assert (stale.status_code, stale.content) == (200, data)  # the caller's part is stale


async def test_without_a_base_map_the_maps_are_told_so(sqlite_settings: Settings) -> None:
    settings = sqlite_settings.with_changes(demo=False)
    async with running_app(settings, sign_in=False) as (client, runtime):
        info = await client.get("/basemap/info")
        archive = await client.get(URL)
    assert runtime.basemap is None
    assert info.status_code == archive.status_code == 404
    assert "BASEMAP_PMTILES" in info.json()["detail"]


def _vector_archive(path: Path) -> None:
    with path.open("wb") as out:
        writer = Writer(out)  # type: ignore[no-untyped-call]
        writer.write_tile(zxy_to_tileid(0, 0, 0), b"\x1a\x00")  # type: ignore[no-untyped-call]
        header = {"tile_type": TileType.MVT, "tile_compression": Compression.NONE}
        writer.finalize(header, {})  # type: ignore[no-untyped-call]


async def test_an_archive_the_maps_cannot_draw_stops_the_start(
    sqlite_settings: Settings, tmp_path: Path
) -> None:
    vector, text, missing = tmp_path / "v.pmtiles", tmp_path / "t.pmtiles", tmp_path / "none"
    _vector_archive(vector)
    text.write_text("not an archive")
    reasons = {}
    for path in (vector, text, missing):
        with pytest.raises(BaseMapError) as refused:
            archive_facts(path)
        reasons[path.name] = str(refused.value)
    with pytest.raises(StartupError, match="MVT tiles"):
        await preflight(sqlite_settings.with_changes(basemap_path=vector))
    with pytest.raises(ExceptionGroup) as stopped:  # the lifespan refuses it too
        async with running_app(sqlite_settings.with_changes(basemap_path=vector)):
            pass
    assert stopped.group_contains(StartupError, match="MVT tiles", depth=None)

    assert "MVT tiles; the maps draw raster archives" in reasons["v.pmtiles"]
    assert "is not a PMTiles version 3 archive" in reasons["t.pmtiles"]
    assert "No such file" in reasons["none"]
