// Admins register tablets: the answer's enrol link is shown as a QR code, which the
// tablet's camera opens to set up the field app (the password is shown only once).
"use strict";

const $ = (sel) => document.querySelector(sel);
const { el, show } = window.dom;
let token = sessionStorage.getItem("token");

async function api(path, options = {}) {
  const response = await fetch(path, {
    ...options, headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json", ...(options.headers || {}) },
  });
  if (response.status === 401) { sessionStorage.removeItem("token"); location.reload(); }
  const body = response.status === 204 ? null : await response.json();
  if (!response.ok) {
    const lines = [body?.detail || body?.title || `HTTP ${response.status}`, ...(body?.errors || []).map((e) => `${e.path || e.key || ""}: ${e.message}`)];
    throw new Error(lines.join("\n"));
  }
  return body;
}

function showIssued(issued) {
  const url = `${location.origin}${issued.enrol_path}`;
  const code = qrcode(0, "M");
  code.addData(url);
  code.make();
  show($("#qr"), el("img", { src: code.createDataURL(4, 2), alt: url }));
  $("#enrol-link").href = url;
  $("#enrol-link").textContent = "打开现场应用 Open the field app";
  show($("#credentials"), [["device", issued.device_id], ["grid", issued.grid_id], ["database", issued.database],
    ["username", issued.username], ["password", issued.password]].map(([k, v]) => [el("dt", {}, k), el("dd", {}, v)]));
  $("#issued").hidden = false;
}

const QUIET_DAYS = 3;  // an active tablet silent this long is worth a call to its worker

function lastReport(d) {
  if (!d.last_report_at) return el("td", { class: `last-report${d.revoked_at ? "" : " quiet"}` }, "从未 never");
  const at = new Date(d.last_report_at);
  const quiet = !d.revoked_at && Date.now() - at.getTime() > QUIET_DAYS * 86400000;
  const text = at.toLocaleString("zh-CN", { hour12: false }).slice(0, -3);  // the admin's own clock
  return el("td", { class: `last-report${quiet ? " quiet" : ""}` }, text);
}

function workerCell(d, workers) {
  // the grid workers of the tablet's own grid: the scorecard counts its work as theirs
  if (d.revoked_at) return el("td", {}, d.worker_name || "");
  const mine = workers.filter((w) => w.place_id === d.grid_id);
  const select = el("select", { dataset: { worker: d.id } }, el("option", { value: "" }, "— 无 none"),
    mine.map((w) => el("option", { value: w.id, selected: w.id === d.worker_account_id }, w.display_name || w.username)));
  select.addEventListener("change", async () => {
    const body = JSON.stringify({ account_id: select.value ? Number(select.value) : null });
    await api(`/api/devices/${encodeURIComponent(d.id)}/worker`, { method: "POST", body });
    await listDevices();
  });
  return el("td", {}, select);
}

function actions(d) {
  if (d.revoked_at) return el("td");
  const rotate = el("button", { type: "button", class: "link", dataset: { rotate: d.id } }, "新密码 New password");
  const revoke = el("button", { type: "button", class: "link", dataset: { revoke: d.id } }, "停用 Revoke");
  rotate.addEventListener("click", async () => {
    showIssued(await api(`/api/devices/${encodeURIComponent(d.id)}/rotate`, { method: "POST" }));
  });
  revoke.addEventListener("click", async () => {
    if (!confirm(`停用 Revoke ${d.id}?`)) return;
    await api(`/api/devices/${encodeURIComponent(d.id)}/revoke`, { method: "POST" });
    await listDevices();
  });
  return el("td", {}, rotate, " ", revoke);
}

async function listDevices() {
  const [devices, accounts] = await Promise.all([api("/api/devices"), api("/api/accounts")]);
  const workers = accounts.filter((a) => a.role === "grid_worker" && !a.disabled);
  show($("#devices"), devices.map((d) => el("tr", {}, el("td", {}, d.id), el("td", {}, d.grid_id), el("td", {}, d.label),
    workerCell(d, workers), el("td", {}, d.revoked_at ? "停用 revoked" : "在用 active"), lastReport(d), actions(d))));
}

async function start() {
  $("#login").hidden = true; $("#main").hidden = false;
  const grids = await api("/api/grids");
  show($("#register select[name=grid_id]"), grids.map((g) => el("option", { value: g.id }, `${g.name_zh} ${g.name_en}`)));
  await listDevices();
}

$("#login").addEventListener("submit", async (e) => {
  e.preventDefault();
  const data = Object.fromEntries(new FormData(e.target));
  const response = await fetch("/api/auth/login", { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(data) });
  if (!response.ok) { $("#login .error").textContent = "用户名或密码错误 Wrong username or password"; return; }
  token = (await response.json()).access_token;
  sessionStorage.setItem("token", token);
  start().catch((error) => { $("#register .error").textContent = error.message; });
});
$("#register").addEventListener("submit", async (e) => {
  e.preventDefault();
  const data = Object.fromEntries(new FormData(e.target));
  try {
    showIssued(await api("/api/devices", { method: "POST", body: JSON.stringify(data) }));
    $("#register .error").textContent = "";
    await listDevices();
  } catch (error) { $("#register .error").textContent = error.message; }
});
$("#sign-out").addEventListener("click", () => {
  // ends this account's sessions on the server too
  fetch("/api/auth/logout", { method: "POST", headers: { Authorization: `Bearer ${token}` } })
    .finally(() => { sessionStorage.removeItem("token"); location.reload(); });
});
if (token) start().catch((error) => { $("#register .error").textContent = error.message; }); else $("#login").hidden = false;
