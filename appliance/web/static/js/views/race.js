// Race control: track flags, start/reset, safety car, the track map with marshal alerts,
// the cars (blue flag and car flag per car), and the posts with what each panel shows.

import { ago, clock, confirmDialog, fill, h, svg } from "../dom.js";
import { CAR_FLAGS, carChip, carLabel, chip, FLAGS, label, TRACK_FLAGS } from "../flags.js";

const MAP_COLOURS = {
  none: "#4a4a4a", green: "#00b140", yellow: "#ffd200", double_yellow: "#ffd200",
  slippery: "url(#pat-slippery)", white: "#ffffff", blue: "#0a4dff", red: "#e00000",
  sc: "#ffd200", vsc: "#ffd200", fcy: "#ffd200", code60: "#e000d0", checkered: "url(#pat-checkered)",
};

let el = {};
let mapSectors = 0;

function flagButton(flag, app) {
  return h("button", {
    type: "button", class: ["btn", "flagbtn", "f-" + flag], dataset: { flag }, "aria-pressed": "false",
    on: { click: () => setTrackFlag(flag, app) },
  }, label(flag));
}

async function setTrackFlag(flag, app) {
  if (flag === "red" && !(await confirmDialog("Red flag: stop the session on the whole track?", "RED FLAG"))) return;
  app.run("set_flag", { flag }, { ok: `Track: ${label(flag)}` });
}

export default {
  id: "race",
  title: "Race control",

  mount(root, app) {
    el.current = h("div", { class: "current", id: "track-current" });
    el.conflict = h("div", { id: "track-conflict" });
    el.flags = h("div", { class: "grid flags", id: "track-flags" }, TRACK_FLAGS.map((f) => flagButton(f, app)));
    el.raceStatus = h("p", { class: "muted", id: "race-status" });
    el.sc = h("button", { type: "button", class: "btn", id: "sc-active", "aria-pressed": "false",
      on: { click: () => app.run("safety_car/set", { active: el.sc.getAttribute("aria-pressed") !== "true" }, { ok: "Safety car updated" }) } },
    "Safety car active");
    el.scLap = h("button", { type: "button", class: "btn", id: "sc-lap", "aria-pressed": "false",
      on: { click: () => app.run("safety_car/set", { in_this_lap: el.scLap.getAttribute("aria-pressed") !== "true" }, { ok: "Safety car updated" }) } },
    "SC in this lap");
    el.map = svg("svg", { class: "map", viewBox: "0 0 400 260", role: "img", "aria-label": "track map", id: "track-map" });
    el.sectors = h("ul", { class: "sectors", id: "sector-list" });
    el.blue = h("ul", { class: "list cars", id: "blue-list" });
    el.posts = h("ul", { class: "list", id: "post-list" });

    el.alerts = h("div", { id: "alerts" });
    root.append(
      h("div", { class: "cols" },
        h("div", { class: "card" },
          h("h2", {}, "Track"), el.current, el.conflict, el.alerts, el.map),
        h("div", { class: "card" }, h("h2", {}, "Track flag"), el.flags)),
      h("div", { class: "cols" },
        h("div", { class: "card" },
          h("h2", {}, "Race"), el.raceStatus,
          h("div", { class: "grid" },
            h("button", { type: "button", class: "btn primary", id: "start-race", on: { click: async () => {
              if (await confirmDialog("Start the race now?", "Start race", false)) app.run("start_race", {}, { ok: "Race started" });
            } } }, "Start race"),
            h("button", { type: "button", class: "btn danger", id: "reset-race", on: { click: async () => {
              if (await confirmDialog("Reset the race? Flags, penalties and events of this session are cleared.", "Reset race")) {
                app.run("reset_race", {}, { ok: "Race reset" });
              }
            } } }, "Reset race"),
            h("button", { type: "button", class: "btn", id: "start-seq", on: { click: async () => {
              if (await confirmDialog("Run the start lights sequence?", "Start lights", false)) app.run("start_sequence", {}, { ok: "Start sequence running" });
            } } }, "Start lights"),
            h("button", { type: "button", class: "btn", id: "abort-seq", on: { click: () => app.run("start_sequence/abort", {}, { ok: "Start aborted" }) } }, "Abort start")),
          h("h3", {}, "Safety car"),
          h("div", { class: "grid" }, el.sc, el.scLap)),
        h("div", { class: "card" }, h("h2", {}, "Sectors"), el.sectors)),
      h("div", { class: "cols" },
        h("div", { class: "card", id: "cars" }, h("h2", {}, "Blue and car flags"),
          h("p", { class: "muted" }, "Black: disqualified · Black-orange: mechanical problem · Black-white: unsporting behaviour warning. Shown on the start line with the car number."),
          el.blue),
        h("div", { class: "card" }, h("h2", {}, "Posts"), el.posts)));
  },

  update(state, app) {
    const now = app.link.now();
    const track = state.flag;
    fill(el.current, chip(track, track === "none" ? "No track flag" : undefined), state.safety_car ? chip("sc", "SC deployed") : null,
      h("span", { class: "muted" }, state.flag_since_ms ? `since ${clock(state.flag_since_ms)}` : ""));
    el.current.dataset.flag = track;
    for (const b of el.flags.children) b.setAttribute("aria-pressed", String(b.dataset.flag === track));
    fill(el.conflict, state.flag_conflict ? settle(state.flag_values, track, (v) => app.run("set_flag", { flag: v }, { ok: `Settled: ${label(v)}` })) : null);

    const seq = state.start_sequence;
    el.raceStatus.textContent = (state.started ? `Started ${clock(state.started_at_ms)}` : "Not started") +
      (seq ? (seq.aborted ? " · start aborted" : now < seq.lights_out_ms ? " · start lights running" : "") : "");
    el.sc.setAttribute("aria-pressed", String(!!state.safety_car));
    el.sc.classList.toggle("f-sc", !!state.safety_car);
    el.scLap.setAttribute("aria-pressed", String(!!state.safety_car_this_lap));

    drawMap(state);
    const open = state.sectors.filter((s) => s.marshal_intervene && !s.intervene_acked);
    fill(el.alerts, open.map((s) => h("div", { class: "alert-row row", role: "alert", dataset: { sector: s.sector_id } },
      h("strong", {}, `MARSHAL INTERVENTION · sector ${s.sector_id}`),
      h("span", { class: "muted" }, clock(s.intervene_since_ms)),
      h("button", { type: "button", class: "btn danger small", dataset: { ack: s.sector_id },
        on: { click: () => app.run("sector/intervene_ack", { sector_id: s.sector_id }, { ok: `Sector ${s.sector_id} acknowledged` }) } }, "Acknowledge"))));
    fill(el.sectors, state.sectors.map((s) => sectorRow(s, app)));
    fill(el.blue, state.pilots.length ? state.pilots.map((p) => carRow(p, app)) : h("li", { class: "empty" }, "No pilots registered."));
    this.tick(state, app);
  },

  tick(state, app) {
    fill(el.posts, posts(state, app.link.now()));
  },
};

