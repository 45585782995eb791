// The grid worker's field app: works with no network. Documents live in PouchDB
// (IndexedDB) and replicate with the worker's grid database through /couch/ with the
// device's own credentials. Everything written is checked against the served mobile
// schema first; the server's verdicts and the supervisors' ledger events come back
// through the same replication.
//
// ES modules by concern, no bundler: text (both languages), common (state, helpers),
// contract (schemas, storing), sync (replication, refusals, purges), screens (home and
// ledger), photos, writing (forms), patrol (track recording), position, checklists,
// basemap (the offline copy of the base map),
// and this one (tabs, set-up, start). Pages are built with dom.js only.
import { attachBasemap, startBasemap } from "./basemap.js";
import { drawChecklist } from "./checklists.js";
import { $, localIso, show, state, t, translate } from "./common.js";
import { baseDoc, loadSchemas, store } from "./contract.js";
import { PATROL_KEY, keepScreenOn, startPatrol } from "./patrol.js";
import { placeManually, showFix, watchPosition } from "./position.js";
import { refreshAll } from "./screens.js";
import { credentialsRefused, previousDatabases, remoteDb, renderSyncState, scheduleSync, sync } from "./sync.js";
import { submitHazard, submitInspection } from "./writing.js";


// ---- start -------------------------------------------------------------------------------
export function showTab(name) {
  for (const id of ["home", "inspect", "report", "ledger"]) $(`#${id}`).hidden = id !== name;
  document.querySelectorAll("#tabs button").forEach((b) => b.classList.toggle("active", b.dataset.tab === name));
  if (name === "inspect" && !state.inspectionStarted) state.inspectionStarted = localIso();
  if (name === "home") setTimeout(() => state.map?.invalidateSize(), 50);
}

export async function enrolFromLink() {
  // /field/#enrol=<code>: the registration's QR code. The code works once and expires; the
  // server answers it with this tablet's own credentials. A tablet already set up is never
  // replaced by a link (a forwarded or crafted one must not take it over or wipe it).
  // Only a tablet whose password was changed takes a link, and only its own device's: the
  // server refuses (without using the code) a code for another device.
  const match = location.hash.match(/enrol=([A-Za-z0-9_-]{16,100})/);
  history.replaceState(null, "", location.pathname);
  if (!match) return;
  const rekey = state.device && credentialsRefused();
  if (state.device && !rekey) { showNotice(t("already_set_up", { g: state.device.grid_id })); return; }
  const request = rekey ? { code: match[1], device_id: state.device.device_id } : { code: match[1] };
  const response = await fetch("/api/field/enrol", {
    method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(request),
  });
  if (response.status === 409) { showNotice(t("enrol_other_device")); return; }
  if (!response.ok) { showNotice(t("enrol_refused")); return; }
  const answer = await response.json();
  localStorage.removeItem("field.refused");
  if (rekey && answer.database === state.device.database) {  // same grid: its unsent work stays pending
    state.device = { ...state.device, username: answer.username, password: answer.password };
    localStorage.setItem("field.device", JSON.stringify(state.device));
    return;
  }
  if (rekey) localStorage.setItem("field.previousDatabases", JSON.stringify([...new Set([...previousDatabases(), state.device.database])]));
  saveDevice(answer);
}

export function showNotice(text) { $("#notice").textContent = text; $("#notice").hidden = false; }

export function saveDevice(device) {
  const userPart = device.username.split("device_").pop();
  state.device = {
    database: device.database, username: device.username, password: device.password,
    device_id: device.device_id || userPart, grid_id: device.grid_id || device.database.split("grid_").pop(),
  };
  localStorage.setItem("field.device", JSON.stringify(state.device));
  localStorage.removeItem("field.pushSeq");
}

export async function start() {
  $("#enrol").hidden = true; $("#tabs").hidden = false; $("#sync").hidden = false;
  $("#who").textContent = `${state.device.grid_id} · ${state.device.device_id}`;
  state.db = new PouchDB(`field-${state.device.database}`);
  state.remote = remoteDb();
  try { await loadSchemas(); } catch (error) { window.fieldState.errors.push(`schemas: ${error.message}`); }
  showTab("home");  // first: a map made in a hidden box has no size to fit to
  state.map = L.map("map", { maxZoom: 20 }).setView([30.27, 120.15], 14);
  startBasemap();
  attachBasemap(state.map);
  state.layers = L.layerGroup().addTo(state.map);
  state.patrol = JSON.parse(localStorage.getItem(PATROL_KEY) || "null");  // a patrol survives a reload
  if (state.patrol) $("#inspect-form").elements.kind.value = "patrol";
  watchPosition();
  showFix();
  await drawChecklist();
  await refreshAll();
  window.fieldState.ready = true;
  if (navigator.onLine) await sync();
  await drawChecklist();
  setInterval(() => { if (navigator.onLine) sync(); }, 60000);
}

export async function init() {
  translate();
  $("#lang").addEventListener("click", async () => {
    state.lang = state.lang === "zh" ? "en" : "zh";
    localStorage.setItem("field.lang", state.lang);
    translate(); showFix();
    if (state.db) { await drawChecklist(); await refreshAll(); }
  });
  $("#sync").addEventListener("click", () => sync(true));
  window.addEventListener("online", () => scheduleSync(1000));
  window.addEventListener("offline", () => { state.lastError = t("offline"); renderSyncState(); });
  document.querySelectorAll("#tabs button").forEach((b) => b.addEventListener("click", () => showTab(b.dataset.tab)));
  $("#inspect-form").elements.kind.addEventListener("change", drawChecklist);
  $("#inspect-form").elements.form_id.addEventListener("change", drawChecklist);
  $("#place-manually").addEventListener("click", placeManually);
  $("#patrol-start").addEventListener("click", startPatrol);
  document.addEventListener("visibilitychange", keepScreenOn);  // a lock ends when hidden
  $("#report-form").elements.photos.addEventListener("change", (e) => {
    show($("#previews"));
    for (const file of e.target.files) {
      const img = document.createElement("img"); img.src = URL.createObjectURL(file); $("#previews").append(img);
    }
  });
  for (const [id, submit] of [["report-form", submitHazard], ["inspect-form", submitInspection]]) {
    const form = $(`#${id}`);
    form.addEventListener("submit", (e) => {
      e.preventDefault();
      $(".error", form).textContent = "";
      submit(form).catch((error) => { $(".error", form).textContent = error.message; });
    });
  }
  $("#enrol-form").addEventListener("submit", (e) => {
    e.preventDefault();
    const data = Object.fromEntries(new FormData(e.target));
    saveDevice(data);
    start().catch((error) => { $("#enrol-form .error").textContent = error.message; });
  });
  if ("serviceWorker" in navigator) navigator.serviceWorker.register("/field/sw.js", { scope: "/field/" });
  await enrolFromLink();
  const notice = sessionStorage.getItem("field.notice");
  if (notice) { sessionStorage.removeItem("field.notice"); showNotice(notice); }
  $("#sync").hidden = !state.device;  // nothing to sync before the tablet is set up
  if (state.device) start().catch((error) => window.fieldState.errors.push(String(error.message || error)));
  else $("#enrol").hidden = false;
}

// the app's working parts for the browser console (and the browser tests): modules keep
// them out of the page's globals
window.fieldApp = Object.freeze({ state, store, baseDoc, refreshAll, sync, localIso });

init().catch((error) => window.fieldState.errors.push(String(error.message || error)));
