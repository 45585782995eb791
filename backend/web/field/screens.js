import { refreshBasemap } from "./basemap.js";
import { $, el, show, state, t } from "./common.js";
import { renderSyncState } from "./sync.js";
import { submitRectification } from "./writing.js";

// ---- screens ---------------------------------------------------------------------------
export async function allOf(type) {
  const rows = await state.db.allDocs({ include_docs: true, startkey: `${type}:`, endkey: `${type}:\ufff0` });
  return rows.rows.map((r) => r.doc);
}

export function gridName(id, grids) {
  const g = grids.find((x) => x.grid_id === id);
  return g ? (state.lang === "zh" ? g.name_zh : g.name_en) : id;
}

export function verdictText(verdict, grids) {
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

export async function refreshAll() {
  const [hazards, verdicts, ledger, grids] = await Promise.all([allOf("hazard"), allOf("verdict"), allOf("ledger"), allOf("grid")]);
  const verdictOf = Object.fromEntries(verdicts.map((v) => [v.target_id, v]));
  const eventsOf = {};
  for (const e of ledger) (eventsOf[e.hazard_id] ||= []).push(e);
  for (const list of Object.values(eventsOf)) list.sort((a, b) => a._id.localeCompare(b._id));
  drawHome(hazards, verdictOf, eventsOf, grids);
  drawLedger(hazards, eventsOf);
  await renderSyncState();
}

export function statusOf(events) {
  return events && events.length ? events[events.length - 1].status_after : "reported";
}

export function drawHome(hazards, verdictOf, eventsOf, grids) {
  show($("#hazards"), hazards.sort((a, b) => b.created_at.localeCompare(a.created_at)).map((h) => {
    const [cls, text] = verdictText(verdictOf[h._id], grids);
    return el("li", { dataset: { id: h._id } }, el("strong", {}, h.title),
      el("div", { class: "meta" }, `${t(`cat_${h.category}`)} · ${t(`sev_${h.severity}`)} · ${t(`st_${statusOf(eventsOf[h._id])}`)}`),
      el("div", { class: `verdict ${cls}` }, text));
  }));
  if (!state.map) return;
  state.layers.clearLayers();
  const mine = grids.find((g) => g.grid_id === state.device.grid_id);
  if (mine) refreshBasemap(mine.boundary);
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

export function drawLedger(hazards, eventsOf) {
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
