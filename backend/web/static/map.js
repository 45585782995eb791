// The supervisor map: grids of the jurisdiction coloured by status, hazards by bbox
// (clustered; counted per cell by the server when a view holds too many), a side panel
// to review a hazard and decide on it, and live updates over Server-Sent Events.
// No build step and no CDN: Leaflet and Leaflet.markercluster are vendored.
"use strict";

const TEXT = {
  zh: {
    app_title: "隐患地图", username: "用户名", password: "密码", sign_in: "登录", sign_out: "退出",
    other_language: "English", all_categories: "全部类别", all_severities: "全部等级",
    all_statuses: "全部状态", all_geofence: "全部位置核验", overdue_only: "仅逾期", from: "从", to: "至",
    patrol_week: "巡查周", patrol_tracks: "巡查轨迹", blind_spots: "巡查盲区", all_tablets: "全部终端", all_workers: "全部网格员",
    patrolled: "{grid}：已巡查 {share}%", track_tip: "{device}：{start} – {end}，{km} 公里",
    boundary_problems: "边界问题", live_on: "实时", live_off: "离线", hazards_in_view: "本视图隐患 {n} 条",
    cat_work_safety: "安全生产", cat_fire: "消防", cat_food: "食品", cat_traffic: "交通", cat_other: "其他",
    sev_major: "重大", sev_general: "一般",
    st_reported: "已上报", st_under_review: "审核中", st_rejected: "已驳回", st_rectifying: "整改中",
    st_rectified: "已整改", st_verified: "已复查", st_closed_out: "已销号", st_reopened: "重新打开",
    gf_inside: "网格内", gf_near_edge: "靠近边界", gf_outside_within_accuracy: "界外（精度内）",
    gf_outside: "网格外", gf_no_fix: "无定位",
    grid: "网格", category: "类别", severity: "等级", status: "状态", reported_at: "上报时间",
    reporter: "上报设备", geofence: "位置核验", distance: "距边界", suggested: "可能属于",
    accuracy: "定位精度", deadline: "整改期限", responsible: "责任人", measures: "整改措施",
    photos: "照片", history: "台账记录", decide: "处理", no_photos: "无照片", no_history: "暂无记录",
    ev_reviewed: "受理审核", ev_rejected: "驳回", ev_assigned: "交办整改", ev_rectified_accepted: "确认整改",
    ev_verified: "复查通过", ev_closed_out: "销号", ev_reopened: "重新打开",
    note: "说明", responsible_person: "责任人", responsible_unit: "责任单位", report: "整改报告",
    submit: "提交", saved: "已保存", new_hazard: "新隐患：{t}", changed_hazard: "隐患已更新：{t}",
    overdue: "逾期", open: "未办结", not_inspected: "本周未巡查", inspected: "本周已巡查",
    legend_major: "重大", legend_general: "一般", legend_closed: "已办结", exif_point: "照片拍摄位置",
    reported_point: "上报位置", pending: "处理中", rejected_photo: "未通过", wrong_login: "用户名或密码错误",
    cells_note: "隐患较多，已按区域汇总；放大查看单条。", rectification_reports: "整改报告",
    sec_hazardous_chemicals: "危险化学品", sec_construction: "建筑施工", sec_special_equipment: "特种设备",
    sec_crowded_place: "人员密集场所", sec_gas: "燃气", sec_industrial_trade: "工贸", sec_catering: "餐饮",
    sec_residential: "居民住宅", sec_school: "学校", sec_other: "其他",
  },
  en: {
    app_title: "Hazard map", username: "Username", password: "Password", sign_in: "Sign in", sign_out: "Sign out",
    other_language: "中文", all_categories: "All categories", all_severities: "All severities",
    all_statuses: "All statuses", all_geofence: "Any geofence result", overdue_only: "Overdue only", from: "From", to: "To",
    patrol_week: "Patrol week", patrol_tracks: "Patrol tracks", blind_spots: "Blind spots", all_tablets: "All tablets", all_workers: "All workers",
    patrolled: "{grid}: {share}% patrolled", track_tip: "{device}: {start} – {end}, {km} km",
    boundary_problems: "Boundary problems", live_on: "Live", live_off: "Offline", hazards_in_view: "{n} hazards in view",
    cat_work_safety: "Work safety", cat_fire: "Fire", cat_food: "Food", cat_traffic: "Traffic", cat_other: "Other",
    sev_major: "Major", sev_general: "General",
    st_reported: "Reported", st_under_review: "Under review", st_rejected: "Rejected", st_rectifying: "Rectifying",
    st_rectified: "Rectified", st_verified: "Verified", st_closed_out: "Closed out", st_reopened: "Reopened",
    gf_inside: "Inside the grid", gf_near_edge: "Near the edge", gf_outside_within_accuracy: "Outside, within GPS accuracy",
    gf_outside: "Outside the grid", gf_no_fix: "No position",
    grid: "Grid", category: "Category", severity: "Severity", status: "Status", reported_at: "Reported",
    reporter: "Device", geofence: "Geofence", distance: "From the edge", suggested: "Probably in",
    accuracy: "GPS accuracy", deadline: "Deadline", responsible: "Responsible", measures: "Measures",
    photos: "Photos", history: "Ledger", decide: "Decide", no_photos: "No photos", no_history: "Nothing yet",
    ev_reviewed: "Review", ev_rejected: "Reject", ev_assigned: "Assign", ev_rectified_accepted: "Accept rectification",
    ev_verified: "Verify", ev_closed_out: "Close out", ev_reopened: "Reopen",
    note: "Note", responsible_person: "Responsible person", responsible_unit: "Responsible unit", report: "Rectification report",
    submit: "Submit", saved: "Saved", new_hazard: "New hazard: {t}", changed_hazard: "Hazard updated: {t}",
    overdue: "Overdue", open: "Open", not_inspected: "Not inspected this week", inspected: "Inspected this week",
    legend_major: "Major", legend_general: "General", legend_closed: "Done", exif_point: "Where the photo was taken",
    reported_point: "Reported point", pending: "Pending", rejected_photo: "Rejected", wrong_login: "Wrong username or password",
    cells_note: "Many hazards: counted per area; zoom in to see each.", rectification_reports: "Rectification reports",
    sec_hazardous_chemicals: "Hazardous chemicals", sec_construction: "Construction", sec_special_equipment: "Special equipment",
    sec_crowded_place: "Crowded place", sec_gas: "Gas", sec_industrial_trade: "Industry and trade", sec_catering: "Catering",
    sec_residential: "Residential", sec_school: "School", sec_other: "Other",
  },
};
// Which decisions a status allows (the server's state machine decides; this only offers).
const NEXT = {
  reported: ["reviewed", "rejected"], under_review: ["assigned", "rejected"], rectifying: ["assigned", "rectified_accepted"],
  rectified: ["verified", "reopened"], verified: ["closed_out", "reopened"], closed_out: ["reopened"],
  rejected: ["reopened"], reopened: ["reviewed"],
};
const FILTERS = ["category", "severity", "ledger_status", "geofence_status", "overdue", "reported_from", "reported_to"];
const POINT_LIMIT = 3000;  // above this many in view, the server counts per cell
const DONE = new Set(["closed_out", "rejected", "verified"]);

