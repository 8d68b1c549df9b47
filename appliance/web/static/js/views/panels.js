// Panels: the virtual LED panel of every node on the track, drawn from its GET /api/panel
// (this node first, then the peers of state.nodes by role and sector). Polled at ~4 Hz,
// one request in flight per node, only while the view is visible; a node that fails is
// retried with a backoff and shown grey, never with an error toast.

import { nodeBase, fetchTimeout } from "../api.js";
import { ago, fill, h } from "../dom.js";
import { chip, FLAGS, label } from "../flags.js";

const POLL_MS = 250;
const FETCH_TIMEOUT_MS = 1500;
const BACKOFF_MAX_MS = 8000;
const NO_PANEL_RETRY_MS = 30000;  // a 404 (repeater): ask again much later
const ROLE_ORDER = ["control", "sector", "semaphore", "pit_exit", "repeater"];
const MIN_CELL = 14;              // css px of one LED of a strip on a phone
const OFF_LED = [26, 26, 26];     // how a dark LED is drawn (a pixel [0,0,0])

let el = {};
let timer = null;
const cards = new Map();          // node id -> card record

function roleRank(role) {
  const i = ROLE_ORDER.indexOf(role);
  return i < 0 ? ROLE_ORDER.length : i;
}

// The nodes to show: this node, then its peers ordered by role, sector and id.
function nodesOf(state, app) {
  const me = state.node || {};
  const out = [{ id: me.id || "self", role: me.role, sector: me.sector, online: app.link.status === "live",
    panel: state.panel, base: app.link.base, self: true, live: state.live }];
  const peers = (state.nodes || []).filter((n) => n.id && n.id !== me.id).slice().sort((a, b) =>
    roleRank(a.role) - roleRank(b.role) || (a.sector || 0) - (b.sector || 0) || String(a.id).localeCompare(String(b.id)));
  for (const n of peers) out.push({ ...n, base: nodeBase(n), self: false });
  return out;
}

function where(n) {
  if (n.role === "sector" && n.sector) return `Sector ${n.sector}`;
  return n.role ? n.role[0].toUpperCase() + n.role.slice(1).replace("_", " ") : "Node";
}

// The frame signals of appliance/hw/render.py beyond the flag vocabulary.
const EXTRA = { not_live: "Not live", aborted: "Start aborted", lights_out: "Lights out",
  pit_open: "Pit open", pit_closed: "Pit closed" };

function signalChip(signal) {
  let text = EXTRA[signal.replace(/_blue$/, "")] || label(signal);
  if (/^pit_.*_blue$/.test(signal)) text += " · cars coming";
  if (/^start_\d$/.test(signal)) text = `Start: ${signal.slice(6)} lights`;
  const colour = FLAGS[signal] ? signal : signal.startsWith("start_") || signal.startsWith("pit_closed") ? "red"
    : signal.startsWith("pit_open") ? "green" : "none";
  return chip(colour, text);
}

function makeCard(id) {
  const c = { id, inFlight: false, nextAt: 0, failures: 0, frame: null, frameAt: 0, drawnKey: "", error: "" };
  c.title = h("strong", { class: "grow" });
  c.status = h("span", {});
  c.badges = h("div", { class: "row badges" });
  c.canvas = h("canvas", { class: "leds", width: 1, height: 1, role: "img", "aria-label": "LED panel" });
  c.note = h("p", { class: "muted note" });
  c.root = h("div", { class: "card panel-card", dataset: { node: id } },
    h("div", { class: "row" }, c.title, c.status), c.badges, c.canvas, c.note);
  return c;
}

