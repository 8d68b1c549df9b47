// Pit: create a pit box, log in to it, send actions and notes, and the messages feed.

import { clock, field, fill, h, input, select, values } from "../dom.js";

const ACTIONS = [["pit_in", "Pit in"], ["pit_out", "Pit out"], ["box_this_lap", "Box this lap"],
  ["tyres", "Tyres"], ["fuel", "Fuel"], ["driver_change", "Driver change"],
  ["penalty_served", "Penalty served"], ["manual_time", "Manual time"], ["message", "Message"]];
const ACTION_LABEL = Object.fromEntries(ACTIONS);
const SESSION_KEY = "raceflags.pitbox";

let el = {};
let session = null; // {box_id, password} after a successful login (this tab only)

function loadSession() {
  try {
    session = JSON.parse(sessionStorage.getItem(SESSION_KEY) || "null");
  } catch (e) {
    session = null;
  }
}

function saveSession() {
  if (session) sessionStorage.setItem(SESSION_KEY, JSON.stringify(session));
  else sessionStorage.removeItem(SESSION_KEY);
}

function showSession(app) {
  el.login.hidden = !!session;
  el.send.hidden = !session;
  el.who.textContent = session ? `Pit box ${session.box_id}` : "";
  if (app.state) feed(app.state);
}

function feed(state) {
  const mine = el.onlyMine.checked && session;
  const msgs = state.pit_messages.filter((m) => !mine || m.box_id === session.box_id).slice().reverse();
  fill(el.feed, msgs.length ? msgs.map((m) => h("li", { dataset: { box: m.box_id } },
    h("span", { class: "muted" }, clock(m.ts_ms)),
    h("strong", {}, m.box_id),
    h("span", { class: "chip f-none" }, ACTION_LABEL[m.action] || m.action),
    h("span", { class: "grow" }, m.note || ""))) : h("li", { class: "empty" }, "No pit messages yet."));
}

export default {
  id: "pit",
  title: "Pit",

  mount(root, app) {
    loadSession();
    el.login = h("form", { class: "card", id: "pit-login" },
      h("h2", {}, "Pit box log in"),
      field("Box", input("box_id", { required: true, maxlength: 32 })),
      field("Password", input("password", { type: "password", required: true, autocomplete: "current-password" })),
      h("button", { type: "submit", class: "btn primary" }, "Log in"));
    el.login.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      const v = values(el.login);
      const ok = await app.run("pitbox/login", v, { form: el.login, ok: `Logged in to box ${v.box_id}` });
      if (ok) {
        session = { box_id: ok.box_id || v.box_id, password: v.password };
        saveSession();
        el.login.reset();
        showSession(app);
      }
    });

    el.who = h("strong", { id: "pit-who" });
    el.send = h("form", { class: "card", id: "pit-send" },
      h("div", { class: "row" }, h("h2", {}, "Send to race control"), el.who,
        h("button", { type: "button", class: "btn small", on: { click: () => { session = null; saveSession(); showSession(app); } } }, "Log out")),
      field("Action", select("action", ACTIONS)),
      field("Note", input("note", { maxlength: 500, placeholder: "optional" })),
      h("button", { type: "submit", class: "btn primary" }, "Send"));
    el.send.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      const v = values(el.send);
      const ok = await app.run("pitbox/send", { ...v, box_id: session.box_id, password: session.password },
        { form: el.send, ok: "Sent" });
      if (ok) el.send.elements.note.value = "";
    });

    el.create = h("form", { class: "card", id: "pit-create" },
      h("h2", {}, "Create a pit box"),
      field("Box", input("box_id", { required: true, maxlength: 32 })),
      field("Password", input("password", { type: "password", required: true, minlength: 4, autocomplete: "new-password" }), "4 to 72 characters"),
      field("Current password", input("current_password", { type: "password", autocomplete: "off" }), "only to change an existing box's password"),
      h("div", { class: "row" },
        h("button", { type: "submit", class: "btn primary" }, "Create"),
        h("button", { type: "button", class: "btn danger", on: { click: async () => {
          const v = values(el.create);
          if (await app.run("pitbox/reset", { box_id: v.box_id, password: v.password }, { form: el.create, ok: `Box ${v.box_id || ""} reset` })) el.create.reset();
        } } }, "Reset (race control)")));
    el.create.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      const v = values(el.create);
      if (await app.run("pitbox/create", v, { form: el.create, ok: `Box ${v.box_id} ready` })) el.create.reset();
    });

    el.onlyMine = h("input", { type: "checkbox", checked: true, on: { change: () => app.state && feed(app.state) } });
    el.feed = h("ul", { class: "list", id: "pit-feed" });
    root.append(h("div", { class: "cols" }, h("div", {}, el.login, el.send),
      h("div", { class: "card" }, h("h2", {}, "Messages"),
        h("label", { class: "check" }, el.onlyMine, "Only my box"), el.feed)), el.create);
    showSession(app);
  },

  update(state) {
    feed(state);
  },
};