const state = {
  lang: localStorage.getItem("lang") || (navigator.language.startsWith("zh") ? "zh" : "en"),
  token: sessionStorage.getItem("token"), config: null, map: null, grids: null, gridLayer: null,
  status: {}, points: null, cells: null, problems: null, focus: null, markers: new Map(),
  tracks: null, blindSpots: null, patrolDraw: 0,
  events: null, load: 0, open: null,
};
// What the browser tests read.
window.mapState = { ready: false, grids: 0, markers: 0, cells: 0, total: 0, mode: "", liveEvents: 0, firstRenderMs: null, errors: [], tracks: 0, blindSpots: 0, patrolsDrawn: false };
const started = performance.now();
// Where a hazard's marker is on screen (page coordinates), for the browser tests' clicks.
window.mapView = {
  pixelOf(id) {
    const marker = state.markers.get(id);
    if (!marker) return null;
    const visible = state.points.getVisibleParent(marker) || marker;
    const point = state.map.latLngToContainerPoint(visible.getLatLng());
    const box = $("#map").getBoundingClientRect();
    return { x: box.left + point.x, y: box.top + point.y, clustered: visible !== marker };
  },
  fit(bounds) { state.map.fitBounds(bounds); },
};

const $ = (sel, root = document) => root.querySelector(sel);
const { el, show } = window.dom;
const t = (key, vars = {}) => (TEXT[state.lang][key] ?? key).replace(/\{(\w+)\}/g, (_, k) => vars[k] ?? "");
const localTime = (iso) => (iso ? new Date(iso).toLocaleString(state.lang === "zh" ? "zh-CN" : "en-GB", { timeZone: state.config?.time_zone }) : "—");

function translate() {
  document.documentElement.lang = state.lang === "zh" ? "zh-CN" : "en";
  document.querySelectorAll("[data-i18n]").forEach((el) => { el.textContent = t(el.dataset.i18n); });
  document.title = t("app_title");
  drawLegend();
}

class ApiError extends Error {
  constructor(status, problem) {
    const lines = [problem.detail || problem.title || `HTTP ${status}`];
    for (const e of problem.errors || []) lines.push(`${e.path || e.key || ""}: ${e.message}`);
    super(lines.join("\n"));
    this.status = status;
  }
}

