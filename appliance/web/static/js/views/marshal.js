// Marshals: one sector's view: what its panel shows, its local flags, and the
// intervention that race control acknowledges.

import { fill, h, select } from "../dom.js";
import { chip, label, MARSHAL_FLAGS, paint, panel, sectorSignal } from "../flags.js";

const KEY = "raceflags.sector";
let el = {};
let sector = 1;
let memo = {};
let timer = null;

function chosen() {
  const fromHash = Number((location.hash.split("/")[1] || ""));
  return fromHash || Number(localStorage.getItem(KEY)) || 1;
}

export default {
  id: "marshal",
  title: "Marshal",

  mount(root, app) {
    sector = chosen();
    el.pick = select("sector", [[String(sector), `Sector ${sector}`]], { id: "marshal-sector", on: { change: () => {
      sector = Number(el.pick.value);
      localStorage.setItem(KEY, String(sector));
      memo = {};
      if (app.state) this.update(app.state, app);
    } } });
    el.panel = panel("preview");
    el.signal = h("div", { class: "current", id: "marshal-signal" });
    el.flags = h("div", { class: "grid" }, MARSHAL_FLAGS.map((flag) => h("button", {
      type: "button", class: ["btn", "flagbtn", "f-" + flag], dataset: { flag },
      on: { click: () => app.run("sector/set_flag", { sector_id: sector, flag }, { ok: `Sector ${sector}: ${label(flag)}` }) },
    }, label(flag))));
    el.intervene = h("div", { id: "marshal-intervene" });
    root.append(
      h("div", { class: "card" }, h("label", { class: "field" }, h("span", { class: "label" }, "My post"), el.pick),
        el.panel, el.signal),
      h("div", { class: "card" }, h("h2", {}, "Intervention"), el.intervene),
      h("div", { class: "card" }, h("h2", {}, "Sector flag"), el.flags));
    this.app = app;
  },

  shown(app) {
    clearInterval(timer);
    timer = setInterval(() => {
      if (!app.views.marshal.hidden && app.state) {
        const now = app.link.now();
        paint(el.panel, sectorSignal(app.state, sector, now, memo), now, app.link.status === "live");
      } else {
        clearInterval(timer);
      }
    }, 50);
  },

  update(state, app) {
    const n = state.sectors.length;
    if (el.pick.options.length !== n) {
      fill(el.pick, Array.from({ length: n }, (_, i) => h("option", { value: String(i + 1) }, `Sector ${i + 1}`)));
      if (sector > n) sector = 1;
    }
    el.pick.value = String(sector);
    const s = state.sectors.find((x) => x.sector_id === sector);
    if (!s) return;
    fill(el.signal, h("span", {}, "Panel:"), chip(s.signal),
      s.flag !== s.signal ? h("span", { class: "muted" }, `post flag ${label(s.flag)}, overridden by race control`) : null,
      s.flag_conflict ? h("strong", { class: "offline" }, `concurrent: ${s.flag_values.map(label).join(" / ")}`) : null);
    for (const b of el.flags.children) b.setAttribute("aria-pressed", String(b.dataset.flag === s.flag));
    fill(el.intervene, s.marshal_intervene
      ? [h("p", { class: s.intervene_acked ? "online" : "offline", id: "intervene-status" },
        s.intervene_acked ? "Race control has acknowledged." : "Raised: waiting for race control…"),
      h("button", { type: "button", class: "btn", id: "intervene-clear",
        on: { click: () => app.run("sector/intervene", { sector_id: sector, active: false }, { ok: "Intervention cleared" }) } }, "Clear intervention")]
      : h("button", { type: "button", class: "btn danger flagbtn", id: "intervene-raise",
        on: { click: () => app.run("sector/intervene", { sector_id: sector, active: true }, { ok: "Intervention raised" }) } }, "RAISE INTERVENTION"));
  },
};
