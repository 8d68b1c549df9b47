// Events: a composer with the GT event types, and the session's timeline.

import { clock, field, fill, h, input, select, values } from "../dom.js";

export const EVENT_TYPES = [["gt_incident", "GT incident"], ["accident", "Accident"], ["car_stopped", "Car stopped"],
  ["debris", "Debris"], ["oil", "Oil"], ["track_limits", "Track limits"], ["unsafe_release", "Unsafe release"],
  ["mechanical", "Mechanical"], ["weather", "Weather"], ["medical", "Medical"],
  ["out_window_open", "Out window open"], ["out_window_close", "Out window close"],
  ["open_in_this_lap", "Open in this lap"]];
const LABEL = Object.fromEntries(EVENT_TYPES);
let el = {};

export default {
  id: "events",
  title: "Events",

  mount(root, app) {
    el.sector = select("sector_id", [["", "— whole track —"]]);
    el.number = select("number", [["", "— no car —"]]);
    el.form = h("form", { class: "card", id: "event-form" },
      h("h2", {}, "New event"),
      field("Type", select("event_type", EVENT_TYPES)),
      field("Sector", el.sector),
      field("Car", el.number),
      field("Details", input("details", { maxlength: 500 })),
      h("button", { type: "submit", class: "btn primary" }, "Log event"));
    el.form.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      const v = values(el.form);
      if (await app.run("event", v, { form: el.form, ok: `${LABEL[v.event_type]} logged` })) {
        el.form.elements.details.value = "";
      }
    });
    el.timeline = h("ol", { class: "list", id: "event-timeline" });
    root.append(h("div", { class: "cols" }, el.form, h("div", { class: "card" }, h("h2", {}, "Timeline"), el.timeline)));
  },

  update(state) {
    const sectors = [["", "— whole track —"], ...state.sectors.map((s) => [String(s.sector_id), `Sector ${s.sector_id}`])];
    if (el.sector.options.length !== sectors.length) {
      fill(el.sector, sectors.map(([v, l]) => h("option", { value: v }, l)));
    }
    const carsKey = state.pilots.map((p) => p.number + p.firstName + p.lastName).join("|");
    if (el.number.dataset.key !== carsKey) {
      const keep = el.number.value;
      fill(el.number, h("option", { value: "" }, "— no car —"),
        state.pilots.map((p) => h("option", { value: p.number }, `${p.number} · ${p.firstName} ${p.lastName}`)));
      el.number.dataset.key = carsKey;
      el.number.value = keep;
    }
    const items = state.events.slice().reverse();
    fill(el.timeline, items.length ? items.map((e) => h("li", { dataset: { event: e.id } },
      h("span", { class: "muted" }, clock(e.ts_ms)),
      h("strong", {}, LABEL[e.event_type] || e.event_type),
      e.sector_id ? h("span", { class: "chip f-none" }, `S${e.sector_id}`) : null,
      e.number ? h("span", { class: "num" }, e.number) : null,
      h("span", { class: "grow" }, e.details || ""))) : h("li", { class: "empty" }, "No events yet."));
  },
};