async function api(path, { method = "GET", body, headers = {}, raw = false } = {}) {
  const response = await fetch(path, {
    method, headers: { Authorization: `Bearer ${state.token}`, ...(body ? { "Content-Type": "application/json" } : {}), ...headers },
    body: body ? JSON.stringify(body) : undefined,
  });
  if (response.status === 401) { signOut(); throw new ApiError(401, { title: "sign in again" }); }
  if (!response.ok) {
    let problem = {};
    try { problem = await response.json(); } catch { /* not JSON */ }
    throw new ApiError(response.status, problem);
  }
  return raw ? response : response.json();
}

function filterParams() {
  const form = $("#filters");
  const params = new URLSearchParams();
  for (const name of FILTERS) {
    const input = form.elements[name];
    const value = input.type === "checkbox" ? (input.checked ? "true" : "") : input.value;
    if (!value) continue;
    if (name === "reported_from" || name === "reported_to") {
      // local days of the street: from the start of the first to the start of the day after the last
      const day = new Date(`${value}T00:00:00`);
      if (name === "reported_to") day.setDate(day.getDate() + 1);
      params.set(name, day.toISOString());
    } else params.set(name, value);
  }
  return params;
}

function filtersToUrl() {
  const url = new URL(location.href);
  const form = $("#filters");
  for (const name of FILTERS) {
    const input = form.elements[name];
    const value = input.type === "checkbox" ? (input.checked ? "true" : "") : input.value;
    if (value) url.searchParams.set(name, value); else url.searchParams.delete(name);
  }
  url.searchParams.set("lang", state.lang);
  if (state.open) url.searchParams.set("hazard", state.open); else url.searchParams.delete("hazard");
  history.replaceState(null, "", url);
}

function filtersFromUrl() {
  const params = new URL(location.href).searchParams;
  const form = $("#filters");
  for (const name of FILTERS) {
    const input = form.elements[name];
    const value = params.get(name) || "";
    if (input.type === "checkbox") input.checked = value === "true"; else input.value = value;
  }
  if (params.get("lang") in TEXT) state.lang = params.get("lang");
}

function matchesFilters(h) {
  const form = $("#filters");
  for (const name of ["category", "severity", "ledger_status", "geofence_status"]) {
    const value = form.elements[name].value;
    if (value && h[name] !== value) return false;
  }
  if (form.elements.overdue.checked && !h.overdue) return false;
  return true;
}

// ---- grids ---------------------------------------------------------------------------
function gridStyle(feature) {
  const s = state.status[feature.id] || { open: 0, overdue: 0, inspections_this_week: 0 };
  const fill = s.overdue ? "#d32f2f" : s.open ? "#f9a825" : "#43a047";
  return {
    color: s.inspections_this_week ? "#37474f" : "#6a1b9a", weight: s.inspections_this_week ? 1.5 : 2.5,
    dashArray: s.inspections_this_week ? null : "6 4", fillColor: fill, fillOpacity: 0.18,
  };
}

function gridTooltip(feature) {
  const s = state.status[feature.id] || { open: 0, overdue: 0, inspections_this_week: 0 };
  const name = state.lang === "zh" ? feature.properties.name_zh : feature.properties.name_en;
  return el("span", {}, el("b", {}, name), el("br"), `${t("open")}: ${s.open} · ${t("overdue")}: ${s.overdue}`, el("br"),
    s.inspections_this_week ? `${t("inspected")} (${s.inspections_this_week})` : t("not_inspected"));
}

async function loadGrids() {
  const [grids, status] = await Promise.all([api("/api/grids/geojson"), api("/api/map/grid-status")]);
  state.grids = grids; state.status = status;
  state.gridLayer?.remove();
  state.labels?.clearLayers();
  state.labels = state.labels || L.layerGroup().addTo(state.map);
  state.gridLayer = L.geoJSON(grids, {
    style: gridStyle, interactive: true, bubblingMouseEvents: true,
    onEachFeature: (feature, layer) => {
      layer.bindTooltip(() => gridTooltip(feature), { sticky: true });
      const name = state.lang === "zh" ? feature.properties.name_zh : feature.properties.name_en;
      const bounds = layer.getBounds();  // the name along the grid's top edge, clear of markers
      L.marker([bounds.getNorth(), bounds.getCenter().lng], {
        interactive: false, keyboard: false,
        icon: L.divIcon({ className: "grid-label", html: el("span", {}, name), iconSize: [140, 18], iconAnchor: [70, -4] }),
      }).addTo(state.labels);
    },
  }).addTo(state.map);
  state.gridLayer.bringToBack();
  window.mapState.grids = grids.features.length;
  return grids;
}

async function refreshGridStatus() {
  state.status = await api("/api/map/grid-status");
  state.gridLayer?.setStyle(gridStyle);
}

