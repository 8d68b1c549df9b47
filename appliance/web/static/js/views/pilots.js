// Pilots: register, list, edit, delete.

import { confirmDialog, field, fill, h, input, values } from "../dom.js";

let list;
let form;
let editing = null; // car number being edited, or null when registering

function resetForm() {
  editing = null;
  form.reset();
  form.elements.number.readOnly = false;
  form.querySelector("h2").textContent = "Register a pilot";
  form.querySelector("button[type=submit]").textContent = "Register";
  form.querySelector(".cancel").hidden = true;
}

function edit(p) {
  editing = p.number;
  form.elements.firstName.value = p.firstName;
  form.elements.lastName.value = p.lastName;
  form.elements.number.value = p.number;
  form.elements.number.readOnly = true;
  form.querySelector("h2").textContent = `Edit car ${p.number}`;
  form.querySelector("button[type=submit]").textContent = "Save";
  form.querySelector(".cancel").hidden = false;
  form.scrollIntoView({ behavior: "smooth" });
  form.elements.firstName.focus();
}

export default {
  id: "pilots",
  title: "Pilots",

  mount(root, app) {
    form = h("form", { class: "card", id: "pilot-form", autocomplete: "off" },
      h("h2", {}, "Register a pilot"),
      field("First name", input("firstName", { required: true, maxlength: 64 })),
      field("Last name", input("lastName", { required: true, maxlength: 64 })),
      field("Car number", input("number", { required: true, inputmode: "numeric", pattern: "[0-9]{1,4}", maxlength: 4 })),
      h("div", { class: "row" },
        h("button", { type: "submit", class: "btn primary" }, "Register"),
        h("button", { type: "button", class: "btn cancel", hidden: true, on: { click: resetForm } }, "Cancel")));
    form.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      const v = values(form);
      const ok = await app.run(editing ? "pilot/update" : "register_pilot", v,
        { form, ok: editing ? `Car ${v.number} saved` : `Car ${v.number} registered` });
      if (ok) resetForm();
    });
    list = h("ul", { class: "list", id: "pilot-list" });
    root.append(form, h("div", { class: "card" }, h("h2", {}, "Pilots"), list));
  },

  update(state, app) {
    if (!state.pilots.length) {
      fill(list, h("li", { class: "empty" }, "No pilots yet."));
      return;
    }
    fill(list, state.pilots.map((p) => h("li", { dataset: { number: p.number } },
      h("span", { class: "num" }, p.number),
      h("span", { class: "grow pilot-name" }, `${p.firstName} ${p.lastName}`),
      h("button", { type: "button", class: "btn small", on: { click: () => edit(p) } }, "Edit"),
      h("button", { type: "button", class: "btn small danger", on: { click: async () => {
        if (await confirmDialog(`Delete car ${p.number} (${p.firstName} ${p.lastName})?`, "Delete")) {
          app.run("pilot/delete", { number: p.number }, { ok: `Car ${p.number} deleted` });
        }
      } } }, "Delete"))));
  },
};
