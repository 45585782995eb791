// The grid worker's field app: works with no network. Documents live in PouchDB
// (IndexedDB) and replicate with the worker's grid database through /couch/ with the
// device's own credentials. Everything written is checked against the served mobile
// schema first; the server's verdicts and the supervisors' ledger events come back
// through the same replication.
"use strict";

const APP_VERSION = "1.0.0-web";
const TEXT = {
  zh: {
    patrol_privacy: "只在您开始的巡逻进行中记录位置；结束巡逻即停止记录。", patrol_start: "开始巡逻（记录轨迹）",
    patrol_end: "结束巡逻并保存", patrol_summary: "巡逻中：{minutes} 分钟，{km} 公里，保留 {kept} 个定位点（舍弃 {dropped} 个）",
    patrol_idle: "未在巡逻：不记录位置。", app_title: "网格巡查", other_language: "English", enrol_title: "绑定设备", enrol_help: "输入管理员登记设备时给出的数据库、用户名和密码（或扫描二维码打开本应用）。",
    database: "数据库", username: "用户名", password: "密码", enrol: "绑定", tab_map: "我的网格", tab_inspect: "巡查", tab_report: "上报隐患", tab_ledger: "我的台账",
    my_hazards: "我上报的隐患", new_inspection: "新建巡查", kind: "巡查类型", kind_hazard_inspection: "隐患排查", kind_patrol: "网格巡逻", kind_dispute_screening: "矛盾纠纷排查",
    checklist: "检查表", site_name: "场所名称", sector: "行业", disputes_found: "发现纠纷数", notes: "备注", save: "保存", report_hazard: "上报隐患", title: "标题",
    category: "类别", severity: "等级", sev_general: "一般隐患", sev_major: "重大隐患", description: "描述", photos: "照片", place_manually: "在地图上手动标注",
    my_ledger: "我的台账", yes: "是", no: "否", na: "不适用", saved_locally: "已保存在本机，联网后自动同步", synced_ok: "已同步", never_synced: "尚未同步",
    pending: "待同步 {d} 条（照片 {p} 张）", all_synced: "全部已同步", last_sync: "上次同步 {t}", offline: "没有网络：数据已保存在本机，联网后自动同步",
    denied: "设备已被停用或密码已更换，请联系管理员", server_error: "服务器暂时不可用，稍后自动重试", syncing: "同步中…",
    fix: "定位：{lat}, {lon}（精度 {acc} 米）", fix_manual: "手动标注：{lat}, {lon}", no_fix: "还没有定位：可在地图上手动标注", position: "我的位置：精度 {acc} 米",
    waiting_verdict: "等待服务器核验", verdict_ok: "服务器已核验：在本网格内", verdict_invalid: "服务器发现问题：{e}",
    verdict_outside: "不在你的网格内——是否应属于 {g}？", verdict_near: "靠近网格边界", status: "状态", deadline: "整改期限", responsible: "责任人", measures: "整改措施",
    rectify: "提交整改报告", rectify_text: "整改情况", rectified_at: "整改完成时间", no_items: "暂无需要整改的事项", invalid: "不符合数据规范：",
    cat_work_safety: "安全生产", cat_fire: "消防", cat_food: "食品", cat_traffic: "交通", cat_other: "其他",
    sec_hazardous_chemicals: "危险化学品", sec_construction: "建筑施工", sec_special_equipment: "特种设备", sec_crowded_place: "人员密集场所", sec_gas: "燃气",
    sec_industrial_trade: "工贸", sec_catering: "餐饮", sec_residential: "居民住宅", sec_school: "学校", sec_other: "其他",
    st_reported: "已上报", st_under_review: "审核中", st_rejected: "已驳回", st_rectifying: "整改中", st_rectified: "已整改", st_verified: "已复查", st_closed_out: "已销号", st_reopened: "重新打开",
    overdue: "已逾期",
    moved: "本设备已调到网格 {g}，已切换到该网格的数据", moved_unsent: "原网格有 {n} 条记录调动前未同步，已无法上传，请告知管理员",
    revoked: "本设备已于 {t} 被管理员停用，本机上的巡查数据已清除",
    unsent_saved: "{n} 条未上传的记录已保存为文件 {f}，请交给管理员", already_set_up: "本设备已绑定网格 {g}，绑定链接不能替换它",
    enrol_refused: "绑定码已使用、已过期或无效，请向管理员索取新的二维码",
    password_stale: "本设备的密码已更换，已停止自动同步（数据仍保存在本机）。请向管理员索取本设备的新二维码并扫描",
    enrol_other_device: "这个二维码属于另一台设备，本设备的数据不会被替换",
  },
  en: {
    patrol_privacy: "Your position is recorded only while a patrol you started is running; ending it stops the recording.",
    patrol_start: "Start patrol (record the track)", patrol_end: "End patrol and save",
    patrol_summary: "Patrolling: {minutes} min, {km} km, {kept} fixes kept ({dropped} dropped)",
    patrol_idle: "Not on patrol: no position is recorded.",
    app_title: "Grid field app", other_language: "中文", enrol_title: "Set up this tablet", enrol_help: "Enter the database, username and password the admin gave when registering this tablet (or scan its QR code to open the app).",
    database: "Database", username: "Username", password: "Password", enrol: "Set up", tab_map: "My grid", tab_inspect: "Inspect", tab_report: "Report", tab_ledger: "My ledger",
    my_hazards: "Hazards I reported", new_inspection: "New inspection", kind: "Kind", kind_hazard_inspection: "Hazard inspection", kind_patrol: "Patrol", kind_dispute_screening: "Dispute screening",
    checklist: "Checklist", site_name: "Site", sector: "Sector", disputes_found: "Disputes found", notes: "Notes", save: "Save", report_hazard: "Report a hazard", title: "Title",
    category: "Category", severity: "Severity", sev_general: "General", sev_major: "Major", description: "Description", photos: "Photos", place_manually: "Place it on the map",
    my_ledger: "My ledger", yes: "Yes", no: "No", na: "N/A", saved_locally: "Saved on this tablet; it syncs when there is a network", synced_ok: "Synced", never_synced: "Not synced yet",
    pending: "{d} to sync ({p} photos)", all_synced: "All synced", last_sync: "Last sync {t}", offline: "No network: your work is saved on this tablet and syncs when the network returns",
    denied: "This tablet was switched off or its password changed: ask the admin", server_error: "The server is not available; retrying soon", syncing: "Syncing…",
    fix: "Position: {lat}, {lon} (±{acc} m)", fix_manual: "Placed by hand: {lat}, {lon}", no_fix: "No position yet: place it on the map", position: "My position: ±{acc} m",
    waiting_verdict: "Waiting for the server's check", verdict_ok: "Checked by the server: inside your grid", verdict_invalid: "The server found a problem: {e}",
    verdict_outside: "Outside your grid — did you mean {g}?", verdict_near: "Near the grid's edge", status: "Status", deadline: "Deadline", responsible: "Responsible", measures: "Measures",
    rectify: "Report the rectification", rectify_text: "What was done", rectified_at: "Rectified at", no_items: "Nothing to rectify", invalid: "Does not fit the data contract: ",
    cat_work_safety: "Work safety", cat_fire: "Fire", cat_food: "Food", cat_traffic: "Traffic", cat_other: "Other",
    sec_hazardous_chemicals: "Hazardous chemicals", sec_construction: "Construction", sec_special_equipment: "Special equipment", sec_crowded_place: "Crowded place", sec_gas: "Gas",
    sec_industrial_trade: "Industry and trade", sec_catering: "Catering", sec_residential: "Residential", sec_school: "School", sec_other: "Other",
    st_reported: "Reported", st_under_review: "Under review", st_rejected: "Rejected", st_rectifying: "Rectifying", st_rectified: "Rectified", st_verified: "Verified", st_closed_out: "Closed out", st_reopened: "Reopened",
    overdue: "Overdue",
    moved: "This tablet now works in grid {g}; it switched to that grid's data", moved_unsent: "{n} records of the previous grid were not synced before the move and can no longer be sent: tell the admin",
    revoked: "The admin withdrew this tablet on {t}; the inspection data on it has been erased",
    unsent_saved: "{n} records never sent were saved as the file {f}: hand it to the admin", already_set_up: "This tablet is set up for grid {g}; a set-up link cannot replace that",
    enrol_refused: "This set-up code was used, has expired or is not valid: ask the admin for a new QR code",
    password_stale: "This tablet's password was changed, so it stopped syncing (your work stays on this tablet): ask the admin for this tablet's new QR code and scan it",
    enrol_other_device: "This QR code belongs to another tablet; this tablet's data was not replaced",
  },
};
const OPTIONS = {
  categories: ["work_safety", "fire", "food", "traffic", "other"],
  sectors: ["crowded_place", "construction", "catering", "gas", "hazardous_chemicals", "special_equipment", "industrial_trade", "residential", "school", "other"],
};
const SERVER_TYPES = new Set(["verdict", "ledger", "grid", "form", "purge"]);
const MAX_PHOTO_SIDE = 1600;
const CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