// The buttons that settle a signal holding concurrent values: the shown (most cautious)
// value first. name(v) labels a value, cls(v) its pattern class, text replaces the message.
function settle(values, shown, onPick, { name = label, cls = (v) => "f-" + v, text } = {}) {
  return h("div", { class: "conflict", role: "alert" },
    h("p", {}, text || `Concurrent values after a partition: ${values.map(name).join(" / ")}. Showing ${name(shown)}. Tap one to settle.`),
    h("div", { class: "row" }, values.map((v) => h("button", {
      type: "button", class: ["btn", "small", cls(v)], dataset: { settle: v }, on: { click: () => onPick(v) },
    }, `Keep ${name(v)}`))));
}

function sectorRow(s, app) {
  const alert = s.marshal_intervene;
  return h("li", { class: alert && !s.intervene_acked ? "alert-row" : null, dataset: { sector: s.sector_id, signal: s.signal } },
    h("span", { class: "name" }, `Sector ${s.sector_id}`), chip(s.signal),
    s.flag !== s.signal && s.flag !== "none" ? h("span", { class: "muted" }, `(post: ${label(s.flag)})`) : null,
    alert ? h("strong", { class: "offline" }, s.intervene_acked ? "intervention (acknowledged)" : "MARSHAL INTERVENTION") : null,
    s.flag_conflict ? settle(s.flag_values, s.flag, (v) => app.run("sector/set_flag", { sector_id: s.sector_id, flag: v }, { ok: `Sector ${s.sector_id}: ${label(v)}` })) : null);
}

// One car: its blue flag and its car flag (the chip in the flag's pattern, and a button per
// flag; black, a disqualification, asks first).
const CAR_BUTTONS = ["black", "black_orange", "black_white", "none"];

async function setCarFlag(p, flag, app) {
  if (flag === "black" && !(await confirmDialog(
    `Black flag car ${p.number} (${p.firstName} ${p.lastName}): disqualify?`, "DISQUALIFY"))) return;
  app.run("pilot/car_flag", { number: p.number, flag }, { ok: `Car ${p.number}: ${flag === "none" ? "car flag cleared" : carLabel(flag)}` });
}

