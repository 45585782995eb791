// The offline base map: the tiles covering the tablet's grid (plus a margin, over a zoom
// range, up to a size cap) are copied from the served archive into Cache Storage, with
// progress on the home screen; the maps read that copy first, the archive when online.
// A new archive (a new ETag) is copied again, then the old copy is dropped.
import { $, state, t } from "./common.js";

const KEY = "field.basemap";
const CACHE_PREFIX = "field-basemap-";
export const MARGIN_M = 300;
export const ZOOMS = [12, 18];
export const CAP_BYTES = 40 * 1024 * 1024;
const PARALLEL = 4;
const CHECK_EVERY_MS = 10 * 60 * 1000;

const saved = () => JSON.parse(localStorage.getItem(KEY) || "null");
const tileKey = (z, x, y) => `/basemap/tiles/${z}/${x}/${y}`;
const megabytes = (bytes) => (bytes / 1048576).toFixed(1);

async function tile(z, x, y, signal) {
  const copy = saved();
  if (copy) {
    const hit = await (await caches.open(copy.cache)).match(tileKey(z, x, y));
    if (hit) return hit.blob();
  }
  if (state.basemap.reader && navigator.onLine) {
    return window.basemap.fromArchive(state.basemap.reader, state.basemap.facts, z, x, y, signal);
  }
  return null;
}

// the base map under a map (the home map, the place-by-hand map): at once from the kept
// copy's facts, or as soon as the archive's facts are known
export function attachBasemap(map) {
  state.basemap.maps.push({ map, layer: null });
  addLayers();
}

function addLayers() {
  const facts = state.basemap.facts || saved()?.facts;
  if (!facts) return;
  for (const entry of state.basemap.maps) {
    if (!entry.layer) entry.layer = window.basemap.layer(facts, tile).addTo(entry.map).bringToBack();
  }
}

function showStatus() {
  const copy = saved();
  const progress = state.basemap.progress;
  let text = "";
  if (progress) text = t("basemap_loading", { n: progress.done, total: progress.total });
  else if (copy?.capped) text = t("basemap_capped", { n: copy.tiles, mb: megabytes(copy.bytes) });
  else if (copy) text = t("basemap_ready", { n: copy.tiles, mb: megabytes(copy.bytes) });
  $("#basemap-status").textContent = text;
  window.fieldState.basemap = { ...(copy || {}), progress: progress || null };
}

function boundsAround(boundary) {
  const points = boundary.coordinates.flat(boundary.type === "MultiPolygon" ? 2 : 1);
  const lons = points.map((p) => p[0]);
  const lats = points.map((p) => p[1]);
  const dLat = MARGIN_M / 111320;
  const dLon = MARGIN_M / (111320 * Math.cos((Math.min(...lats) * Math.PI) / 180));
  return [Math.min(...lons) - dLon, Math.min(...lats) - dLat, Math.max(...lons) + dLon, Math.max(...lats) + dLat];
}

function within(area, facts) {
  const [w, s, e, n] = facts.bounds;
  return [Math.max(area[0], w), Math.max(area[1], s), Math.min(area[2], e), Math.min(area[3], n)];
}

export function startBasemap() {
  state.basemap = { facts: null, reader: null, progress: null, checked: 0, busy: false, maps: [] };
  showStatus();
}

// after a sync or a redraw: look for the archive (at most every ten minutes) and copy
// what this grid needs when the copy is missing, of another archive or of another grid
export async function refreshBasemap(boundary) {
  if (!navigator.onLine || state.basemap.busy || !boundary) return;
  if (Date.now() - state.basemap.checked < CHECK_EVERY_MS) return;
  state.basemap.busy = true;
  try {
    const facts = await window.basemap.info();
    state.basemap.checked = Date.now();
    if (!facts) return;
    state.basemap.facts = facts;
    state.basemap.reader = window.basemap.archive(facts);
    addLayers();
    const area = within(boundsAround(boundary), facts);
    const grid = state.device.grid_id;
    const copy = saved();
    if (copy && copy.etag === facts.etag && copy.grid === grid && copy.complete) return;
    await download(facts, area, grid);
  } catch (error) {
    window.fieldState.errors.push(`basemap: ${error.message}`);
  } finally {
    state.basemap.busy = false;
    state.basemap.progress = null;
    showStatus();
  }
}

async function download(facts, area, grid) {
  const zooms = [];
  for (let z = Math.max(ZOOMS[0], facts.min_zoom); z <= Math.min(ZOOMS[1], facts.max_zoom); z++) zooms.push(z);
  const wanted = area[0] < area[2] && area[1] < area[3] ? window.basemap.tilesCovering(area, zooms) : [];
  const name = `${CACHE_PREFIX}${facts.etag.replace(/[^0-9a-z]/gi, "")}-${grid}`;
  const cache = await caches.open(name);
  const progress = { done: 0, total: wanted.length };
  state.basemap.progress = progress;
  let bytes = 0;
  let stored = 0;
  let capped = false;
  const queue = [...wanted];
  async function worker() {
    while (queue.length && !capped) {
      const [z, x, y] = queue.shift();
      const blob = await window.basemap.fromArchive(state.basemap.reader, facts, z, x, y);
      if (blob) {
        if (bytes + blob.size > CAP_BYTES) { capped = true; break; }
        bytes += blob.size;
        stored += 1;
        await cache.put(tileKey(z, x, y), new Response(blob, { headers: { "Content-Type": blob.type } }));
      }
      progress.done += 1;
      showStatus();
    }
  }
  await Promise.all(Array.from({ length: PARALLEL }, worker));
  localStorage.setItem(KEY, JSON.stringify({
    etag: facts.etag, cache: name, grid, facts, tiles: stored, bytes, capped, complete: true, at: Date.now(),
  }));
  for (const key of await caches.keys()) if (key.startsWith(CACHE_PREFIX) && key !== name) await caches.delete(key);
}
