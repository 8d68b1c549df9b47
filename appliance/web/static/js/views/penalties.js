// Penalties: the stewards' workflow form, the list, revoke.

import { clock, confirmDialog, field, fill, h, input, select, values } from "../dom.js";

const TYPES = [["time", "Time penalty"], ["drive_through", "Drive-through"], ["stop_go", "Stop & go"]];
const TYPE_LABEL = Object.fromEntries(TYPES);
let el = {};

function cars(state) {
  return [["", "— car —"], ...state.pilots.map((p) => [p.number, `${p.number} · ${p.firstName} ${p.lastName}`])];
}

function refreshCars(sel, state, blank) {
  const want = cars(state).map(([v, l]) => v + "\u0000" + l).join("\u0001");
  if (sel.dataset.options === want) return;
  const keep = sel.value;
  fill(sel, cars(state).map(([v, l]) => h("option", { value: v }, v === "" ? blank : l)));
  sel.dataset.options = want;
  sel.value = keep;
}

export default {
  id: "penalties",
  title: "Penalties",

  mount(root, app) {
    el.target = select("target_number", [["", "— car —"]], { required: true });
    el.whoHit = select("who_hit", [["", "— none —"]]);
    el.type = select("penalty_type", TYPES, { on: { change: () => {
      el.amount.required = el.type.value === "time";
    } } });
    el.amount = input("amount_seconds", { type: "number", min: 0, max: 3600, step: 1, inputmode: "numeric", required: true, value: "5" });
    el.form = h("form", { class: "card", id: "penalty-form" },
      h("h2", {}, "New penalty"),
      field("Car", el.target),
      field("Type", el.type),
      field("Seconds", el.amount, "required for a time penalty"),
      field("Reason", input("reason", { maxlength: 200, placeholder: "e.g. causing a collision" })),
      field("Who was hit", el.whoHit),
      field("Contact person", input("contact_person", { maxlength: 100 })),
      field("Comment", h("textarea", { name: "comment", maxlength: 500 })),
      h("button", { type: "submit", class: "btn primary" }, "Add penalty"));
    el.form.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      const v = values(el.form);
      if (await app.run("penalty/add", v, { form: el.form, ok: `Penalty for car ${v.target_number} added` })) {
        el.form.reset();
      }
    });
    el.list = h("ul", { class: "list", id: "penalty-list" });
    root.append(h("div", { class: "cols" }, el.form, h("div", { class: "card" }, h("h2", {}, "Penalties"), el.list)));
  },

  update(state, app) {
    refreshCars(el.target, state, "— car —");
    refreshCars(el.whoHit, state, "— none —");
    const items = state.penalties.slice().reverse();
    fill(el.list, items.length ? items.map((p) => h("li", { dataset: { penalty: p.id }, class: p.revoked ? "is-revoked" : null },
      h("span", { class: "num" }, p.target_number),
      h("span", { class: ["grow", p.revoked ? "revoked" : null] },
        h("strong", {}, TYPE_LABEL[p.type] || p.type), p.type === "time" ? ` +${p.amount_seconds} s` : "",
        p.reason ? ` · ${p.reason}` : "", p.who_hit ? ` · hit car ${p.who_hit}` : "",
        p.contact_person ? ` · contact ${p.contact_person}` : "", p.comment ? ` · ${p.comment}` : "",
        h("span", { class: "muted" }, ` · ${clock(p.ts_ms)}`)),
      p.revoked ? h("span", { class: "chip f-none" }, `revoked ${clock(p.revoked_ms)}`)
        : h("button", { type: "button", class: "btn small danger", dataset: { revoke: p.id }, on: { click: async () => {
          if (await confirmDialog(`Revoke the ${TYPE_LABEL[p.type] || p.type} of car ${p.target_number}?`, "Revoke")) {
            app.run("penalty/revoke", { penalty_id: p.id }, { ok: "Penalty revoked" });
          }
        } } }, "Revoke"))) : h("li", { class: "empty" }, "No penalties."));
  },
};