function carRow(p, app) {
  const flag = Object.hasOwn(CAR_FLAGS, p.car_flag) ? p.car_flag : "none";
  const values = (p.car_flag_values || []).filter((v) => Object.hasOwn(CAR_FLAGS, v));
  const text = `Car ${p.number} flag: concurrent values after a partition: ${values.map(carLabel).join(" / ")}. Showing ${carLabel(flag)}. Tap one to settle.`;
  return h("li", { dataset: { number: p.number, carFlag: flag } },
    h("span", { class: "num" }, p.number),
    h("span", { class: "grow" }, `${p.firstName} ${p.lastName}`),
    carChip(flag, flag === "none" ? "No car flag" : undefined),
    flag !== "none" && p.car_flag_since_ms ? h("span", { class: "muted" }, `since ${clock(p.car_flag_since_ms)}`) : null,
    p.blue_conflict ? h("strong", { class: "offline" }, "concurrent values") : null,
    h("button", { type: "button", class: ["btn", p.blue_flag ? "f-blue" : null], "aria-pressed": String(!!p.blue_flag),
      dataset: { blue: p.number },
      on: { click: () => app.run("pilot/assign_blue", { number: p.number, assign: !p.blue_flag }, { ok: `Car ${p.number}: blue ${p.blue_flag ? "off" : "on"}` }) } },
    p.blue_flag ? "Blue ON" : "Blue off"),
    p.car_flag_conflict ? h("div", { class: "car-conflict", dataset: { conflict: p.number } },
      settle(values, flag, (v) => setCarFlag(p, v, app), { name: carLabel, cls: (v) => "cf-" + v, text })) : null,
    h("div", { class: "carflags", role: "group", "aria-label": `car ${p.number} flag` }, CAR_BUTTONS.map((f) => h("button", {
      type: "button", class: ["btn", "cf-" + f], "aria-pressed": String(f === flag), dataset: { carFlag: f, car: p.number },
      title: `${carLabel(f)}: ${CAR_FLAGS[f].meaning}`, on: { click: () => setCarFlag(p, f, app) },
    }, carLabel(f)))));
}

function drawMap(state) {
  const n = state.sectors.length;
  if (n !== mapSectors) {
    mapSectors = n;
    fill(el.map,
      svg("defs", {},
        svg("pattern", { id: "pat-slippery", width: 16, height: 16, patternUnits: "userSpaceOnUse", patternTransform: "rotate(45)" },
          svg("rect", { width: 8, height: 16, fill: "#ffd200" }), svg("rect", { x: 8, width: 8, height: 16, fill: "#e00000" })),
        svg("pattern", { id: "pat-checkered", width: 12, height: 12, patternUnits: "userSpaceOnUse" },
          svg("rect", { width: 12, height: 12, fill: "#fff" }), svg("rect", { width: 6, height: 6, fill: "#000" }),
          svg("rect", { x: 6, y: 6, width: 6, height: 6, fill: "#000" }))),
      svg("ellipse", { class: "base", cx: 200, cy: 130, rx: 165, ry: 100 }),
      svg("line", { x1: 200, y1: 14, x2: 200, y2: 46, stroke: "#fff", "stroke-width": 4 }),
      svg("text", { x: 200, y: 130, id: "map-track", class: "track-label" }, ""),
      state.sectors.map((s, i) => {
        const a0 = -90 + (360 * i) / n + 1.5;
        const a1 = -90 + (360 * (i + 1)) / n - 1.5;
        const mid = ((a0 + a1) / 2) * Math.PI / 180;
        const pt = (a, r = 0) => [200 + (165 + r) * Math.cos(a * Math.PI / 180), 130 + (100 + r) * Math.sin(a * Math.PI / 180)];
        const [x0, y0] = pt(a0); const [x1, y1] = pt(a1);
        const lx = 200 + 125 * Math.cos(mid); const ly = 130 + 62 * Math.sin(mid);
        const ax = 200 + 165 * Math.cos(mid); const ay = 130 + 100 * Math.sin(mid);
        return svg("g", { class: "sector-g", dataset: { sector: s.sector_id } },
          svg("path", { class: "sector", dataset: { sector: s.sector_id },
            d: `M${x0.toFixed(1)} ${y0.toFixed(1)} A165 100 0 ${a1 - a0 > 180 ? 1 : 0} 1 ${x1.toFixed(1)} ${y1.toFixed(1)}` },
          svg("title", {}, `Sector ${s.sector_id}`)),
          svg("text", { x: lx.toFixed(1), y: ly.toFixed(1) }, `S${s.sector_id}`),
          svg("g", { class: "alert", transform: `translate(${ax.toFixed(1)} ${ay.toFixed(1)})` },
            svg("circle", { r: 14 }), svg("text", {}, "!")));
      }));
    el.map.addEventListener("click", (ev) => {
      const g = ev.target.closest("[data-sector]");
      const row = g && el.sectors.querySelector(`li[data-sector="${g.dataset.sector}"]`);
      if (row) row.scrollIntoView({ behavior: "smooth", block: "center" });
    });
  }
  for (const s of state.sectors) {
    const path = el.map.querySelector(`path[data-sector="${s.sector_id}"]`);
    path.setAttribute("stroke", MAP_COLOURS[s.signal] || MAP_COLOURS.none);
    path.dataset.signal = s.signal;
    path.querySelector("title").textContent = `Sector ${s.sector_id}: ${label(s.signal)}`;
    const alert = path.parentNode.querySelector(".alert");
    alert.setAttribute("visibility", s.marshal_intervene ? "visible" : "hidden");
    alert.setAttribute("class", "alert " + (s.intervene_acked ? "acked" : "unacked"));
  }
  const centre = state.safety_car ? "SC" : (FLAGS[state.flag] && FLAGS[state.flag].short) || (state.flag === "red" ? "RED" : "");
  el.map.querySelector("#map-track").textContent = centre;
}

