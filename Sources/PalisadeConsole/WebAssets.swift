import Hummingbird

/// The web UI: plain HTML, CSS and JavaScript compiled into the binary, so the console needs no files
/// beside it and no CDN. Edit them here; the page is rendered with textContent only (see app.js).
enum WebAssets {
    static func register(on router: Router<BasicRequestContext>) {
        for (path, body, type) in [
            ("/", html, "text/html; charset=utf-8"), ("/app.js", javaScript, "text/javascript; charset=utf-8"),
            ("/app.css", styleSheet, "text/css; charset=utf-8"),
        ] {
            router.get(RouterPath(path)) { _, _ in
                Response(status: .ok, headers: [.contentType: type, .cacheControl: "no-cache"], body: .init(byteBuffer: ByteBuffer(string: body)))
            }
        }
    }

    static let html = ##"""
<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Palisade Console</title>
<link rel="stylesheet" href="/app.css">
<script src="/app.js" defer></script>
</head>
<body>
<header>
  <h1>Palisade</h1>
  <nav id="nav" hidden>
    <a href="#/dashboard">Dashboard</a>
    <a href="#/functions">Functions</a>
    <a href="#/events">Events</a>
    <a href="#/policy">Policy</a>
    <a href="#/settings">Group</a>
    <select id="group-select" aria-label="Group"></select>
    <button id="signout" type="button">Sign out</button>
  </nav>
</header>
<main>
  <section id="view-signin" class="view" hidden>
    <h2>Sign in</h2>
    <p>Paste an API token (<code>palisade console bootstrap</code> prints the first one).</p>
    <form id="signin-form">
      <input id="token" type="password" autocomplete="off" placeholder="pt_…" size="60">
      <button id="signin" type="submit">Sign in</button>
    </form>
    <p id="signin-error" class="error"></p>
  </section>

  <section id="view-dashboard" class="view" hidden>
    <h2>Dashboard <small id="range"></small></h2>
    <div class="cards">
      <div class="card"><span class="label">Deployed functions</span><span id="stat-deployed" class="number">–</span></div>
      <div class="card"><span class="label">Protected functions</span><span id="stat-protected" class="number">–</span></div>
      <div class="card"><span class="label">Total executions</span><span id="stat-invocations" class="number">–</span></div>
      <div class="card"><span class="label">Attacks detected</span><span id="stat-attacks" class="number">–</span></div>
      <div class="card"><span class="label">Blocked</span><span id="stat-blocked" class="number">–</span></div>
      <div class="card"><span class="label">Alerted</span><span id="stat-reported" class="number">–</span></div>
    </div>
    <div class="charts">
      <figure><figcaption>Attack types</figcaption><svg id="chart-categories" viewBox="0 0 400 220" role="img"></svg></figure>
      <figure><figcaption>Security triggers over time</figcaption><svg id="chart-time" viewBox="0 0 400 220" role="img"></svg></figure>
    </div>
  </section>

  <section id="view-functions" class="view" hidden>
    <h2>Functions</h2>
    <table>
      <thead><tr><th>Name</th><th>Runtime</th><th>Region</th><th>Layer</th><th>First seen</th><th>Last seen</th><th>Invocations</th><th>Protected</th></tr></thead>
      <tbody id="functions-body"></tbody>
    </table>
  </section>

  <section id="view-events" class="view" hidden>
    <h2>Events</h2>
    <form id="event-filters" class="filters">
      <input name="function" placeholder="function">
      <select name="category"><option value="">any category</option></select>
      <select name="action"><option value="">any action</option><option>reported</option><option>blocked</option></select>
      <input name="sourceIp" placeholder="source IP">
      <input name="q" placeholder="text">
      <button type="submit">Filter</button>
    </form>
    <table>
      <thead><tr><th>Time</th><th>Function</th><th>Category</th><th>Rule</th><th>Location</th><th>Action</th><th>Source IP</th></tr></thead>
      <tbody id="events-body"></tbody>
    </table>
    <button id="events-more" type="button" hidden>Older events</button>
  </section>

  <section id="view-event" class="view" hidden>
    <h2>Event <small id="detail-id"></small></h2>
    <dl id="event-detail" class="detail"></dl>
    <h3>Evidence</h3>
    <pre id="detail-evidence"></pre>
    <h3>Evidence, decoded</h3>
    <pre id="detail-decoded"></pre>
    <p><a href="#/events">Back to events</a></p>
  </section>

