import { $, SERVER_TYPES, el, localIso, state, t } from "./common.js";
import { saveDevice } from "./main.js";
import { refreshAll } from "./screens.js";

// ---- sync ----------------------------------------------------------------------------
export function remoteDb() {
  const d = state.device;
  return new PouchDB(`${location.origin}/couch/${d.database}`, {
    auth: { username: d.username, password: d.password }, skip_setup: true,
  });
}

export async function pendingCounts() {
  const since = JSON.parse(localStorage.getItem("field.pushSeq") || "0");  // a number in IndexedDB
  const changes = await state.db.changes({ since, include_docs: true });
  let docs = 0, photos = 0;
  for (const row of changes.results) {
    // this tablet's own writes only: pulled documents (the server's, another tablet's) are not pending
    if (!row.doc || SERVER_TYPES.has(row.doc.type) || row.doc.device_id !== state.device.device_id) continue;
    docs += 1; photos += Object.keys(row.doc._attachments || {}).length;
  }
  return { docs, photos };
}

export function plainError(error) {
  if (!navigator.onLine || error?.status === 0 || /fetch|network/i.test(String(error?.message))) return t("offline");
  if (error?.status === 401 || error?.status === 403) return t("denied");
  return t("server_error");
}

export async function sync(manual = false) {
  if (state.syncing) { state.syncAgain = true; return; }  // written during a sync: one more after it
  if (!state.device) return;
  if (!navigator.onLine) {  // no attempt without a network: say so, keep everything local
    state.lastError = t("offline");
    await renderSyncState();
    return;
  }
  if (credentialsRefused()) {
    // CouchDB locks a user out after a few failed sign-ins: a tablet whose password was
    // changed stops trying it. Only the worker's own press asks the service, once.
    if (!manual || (await askWhyRefused()) !== "accepted") {
      state.lastError = t("password_stale");
      await renderSyncState();
      return;
    }
  }
  state.syncing = true;
  renderSyncState(t("syncing"));
  try {
    const result = await state.db.sync(state.remote, { batch_size: 50 });
    const failures = (result.push?.errors || []).concat(result.pull?.errors || []);
    if (failures.length || result.push?.status !== "complete") throw failures[0] || new Error("push incomplete");
    // everything up to here is on the server now: only later changes are pending
    localStorage.setItem("field.pushSeq", JSON.stringify(result.push.last_seq));
    state.lastError = null;
    localStorage.setItem("field.lastSync", new Date().toISOString());
    window.fieldState.synced += 1;
    window.fieldState.lastSync = new Date().toISOString();
  } catch (error) {
    state.lastError = plainError(error);
    window.fieldState.errors.push(String(error?.message || error?.name || error));
    if (error?.status === 401 || error?.status === 403) {
      if ((await askWhyRefused()) === "refused") state.lastError = t("password_stale");
    }
  } finally {
    state.syncing = false;
    if (state.db) await refreshAll();
  }
  await obeyPurge();
  if (state.syncAgain) { state.syncAgain = false; scheduleSync(100); }
}

// ---- moved, withdrawn or re-keyed: the grid database refused this tablet ----------------
export function credentialsRefused() { return localStorage.getItem("field.refused") !== null; }

export async function askWhyRefused() {
  // one question to the service; "refused" (a new password was issued) stops automatic syncs
  const d = state.device;
  let answer;
  try {
    const response = await fetch(`/api/field/device?device_id=${encodeURIComponent(d.device_id)}`, {
      headers: { Authorization: `Basic ${btoa(`${d.username}:${d.password}`)}` },
    });
    if (response.status === 401) {
      localStorage.setItem("field.refused", new Date().toISOString());
      window.fieldState.refused = true;
      return "refused";
    }
    if (!response.ok) return "unknown";
    answer = await response.json();
  } catch { return "unknown"; }  // the network went: the next sync asks again
  localStorage.removeItem("field.refused");
  window.fieldState.refused = false;
  if (answer.status === "revoked") await erase(withdrawn(answer.revoked_at));
  else if (answer.database && answer.database !== d.database) await switchGrid(answer);
  return "accepted";
}

