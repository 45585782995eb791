import { drawChecklist } from "./checklists.js";
import { $, localIso, show, state, t } from "./common.js";
import { baseDoc, store } from "./contract.js";
import { showTab } from "./main.js";
import { savePatrol, writeTrack } from "./patrol.js";
import { attachPhotos } from "./photos.js";
import { showFix } from "./position.js";

// ---- writing ---------------------------------------------------------------------------
export async function submitHazard(form) {
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

export async function submitInspection(form) {
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

export async function submitRectification(form, hazardId) {
  const data = new FormData(form);
  const doc = { ...baseDoc("rectification_report"), hazard_id: hazardId, text: data.get("text"), rectified_at: localIso() };
  if (state.fix) doc.location = { lat: state.fix.lat, lon: state.fix.lon, accuracy_m: Math.round(state.fix.accuracy * 10) / 10, provider: "gps" };
  await attachPhotos(doc, form.elements.photos.files, "after");
  await store(doc);
  form.reset();
}
