"""A raster base map drawn from a street's own geometry and written as a PMTiles archive.

The demo street ships no map data, so its base map is drawn from what it has: each grid
is a built-up block, the lines between grids are streets, the street's outline is the
main road around it, side streets cross each block every ``SIDE_STREET_M`` and houses
stand in rows between them; one grid is a park. Real offices build their archive from
OpenStreetMap (README); this is only what ``make run`` shows with no internet.

Drawn in Web Mercator like every web map, at twice the tile size and reduced (smooth
edges), quantised to a small palette (small PNGs). Deterministic: the same geometry
gives the same archive, byte for byte.
"""

from __future__ import annotations

import hashlib
import io
import math
import os
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import shapely
from PIL import Image, ImageDraw
from pmtiles.tile import Compression, TileType, zxy_to_tileid
from pmtiles.writer import Writer
from shapely import STRtree, affinity, box
from shapely.geometry import LineString, MultiPolygon, Polygon
from shapely.geometry.base import BaseGeometry
from shapely.ops import unary_union

EARTH_RADIUS = 6378137.0
WORLD = 2 * math.pi * EARTH_RADIUS
TILE = 256
SUPERSAMPLE = 2
ZOOMS = range(13, 19)
MARGIN_M = 400.0
SIDE_STREET_M = 120.0
HOUSE_M = 24.0
MAIN_ROAD_M, STREET_M, SIDE_M = 22.0, 14.0, 8.0
BUILDINGS_FROM_ZOOM = 16
STYLE_VERSION = "1"
"""Part of the archive's cache key: change it when the drawing changes."""

LAND, BLOCK, PARK = (242, 239, 233), (224, 223, 223), (200, 238, 196)
HOUSE, HOUSE_EDGE = (217, 208, 201), (196, 182, 171)
ROAD, CASING, MAIN, MAIN_CASING = (255, 255, 255), (190, 190, 190), (252, 214, 164), (200, 160, 110)


def mercator(lon: float, lat: float) -> tuple[float, float]:
    x = math.radians(lon) * EARTH_RADIUS
    y = math.log(math.tan(math.pi / 4 + math.radians(lat) / 2)) * EARTH_RADIUS
    return x, y