function updateCard(c, n, state, now) {
  c.node = n;
  const report = n.panel || null;
  c.root.dataset.role = n.role || "";
  c.root.dataset.sector = String(n.sector || 0);
  c.root.classList.toggle("down", !n.online || c.failures > 0);
  c.title.textContent = `${where(n)} · ${n.id}${n.self ? " (this node)" : ""}`;
  c.status.className = n.online ? "online" : "offline";
  c.status.textContent = n.online ? "● online" : "○ OFFLINE";
  const signal = (c.frame && !c.failures && n.online ? c.frame.signal : null) || (report && report.signal);
  c.root.dataset.signal = signal || "";
  const driver = report && report.driver ? `driver ${report.driver}` : null;
  fill(c.badges,
    signal ? signalChip(signal) : h("span", { class: "muted" }, report ? "" : "no panel report"),
    report && report.driver_ok === false ? h("strong", { class: "badge bad", dataset: { badge: "driver" } },
      "DRIVER FAILED" + (report.error ? `: ${report.error}` : "")) : (driver ? h("span", { class: "muted" }, `${driver} ok`) : null),
    (report && report.live === false) || (n.self && n.live === false) ? h("strong", { class: "badge warn", dataset: { badge: "not-live" } }, "NOT LIVE") : null);
  let note;
  if (!n.online) note = n.self ? "Link down: panel not polled." : `Offline: last seen ${ago(n.last_seen_ms, now)}; not polled.`;
  else if (!n.base) note = "No HTTP address known for this node.";
  else if (c.error) note = c.error;
  else if (c.frame) note = `${c.frame.layout} ${c.frame.width}×${c.frame.height} · since ${c.frame.since_ms ? ago(c.frame.since_ms, now) : "start"}`;
  else note = "Loading panel…";
  c.note.textContent = note;
}

// Columns of the drawing: the matrix as it is; a strip in rows of equal length that fit.
function geometry(frame, avail) {
  const w = Math.max(1, frame.width | 0);
  const hgt = Math.max(1, frame.height | 0);
  if (frame.layout === "matrix" || hgt > 1) {
    const cell = Math.max(2, Math.min(24, Math.floor(avail / w)));
    return { cols: w, rows: hgt, cell };
  }
  const fit = Math.max(1, Math.floor(avail / MIN_CELL));
  let cols = Math.min(w, fit);
  for (let c = cols; c >= Math.ceil(fit / 2); c--) if (w % c === 0) { cols = c; break; }
  const cell = Math.max(2, Math.min(32, Math.floor(avail / cols)));
  return { cols, rows: Math.ceil(w / cols), cell };
}

function draw(c) {
  const f = c.frame;
  if (!f) return;
  const avail = c.root.clientWidth - 26;
  if (avail <= 0) return;
  const g = geometry(f, avail);
  const key = `${g.cols}x${g.rows}@${g.cell}|${f.key}`;
  if (key === c.drawnKey) return;
  c.drawnKey = key;
  const cv = c.canvas;
  if (cv.width !== g.cols * g.cell || cv.height !== g.rows * g.cell) {
    cv.width = g.cols * g.cell;
    cv.height = g.rows * g.cell;
    cv.style.width = `${cv.width}px`;
    cv.style.height = `${cv.height}px`;
  }
  const ctx = cv.getContext("2d");
  ctx.fillStyle = "#000";
  ctx.fillRect(0, 0, cv.width, cv.height);
  const gap = g.cell >= 6 ? 1 : 0;
  f.pixels.forEach((p, i) => {
    const [r, gr, b] = p[0] || p[1] || p[2] ? p : OFF_LED;
    ctx.fillStyle = `rgb(${r},${gr},${b})`;
    ctx.fillRect((i % g.cols) * g.cell + gap, Math.floor(i / g.cols) * g.cell + gap, g.cell - 2 * gap, g.cell - 2 * gap);
  });
  cv.dataset.signal = f.signal || "";
  cv.setAttribute("aria-label", `LED panel of ${where(c.node || {})}: ${f.signal || "none"}`);
}

function byte(v) {
  const n = Number(v);
  return Number.isFinite(n) ? Math.max(0, Math.min(255, Math.round(n))) : 0;
}