const state = {
  lang: localStorage.getItem("field.lang") || (navigator.language.startsWith("zh") ? "zh" : "en"),
  device: JSON.parse(localStorage.getItem("field.device") || "null"),
  db: null, remote: null, ajv: null, fix: null, manual: null, photos: [], map: null, pickMap: null,
  syncing: false, syncAgain: false, lastError: null,
};
window.fieldState = { ready: false, synced: 0, lastSync: null, pending: 0, stored: 0, errors: [], refused: false };

const $ = (sel, root = document) => root.querySelector(sel);
const t = (key, vars = {}) => (TEXT[state.lang][key] ?? key).replace(/\{(\w+)\}/g, (_, k) => vars[k] ?? "");
const { el, show } = window.dom;

function toast(text) {
  const el = $("#toast");
  el.textContent = text; el.hidden = false;
  clearTimeout(toast.timer); toast.timer = setTimeout(() => { el.hidden = true; }, 3500);
}

function ulid() {
  let value = BigInt(Date.now()) << 80n;
  const random = crypto.getRandomValues(new Uint8Array(10));
  for (let i = 0; i < 10; i++) value |= BigInt(random[i]) << BigInt(8 * (9 - i));
  let out = "";
  for (let i = 0; i < 26; i++) { out = CROCKFORD[Number(value % 32n)] + out; value /= 32n; }
  return out;
}