async function toggleProblems(on) {
  state.problems?.remove(); state.problems = null;
  if (!on || !state.config.boundary_version) return;
  const problems = await api(`/api/boundaries/${state.config.boundary_version}/problems`);
  state.problems = L.geoJSON(problems, {
    style: { color: "#c2185b", weight: 2, fillOpacity: 0.35, dashArray: "3 3" },
    onEachFeature: (f, layer) => layer.bindTooltip(() => el("span", {}, `${f.properties.kind}: ${f.properties.message || ""}`)),
  }).addTo(state.map);
}

// ---- patrols: tracks and blind spots of a week -----------------------------------------
function isoWeek(date) {
  const day = new Date(Date.UTC(date.getFullYear(), date.getMonth(), date.getDate()));
  day.setUTCDate(day.getUTCDate() + 4 - (day.getUTCDay() || 7));  // the week's Thursday
  const first = new Date(Date.UTC(day.getUTCFullYear(), 0, 1));
  const week = Math.ceil(((day - first) / 86400000 + 1) / 7);
  return `${day.getUTCFullYear()}-W${String(week).padStart(2, "0")}`;
}

function patrolParams() {
  const params = new URLSearchParams({ week: $("#patrol-week").value || isoWeek(new Date()) });
  if ($("#patrol-device").value) params.set("device", $("#patrol-device").value);
  if ($("#patrol-worker").value) params.set("worker", $("#patrol-worker").value);
  return params;
}

// the tablets and the grid workers whose tracks the week has, as choices; a list whose
// filter is in use keeps its choices (its tracks are all the answer has)
function fillChoices(select, everyone, choices) {
  if (select.value) return;
  const sorted = [...new Map(choices)].sort((a, b) => a[1].localeCompare(b[1]));
  select.replaceChildren(el("option", { value: "" }, t(everyone)),
    ...sorted.map(([value, label]) => el("option", { value }, label)));
}

function fillPatrolChoices(features) {
  fillChoices($("#patrol-device"), "all_tablets", features.map((f) => [f.properties.device_id, f.properties.device_id]));
  fillChoices($("#patrol-worker"), "all_workers", features.filter((f) => f.properties.worker_account_id)
    .map((f) => [String(f.properties.worker_account_id), f.properties.worker_name || `#${f.properties.worker_account_id}`]));
}

function walker(props) {
  return props.worker_name ? `${props.worker_name} (${props.device_id})` : props.device_id;
}

const SVG = L.svg();  // patrol layers in the DOM (the hazards draw on a canvas)

async function refreshPatrols() {
  const mine = ++state.patrolDraw;  // a later change supersedes this one
  state.tracks?.remove(); state.tracks = null;
  state.blindSpots?.remove(); state.blindSpots = null;
  window.mapState.tracks = 0; window.mapState.blindSpots = 0; window.mapState.patrolsDrawn = false;
  if ($("#blind-toggle").checked) {
    const spots = await api(`/api/coverage/blind-spots?${patrolParams()}`);
    if (mine !== state.patrolDraw) return;
    const shown = spots.features.filter((f) => f.geometry && f.geometry.coordinates.length);
    state.blindSpots = L.geoJSON({ type: "FeatureCollection", features: shown }, {
      renderer: SVG, style: { className: "blind-spot", color: "#e65100", weight: 1, fillColor: "#ff9800", fillOpacity: 0.35 },
      onEachFeature: (f, layer) => layer.bindTooltip(() => el("span", {}, t("patrolled", {
        grid: gridName(f.properties), share: Math.round(f.properties.patrolled_share * 100) }))),
    }).addTo(state.map);
    window.mapState.blindSpots = shown.length;
  }
  if ($("#tracks-toggle").checked) {
    const tracks = await api(`/api/tracks/geojson?${patrolParams()}`);
    if (mine !== state.patrolDraw) return;
    fillPatrolChoices(tracks.features);
    state.tracks = L.geoJSON(tracks, {
      renderer: SVG, style: { className: "patrol-track", color: "#1b5e20", weight: 3, opacity: 0.8 },
      pointToLayer: (f, latlng) => L.circleMarker(latlng, { renderer: SVG, className: "patrol-track", radius: 4 }),
      onEachFeature: (f, layer) => layer.bindTooltip(() => el("span", {}, t("track_tip", {
        device: walker(f.properties), start: localTime(f.properties.started_at),
        end: localTime(f.properties.ended_at), km: (f.properties.length_m / 1000).toFixed(2) }))),
    }).addTo(state.map);
    window.mapState.tracks = tracks.features.length;
  }
  window.mapState.patrolsDrawn = true;
}

function gridName(props) {
  return (state.lang === "zh" ? props.name_zh : props.name_en) || props.grid_id;
}

