// Admins register tablets: the answer's enrol link is shown as a QR code, which the
// tablet's camera opens to set up the field app (the password is shown only once).
"use strict";

const $ = (sel) => document.querySelector(sel);
const esc = (s) => String(s ?? "").replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);
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
  $("#qr").innerHTML = code.createSvgTag({ cellSize: 4, margin: 2, scalable: true });
  $("#enrol-link").href = url;
  $("#enrol-link").textContent = "打开现场应用 Open the field app";
  $("#credentials").innerHTML = [["device", issued.device_id], ["grid", issued.grid_id], ["database", issued.database],
    ["username", issued.username], ["password", issued.password]].map(([k, v]) => `<dt>${k}</dt><dd>${esc(v)}</dd>`).join("");
  $("#issued").hidden = false;
}

const QUIET_DAYS = 3;  // an active tablet silent this long is worth a call to its worker

function lastReport(d) {
  if (!d.last_report_at) return `<td class="last-report${d.revoked_at ? "" : " quiet"}">从未 never</td>`;
  const at = new Date(d.last_report_at);
  const quiet = !d.revoked_at && Date.now() - at.getTime() > QUIET_DAYS * 86400000;
  const text = at.toLocaleString("zh-CN", { hour12: false }).slice(0, -3);  // the admin's own clock
  return `<td class="last-report${quiet ? " quiet" : ""}">${esc(text)}</td>`;
}

function workerCell(d, workers) {
  // the grid workers of the tablet's own grid: the scorecard counts its work as theirs
  if (d.revoked_at) return `<td>${esc(d.worker_name || "")}</td>`;
  const mine = workers.filter((w) => w.place_id === d.grid_id);
  const options = [`<option value="">— 无 none</option>`, ...mine.map((w) =>
    `<option value="${w.id}"${w.id === d.worker_account_id ? " selected" : ""}>${esc(w.display_name || w.username)}</option>`)];
  return `<td><select data-worker="${esc(d.id)}">${options.join("")}</select></td>`;
}

async function listDevices() {
  const [devices, accounts] = await Promise.all([api("/api/devices"), api("/api/accounts")]);
  const workers = accounts.filter((a) => a.role === "grid_worker" && !a.disabled);
  $("#devices").innerHTML = devices.map((d) => `<tr><td>${esc(d.id)}</td><td>${esc(d.grid_id)}</td><td>${esc(d.label)}</td>
    ${workerCell(d, workers)}<td>${d.revoked_at ? "停用 revoked" : "在用 active"}</td>${lastReport(d)}
    <td>${d.revoked_at ? "" : `<button type="button" class="link" data-rotate="${esc(d.id)}">新密码 New password</button>
      <button type="button" class="link" data-revoke="${esc(d.id)}">停用 Revoke</button>`}</td></tr>`).join("");
  document.querySelectorAll("[data-worker]").forEach((select) => select.addEventListener("change", async () => {
    const body = JSON.stringify({ account_id: select.value ? Number(select.value) : null });
    await api(`/api/devices/${encodeURIComponent(select.dataset.worker)}/worker`, { method: "POST", body });
    await listDevices();
  }));
  document.querySelectorAll("[data-rotate]").forEach((b) => b.addEventListener("click", async () => {
    showIssued(await api(`/api/devices/${encodeURIComponent(b.dataset.rotate)}/rotate`, { method: "POST" }));
  }));
  document.querySelectorAll("[data-revoke]").forEach((b) => b.addEventListener("click", async () => {
    if (!confirm(`停用 Revoke ${b.dataset.revoke}?`)) return;
    await api(`/api/devices/${encodeURIComponent(b.dataset.revoke)}/revoke`, { method: "POST" });
    await listDevices();
  }));
}

async function start() {
  $("#login").hidden = true; $("#main").hidden = false;
  const grids = await api("/api/grids");
  $("#register select[name=grid_id]").innerHTML = grids.map((g) => `<option value="${esc(g.id)}">${esc(g.name_zh)} ${esc(g.name_en)}</option>`).join("");
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
$("#sign-out").addEventListener("click", () => { sessionStorage.removeItem("token"); location.reload(); });
if (token) start().catch((error) => { $("#register .error").textContent = error.message; }); else $("#login").hidden = false;
