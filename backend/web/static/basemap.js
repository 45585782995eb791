// The base map under both apps' maps: the raster tiles of the PMTiles archive at
// /basemap/, read by byte ranges with the vendored pmtiles reader (no tile server, no CDN).
// `layer` takes where tiles come from, so the field app can read them from its offline copy.
(() => {
  const TYPES = { png: "image/png", jpg: "image/jpeg", webp: "image/webp", avif: "image/avif" };

  async function info() {
    const answer = await fetch("/basemap/info");
    return answer.ok ? answer.json() : null;
  }

  function archive(facts) {
    return new pmtiles.PMTiles(facts.url);
  }

  async function fromArchive(reader, facts, z, x, y, signal) {
    const tile = await reader.getZxy(z, x, y, signal);
    return tile ? new Blob([tile.data], { type: TYPES[facts.tile_format] }) : null;
  }

  // tiles(z, x, y, signal) → a Blob, or null where the archive has no tile
  function layer(facts, tiles) {
    const [west, south, east, north] = facts.bounds;
    const Layer = L.GridLayer.extend({
      createTile(coords, done) {
        const img = document.createElement("img");
        img.alt = "";
        const controller = new AbortController();
        img.cancel = () => controller.abort();
        tiles(coords.z, coords.x, coords.y, controller.signal).then((blob) => {
          if (!blob) { img.style.visibility = "hidden"; done(null, img); return; }
          const url = URL.createObjectURL(blob);
          img.onload = () => { URL.revokeObjectURL(url); done(null, img); };
          img.onerror = () => { URL.revokeObjectURL(url); done(new Error("unreadable tile"), img); };
          img.src = url;
        }).catch((error) => { if (error.name !== "AbortError") done(error, img); });
        return img;
      },
      _removeTile(key) {
        const tile = this._tiles[key];
        if (tile && tile.el.cancel) tile.el.cancel();
        L.GridLayer.prototype._removeTile.call(this, key);
      },
    });
    return new Layer({
      minNativeZoom: facts.min_zoom, maxNativeZoom: facts.max_zoom, maxZoom: 20,
      bounds: L.latLngBounds([south, west], [north, east]), className: "basemap",
    });
  }

  // the (z, x, y) tiles covering [west, south, east, north] at each zoom of `zooms`
  function tilesCovering([west, south, east, north], zooms) {
    const column = (lon, z) => Math.floor(((lon + 180) / 360) * 2 ** z);
    const row = (lat, z) => {
      const r = (lat * Math.PI) / 180;
      return Math.floor(((1 - Math.asinh(Math.tan(r)) / Math.PI) / 2) * 2 ** z);
    };
    const out = [];
    for (const z of zooms) {
      const limit = 2 ** z - 1;
      const [x0, x1] = [column(west, z), column(east, z)].map((v) => Math.min(limit, Math.max(0, v)));
      const [y0, y1] = [row(north, z), row(south, z)].map((v) => Math.min(limit, Math.max(0, v)));
      for (let x = x0; x <= x1; x++) for (let y = y0; y <= y1; y++) out.push([z, x, y]);
    }
    return out;
  }

  window.basemap = { info, archive, fromArchive, layer, tilesCovering };
})();
