// The web UI: one Link to the appliances, one module per view, hash routing (#race ...).

import { Link } from "./api.js";
import { $, h, showFieldError, toast } from "./dom.js";
import race from "./views/race.js";
import pilots from "./views/pilots.js";
import pit from "./views/pit.js";
import marshal from "./views/marshal.js";
import penalties from "./views/penalties.js";
import events from "./views/events.js";
import log from "./views/log.js";
import panels from "./views/panels.js";
import { configure } from "./flags.js";

const VIEWS = [race, pilots, pit, marshal, penalties, events, log, panels];
const link = new Link();

// Send a command and report the outcome. Resolves the server's body on success, else null.
// opts: {ok: "message", form: <form> for field errors, quiet: no success toast}
async function run(name, params, opts = {}) {
  let waiting = null;
  const res = await link.send(name, params, {
    onPending: () => {
      if (!waiting) waiting = toast(`Link down: "${name}" is kept and will be retried…`, "pending", 60000);
    },
  });
  if (waiting) waiting.remove();
  if (opts.form) showFieldError(opts.form, res.ok ? null : res.body && res.body.field, res.body && res.body.error);
  if (res.ok) {
    if (!opts.quiet) toast(opts.ok || "Done", "ok", 2000);
    return res.body || {};
  }
  const why = (res.body && res.body.error) || `HTTP ${res.status}`;
  toast(res.status === 0 ? `FAILED, not sent: ${name} (${why})` : `Refused: ${why}`, "error");
  return null;
}

const app = { link, run, state: null, views: {} };

function showConnection({ status, base }) {
  const conn = $("#conn");
  conn.dataset.status = status;
  const where = base === location.origin ? "" : ` · ${new URL(base).host}`;
  const text = status === "live" ? `LIVE${where}` : status === "connecting" ? "connecting…" : `LINK DOWN${where}`;
  conn.querySelector(".where").textContent = text;
  conn.title = `${status}: ${base}`;
  const banner = $("#banner");
  banner.hidden = status === "live" || !app.state;
  banner.textContent = "Not live: the state shown may be old. Reconnecting…";
  document.body.dataset.link = status;
}

function route() {
  const want = (location.hash || "#race").slice(1).split("/")[0];
  const current = VIEWS.find((v) => v.id === want) || race;
  for (const v of VIEWS) {
    app.views[v.id].hidden = v !== current;
    if (v !== current && v.leave) v.leave(app);
  }
  for (const a of document.querySelectorAll("#tabs a")) {
    if (a.getAttribute("href") === "#" + current.id) {
      a.setAttribute("aria-current", "page");
      if (a.scrollIntoView) a.scrollIntoView({ block: "nearest", inline: "nearest" });
    }
    else a.removeAttribute("aria-current");
  }
  document.title = `${current.title} · Race Flags`;
  if (current.shown) current.shown(app);
}

function boot() {
  const main = $("#main");
  for (const v of VIEWS) {
    const section = h("section", { class: "view", id: "view-" + v.id, "aria-label": v.title, hidden: true });
    main.appendChild(section);
    app.views[v.id] = section;
    v.mount(section, app);
  }
  link.addEventListener("status", (ev) => showConnection(ev.detail));
  link.addEventListener("state", (ev) => {
    app.state = ev.detail;
    configure(ev.detail.config);
    for (const v of VIEWS) v.update(ev.detail, app);
  });
  link.addEventListener("message", (ev) => {
    for (const v of VIEWS) if (v.message) v.message(ev.detail, app);
  });
  // Relative times ("12 s ago") keep moving without a state change.
  setInterval(() => app.state && VIEWS.forEach((v) => v.tick && v.tick(app.state, app)), 1000);
  window.addEventListener("hashchange", route);
  route();
  link.start();
  window.raceflags = app; // for the browser tests and for debugging on a phone
}

boot();