export function previousDatabases() {
  // grid databases this tablet held before a move, dropped once the server's purge arrives
  return JSON.parse(localStorage.getItem("field.previousDatabases") || "[]");
}

export function withdrawn(at) {
  // the set-up screen's notice, with the server's UTC time on the tablet's clock
  return t("revoked", { t: localIso(new Date(at)).slice(0, 16).replace("T", " ") });
}

export async function switchGrid(answer) {
  // what was never pushed belongs to the old grid, whose database no longer takes it
  const { docs } = await pendingCounts();
  localStorage.setItem("field.previousDatabases", JSON.stringify([...new Set([...previousDatabases(), state.device.database])]));
  saveDevice({ ...state.device, database: answer.database, grid_id: answer.grid_id });
  const notice = [t("moved", { g: answer.grid_id })];
  if (docs) notice.push(t("moved_unsent", { n: docs }));
  sessionStorage.setItem("field.notice", notice.join("。"));
  location.reload();
}

export async function erase(notice) {
  // a withdrawn tablet keeps nothing: documents, photos, credentials (only the language stays);
  // what it never sent is first saved as a file for the worker to hand over, and the notice says so
  const databases = [state.device.database, ...previousDatabases()];
  const unsent = await exportUnsent();
  if (unsent) notice = `${notice}。${t("unsent_saved", { n: unsent.count, f: unsent.file })}`;
  await state.db?.close();
  state.db = null;
  for (const name of databases) await new PouchDB(`field-${name}`).destroy();
  for (const key of Object.keys(localStorage)) if (key.startsWith("field.") && key !== "field.lang") localStorage.removeItem(key);
  sessionStorage.setItem("field.notice", notice);
  location.reload();
}

export async function exportUnsent() {
  const { docs } = await pendingCounts();
  if (!docs) return null;
  const since = JSON.parse(localStorage.getItem("field.pushSeq") || "0");
  const changes = await state.db.changes({ since, include_docs: true, attachments: true });
  const mine = changes.results.map((r) => r.doc).filter((d) => d && !SERVER_TYPES.has(d.type) && d.device_id === state.device.device_id);
  const file = `unsent-${state.device.device_id}-${localIso().slice(0, 16).replace(/[:T]/g, "-")}.json`;
  const link = el("a", { href: URL.createObjectURL(new Blob([JSON.stringify(mine)], { type: "application/json" })), download: file });
  document.body.append(link); link.click(); link.remove();
  window.fieldState.exported = { file, count: mine.length };
  return { file, count: mine.length };
}

export async function obeyPurge() {
  // the server's purge instruction (mobile-schema purge.json), found in the grid database
  if (!state.db || !state.device) return;
  const purge = await state.db.get(`purge:${state.device.device_id}`).catch(() => null);
  if (!purge || localStorage.getItem("field.purgeDone") === purge.issued_at) return;
  if (purge.reason === "revoked") return erase(withdrawn(purge.issued_at));
  for (const name of previousDatabases()) await new PouchDB(`field-${name}`).destroy();
  localStorage.removeItem("field.previousDatabases");
  localStorage.setItem("field.purgeDone", purge.issued_at);
  window.fieldState.purged = purge.issued_at;
}

export let syncTimer = null;
export function scheduleSync(delay) { clearTimeout(syncTimer); syncTimer = setTimeout(() => sync(), delay); }

export async function renderSyncState(busy) {
  const button = $("#sync-state");
  const { docs, photos } = await pendingCounts();
  window.fieldState.pending = docs;
  const last = localStorage.getItem("field.lastSync");
  button.parentElement.classList.toggle("pending", docs > 0);
  button.parentElement.classList.toggle("error", Boolean(state.lastError));
  button.textContent = busy || (docs ? t("pending", { d: docs, p: photos }) : t("all_synced"));
  const when = last ? t("last_sync", { t: new Date(last).toLocaleString(state.lang === "zh" ? "zh-CN" : "en-GB") }) : t("never_synced");
  $("#sync-detail").textContent = state.lastError ? `${state.lastError} · ${when}` : when;
}