// ---- hazards -------------------------------------------------------------------------
function markerStyle(h) {
  const done = DONE.has(h.ledger_status);
  return {
    radius: h.severity === "major" ? 8 : 6, weight: h.overdue ? 3 : 1.5,
    color: h.overdue ? "#7f0000" : "#ffffff", fillOpacity: done ? 0.45 : 0.9,
    fillColor: done ? "#78909c" : h.severity === "major" ? "#d32f2f" : "#f57c00",
  };
}

function addMarker(h, lon, lat) {
  const marker = L.circleMarker([lat, lon], markerStyle(h));
  marker.hazard = h;
  marker.bindTooltip(() => el("span", {}, h.title || h.doc_id || h.id));
  marker.on("click", () => openPanel(h.doc_id || h.id));
  state.markers.set(h.doc_id || h.id, marker);
  return marker;
}

function bboxParam() {
  const b = state.map.getBounds();
  const clamp = (v, lo, hi) => Math.min(hi, Math.max(lo, v));
  return [clamp(b.getWest(), -180, 180), clamp(b.getSouth(), -90, 90), clamp(b.getEast(), -180, 180), clamp(b.getNorth(), -90, 90)]
    .map((v) => v.toFixed(6)).join(",");
}

async function loadHazards() {
  const load = ++state.load;
  const params = filterParams();
  params.set("bbox", bboxParam());
  const counted = await api(`/api/map/clusters?${params}&cells=40`);
  if (load !== state.load) return;  // the view moved on meanwhile
  window.mapState.total = counted.total;
  $("#count").textContent = t("hazards_in_view", { n: counted.total });
  if (counted.total > POINT_LIMIT) drawCells(counted.cells);
  else await drawPoints(params, load);
  if (load !== state.load) return;
  if (window.mapState.firstRenderMs === null) {
    window.mapState.firstRenderMs = Math.round(performance.now() - started);
  }
  window.mapState.ready = true;
}

function clearHazards() {
  state.points?.clearLayers();
  state.cells?.clearLayers();
  state.markers.clear();
}

function drawCells(cells) {
  clearHazards();
  window.mapState.mode = "cells";
  for (const [lon, lat, count, overdue] of cells) {
    const size = Math.round(24 + Math.min(30, Math.log10(count + 1) * 12));
    const icon = L.divIcon({
      className: `cell-count${overdue ? " late" : ""}`, iconSize: [size, size],
      html: el("span", { style: { lineHeight: `${size - 4}px` } }, count >= 1000 ? `${(count / 1000).toFixed(1)}k` : count),
    });
    L.marker([lat, lon], { icon, title: `${count}` }).on("click", () => state.map.setView([lat, lon], state.map.getZoom() + 2))
      .addTo(state.cells);
  }
  window.mapState.cells = cells.length; window.mapState.markers = 0;
}

async function drawPoints(params, load) {
  const markers = [];
  let cursor = null;
  do {
    const page = new URLSearchParams(params);
    page.set("limit", "3000");
    if (cursor) page.set("cursor", cursor);
    const response = await api(`/api/hazards/geojson?${page}`, { raw: true });
    cursor = response.headers.get("X-Next-Cursor");
    const collection = await response.json();
    if (load !== state.load) return;
    for (const f of collection.features) markers.push([f.properties, ...f.geometry.coordinates]);
  } while (cursor);
  clearHazards();
  window.mapState.mode = "points";
  state.points.addLayers(markers.map(([h, lon, lat]) => addMarker(h, lon, lat)));
  window.mapState.markers = markers.length; window.mapState.cells = 0;
}

function onLiveHazard(h) {
  window.mapState.liveEvents += 1;
  const known = state.markers.get(h.id);
  const shown = matchesFilters(h) && (!h.deleted || h.ledger_status !== "reported") && h.lat !== null;  // a decided hazard stays, flagged
  if (known) { state.points.removeLayer(known); state.markers.delete(h.id); }
  if (shown && window.mapState.mode === "points") {
    state.points.addLayer(addMarker({ ...h, doc_id: h.id }, h.lon, h.lat));
    window.mapState.markers = state.markers.size;
  } else if (shown) scheduleReload();
  if (h.reason !== "ledger" && !known) toast(t("new_hazard", { t: h.title || h.id }));
  scheduleGridStatus();
  // a decision made here has refreshed the panel already; anything else refreshes it now
  if (state.open === h.id && h.reason !== "ledger") openPanel(h.id);
}

let reloadTimer = null;
function scheduleReload(delay = 250) { clearTimeout(reloadTimer); reloadTimer = setTimeout(() => loadHazards().catch(report), delay); }
let statusTimer = null;
function scheduleGridStatus() { clearTimeout(statusTimer); statusTimer = setTimeout(() => refreshGridStatus().catch(report), 500); }