function localIso(date = new Date()) {
  // the tablet's own offset, as the contract asks (e.g. 2026-11-20T09:31:00+08:00)
  const offset = -date.getTimezoneOffset();
  const local = new Date(date.getTime() + offset * 60000).toISOString().slice(0, 19);
  const sign = offset >= 0 ? "+" : "-";
  const hh = String(Math.floor(Math.abs(offset) / 60)).padStart(2, "0");
  const mm = String(Math.abs(offset) % 60).padStart(2, "0");
  return `${local}${sign}${hh}:${mm}`;
}

function translate() {
  document.documentElement.lang = state.lang === "zh" ? "zh-CN" : "en";
  document.querySelectorAll("[data-i18n]").forEach((el) => { el.textContent = t(el.dataset.i18n); });
  document.querySelectorAll("select[data-options]").forEach((select) => {
    const value = select.value;
    const prefix = select.dataset.options === "categories" ? "cat_" : "sec_";
    show(select, OPTIONS[select.dataset.options].map((o) => el("option", { value: o }, t(prefix + o))));
    if (value) select.value = value;
  });
  document.title = t("app_title");
}

// ---- the contract --------------------------------------------------------------------
async function loadSchemas() {
  const index = await (await fetch("/mobile-schema/")).json();
  const current = index.versions.find((v) => v.version === index.current_version);
  const Ajv = window.ajv2020.default || window.ajv2020;
  const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false });
  state.schemaIds = {};
  for (const url of current.schemas) {
    const schema = await (await fetch(url)).json();
    ajv.addSchema(schema);
    state.schemaIds[url.split("/").pop().replace(/\.json$/, "")] = schema.$id;
  }
  state.ajv = ajv;
}

