import { OPTIONS, TEXT } from "./text.js";

export const APP_VERSION = "1.0.0-web";
export const SERVER_TYPES = new Set(["verdict", "ledger", "grid", "form", "purge"]);
export const MAX_PHOTO_SIDE = 1600;
export const CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

export const state = {
  lang: localStorage.getItem("field.lang") || (navigator.language.startsWith("zh") ? "zh" : "en"),
  device: JSON.parse(localStorage.getItem("field.device") || "null"),
  db: null, remote: null, ajv: null, fix: null, manual: null, photos: [], map: null, pickMap: null,
  syncing: false, syncAgain: false, lastError: null,
};
window.fieldState = { ready: false, synced: 0, lastSync: null, pending: 0, stored: 0, errors: [], refused: false };

export const $ = (sel, root = document) => root.querySelector(sel);
export const t = (key, vars = {}) => (TEXT[state.lang][key] ?? key).replace(/\{(\w+)\}/g, (_, k) => vars[k] ?? "");
export const { el, show } = window.dom;

export function toast(text) {
  const el = $("#toast");
  el.textContent = text; el.hidden = false;
  clearTimeout(toast.timer); toast.timer = setTimeout(() => { el.hidden = true; }, 3500);
}

export function ulid() {
  let value = BigInt(Date.now()) << 80n;
  const random = crypto.getRandomValues(new Uint8Array(10));
  for (let i = 0; i < 10; i++) value |= BigInt(random[i]) << BigInt(8 * (9 - i));
  let out = "";
  for (let i = 0; i < 26; i++) { out = CROCKFORD[Number(value % 32n)] + out; value /= 32n; }
  return out;
}

export function localIso(date = new Date()) {
  // the tablet's own offset, as the contract asks (e.g. 2026-11-20T09:31:00+08:00)
  const offset = -date.getTimezoneOffset();
  const local = new Date(date.getTime() + offset * 60000).toISOString().slice(0, 19);
  const sign = offset >= 0 ? "+" : "-";
  const hh = String(Math.floor(Math.abs(offset) / 60)).padStart(2, "0");
  const mm = String(Math.abs(offset) % 60).padStart(2, "0");
  return `${local}${sign}${hh}:${mm}`;
}

export function translate() {
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
