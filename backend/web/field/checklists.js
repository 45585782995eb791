import { $, el, show, state, t } from "./common.js";
import { drawPatrol } from "./patrol.js";
import { allOf } from "./screens.js";

// ---- checklists ----------------------------------------------------------------------------
export async function drawChecklist() {
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