def tile_of(lon: float, lat: float, zoom: int) -> tuple[int, int]:
    x, y = mercator(lon, lat)
    size = WORLD / 2**zoom
    limit = 2**zoom - 1
    column = min(limit, max(0, int((x + WORLD / 2) // size)))
    row = min(limit, max(0, int((WORLD / 2 - y) // size)))
    return column, row


def tiles_covering(
    bounds: tuple[float, float, float, float], zoom: int
) -> Iterator[tuple[int, int]]:
    """Every (x, y) tile of ``zoom`` that meets ``bounds`` (west, south, east, north)."""
    west, south, east, north = bounds
    x0, y0 = tile_of(west, north, zoom)
    x1, y1 = tile_of(east, south, zoom)
    for x in range(x0, x1 + 1):
        for y in range(y0, y1 + 1):
            yield x, y


@dataclass
class Sketch:
    """What is drawn, in Web Mercator metres."""

    blocks: list[BaseGeometry] = field(default_factory=list)
    parks: list[BaseGeometry] = field(default_factory=list)
    houses: list[Polygon] = field(default_factory=list)
    streets: list[BaseGeometry] = field(default_factory=list)
    main_roads: list[BaseGeometry] = field(default_factory=list)
    scale: float = 1.0
    """Mercator metres per ground metre at the street's latitude."""


def sketch_street(outline: BaseGeometry, grids: Sequence[BaseGeometry]) -> Sketch:
    """Blocks, park, houses and streets for a street (lon/lat geometry in, metres out)."""
    centre_lat = outline.centroid.y
    scale = 1 / math.cos(math.radians(centre_lat))
    sketch = Sketch(scale=scale)
    street = _to_metres(outline)
    sketch.main_roads.append(street.boundary)
    blocks = [_to_metres(g) for g in grids]
    sketch.streets.extend(b.boundary for b in blocks)
    park_index = max(range(len(blocks)), key=lambda i: _stable(i, blocks[i])) if blocks else -1
    for index, block in enumerate(blocks):
        inner = block.buffer(-STREET_M * scale / 2)
        if inner.is_empty:
            continue
        if index == park_index:
            sketch.parks.append(inner)
            continue
        sketch.blocks.append(inner)
        sides = _side_streets(inner, SIDE_STREET_M * scale)
        sketch.streets.extend(sides)
        built = inner.buffer(-3 * scale).difference(
            unary_union([s.buffer(SIDE_M * scale) for s in sides]) if sides else Polygon()
        )
        sketch.houses.extend(_houses(built, HOUSE_M * scale))
    return sketch


def _to_metres(geom: BaseGeometry) -> BaseGeometry:
    def project(lon: np.ndarray, lat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return (
            np.radians(lon) * EARTH_RADIUS,
            np.log(np.tan(np.pi / 4 + np.radians(lat) / 2)) * EARTH_RADIUS,
        )

    return shapely.transform(geom, lambda xy: np.column_stack(project(xy[:, 0], xy[:, 1])))


def _stable(index: int, geom: BaseGeometry) -> str:
    return hashlib.sha256(f"{index}:{geom.wkb_hex}".encode()).hexdigest()


def _side_streets(block: BaseGeometry, step: float) -> list[BaseGeometry]:
    west, south, east, north = block.bounds
    lines: list[BaseGeometry] = []
    x = west + step
    while x < east - step / 2:
        lines.append(LineString([(x, south), (x, north)]).intersection(block))
        x += step
    y = south + step
    while y < north - step / 2:
        lines.append(LineString([(west, y), (east, y)]).intersection(block))
        y += step
    return [line for line in lines if not line.is_empty]


def _houses(area: BaseGeometry, pitch: float) -> list[Polygon]:
    """Houses in rows on a lattice: each inside ``area``, a little smaller than its plot,
    its size varying by a hash of where it stands (the same every time)."""
    if area.is_empty:
        return []
    west, south, east, north = area.bounds
    houses: list[Polygon] = []
    tree_area = area.buffer(0)
    y = south
    row = 0
    while y < north:
        x = west + (pitch / 3 if row % 2 else 0)
        while x < east:
            digest = hashlib.sha256(f"{round(x)}:{round(y)}".encode()).digest()
            width = pitch * (0.55 + digest[0] / 255 * 0.3)
            depth = pitch * (0.45 + digest[1] / 255 * 0.3)
            house = box(x, y, x + width, y + depth)
            if tree_area.contains(house):
                houses.append(house)
            x += pitch
        y += pitch
        row += 1
    return houses


class TileRenderer:
    """Draws the tiles of a sketch; geometry is looked up per tile in an R-tree."""

    def __init__(self, sketch: Sketch) -> None:
        self.sketch = sketch
        self.layers = {
            name: (geoms, STRtree(geoms))
            for name, geoms in [
                ("blocks", sketch.blocks), ("parks", sketch.parks), ("houses", sketch.houses),
                ("streets", sketch.streets), ("main_roads", sketch.main_roads),
            ]
        }  # fmt: skip

    def _near(self, name: str, area: Polygon) -> list[BaseGeometry]:
        geoms, tree = self.layers[name]
        return [geoms[i] for i in tree.query(area)]

    def render(self, zoom: int, column: int, row: int) -> bytes:
        size = WORLD / 2**zoom
        left, top = -WORLD / 2 + column * size, WORLD / 2 - row * size
        pixels = TILE * SUPERSAMPLE
        per_metre = pixels / size
        area = box(left, top - size, left + size, top).buffer(size * 0.1)
        image = Image.new("RGB", (pixels, pixels), LAND)
        draw = ImageDraw.Draw(image)

        def place(geom: BaseGeometry) -> BaseGeometry:
            moved = affinity.translate(geom, -left, -top)
            return affinity.scale(moved, per_metre, -per_metre, origin=(0, 0))

        for geom in self._near("blocks", area):
            _fill(draw, place(geom), BLOCK)
        for geom in self._near("parks", area):
            _fill(draw, place(geom), PARK)
        if zoom >= BUILDINGS_FROM_ZOOM:
            for geom in self._near("houses", area):
                _fill(draw, place(geom), HOUSE, HOUSE_EDGE)
        ground = per_metre * self.sketch.scale
        for name, width, fill, casing in [
            ("streets", STREET_M, ROAD, CASING), ("main_roads", MAIN_ROAD_M, MAIN, MAIN_CASING)
        ]:  # fmt: skip
            lines = [place(g) for g in self._near(name, area)]
            pixels_wide = max(2, round(width * ground))
            for line in lines:
                _stroke(draw, line, pixels_wide + 2 * SUPERSAMPLE, casing)
            for line in lines:
                _stroke(draw, line, pixels_wide, fill)
        small = image.resize((TILE, TILE), Image.Resampling.LANCZOS).quantize(colors=24)
        out = io.BytesIO()
        small.save(out, format="PNG", optimize=True)
        return out.getvalue()


def _polygons(geom: BaseGeometry) -> Iterable[Polygon]:
    if isinstance(geom, Polygon):
        yield geom
    elif isinstance(geom, MultiPolygon) or hasattr(geom, "geoms"):
        for part in getattr(geom, "geoms", []):
            yield from _polygons(part)


def _lines(geom: BaseGeometry) -> Iterable[Sequence[tuple[float, float]]]:
    if geom.geom_type in {"LineString", "LinearRing"}:
        yield list(geom.coords)
    elif hasattr(geom, "geoms"):
        for part in geom.geoms:
            yield from _lines(part)


def _fill(
    draw: ImageDraw.ImageDraw,
    geom: BaseGeometry,
    colour: tuple[int, int, int],
    edge: tuple[int, int, int] | None = None,
) -> None:
    for polygon in _polygons(geom):
        draw.polygon(list(polygon.exterior.coords), fill=colour, outline=edge)
        for hole in polygon.interiors:
            draw.polygon(list(hole.coords), fill=LAND)


def _stroke(
    draw: ImageDraw.ImageDraw, geom: BaseGeometry, width: int, colour: tuple[int, int, int]
) -> None:
    for coords in _lines(geom):
        if len(coords) >= 2:
            draw.line(coords, fill=colour, width=width, joint="curve")


def write_archive(
    path: Path,
    sketch: Sketch,
    bounds: tuple[float, float, float, float],
    zooms: range = ZOOMS,
    *,
    name: str = "base map",
) -> int:
    """Writes the tiles of ``bounds`` at ``zooms`` to a PMTiles file (atomically: a
    reader never sees half an archive). Returns how many tiles it holds."""
    renderer = TileRenderer(sketch)
    tiles = sorted(
        (zxy_to_tileid(z, x, y), z, x, y) for z in zooms for x, y in tiles_covering(bounds, z)
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.{os.getpid()}.partial")
    west, south, east, north = bounds
    header = {
        "tile_type": TileType.PNG,
        "tile_compression": Compression.NONE,
        "min_lon_e7": round(west * 1e7),
        "min_lat_e7": round(south * 1e7),
        "max_lon_e7": round(east * 1e7),
        "max_lat_e7": round(north * 1e7),
        "center_zoom": zooms.start + 2,
        "center_lon_e7": round((west + east) / 2 * 1e7),
        "center_lat_e7": round((south + north) / 2 * 1e7),
    }
    metadata = {"name": name, "format": "png", "attribution": "Drawn from the street's grids"}
    with partial.open("wb") as out:
        writer = Writer(out)  # type: ignore[no-untyped-call]
        for tile_id, z, x, y in tiles:
            writer.write_tile(tile_id, renderer.render(z, x, y))  # type: ignore[no-untyped-call]
        writer.finalize(header, metadata)  # type: ignore[no-untyped-call]
    partial.replace(path)
    return len(tiles)


def padded_bounds(
    geom: BaseGeometry, margin_m: float = MARGIN_M
) -> tuple[float, float, float, float]:
    west, south, east, north = geom.bounds
    lat = math.radians((south + north) / 2)
    dlat = margin_m / 111_320
    dlon = margin_m / (111_320 * math.cos(lat))
    return west - dlon, south - dlat, east + dlon, north + dlat