function toast(text) {
  const el = $("#toast");
  el.textContent = text; el.hidden = false;
  clearTimeout(toast.timer); toast.timer = setTimeout(() => { el.hidden = true; }, 3500);
}

function report(error) {
  window.mapState.errors.push(String(error.message || error));
  toast(String(error.message || error));
}

async function connectLive() {
  // a ticket opens one stream (no token in any URL); every reconnection asks for a new one
  // and names the last event heard, so nothing in between is missed
  state.events?.close();
  clearTimeout(connectLive.timer);
  const live = $("#live");
  let ticket;
  try { ({ ticket } = await api("/api/events/ticket", { method: "POST" })); } catch (error) {
    if (state.token) connectLive.timer = setTimeout(() => connectLive(), 5000);
    return;
  }
  const params = new URLSearchParams({ ticket });
  if (state.lastEventId) params.set("last_event_id", state.lastEventId);
  const source = new EventSource(`/api/events?${params}`);
  state.events = source;
  source.addEventListener("ready", () => { live.classList.add("on"); live.textContent = t("live_on"); });
  source.addEventListener("hazard", (e) => {
    if (e.lastEventId) state.lastEventId = e.lastEventId;
    onLiveHazard(JSON.parse(e.data));
  });
  source.onerror = () => {
    live.classList.remove("on"); live.textContent = t("live_off");
    source.close();
    if (state.events === source && state.token) connectLive.timer = setTimeout(() => connectLive(), 2000);
  };
}

// ---- the side panel ------------------------------------------------------------------
async function openPanel(id) {
  state.open = id; filtersToUrl();
  const panel = $("#panel");
  panel.hidden = false;
  const body = $("#panel-body");
  try {
    const h = await api(`/api/hazards/${encodeURIComponent(id)}`);
    if (state.open !== id) return;
    show(body, panelContent(h));
    drawFocus(h);
    bindActions(h, body);
    loadThumbnails(body);
  } catch (error) {
    show(body, el("p", { class: "error" }, error.message));
  }
  state.map.invalidateSize();
}

function closePanel() {
  state.open = null; filtersToUrl();
  $("#panel").hidden = true;
  state.focus?.remove(); state.focus = null;
  state.map.invalidateSize();
}

function panelContent(h) {
  const gridName = (id) => {
    const f = state.grids?.features.find((g) => g.id === id);
    return f ? (state.lang === "zh" ? f.properties.name_zh : f.properties.name_en) : id;
  };
  const loc = h.doc.location || {};
  const row = (label, ...value) => [el("dt", {}, label), el("dd", {}, ...value)];
  const photo = (p) => el("figure", {},
    p.thumbnail_url ? el("img", { dataset: { src: p.thumbnail_url, full: p.screen_url }, alt: p.name }) : null,
    el("figcaption", {}, `${p.name} · `, p.status === "processed" ? "" : t(p.status === "pending" ? "pending" : "rejected_photo"),
      p.distance_m != null ? ` ${Math.round(p.distance_m)} m ` : "", p.flags.map((f) => el("span", { class: "flag" }, f))));
  const entry = (e) => el("li", {}, `${t(`ev_${e.event}`)} — ${e.actor_name}, ${localTime(e.at)}`,
    e.note ? [el("br"), el("i", {}, e.note)] : null,
    e.assignment ? [el("br"), `${e.assignment.responsible_person}: ${e.assignment.measures} (${t("deadline")} ${localTime(e.assignment.deadline)})`] : null);
  const accuracy = typeof loc.accuracy_m === "number" ? `${loc.accuracy_m} m (${typeof loc.provider === "string" ? loc.provider : ""})` : "—";
  return [
    el("h2", {}, h.title || h.doc_id, " ", h.overdue ? el("span", { class: "badge overdue" }, t("overdue")) : null),
    el("dl", {},
      row(t("grid"), gridName(h.grid_id)),
      row(t("category"), t(`cat_${h.category}`), h.sector ? ` · ${t(`sec_${h.sector}`)}` : ""),
      row(t("severity"), t(`sev_${h.severity}`)),
      [el("dt", {}, t("status")), el("dd", { dataset: { field: "status" } }, t(`st_${h.ledger_status}`))],
      row(t("reported_at"), localTime(h.reported_at)),
      row(t("reporter"), h.device_id),
      row(t("geofence"), t(`gf_${h.geofence_status}`),
        h.geofence_distance_m ? ` · ${t("distance")} ${Math.round(h.geofence_distance_m)} m` : "",
        h.suggested_grid_id && h.suggested_grid_id !== h.grid_id ? ` · ${t("suggested")} ${gridName(h.suggested_grid_id)}` : ""),
      row(t("accuracy"), accuracy),
      h.deadline ? row(t("deadline"), localTime(h.deadline)) : null,
      h.responsible_person ? row(t("responsible"), `${h.responsible_person} ${h.responsible_unit || ""}`) : null,
      h.measures ? row(t("measures"), h.measures) : null),
    typeof h.doc.description === "string" && h.doc.description ? el("p", {}, h.doc.description) : null,
    el("h3", {}, t("photos")), el("div", { class: "photos" }, h.photos.length ? h.photos.map(photo) : el("p", {}, t("no_photos"))),
    el("h3", {}, t("history")), h.history.length ? el("ol", {}, h.history.map(entry)) : el("p", {}, t("no_history")),
    el("h3", {}, t("decide")),
    el("div", { class: "actions" }, (NEXT[h.ledger_status] || []).map((ev) => el("button", { type: "button", dataset: { event: ev } }, t(`ev_${ev}`)))),
    el("div", { id: "decision" }),
  ];
}