function contractErrors(doc) {
  const validate = state.schemaIds[doc.type] && state.ajv.getSchema(state.schemaIds[doc.type]);
  if (!validate) return [`${doc.type}: unknown document type`];
  const stub = { ...doc, _attachments: Object.fromEntries(Object.keys(doc._attachments || {}).map((k) => [k, { content_type: "image/jpeg", stub: true }])) };
  if (!Object.keys(stub._attachments).length) delete stub._attachments;
  return validate(stub) ? [] : validate.errors.map((e) => `${e.instancePath || "/"} ${e.message}`);
}

async function store(doc) {
  const errors = contractErrors(doc);
  if (errors.length) throw new Error(t("invalid") + errors.join("; "));
  await state.db.put(doc);
  window.fieldState.stored += 1;
  toast(t("saved_locally"));
  await refreshAll();
  scheduleSync(500);
}

function baseDoc(type) {
  const d = state.device;
  return {
    _id: `${type}:${d.device_id}:${ulid()}`, type, schema_version: 1, app_version: APP_VERSION,
    author: d.username, device_id: d.device_id, grid_id: d.grid_id, created_at: localIso(),
  };
}

// ---- sync ----------------------------------------------------------------------------
function remoteDb() {
  const d = state.device;
  return new PouchDB(`${location.origin}/couch/${d.database}`, {
    auth: { username: d.username, password: d.password }, skip_setup: true,
  });
}