  <section id="view-policy" class="view" hidden>
    <h2>Policy <small id="policy-version"></small></h2>
    <label>Default mode <select id="policy-mode"><option>off</option><option>report</option><option>mitigate</option></select></label>
    <table>
      <thead><tr><th>Protection</th><th>Mode</th></tr></thead>
      <tbody id="policy-protections"></tbody>
    </table>
    <h3>Allow rules</h3>
    <table>
      <thead><tr><th>Location pattern</th><th>Value pattern</th><th>Protections (comma separated)</th><th></th></tr></thead>
      <tbody id="policy-exceptions"></tbody>
    </table>
    <button id="policy-add-exception" type="button">Add allow rule</button>
    <h3>Per-function rules (JSON)</h3>
    <textarea id="policy-functions" rows="6" cols="80" spellcheck="false"></textarea>
    <p><button id="policy-save" type="button">Save policy</button> <span id="policy-status"></span></p>
  </section>

  <section id="view-settings" class="view" hidden>
    <h2>Group</h2>
    <dl class="detail">
      <dt>Name</dt><dd id="group-name"></dd>
      <dt>Key (PALISADE_KEY)</dt><dd><code id="group-key"></code></dd>
      <dt>Secret rotation</dt><dd id="group-rotating"></dd>
    </dl>
    <p><button id="rotate" type="button">Rotate secret</button> <button id="finish-rotation" type="button">Finish rotation</button></p>
    <p>New secret (shown once): <code id="new-secret"></code></p>
  </section>
  <p id="error" class="error"></p>
</main>
</body>
</html>
"""##

    static let javaScript = ##"""
// Palisade console UI. Every value from the server is placed with textContent or as an SVG
// attribute, never parsed as HTML, and the CSP allows no inline script: payloads stay text.
"use strict";

const CATEGORIES = ["sqli", "xss", "cmdi", "code", "traversal", "ssrf", "nosql", "proto", "jndi", "ssti"];
const PROTECTIONS = CATEGORIES.concat(["credential-leak", "verbose-errors"]);
const state = { token: sessionStorage.getItem("palisade-token"), groups: [], group: null, cursor: null, policy: null };

const $ = (id) => document.getElementById(id);

function el(tag, text, className) {
  const node = document.createElement(tag);
  if (text !== undefined && text !== null) node.textContent = String(text);
  if (className) node.className = className;
  return node;
}

function svg(tag, attributes, text) {
  const node = document.createElementNS("http://www.w3.org/2000/svg", tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, String(value));
  if (text !== undefined) node.textContent = String(text);
  return node;
}

async function api(path, options = {}) {
  const headers = Object.assign({ Authorization: "Bearer " + state.token }, options.headers || {});
  const response = await fetch("/api/v1" + path, Object.assign({}, options, { headers }));
  if (response.status === 401) { signOut(); throw new Error("signed out"); }
  const body = response.status === 204 ? null : await response.json();
  if (!response.ok) throw new Error(body && body.error ? body.error.code + ": " + body.error.message : "HTTP " + response.status);
  return body;
}

function groupPath(path) { return "/groups/" + encodeURIComponent(state.group.id) + path; }

function show(view) {
  for (const section of document.querySelectorAll(".view")) section.hidden = section.id !== "view-" + view;
  for (const link of document.querySelectorAll("nav a")) link.classList.toggle("active", link.getAttribute("href") === "#/" + view);
  $("error").textContent = "";
}

function signOut() {
  sessionStorage.removeItem("palisade-token");
  state.token = null;
  $("nav").hidden = true;
  show("signin");
}

async function signIn(token) {
  state.token = token;
  const session = await api("/session");
  sessionStorage.setItem("palisade-token", token);
  state.groups = session.groups;
  const select = $("group-select");
  select.replaceChildren(...session.groups.map((group) => { const option = el("option", group.name); option.value = group.id; return option; }));
  const remembered = sessionStorage.getItem("palisade-group");
  state.group = session.groups.find((group) => group.id === remembered) || session.groups[0] || null;
  if (state.group) select.value = state.group.id;
  $("nav").hidden = false;
}

function formatTime(text) { return text ? text.replace("T", " ").replace(/\.\d+Z$/, "Z") : "–"; }

async function renderDashboard() {
  show("dashboard");
  if (!state.group) { $("error").textContent = "No group yet: create one with POST /api/v1/groups."; return; }
  const stats = await api(groupPath("/stats"));
  $("range").textContent = formatTime(stats.from) + " – " + formatTime(stats.to);
  for (const [id, value] of [["deployed", stats.deployedFunctions], ["protected", stats.protectedFunctions], ["invocations", stats.invocations],
    ["attacks", stats.attacks], ["blocked", stats.blocked], ["reported", stats.reported]]) {
    $("stat-" + id).textContent = Number(value).toLocaleString("en");
  }
  const categories = Object.entries(stats.byCategory).sort((a, b) => b[1] - a[1]);
  barChart($("chart-categories"), categories.map(([name, count]) => ({ label: name, value: count })));
  barChart($("chart-time"), stats.overTime.map((bucket) => ({ label: bucket.start.slice(11, 16), value: bucket.events })));
}

function barChart(target, bars) {
  target.replaceChildren();
  if (bars.length === 0) { target.appendChild(svg("text", { x: 150, y: 110 }, "no events in range")); return; }
  const max = Math.max(...bars.map((bar) => bar.value), 1);
  const width = 380 / bars.length;
  bars.forEach((bar, index) => {
    const height = Math.round((bar.value / max) * 170);
    const x = 10 + index * width;
    target.appendChild(svg("rect", { class: "bar", x: x + 2, y: 190 - height, width: Math.max(width - 4, 1), height }));
    if (bar.value > 0) target.appendChild(svg("text", { x: x + 2, y: 185 - height }, bar.value));
    if (bars.length <= 16 || index % Math.ceil(bars.length / 12) === 0) target.appendChild(svg("text", { x: x + 2, y: 205 }, bar.label));
  });
}

async function renderFunctions() {
  show("functions");
  const { functions } = await api(groupPath("/functions"));
  $("functions-body").replaceChildren(...functions.map((fn) => {
    const row = el("tr");
    for (const value of [fn.name, fn.runtime || "–", fn.region || "–", fn.layerVersion || "–", formatTime(fn.firstSeen), formatTime(fn.lastSeen), fn.invocations]) row.appendChild(el("td", value));
    row.appendChild(el("td", fn.protected ? "yes" : "no", fn.protected ? "yes" : "no"));
    return row;
  }));
}

function eventFilters() {
  const form = new FormData($("event-filters"));
  const query = new URLSearchParams();
  for (const [name, value] of form.entries()) if (value) query.set(name, value);
  return query;
}

async function renderEvents(more) {
  show("events");
  const query = eventFilters();
  query.set("limit", "50");
  if (more && state.cursor) query.set("cursor", state.cursor);
  const page = await api(groupPath("/events?" + query.toString()));
  const rows = page.events.map((event) => {
    const row = el("tr", null, "event-row");
    row.dataset.id = event.id;
    for (const value of [formatTime(event.time), event.function, event.category, event.rule, event.location, event.action, event.sourceIp || "–"]) row.appendChild(el("td", value));
    row.addEventListener("click", () => { location.hash = "#/events/" + encodeURIComponent(event.id); });
    return row;
  });
  if (more) $("events-body").append(...rows); else $("events-body").replaceChildren(...rows);
  state.cursor = page.nextCursor || null;
  $("events-more").hidden = !state.cursor;
}

/// Evidence as an analyst wants to read it: URL escapes and HTML entities resolved, still as text.
function decodedEvidence(text) {
  let decoded = text;
  try { decoded = decodeURIComponent(text.replace(/\+/g, " ")); } catch (error) { decoded = text; }
  return decoded.replace(/&(#x?[0-9a-f]+|[a-z]+);/gi, (entity) => {
    const map = { "&lt;": "<", "&gt;": ">", "&amp;": "&", "&quot;": "\"", "&#39;": "'" };
    if (map[entity.toLowerCase()]) return map[entity.toLowerCase()];
    const hex = /^&#x([0-9a-f]+);$/i.exec(entity), dec = /^&#(\d+);$/.exec(entity);
    if (hex) return String.fromCodePoint(parseInt(hex[1], 16));
    if (dec) return String.fromCodePoint(parseInt(dec[1], 10));
    return entity;
  });
}

async function renderEvent(id) {
  show("event");
  const event = await api(groupPath("/events/" + encodeURIComponent(id)));
  $("detail-id").textContent = event.id;
  const fields = [["Time", formatTime(event.time)], ["Kind", event.kind], ["Function", event.function], ["Request id", event.requestId],
    ["Trigger", event.trigger], ["Source IP", event.sourceIp], ["Category", event.category], ["Rule", event.rule], ["Message", event.message],
    ["Location", event.location], ["Action", event.action], ["Incident", event.incidentId], ["Record", event.record],
    ["Command", event.command], ["Path", event.path], ["Host", event.host], ["Runtime", event.runtime], ["Region", event.region],
    ["Layer version", event.layerVersion]];
  const list = $("event-detail");
  list.replaceChildren();
  for (const [label, value] of fields) {
    if (value === undefined || value === null) continue;
    list.appendChild(el("dt", label));
    const dd = el("dd", value);
    dd.dataset.field = label.toLowerCase().replace(/ /g, "-");
    list.appendChild(dd);
  }
  $("detail-evidence").textContent = event.evidence;
  $("detail-decoded").textContent = decodedEvidence(event.evidence);
}

function modeSelect(value, protection) {
  const select = el("select");
  if (protection) select.dataset.protection = protection;
  const inherit = el("option", "inherit"); inherit.value = ""; select.appendChild(inherit);
  for (const mode of ["off", "report", "mitigate"]) select.appendChild(el("option", mode));
  select.value = value || "";
  return select;
}

function exceptionRow(rule) {
  const row = el("tr");
  for (const [name, value] of [["location", rule.location], ["pattern", rule.pattern], ["protections", (rule.protections || []).join(",")]]) {
    const cell = el("td"); const input = el("input"); input.name = name; input.value = value || ""; cell.appendChild(input); row.appendChild(cell);
  }
  const remove = el("button", "Remove"); remove.type = "button"; remove.addEventListener("click", () => row.remove());
  const cell = el("td"); cell.appendChild(remove); row.appendChild(cell);
  return row;
}

async function renderPolicy() {
  show("policy");
  const policy = await api(groupPath("/policy"));
  state.policy = policy.document;
  $("policy-version").textContent = "version " + policy.version;
  $("policy-mode").value = policy.document.mode || "report";
  const protections = policy.document.protections || {};
  $("policy-protections").replaceChildren(...PROTECTIONS.map((name) => {
    const row = el("tr"); row.appendChild(el("td", name));
    const cell = el("td"); cell.appendChild(modeSelect(protections[name], name)); row.appendChild(cell);
    return row;
  }));
  $("policy-exceptions").replaceChildren(...(policy.document.exceptions || []).map(exceptionRow));
  $("policy-functions").value = JSON.stringify(policy.document.functions || [], null, 2);
  $("policy-status").textContent = "";
}

async function savePolicy() {
  const document_ = Object.assign({}, state.policy, { version: 1, mode: $("policy-mode").value });
  const protections = {};
  for (const select of $("policy-protections").querySelectorAll("select")) if (select.value) protections[select.dataset.protection] = select.value;
  document_.protections = protections;
  document_.exceptions = [...$("policy-exceptions").querySelectorAll("tr")].map((row) => {
    const value = (name) => row.querySelector("input[name=" + name + "]").value.trim();
    const rule = { location: value("location") };
    if (value("pattern")) rule.pattern = value("pattern");
    if (value("protections")) rule.protections = value("protections").split(",").map((item) => item.trim()).filter(Boolean);
    return rule;
  }).filter((rule) => rule.location);
  try { document_.functions = JSON.parse($("policy-functions").value || "[]"); } catch (error) { $("policy-status").textContent = "Per-function rules are not valid JSON."; return; }
  try {
    const saved = await api(groupPath("/policy"), { method: "PUT", headers: { "Content-Type": "application/json" }, body: JSON.stringify(document_) });
    $("policy-version").textContent = "version " + saved.version;
    state.policy = saved.document;
    $("policy-status").textContent = "Saved version " + saved.version + ".";
  } catch (error) { $("policy-status").textContent = error.message; }
}

async function renderSettings() {
  show("settings");
  const group = await api(groupPath(""));
  $("group-name").textContent = group.name;
  $("group-key").textContent = group.key;
  $("group-rotating").textContent = group.rotating ? "in progress: the previous secret is still accepted" : "not in progress";
}

async function route() {
  if (!state.token) { show("signin"); return; }
  const hash = location.hash.replace(/^#\//, "") || "dashboard";
  try {
    if (hash.startsWith("events/")) await renderEvent(decodeURIComponent(hash.slice(7)));
    else if (hash === "events") await renderEvents(false);
    else if (hash === "functions") await renderFunctions();
    else if (hash === "policy") await renderPolicy();
    else if (hash === "settings") await renderSettings();
    else await renderDashboard();
  } catch (error) { if (state.token) $("error").textContent = error.message; }
}

document.addEventListener("DOMContentLoaded", async () => {
  const categorySelect = document.querySelector("#event-filters select[name=category]");
  for (const category of CATEGORIES) categorySelect.appendChild(el("option", category));
  $("signin-form").addEventListener("submit", async (submit) => {
    submit.preventDefault();
    try { await signIn($("token").value.trim()); $("signin-error").textContent = ""; location.hash = "#/dashboard"; await route(); }
    catch (error) { $("signin-error").textContent = "That token was not accepted."; state.token = null; }
  });
  $("signout").addEventListener("click", signOut);
  $("group-select").addEventListener("change", (change) => {
    state.group = state.groups.find((group) => group.id === change.target.value);
    sessionStorage.setItem("palisade-group", state.group.id);
    route();
  });
  $("event-filters").addEventListener("submit", (submit) => { submit.preventDefault(); renderEvents(false); });
  $("events-more").addEventListener("click", () => renderEvents(true));
  $("policy-add-exception").addEventListener("click", () => $("policy-exceptions").appendChild(exceptionRow({})));
  $("policy-save").addEventListener("click", savePolicy);
  $("rotate").addEventListener("click", async () => {
    const credentials = await api(groupPath("/secret/rotate"), { method: "POST" });
    $("new-secret").textContent = credentials.secret;
    await renderSettings();
  });
  $("finish-rotation").addEventListener("click", async () => { await api(groupPath("/secret/finish"), { method: "POST" }); $("new-secret").textContent = ""; await renderSettings(); });
  window.addEventListener("hashchange", route);
  if (state.token) { try { await signIn(state.token); } catch (error) { return; } }
  route();
});
"""##

    static let styleSheet = ##"""
:root { --ink: #1d2330; --muted: #5d6678; --line: #d8dce4; --accent: #2457c5; --bad: #b3261e; --ok: #1e7b3a; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 system-ui, sans-serif; color: var(--ink); background: #f5f6f8; }
header { display: flex; align-items: center; gap: 24px; padding: 10px 24px; background: #16203a; color: #fff; }
header h1 { font-size: 18px; margin: 0; }
nav { display: flex; align-items: center; gap: 16px; }
nav a { color: #cfd8ee; text-decoration: none; }
nav a.active { color: #fff; font-weight: 600; }
main { padding: 20px 24px; }
.cards { display: grid; grid-template-columns: repeat(6, 1fr); gap: 12px; }
.card { background: #fff; border: 1px solid var(--line); border-radius: 6px; padding: 12px; display: flex; flex-direction: column; }
.card .label { color: var(--muted); font-size: 12px; }
.card .number { font-size: 26px; font-weight: 600; }
.charts { display: grid; grid-template-columns: 1fr 1fr; gap: 12px; margin-top: 16px; }
figure { margin: 0; background: #fff; border: 1px solid var(--line); border-radius: 6px; padding: 12px; }
figcaption { color: var(--muted); margin-bottom: 6px; }
svg text { font-size: 10px; fill: var(--muted); }
svg .bar { fill: var(--accent); }
svg .bar.blocked { fill: var(--bad); }
table { border-collapse: collapse; width: 100%; background: #fff; margin: 8px 0; }
th, td { text-align: left; padding: 6px 8px; border-bottom: 1px solid var(--line); vertical-align: top; }
td { word-break: break-all; }
tr.event-row { cursor: pointer; }
tr.event-row:hover { background: #eef2fb; }
.filters { display: flex; gap: 8px; flex-wrap: wrap; }
.detail { display: grid; grid-template-columns: 180px 1fr; gap: 4px 12px; background: #fff; padding: 12px; border: 1px solid var(--line); }
.detail dt { color: var(--muted); }
.detail dd { margin: 0; word-break: break-all; }
pre { background: #fff; border: 1px solid var(--line); padding: 10px; white-space: pre-wrap; word-break: break-all; }
.error { color: var(--bad); }
.yes { color: var(--ok); font-weight: 600; }
.no { color: var(--bad); }
textarea { font-family: ui-monospace, monospace; }
"""##
}