function drawFocus(h) {
  state.focus?.remove();
  const layers = [];
  const grid = state.grids?.features.find((g) => g.id === h.grid_id);
  if (grid) layers.push(L.geoJSON(grid, { style: { color: "#0d47a1", weight: 4, fill: false }, interactive: false }));
  const suggested = h.suggested_grid_id && state.grids?.features.find((g) => g.id === h.suggested_grid_id);
  if (suggested && h.suggested_grid_id !== h.grid_id) {
    layers.push(L.geoJSON(suggested, { style: { color: "#0d47a1", weight: 2, dashArray: "6 6", fill: false }, interactive: false }));
  }
  if (h.lat != null) {
    const accuracy = h.doc.location?.accuracy_m;
    if (accuracy) layers.push(L.circle([h.lat, h.lon], { radius: accuracy, color: "#1565c0", weight: 1, fillOpacity: 0.12, interactive: false }));
    // not interactive: clicks go through to the hazard's own marker underneath
    layers.push(L.circleMarker([h.lat, h.lon], { radius: 3, color: "#0d47a1", fillColor: "#fff", fillOpacity: 1, interactive: false }));
  }
  for (const p of h.photos) {
    if (p.exif_lat != null && p.exif_lon != null) {
      layers.push(L.circleMarker([p.exif_lat, p.exif_lon], { radius: 5, color: "#6a1b9a", fillColor: "#ce93d8", fillOpacity: 1 })
        .bindTooltip(() => el("span", {}, `${t("exif_point")}: ${p.name}`)));
      if (h.lat != null) layers.push(L.polyline([[h.lat, h.lon], [p.exif_lat, p.exif_lon]], { color: "#6a1b9a", dashArray: "4 4", weight: 1 }));
    }
  }
  state.focus = L.layerGroup(layers).addTo(state.map);
  if (h.lat != null && !state.map.getBounds().contains([h.lat, h.lon])) state.map.panTo([h.lat, h.lon]);
}

async function loadThumbnails(root) {
  for (const img of root.querySelectorAll("img[data-src]")) {
    try {
      const response = await api(img.dataset.src, { raw: true });
      img.src = URL.createObjectURL(await response.blob());
      img.addEventListener("click", () => showFull(img.dataset.full));
    } catch (error) { img.alt = error.message; }
  }
}

async function showFull(url) {
  const viewer = $("#viewer");
  const response = await api(url, { raw: true });
  $("img", viewer).src = URL.createObjectURL(await response.blob());
  viewer.hidden = false;
}

function bindActions(h, root) {
  root.querySelectorAll("[data-event]").forEach((button) => button.addEventListener("click", () => decisionForm(h, button.dataset.event)));
}

function decisionForm(h, event) {
  const tomorrow = new Date(Date.now() + 7 * 86400000).toISOString().slice(0, 10);
  const field = (label, control) => el("label", {}, label, control);
  const fields = event === "assigned"
    ? [field(t("responsible_person"), el("input", { name: "responsible_person", required: true, maxlength: 200 })),
       field(t("responsible_unit"), el("input", { name: "responsible_unit", maxlength: 200 })),
       field(t("measures"), el("textarea", { name: "measures", required: true, maxlength: 2000 })),
       field(t("deadline"), el("input", { type: "date", name: "deadline", value: tomorrow, required: true }))]
    : event === "rectified_accepted"
      ? [field(t("report"), el("select", { name: "rectification_report_id" }, h.rectification_reports.map((r) => el("option", {}, r))))]
      : [];
  const container = $("#decision");
  show(container, el("form", { dataset: { form: event } }, el("strong", {}, t(`ev_${event}`)), fields,
    field(t("note"), el("textarea", { name: "note", maxlength: 2000 })),
    el("button", { type: "submit" }, t("submit")), el("p", { class: "error", role: "alert" })));
  const form = $("form", container);
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const data = Object.fromEntries(new FormData(form));
    const body = { event, note: data.note || "" };
    if (event === "assigned") {
      body.assignment = { responsible_person: data.responsible_person, measures: data.measures, deadline: data.deadline };
      if (data.responsible_unit) body.assignment.responsible_unit = data.responsible_unit;
    }
    if (event === "rectified_accepted") body.rectification_report_id = data.rectification_report_id || null;
    try {
      await api(`/api/hazards/${encodeURIComponent(h.doc_id)}/ledger`, {
        method: "POST", body, headers: { "If-Match": `"ledger-${h.ledger_version}"` },
      });
      toast(t("saved"));
      await openPanel(h.doc_id);
    } catch (error) {
      $(".error", form).textContent = error.message;
    }
  });
}

