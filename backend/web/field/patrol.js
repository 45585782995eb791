import { $, localIso, state, t, ulid } from "./common.js";
import { baseDoc, store } from "./contract.js";

// ---- patrol recording ----------------------------------------------------------------------
// Only between "start patrol" and saving it; the fixes kept are written as track
// documents (at most 2,000 points each, and at least every ten minutes, so a closed app
// loses little), synced like everything else. The points not yet written survive a
// reload in localStorage.
export const PATROL_KEY = "field.patrol";
export const PATROL = { maxAccuracyM: 50, minStepM: 10, perTrack: 2000, writeEveryMs: 10 * 60 * 1000 };

export function metresBetween(a, b) {
  const north = (b.lat - a.lat) * 111320;
  const east = (b.lon - a.lon) * 111320 * Math.cos((a.lat * Math.PI) / 180);
  return Math.hypot(north, east);
}

export function savePatrol() {
  if (state.patrol) localStorage.setItem(PATROL_KEY, JSON.stringify(state.patrol));
  else localStorage.removeItem(PATROL_KEY);
  drawPatrol();
}

export async function keepScreenOn() {
  // browsers stop delivering positions to a page whose screen is off
  if (!state.patrol || !navigator.wakeLock || document.visibilityState !== "visible") return;
  try { state.wakeLock = await navigator.wakeLock.request("screen"); } catch { state.wakeLock = null; }
}

export function startPatrol() {
  if (state.patrol) return;
  state.patrol = {
    inspection_id: `inspection:${state.device.device_id}:${ulid()}`, started_at: localIso(), began: Date.now(),
    points: [], line: [], last: null, kept: 0, dropped: 0, distance_m: 0, written_at: Date.now(),
  };
  savePatrol();
  keepScreenOn();
}

export function recordFix(position) {
  const patrol = state.patrol;
  if (!patrol) return;  // no patrol started: nothing is recorded
  const { latitude: lat, longitude: lon, accuracy } = position.coords;
  const fix = { t: localIso(new Date(position.timestamp)), lat, lon, accuracy_m: Math.round(accuracy * 10) / 10 };
  if (accuracy > PATROL.maxAccuracyM || (patrol.last && metresBetween(patrol.last, fix) < PATROL.minStepM)) {
    patrol.dropped += 1; drawPatrol(); return;
  }
  if (patrol.last) patrol.distance_m += metresBetween(patrol.last, fix);
  patrol.last = fix; patrol.kept += 1;
  patrol.points.push(fix); patrol.line.push([lat, lon]);
  savePatrol();
  if (patrol.points.length >= PATROL.perTrack || Date.now() - patrol.written_at > PATROL.writeEveryMs) {
    writeTrack().catch((error) => window.fieldState.errors.push(`track: ${error.message}`));
  }
}

export async function writeTrack() {
  const patrol = state.patrol;
  if (!patrol || !patrol.points.length || state.writingTrack) return;
  state.writingTrack = true;
  try {
    const points = patrol.points.slice(0, PATROL.perTrack);
    await store({ ...baseDoc("track"), inspection_id: patrol.inspection_id, points });
    patrol.points.splice(0, points.length);  // only once they are stored
    patrol.written_at = Date.now();
    window.fieldState.tracks = (window.fieldState.tracks || 0) + 1;
    savePatrol();
  } finally {
    state.writingTrack = false;
  }
}

export function drawPatrol() {
  const patrol = state.patrol;
  const form = $("#inspect-form");
  const onPatrol = form.elements.kind.value === "patrol";
  $(".patrol", form).hidden = !onPatrol && !patrol;
  $("#patrol-start").hidden = Boolean(patrol);
  $("button[type=submit]", form).textContent = patrol ? t("patrol_end") : t("save");
  $("#patrol-summary").textContent = patrol ? t("patrol_summary", {
    minutes: Math.floor((Date.now() - patrol.began) / 60000), km: (patrol.distance_m / 1000).toFixed(2),
    kept: patrol.kept, dropped: patrol.dropped,
  }) : t("patrol_idle");
  window.fieldState.patrol = patrol ? { kept: patrol.kept, dropped: patrol.dropped, distance_m: patrol.distance_m } : null;
  if (!state.map) return;
  state.patrolLine?.remove(); state.patrolLine = null;
  if (patrol && patrol.line.length > 1) state.patrolLine = L.polyline(patrol.line, { color: "#1b5e20", weight: 4 }).addTo(state.map);
}