// A well-formed frame, or null.
function frameOf(body) {
  if (!body || !Array.isArray(body.pixels)) return null;
  const width = Number(body.width) | 0;
  const height = Number(body.height) | 0;
  if (width <= 0 || height <= 0 || width * height > 4096 || body.pixels.length !== width * height) return null;
  const pixels = body.pixels.map((p) => Array.isArray(p) ? [byte(p[0]), byte(p[1]), byte(p[2])] : [0, 0, 0]);
  return { layout: body.layout === "matrix" ? "matrix" : "strip", width, height, pixels,
    signal: typeof body.signal === "string" ? body.signal : "", since_ms: Number(body.since_ms) || 0,
    key: pixels.join(";") };
}

async function poll(c, app) {
  const n = c.node;
  c.inFlight = true;
  const started = Date.now();
  try {
    const res = await fetchTimeout(n.base + "/api/panel", {}, FETCH_TIMEOUT_MS);
    if (res.status === 404) {
      c.frame = null;
      c.error = "This node has no panel.";
      c.failures = 0;
      c.nextAt = Date.now() + NO_PANEL_RETRY_MS;
      return;
    }
    const frame = res.ok ? frameOf(await res.json()) : null;
    if (!frame) throw new Error(res.ok ? "bad frame" : `HTTP ${res.status}`);
    c.frame = frame;
    c.frameAt = Date.now();
    c.failures = 0;
    c.error = "";
    c.nextAt = started + POLL_MS;
  } catch (e) {
    c.failures += 1;
    c.error = `Panel not reachable (${c.failures} ${c.failures === 1 ? "try" : "tries"}); retrying.`;
    c.nextAt = Date.now() + Math.min(BACKOFF_MAX_MS, 500 * 2 ** (c.failures - 1));
  } finally {
    c.inFlight = false;
    if (!app.views.panels.hidden && app.state) {
      updateCard(c, n, app.state, app.link.now());
      draw(c);
    }
  }
}

function step(app) {
  if (app.views.panels.hidden) {
    stop();
    return;
  }
  if (document.visibilityState === "hidden") return;
  const now = Date.now();
  for (const c of cards.values()) {
    if (!c.inFlight && c.node && c.node.online && c.node.base && now >= c.nextAt) poll(c, app);
  }
}

function stop() {
  clearInterval(timer);
  timer = null;
}

export default {
  id: "panels",
  title: "Panels",

  mount(root) {
    el.list = h("div", { class: "panel-cards", id: "panel-cards" });
    el.summary = h("p", { class: "muted", id: "panels-summary" });
    root.append(h("div", { class: "card" }, h("h2", {}, "Panels on the track"),
      h("p", { class: "muted" }, "What the LEDs of every node show now (their own frame, polled from each node)."),
      el.summary), el.list);
  },

  shown(app) {
    stop();
    if (app.state) this.update(app.state, app);
    timer = setInterval(() => step(app), POLL_MS / 2);
    step(app);
  },

  leave() {
    stop();
  },

  update(state, app) {
    const nodes = nodesOf(state, app);
    const want = new Set(nodes.map((n) => n.id));
    for (const [id, c] of cards) {
      if (!want.has(id)) {
        c.root.remove();
        cards.delete(id);
      }
    }
    const now = app.link.now();
    nodes.forEach((n, i) => {
      let c = cards.get(n.id);
      if (!c) {
        c = makeCard(n.id);
        cards.set(n.id, c);
      }
      if (c.node && c.node.base !== n.base) { c.failures = 0; c.nextAt = 0; }
      if (c.node && !c.node.online && n.online) c.nextAt = 0;  // back: poll at once
      if (el.list.children[i] !== c.root) el.list.insertBefore(c.root, el.list.children[i] || null);
      updateCard(c, n, state, now);
    });
    const online = nodes.filter((n) => n.online).length;
    el.summary.textContent = `${nodes.length} ${nodes.length === 1 ? "node" : "nodes"}, ${online} online.`;
    if (!app.views.panels.hidden) for (const c of cards.values()) draw(c);
  },

  tick(state, app) {
    if (!app.views.panels.hidden) for (const c of cards.values()) if (c.node) updateCard(c, c.node, state, app.link.now());
  },
};