// ---- start ---------------------------------------------------------------------------
function drawLegend() {
  const swatch = (style) => el("i", { style });
  show($("#legend"), swatch({ background: "#d32f2f" }), t("legend_major"), swatch({ background: "#f57c00" }), t("legend_general"),
    swatch({ background: "#78909c" }), t("legend_closed"), swatch({ background: "#fff", border: "3px solid #7f0000" }), t("overdue"));
}

function signOut() {
  // ends this account's sessions on the server too (every token, every open stream)
  const token = state.token;
  sessionStorage.removeItem("token"); state.token = null;
  state.events?.close();
  const leave = () => location.replace(location.pathname);
  if (!token) { leave(); return; }
  fetch("/api/auth/logout", { method: "POST", headers: { Authorization: `Bearer ${token}` } }).finally(leave);
}

async function signIn(event) {
  event.preventDefault();
  const form = event.target;
  const response = await fetch("/api/auth/login", {
    method: "POST", headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ username: form.username.value, password: form.password.value }),
  });
  if (!response.ok) { $("#login-error").textContent = t("wrong_login"); return; }
  state.token = (await response.json()).access_token;
  sessionStorage.setItem("token", state.token);
  $("#login").hidden = true;
  await start();
}

async function start() {
  $("#bar").hidden = false; $("#main").hidden = false;
  state.config = await api("/api/map/config");
  $("#problems-toggle").parentElement.hidden = !state.config.boundary_problems;
  $("#patrol-week").value = $("#patrol-week").value || isoWeek(new Date());
  state.map = L.map("map", { preferCanvas: true, zoomControl: true, minZoom: 3, maxZoom: 20 });
  if (state.config.tile_url) L.tileLayer(state.config.tile_url, { maxZoom: 20 }).addTo(state.map);
  else await addBasemap();
  state.points = L.markerClusterGroup({ chunkedLoading: true, disableClusteringAtZoom: 19, maxClusterRadius: 50 }).addTo(state.map);
  state.cells = L.layerGroup().addTo(state.map);
  const grids = await loadGrids();
  if (grids.features.length) state.map.fitBounds(L.geoJSON(grids).getBounds(), { padding: [10, 10] });
  else state.map.setView([30.27, 120.15], 13);
  state.map.on("moveend", () => scheduleReload(150));
  await loadHazards();
  connectLive().catch(report);
  const wanted = new URL(location.href).searchParams.get("hazard");
  if (wanted) openPanel(wanted);
}

async function addBasemap() {
  const facts = await window.basemap.info();
  if (!facts) return;  // no archive configured: the grids on a plain background
  const reader = window.basemap.archive(facts);
  window.basemap.layer(facts, (z, x, y, signal) => window.basemap.fromArchive(reader, facts, z, x, y, signal))
    .addTo(state.map);
}

function init() {
  filtersFromUrl();
  translate();
  document.querySelectorAll(".lang-switch").forEach((b) => b.addEventListener("click", () => {
    state.lang = state.lang === "zh" ? "en" : "zh";
    localStorage.setItem("lang", state.lang);
    translate();
    if (state.map) { filtersToUrl(); loadGrids().catch(report); if (state.open) openPanel(state.open); }
  }));
  $("#login").addEventListener("submit", (e) => signIn(e).catch(report));
  $("#sign-out").addEventListener("click", signOut);
  $("#filters").addEventListener("change", () => { filtersToUrl(); scheduleReload(0); });
  $("#problems-toggle").addEventListener("change", (e) => toggleProblems(e.target.checked).catch(report));
  for (const id of ["#patrol-week", "#patrol-device", "#patrol-worker", "#tracks-toggle", "#blind-toggle"]) {
    $(id).addEventListener("change", () => refreshPatrols().catch(report));
  }
  $("#panel-close").addEventListener("click", closePanel);
  $("#viewer").addEventListener("click", () => { $("#viewer").hidden = true; });
  if (state.token) start().catch(report);
  else $("#login").hidden = false;
}

init();