async function pendingCounts() {
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

function plainError(error) {
  if (!navigator.onLine || error?.status === 0 || /fetch|network/i.test(String(error?.message))) return t("offline");
  if (error?.status === 401 || error?.status === 403) return t("denied");
  return t("server_error");
}

async function sync(manual = false) {
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
function credentialsRefused() { return localStorage.getItem("field.refused") !== null; }

async function askWhyRefused() {
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

function previousDatabases() {
  // grid databases this tablet held before a move, dropped once the server's purge arrives
  return JSON.parse(localStorage.getItem("field.previousDatabases") || "[]");
}

function withdrawn(at) {
  // the set-up screen's notice, with the server's UTC time on the tablet's clock
  return t("revoked", { t: localIso(new Date(at)).slice(0, 16).replace("T", " ") });
}

async function switchGrid(answer) {
  // what was never pushed belongs to the old grid, whose database no longer takes it
  const { docs } = await pendingCounts();
  localStorage.setItem("field.previousDatabases", JSON.stringify([...new Set([...previousDatabases(), state.device.database])]));
  saveDevice({ ...state.device, database: answer.database, grid_id: answer.grid_id });
  const notice = [t("moved", { g: answer.grid_id })];
  if (docs) notice.push(t("moved_unsent", { n: docs }));
  sessionStorage.setItem("field.notice", notice.join("。"));
  location.reload();
}

async function erase(notice) {
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

async function exportUnsent() {
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

async function obeyPurge() {
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

let syncTimer = null;
function scheduleSync(delay) { clearTimeout(syncTimer); syncTimer = setTimeout(() => sync(), delay); }

async function renderSyncState(busy) {
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

// ---- screens ---------------------------------------------------------------------------
async function allOf(type) {
  const rows = await state.db.allDocs({ include_docs: true, startkey: `${type}:`, endkey: `${type}:\ufff0` });
  return rows.rows.map((r) => r.doc);
}

function gridName(id, grids) {
  const g = grids.find((x) => x.grid_id === id);
  return g ? (state.lang === "zh" ? g.name_zh : g.name_en) : id;
}

function verdictText(verdict, grids) {
  if (!verdict) return ["", t("waiting_verdict")];
  if (!verdict.schema.valid) return ["bad", t("verdict_invalid", { e: verdict.schema.errors.map((e) => `${e.path} ${e.message}`).join("; ") })];
  const fence = verdict.geofence;
  if (fence && fence.status === "outside") {
    const named = fence.suggested_grid_name?.[state.lang];
    return ["bad", t("verdict_outside", { g: named || gridName(fence.suggested_grid_id, grids) || "?" })];
  }
  if (fence && fence.status === "near_edge") return ["ok", t("verdict_near")];
  return ["ok", t("verdict_ok")];
}

async function refreshAll() {
  const [hazards, verdicts, ledger, grids] = await Promise.all([allOf("hazard"), allOf("verdict"), allOf("ledger"), allOf("grid")]);
  const verdictOf = Object.fromEntries(verdicts.map((v) => [v.target_id, v]));
  const eventsOf = {};
  for (const e of ledger) (eventsOf[e.hazard_id] ||= []).push(e);
  for (const list of Object.values(eventsOf)) list.sort((a, b) => a._id.localeCompare(b._id));
  drawHome(hazards, verdictOf, eventsOf, grids);
  drawLedger(hazards, eventsOf);
  await renderSyncState();
}

function statusOf(events) {
  return events && events.length ? events[events.length - 1].status_after : "reported";
}

function drawHome(hazards, verdictOf, eventsOf, grids) {
  show($("#hazards"), hazards.sort((a, b) => b.created_at.localeCompare(a.created_at)).map((h) => {
    const [cls, text] = verdictText(verdictOf[h._id], grids);
    return el("li", { dataset: { id: h._id } }, el("strong", {}, h.title),
      el("div", { class: "meta" }, `${t(`cat_${h.category}`)} · ${t(`sev_${h.severity}`)} · ${t(`st_${statusOf(eventsOf[h._id])}`)}`),
      el("div", { class: `verdict ${cls}` }, text));
  }));
  if (!state.map) return;
  state.layers.clearLayers();
  const mine = grids.find((g) => g.grid_id === state.device.grid_id);
  if (mine) {
    const outline = L.geoJSON(mine.boundary, { style: { color: "#1565c0", weight: 3, fillOpacity: 0.06 } }).addTo(state.layers);
    if (!state.fitted && $("#map").clientWidth > 0) {
      state.map.fitBounds(outline.getBounds(), { padding: [10, 10] });
      state.fitted = true;
    }
  }
  for (const h of hazards) {
    const color = h.severity === "major" ? "#d32f2f" : "#f57c00";
    L.circleMarker([h.location.lat, h.location.lon], { radius: 7, color: "#fff", weight: 2, fillColor: color, fillOpacity: 0.9 })
      .bindTooltip(() => el("span", {}, h.title)).addTo(state.layers);
  }
  if (state.fix) {
    L.circle([state.fix.lat, state.fix.lon], { radius: state.fix.accuracy, color: "#1565c0", weight: 1, fillOpacity: 0.1 }).addTo(state.layers);
    L.circleMarker([state.fix.lat, state.fix.lon], { radius: 6, color: "#fff", weight: 2, fillColor: "#1565c0", fillOpacity: 1 }).addTo(state.layers);
  }
}

function drawLedger(hazards, eventsOf) {
  const open = hazards.filter((h) => ["rectifying", "reopened"].includes(statusOf(eventsOf[h._id])));
  // a report being written survives the redraw of every sync: its form (text, chosen photos) moves over
  const drafts = new Map();
  document.querySelectorAll("#ledger-items li[data-hazard] form.rectify").forEach((form) => {
    if (form.elements.text.value || form.elements.photos.files.length) drafts.set(form.closest("li").dataset.hazard, form);
  });
  if (!open.length) { show($("#ledger-items"), el("li", {}, t("no_items"))); return; }
  show($("#ledger-items"), open.map((h) => {
    const assigned = [...(eventsOf[h._id] || [])].reverse().find((e) => e.assignment);
    const a = assigned?.assignment || {};
    const late = a.deadline && new Date(a.deadline) < new Date();
    const deadline = typeof a.deadline === "string" ? a.deadline.slice(0, 16).replace("T", " ") : "—";
    return el("li", { dataset: { hazard: h._id } }, el("strong", {}, h.title), " ", late ? el("span", { class: "badge late" }, t("overdue")) : null,
      el("div", { class: "meta" }, `${t("responsible")}: ${a.responsible_person || "—"} ${a.responsible_unit || ""}`),
      el("div", { class: "meta" }, `${t("measures")}: `, el("span", { class: "measures" }, a.measures || "—")),
      el("div", { class: "meta" }, `${t("deadline")}: `, el("span", { class: "deadline" }, deadline)),
      el("form", { class: "form rectify" },
        el("label", {}, el("span", {}, t("rectify_text")), el("textarea", { name: "text", required: true, maxlength: 2000 })),
        el("label", {}, el("span", {}, t("photos")), el("input", { type: "file", name: "photos", accept: "image/*", capture: "environment", multiple: true })),
        el("button", { type: "submit" }, t("rectify")), el("p", { class: "error", role: "alert" })));
  }));
  document.querySelectorAll("#ledger-items form.rectify").forEach((form) => {
    const draft = drafts.get(form.closest("li").dataset.hazard);
    if (draft) { form.replaceWith(draft); return; }  // it keeps its own submit handler
    form.addEventListener("submit", (e) => {
      e.preventDefault();
      submitRectification(form, form.closest("li").dataset.hazard).catch((error) => { $(".error", form).textContent = error.message; });
    });
  });
}

// ---- photos ----------------------------------------------------------------------------
async function shrink(file) {
  // resized on the tablet before it is stored: at most 1600 px, JPEG
  const bitmap = await createImageBitmap(file);
  const scale = Math.min(1, MAX_PHOTO_SIDE / Math.max(bitmap.width, bitmap.height));
  const canvas = document.createElement("canvas");
  canvas.width = Math.round(bitmap.width * scale); canvas.height = Math.round(bitmap.height * scale);
  canvas.getContext("2d").drawImage(bitmap, 0, 0, canvas.width, canvas.height);
  const blob = await new Promise((resolve) => canvas.toBlob(resolve, "image/jpeg", 0.82));
  const digest = await crypto.subtle.digest("SHA-256", await blob.arrayBuffer());
  const sha256 = [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
  return { blob, sha256 };
}

async function attachPhotos(doc, files, prefix) {
  doc.photos = []; doc._attachments = {};
  let n = 0;
  for (const file of files) {
    const { blob, sha256 } = await shrink(file);
    const name = `${prefix}-${++n}.jpg`;
    doc.photos.push({ name, sha256, taken_at: localIso(new Date(file.lastModified || Date.now())), content_type: "image/jpeg" });
    doc._attachments[name] = { content_type: "image/jpeg", data: blob };
  }
}

// ---- writing ---------------------------------------------------------------------------
async function submitHazard(form) {
  const data = new FormData(form);
  const where = state.manual || state.fix;
  if (!where) throw new Error(t("no_fix"));
  const doc = {
    ...baseDoc("hazard"), title: data.get("title"), category: data.get("category"), sector: data.get("sector"),
    severity: data.get("severity"), reported_at: localIso(),
    location: state.manual
      ? { lat: where.lat, lon: where.lon, provider: "manual" }
      : { lat: where.lat, lon: where.lon, accuracy_m: Math.round(where.accuracy * 10) / 10, provider: "gps", fix_time: localIso(new Date(where.time)) },
  };
  if (data.get("description")) doc.description = data.get("description");
  await attachPhotos(doc, form.elements.photos.files, "photo");
  await store(doc);
  form.reset(); state.manual = null; show($("#previews")); showFix();
  showTab("home");
}

async function submitInspection(form) {
  const data = new FormData(form);
  const kind = state.patrol ? "patrol" : data.get("kind");
  const doc = { ...baseDoc("inspection"), kind, category: "other", started_at: state.inspectionStarted || localIso(), finished_at: localIso() };
  if (state.patrol) {  // the patrol ends: its last fixes, then the patrol itself
    await writeTrack();
    if (state.patrol.points.length) await writeTrack();
    Object.assign(doc, { _id: state.patrol.inspection_id, started_at: state.patrol.started_at });
  }
  if (kind === "hazard_inspection") {
    const checklist = state.forms.find((f) => f.form_id === data.get("form_id"));
    if (checklist) {
      doc.form_id = checklist.form_id; doc.form_version = checklist.form_version; doc.category = checklist.category;
      doc.answers = checklist.items.map((item) => {
        const raw = data.get(`answer:${item.id}`);
        const answer = item.answer_kind === "number" ? Number(raw || 0) : (raw || "na");
        return { item_id: item.id, answer };
      }).filter((a) => a.answer !== "");
    }
    doc.site = { name: data.get("site_name"), sector: data.get("sector") };
  }
  if (kind === "dispute_screening") doc.disputes_found = Number(data.get("disputes_found") || 0);
  if (data.get("notes")) doc.notes = data.get("notes");
  if (state.fix) doc.location = { lat: state.fix.lat, lon: state.fix.lon, accuracy_m: Math.round(state.fix.accuracy * 10) / 10, provider: "gps" };
  await store(doc);
  form.reset(); state.inspectionStarted = null; drawChecklist();
  state.patrol = null; savePatrol();
  state.wakeLock?.release().catch(() => {}); state.wakeLock = null;
  showTab("home");
}

async function submitRectification(form, hazardId) {
  const data = new FormData(form);
  const doc = { ...baseDoc("rectification_report"), hazard_id: hazardId, text: data.get("text"), rectified_at: localIso() };
  if (state.fix) doc.location = { lat: state.fix.lat, lon: state.fix.lon, accuracy_m: Math.round(state.fix.accuracy * 10) / 10, provider: "gps" };
  await attachPhotos(doc, form.elements.photos.files, "after");
  await store(doc);
  form.reset();
}

// ---- patrol recording ----------------------------------------------------------------------
// Only between "start patrol" and saving it; the fixes kept are written as track
// documents (at most 2,000 points each, and at least every ten minutes, so a closed app
// loses little), synced like everything else. The points not yet written survive a
// reload in localStorage.
const PATROL_KEY = "field.patrol";
const PATROL = { maxAccuracyM: 50, minStepM: 10, perTrack: 2000, writeEveryMs: 10 * 60 * 1000 };

function metresBetween(a, b) {
  const north = (b.lat - a.lat) * 111320;
  const east = (b.lon - a.lon) * 111320 * Math.cos((a.lat * Math.PI) / 180);
  return Math.hypot(north, east);
}

function savePatrol() {
  if (state.patrol) localStorage.setItem(PATROL_KEY, JSON.stringify(state.patrol));
  else localStorage.removeItem(PATROL_KEY);
  drawPatrol();
}

async function keepScreenOn() {
  // browsers stop delivering positions to a page whose screen is off
  if (!state.patrol || !navigator.wakeLock || document.visibilityState !== "visible") return;
  try { state.wakeLock = await navigator.wakeLock.request("screen"); } catch { state.wakeLock = null; }
}

function startPatrol() {
  if (state.patrol) return;
  state.patrol = {
    inspection_id: `inspection:${state.device.device_id}:${ulid()}`, started_at: localIso(), began: Date.now(),
    points: [], line: [], last: null, kept: 0, dropped: 0, distance_m: 0, written_at: Date.now(),
  };
  savePatrol();
  keepScreenOn();
}

function recordFix(position) {
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

async function writeTrack() {
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

function drawPatrol() {
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

// ---- position ----------------------------------------------------------------------------
function showFix() {
  const fix = $("#fix");
  if (state.manual) fix.textContent = t("fix_manual", { lat: state.manual.lat.toFixed(6), lon: state.manual.lon.toFixed(6) });
  else if (state.fix) fix.textContent = t("fix", { lat: state.fix.lat.toFixed(6), lon: state.fix.lon.toFixed(6), acc: Math.round(state.fix.accuracy) });
  else fix.textContent = t("no_fix");
  $("#position").textContent = state.fix ? t("position", { acc: Math.round(state.fix.accuracy) }) : t("no_fix");
}

function watchPosition() {
  if (!navigator.geolocation) return;
  navigator.geolocation.watchPosition((p) => {
    state.fix = { lat: p.coords.latitude, lon: p.coords.longitude, accuracy: p.coords.accuracy, time: p.timestamp };
    showFix();
    recordFix(p);
  }, () => showFix(), { enableHighAccuracy: true, maximumAge: 10000 });
}

function placeManually() {
  const box = $("#pick-map");
  box.hidden = false;
  if (!state.pickMap) {
    state.pickMap = L.map(box, { maxZoom: 20 });
    state.pickMap.fitBounds(state.map.getBounds());
    state.pickMap.on("click", (e) => {
      state.manual = { lat: e.latlng.lat, lon: e.latlng.lng };
      state.pickMarker?.remove();
      state.pickMarker = L.marker(e.latlng).addTo(state.pickMap);
      showFix();
    });
  }
  setTimeout(() => state.pickMap.invalidateSize(), 50);
}

// ---- checklists ----------------------------------------------------------------------------
async function drawChecklist() {
  state.forms = (await allOf("form")).filter((f) => !f.retired);
  const form = $("#inspect-form");
  const kind = form.elements.kind.value;
  const select = form.elements.form_id;
  const chosen = select.value;
  show(select, state.forms.map((f) => el("option", { value: f.form_id }, state.lang === "zh" ? f.title_zh : f.title_en)));
  if (chosen) select.value = chosen;
  const checklist = state.forms.find((f) => f.form_id === select.value);
  $(".site", form).hidden = kind !== "hazard_inspection";
  select.parentElement.hidden = kind !== "hazard_inspection";
  $(".disputes", form).hidden = kind !== "dispute_screening";
  drawPatrol();
  show($("#answers"), kind !== "hazard_inspection" || !checklist ? [] : checklist.items.map((item) => {
    const text = el("span", {}, state.lang === "zh" ? item.text_zh : item.text_en);
    const name = `answer:${item.id}`;
    if (item.answer_kind === "number") return el("label", { class: "answer" }, text, el("input", { type: "number", name, min: 0 }));
    if (item.answer_kind === "text") return el("label", { class: "answer" }, text, el("input", { name, maxlength: 500 }));
    return el("div", { class: "answer" }, text, el("div", { class: "choices" }, ["yes", "no", "na"].map((v) =>
      el("label", {}, el("input", { type: "radio", name, value: v }), t(v)))));
  }));
}

// ---- start -------------------------------------------------------------------------------
function showTab(name) {
  for (const id of ["home", "inspect", "report", "ledger"]) $(`#${id}`).hidden = id !== name;
  document.querySelectorAll("#tabs button").forEach((b) => b.classList.toggle("active", b.dataset.tab === name));
  if (name === "inspect" && !state.inspectionStarted) state.inspectionStarted = localIso();
  if (name === "home") setTimeout(() => state.map?.invalidateSize(), 50);
}

async function enrolFromLink() {
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

function showNotice(text) { $("#notice").textContent = text; $("#notice").hidden = false; }

function saveDevice(device) {
  const userPart = device.username.split("device_").pop();
  state.device = {
    database: device.database, username: device.username, password: device.password,
    device_id: device.device_id || userPart, grid_id: device.grid_id || device.database.split("grid_").pop(),
  };
  localStorage.setItem("field.device", JSON.stringify(state.device));
  localStorage.removeItem("field.pushSeq");
}

async function start() {
  $("#enrol").hidden = true; $("#tabs").hidden = false; $("#sync").hidden = false;
  $("#who").textContent = `${state.device.grid_id} · ${state.device.device_id}`;
  state.db = new PouchDB(`field-${state.device.database}`);
  state.remote = remoteDb();
  try { await loadSchemas(); } catch (error) { window.fieldState.errors.push(`schemas: ${error.message}`); }
  showTab("home");  // first: a map made in a hidden box has no size to fit to
  state.map = L.map("map", { maxZoom: 20 }).setView([30.27, 120.15], 14);
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

async function init() {
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

init().catch((error) => window.fieldState.errors.push(String(error.message || error)));
