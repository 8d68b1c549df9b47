// Session log: every signal change, penalty, event and pit message with its time and
// origin node; filterable; exported as CSV by the appliance for the stewards' report.

import { clock, fill, h, select } from "../dom.js";

let el = {};
let rows = [];
let pending = null;

async function load(app) {
  try {
    const res = await app.link.get("/api/log");
    if (res.ok && res.body && Array.isArray(res.body.log)) {
      rows = res.body.log;
      el.status.textContent = `${rows.length} entries · from ${new URL(app.link.base).host}`;
    } else {
      el.status.textContent = `Log not available (HTTP ${res.status})`;
    }
  } catch (e) {
    el.status.textContent = "Log not available: link down";
  }
  render();
}

function render() {
  const cat = el.cat.value;
  const q = el.q.value.trim().toLowerCase();
  const shown = rows.filter((r) => (!cat || r.category === cat) &&
    (!q || [r.subject, r.value, r.details, r.node].join(" ").toLowerCase().includes(q))).reverse();
  fill(el.body, shown.length ? shown.map((r) => h("tr", { dataset: { category: r.category } },
    h("td", {}, clock(r.ts_ms)), h("td", {}, r.node), h("td", {}, r.category),
    h("td", {}, r.subject), h("td", {}, r.value), h("td", {}, r.details)))
    : h("tr", {}, h("td", { colspan: 6, class: "empty" }, rows.length ? "Nothing matches." : "Nothing logged yet.")));
}

function refreshSoon(app) {
  if (app.views.log.hidden) return;
  clearTimeout(pending);
  pending = setTimeout(() => load(app), 300);
}

export default {
  id: "log",
  title: "Session log",

  mount(root, app) {
    el.cat = select("category", [["", "All"], ["signal", "Signals"], ["race", "Race"], ["penalty", "Penalties"],
      ["event", "Events"], ["pit", "Pit"]], { id: "log-category", on: { change: render } });
    el.q = h("input", { type: "search", id: "log-search", placeholder: "car, sector, node…", on: { input: render } });
    el.csv = h("a", { class: "btn primary", id: "log-csv", href: "/api/log.csv", download: "race-session-log.csv" }, "Export CSV");
    el.status = h("p", { class: "muted", id: "log-status" }, "");
    el.body = h("tbody", {});
    root.append(h("div", { class: "card" },
      h("div", { class: "row" }, h("h2", {}, "Session log"), el.csv),
      h("div", { class: "row" }, el.cat, el.q,
        h("button", { type: "button", class: "btn small", on: { click: () => load(app) } }, "Refresh")),
      el.status,
      h("table", { class: "log", id: "log-table" },
        h("thead", {}, h("tr", {}, ["Time", "Node", "Kind", "What", "Value", "Details"].map((t) => h("th", {}, t)))),
        el.body)));
  },

  shown(app) {
    load(app);
  },

  update(state, app) {
    el.csv.href = app.link.url("/api/log.csv");
    refreshSoon(app);
  },

  message(msg, app) {
    refreshSoon(app);
  },
};
