"""The demo base map: a PMTiles archive any PMTiles reader opens, holding every tile of
its bounds at its zooms, drawn from the street's geometry (blocks where the grids are,
a street on the line between two grids, a park), the same bytes every time."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any, BinaryIO

from PIL import Image
from pmtiles.reader import MmapSource, Reader
from pmtiles.tile import TileType
from shapely.geometry import Polygon, shape

from backend.basemap.archive import archive_facts
from backend.basemap.demo import DEMO_STREET
from geo.basemap import (
    BLOCK,
    HOUSE,
    LAND,
    PARK,
    ROAD,
    TILE,
    mercator,
    padded_bounds,
    sketch_street,
    tile_of,
    tiles_covering,
    write_archive,
)

ZOOMS = range(15, 18)


class Archive:
    """The pmtiles package's reader, typed."""

    def __init__(self, archive: BinaryIO) -> None:
        self._reader = Reader(MmapSource(archive))  # type: ignore[no-untyped-call]

    def header(self) -> dict[str, Any]:
        return dict(self._reader.header())  # type: ignore[no-untyped-call]

    def get(self, z: int, x: int, y: int) -> bytes | None:
        tile: bytes | None = self._reader.get(z, x, y)  # type: ignore[no-untyped-call]
        return tile


def _tile(reader: Archive, z: int, x: int, y: int) -> Image.Image:
    data = reader.get(z, x, y)
    assert data is not None, (z, x, y)
    return Image.open(io.BytesIO(data)).convert("RGB")


def _street() -> tuple[Polygon, list[Polygon]]:
    features = json.loads(DEMO_STREET.read_text())["features"]
    street = next(shape(f["geometry"]) for f in features if f["properties"]["kind"] == "street")
    grids = [shape(f["geometry"]) for f in features if f["properties"]["kind"] == "grid"]
    return street, grids


def _pixel(reader: Archive, lon: float, lat: float, zoom: int) -> tuple[int, int, int]:
    column, row = tile_of(lon, lat, zoom)
    image = _tile(reader, zoom, column, row)
    x, y = mercator(lon, lat)
    size = 2 * 20037508.342789244 / 2**zoom
    px = int((x + 20037508.342789244 - column * size) / size * TILE)
    py = int((20037508.342789244 - y - row * size) / size * TILE)
    return image.getpixel((px, py))  # type: ignore[return-value]


def _colours(reader: Archive, lon: float, lat: float, zoom: int) -> list[Any]:
    column, row = tile_of(lon, lat, zoom)
    return [colour for _, colour in _tile(reader, zoom, column, row).getcolors(TILE * TILE) or []]


def _near(colour: tuple[int, int, int], wanted: tuple[int, int, int]) -> bool:
    return all(abs(a - b) <= 12 for a, b in zip(colour, wanted, strict=True))


def test_the_demo_archive_holds_every_tile_of_its_bounds(tmp_path: Path) -> None:
    street, grids = _street()
    bounds = padded_bounds(street)
    path = tmp_path / "demo.pmtiles"
    count = write_archive(path, sketch_street(street, grids), bounds, ZOOMS)

    with path.open("rb") as archive:
        reader = Archive(archive)
        header = reader.header()
        expected = [(z, x, y) for z in ZOOMS for x, y in tiles_covering(bounds, z)]
        tiles = [reader.get(z, x, y) for z, x, y in expected]
        facts = archive_facts(path)
        assert header["tile_type"] == TileType.PNG
        assert (header["min_zoom"], header["max_zoom"]) == (15, 17)
        assert count == len(expected)
        assert all(tiles)
        assert all(Image.open(io.BytesIO(t)).size == (TILE, TILE) for t in tiles if t)
        assert reader.get(15, 0, 0) is None  # nothing outside the bounds
        # a grid's middle is a block (or the park), the line between two grids a street,
        # and the land beyond the street's margin plain
        middles = [_pixel(reader, g.centroid.x, g.centroid.y, 16) for g in grids]
        assert sum(_near(c, PARK) for c in middles) == 1  # one grid is a park
        built = [_colours(reader, g.centroid.x, g.centroid.y, 17) for g in grids]
        assert (
            sum(all(any(_near(c, w) for c in cs) for w in (BLOCK, HOUSE, ROAD)) for cs in built)
            == len(grids) - 1
        )  # the others: blocks, houses, streets
        shared = grids[0].intersection(grids[1])
        on_street = shared.interpolate(0.5, normalized=True)
        assert _near(_pixel(reader, on_street.x, on_street.y, 16), ROAD)
        west, south, _, _ = bounds
        assert _near(_pixel(reader, west + 0.0005, south + 0.0005, 16), LAND)
    assert facts.bounds == tuple(round(b, 7) for b in bounds)
    assert facts.tile_format == "png"
    assert (facts.min_zoom, facts.max_zoom) == (15, 17)

    again = tmp_path / "again.pmtiles"
    write_archive(again, sketch_street(street, grids), bounds, ZOOMS)
    assert again.read_bytes() == path.read_bytes()
    assert not list(tmp_path.glob(".*partial"))  # written whole, then renamed
