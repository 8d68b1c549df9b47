// Render helpers. Every string goes into the page as text (textContent / text nodes):
// nothing here parses HTML, so a pilot's name can never become markup or script.

const SVG_NS = "http://www.w3.org/2000/svg";

function apply(el, props) {
  for (const [k, v] of Object.entries(props || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === "class") el.setAttribute("class", Array.isArray(v) ? v.filter(Boolean).join(" ") : v);
    else if (k === "text") el.textContent = String(v);
    else if (k === "on") for (const [ev, fn] of Object.entries(v)) el.addEventListener(ev, fn);
    else if (k === "dataset") Object.assign(el.dataset, v);
    else if (k.startsWith("on")) throw new Error("use {on: {...}} for events");
    else if (k === "value" || k === "checked" || k === "selected") el[k] = v;
    else el.setAttribute(k, v === true ? "" : String(v));
  }
}

function append(el, children) {
  for (const c of children.flat(Infinity)) {
    if (c === null || c === undefined || c === false) continue;
    el.appendChild(c instanceof Node ? c : document.createTextNode(String(c)));
  }
}

// h("button", {class: "big", on: {click}}, "Label", child, [more])
export function h(tag, props, ...children) {
  const el = document.createElement(tag);
  apply(el, props);
  append(el, children);
  return el;
}

export function svg(tag, props, ...children) {
  const el = document.createElementNS(SVG_NS, tag);
  apply(el, props);
  append(el, children);
  return el;
}

// Replace an element's children.
export function fill(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

export function $(sel, root = document) {
  return root.querySelector(sel);
}

export function pad(n) {
  return String(n).padStart(2, "0");
}

// Local wall time of a ms timestamp, to the second.
export function clock(ms) {
  if (!ms) return "—";
  const d = new Date(ms);
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

export function ago(ms, now) {
  if (!ms) return "never";
  const s = Math.max(0, Math.round((now - ms) / 1000));
  if (s < 60) return `${s} s ago`;
  if (s < 3600) return `${Math.floor(s / 60)} min ago`;
  return `${Math.floor(s / 3600)} h ago`;
}

// A labelled form field: label wraps its control so the whole row is a touch target.
export function field(label, control, hint) {
  return h("label", { class: "field" }, h("span", { class: "label" }, label), control,
    hint ? h("span", { class: "hint" }, hint) : null);
}

export function input(name, props = {}) {
  return h("input", { name, id: props.id, type: "text", autocomplete: "off", ...props });
}

export function select(name, options, props = {}) {
  return h("select", { name, ...props },
    options.map(([value, label]) => h("option", { value }, label)));
}

// The form's values as a plain object; empty strings are left out.
export function values(form) {
  const out = {};
  for (const [k, v] of new FormData(form).entries()) {
    const s = String(v).trim();
    if (s !== "") out[k] = s;
  }
  return out;
}

// Mark the field a server error names; clear old marks.
export function showFieldError(form, fieldName, message) {
  for (const el of form.querySelectorAll(".invalid")) el.classList.remove("invalid");
  for (const el of form.querySelectorAll(".field-error")) el.remove();
  if (!fieldName) return;
  const ctl = form.elements[fieldName];
  if (ctl && ctl.classList) {
    ctl.classList.add("invalid");
    ctl.after(h("span", { class: "field-error", role: "alert" }, message));
  }
}

// A modal confirmation; resolves true when confirmed.
export function confirmDialog(question, okLabel = "Confirm", danger = true) {
  return new Promise((resolve) => {
    const dlg = h("dialog", { class: "confirm" },
      h("p", { class: "question" }, question),
      h("div", { class: "row" },
        h("button", { type: "button", class: "btn", value: "no", on: { click: () => dlg.close("no") } }, "Cancel"),
        h("button", { type: "button", class: ["btn", danger ? "danger" : "primary"], value: "yes",
          on: { click: () => dlg.close("yes") } }, okLabel)));
    dlg.addEventListener("close", () => {
      resolve(dlg.returnValue === "yes");
      dlg.remove();
    });
    document.body.appendChild(dlg);
    dlg.showModal();
  });
}

let toastBox = null;

// A short message at the bottom of the screen; errors stay until tapped.
export function toast(message, kind = "info", ms = 3000) {
  if (!toastBox) {
    toastBox = h("div", { class: "toasts", role: "status", "aria-live": "polite" });
    document.body.appendChild(toastBox);
  }
  const t = h("button", { type: "button", class: ["toast", kind], on: { click: () => t.remove() } }, message);
  toastBox.appendChild(t);
  if (kind !== "error") setTimeout(() => t.remove(), ms);
  return t;
}