// The posts: this node and its peers (state.nodes, with their panel reports) and the
// devices that identified themselves (kiosk displays, semaphores).
function posts(state, now) {
  const items = [];
  const me = state.node || {};
  items.push(postRow(state, { id: me.id, role: me.role, sector: me.sector, online: true, last_seen_ms: now, panel: state.panel, self: true }, now));
  for (const n of state.nodes || []) if (n.id !== me.id) items.push(postRow(state, n, now));
  const nodeIds = new Set([me.id, ...(state.nodes || []).map((n) => n.id)]);
  const seen = state.device_seen || {};
  for (const d of state.devices || []) {
    if (nodeIds.has(d.device_id)) continue;
    items.push(h("li", { dataset: { device: d.key } },
      h("span", { class: "grow" }, `${d.kind}${d.sector_id ? " " + d.sector_id : ""} · ${d.host || "?"}`,
        h("span", { class: "muted" }, ` · ${d.panel || "device"} · identified ${clock(d.updated_ms)}`),
        seen[d.key] ? h("span", { class: "muted", dataset: { seen: d.key } }, ` · last seen ${ago(seen[d.key], now)}`) : null)));
  }
  return items;
}

// A sector post's panel should show its sector's signal. Reports travel in the announces
// (every 2 s), so a difference counts only once the signal is older than REPORT_GRACE_MS.
const REPORT_GRACE_MS = 5000;
const calm = (s) => s === "none" || s === "green"; // the green hold may differ by a frame

function toldButNotShown(state, n, now) {
  const shows = (n.panel || {}).signal;
  const sector = n.role === "sector" && (state.sectors || [])[n.sector - 1];
  if (!shows || !sector || !n.online || shows === "not_live") return null;
  const told = sector.signal;
  if (shows === told || (calm(shows) && calm(told))) return null;
  return now - Math.max(sector.signal_since_ms, n.panel.since_ms || 0) > REPORT_GRACE_MS ? told : null;
}

function postRow(state, n, now) {
  const told = toldButNotShown(state, n, now);
  const panelReport = n.panel || {};
  const shows = panelReport.signal;
  const where = n.role === "sector" && n.sector ? `sector ${n.sector}` : n.role || "node";
  return h("li", { dataset: { node: n.id || "" } },
    h("span", { class: n.online ? "online" : "offline" }, n.online ? "● online" : "○ OFFLINE"),
    h("span", { class: "grow" }, `${where} · ${n.id || "?"}${n.self ? " (this node)" : ""}`,
      h("span", { class: "muted" }, n.self ? "" : ` · last seen ${ago(n.last_seen_ms, now)}`),
      typeof n.clock_offset_ms === "number" ? h("span", { class: "muted" }, ` · clock ${n.clock_offset_ms} ms`) : null),
    shows ? shownChip(panelReport) : h("span", { class: "muted" }, "no panel"),
    panelReport.driver_ok === false ? h("strong", { class: "offline" }, `panel fault: ${panelReport.error || ""}`) : null,
    panelReport.live === false ? h("strong", { class: "offline" }, "not live") : null,
    told ? h("strong", { class: "offline", dataset: { mismatch: told } }, `told ${label(told)}!`) : null);
}

// What a panel reports it shows. A start line's car flag comes as car_<flag>:<number>, a
// rotation of several as car_flags with the list in cars (gravest first).
function shownChip(report) {
  const shows = report.signal;
  const cars = (shows === "car_flags" ? report.cars || [] : [shows]).map((c) => /^car_(\w+):(\w*)$/.exec(c) || []);
  const [, flag, number] = cars[0] || [];
  if (flag && Object.hasOwn(CAR_FLAGS, flag)) {
    return carChip(flag, cars.length > 1 ? `panel: car flags ${cars.map((c) => c[2]).join(", ")}` : `panel: car ${number} ${carLabel(flag)}`);
  }
  return chip(shows.startsWith("start_") ? "red" : (FLAGS[shows] ? shows : "none"), `panel: ${label(shows)}`);
}
