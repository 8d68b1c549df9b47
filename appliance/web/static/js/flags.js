// The signal vocabulary (shared/flags.md) and the panel patterns the LED panels show.
// Flash cadences come from the node (state.config.flash, appliance/hw/flash.py with the
// config's overrides): ms steps, alternately lit and dark, lit at every multiple of the
// cycle on the server's clock, so a browser panel flashes in phase with the LED panels.

import { h } from "./dom.js";

export const FLAGS = {
  none: { label: "Clear", cls: "none" },
  green: { label: "Green", cls: "green" },
  yellow: { label: "Yellow", cls: "yellow" },
  double_yellow: { label: "Double yellow", cls: "double_yellow" },
  slippery: { label: "Slippery", cls: "slippery" },
  white: { label: "White", cls: "white" },
  blue: { label: "Blue", cls: "blue" },
  red: { label: "Red", cls: "red" },
  sc: { label: "Safety car", short: "SC", cls: "sc" },
  vsc: { label: "Virtual SC", short: "VSC", cls: "vsc" },
  fcy: { label: "Full course yellow", short: "FCY", cls: "fcy" },
  code60: { label: "Code 60", short: "60", cls: "code60" },
  checkered: { label: "Chequered", cls: "checkered" },
};

export const PRECEDENCE = ["red", "code60", "fcy", "vsc", "sc", "double_yellow", "yellow",
  "slippery", "white", "blue", "checkered", "green", "none"];

// Set by race control for the whole track, and those a marshal sets at the post.
export const TRACK_FLAGS = ["green", "yellow", "double_yellow", "sc", "vsc", "fcy", "code60",
  "red", "checkered", "none"];
export const MARSHAL_FLAGS = ["yellow", "double_yellow", "slippery", "white", "blue", "green", "none"];

// Per-car flags (flags.md), set by race control only and shown on the start line's matrix
// with the car number. rank: gravest first.
export const CAR_FLAGS = {
  black: { label: "Black", meaning: "disqualified", rank: 3 },
  black_orange: { label: "Black-orange", meaning: "mechanical problem", rank: 2 },
  black_white: { label: "Black-white", meaning: "unsporting behaviour warning", rank: 1 },
  none: { label: "Clear", meaning: "no car flag", rank: 0 },
};

export const GREEN_HOLD_MS = 10000; // race.green_hold_s until the first state arrives

// The node's config (state.config): the green hold and the flash table its LEDs use.
let greenHoldMs = GREEN_HOLD_MS;
let cadences = {};
export function configure(config) {
  const c = config || {};
  greenHoldMs = typeof c.green_hold_s === "number" && c.green_hold_s >= 0 ? c.green_hold_s * 1000 : GREEN_HOLD_MS;
  cadences = {};
  for (const [name, steps] of Object.entries(c.flash || {})) {
    if (Array.isArray(steps) && steps.length && steps.length % 2 === 0 && steps.every((s) => s > 0)) cadences[name] = steps.map(Number);
  }
}
const HAZARDS = new Set(["yellow", "double_yellow", "slippery", "sc", "vsc", "fcy", "code60"]);

export function label(flag) {
  return (FLAGS[flag] && FLAGS[flag].label) || String(flag);
}

export function lit(cadence, nowMs) {
  const cycle = cadence.reduce((a, b) => a + b, 0);
  let t = ((nowMs % cycle) + cycle) % cycle;
  for (let i = 0; i < cadence.length; i++) {
    if (t < cadence[i]) return i % 2 === 0;
    t -= cadence[i];
  }
  return false;
}

// A flag-coloured chip: the flag's colours, its name as text.
export function chip(flag, text) {
  return h("span", { class: ["chip", "f-" + flag], dataset: { flag } }, text || label(flag));
}

export function carLabel(flag) {
  return (CAR_FLAGS[flag] && CAR_FLAGS[flag].label) || String(flag);
}

// A car flag chip in the flag's pattern (app.css .cf-*).
export function carChip(flag, text) {
  return h("span", { class: ["chip", "cf-" + flag], dataset: { carFlag: flag } }, text || carLabel(flag));
}

const isCarFlag = (f) => f !== "none" && Object.hasOwn(CAR_FLAGS, f);

// The cars with a car flag (and a number of digits, as the matrix draws them), in the
// order the start line cycles through them: gravest first, then by number.
export function flaggedCars(state) {
  return (state.pilots || []).filter((p) => isCarFlag(p.car_flag) && /^\d+$/.test(p.number)).sort((a, b) =>
    CAR_FLAGS[b.car_flag].rank - CAR_FLAGS[a.car_flag].rank || Number(a.number) - Number(b.number) ||
    String(a.number).localeCompare(String(b.number)));
}

function mostCautious(values) {
  let best = "none";
  for (const v of values) if (PRECEDENCE.indexOf(v) < PRECEDENCE.indexOf(best)) best = v;
  return best;
}

const TRACK_WIDE = new Set(["red", "code60", "fcy", "vsc", "sc", "checkered"]);

// What a sector's panel shows: the sector's resolved signal with the green hold applied
// (appliance/hw/render.py). `memo` keeps the previous result between calls.
export function sectorSignal(state, sectorId, nowMs, memo = {}) {
  const entry = (state.sectors || []).find((s) => s.sector_id === sectorId);
  let signal; let since;
  if (entry) {
    signal = entry.signal; since = entry.signal_since_ms;
  } else {
    signal = mostCautious([state.flag].concat(state.safety_car ? ["sc"] : []));
    since = state.flag_since_ms || 0;
  }
  const prev = memo.prev;
  const ended = signal === "none" && prev && (HAZARDS.has(prev.signal) ||
    (prev.signal === "green" && prev.since === since));
  let out;
  if (signal === "green" || ended) {
    out = nowMs < since + greenHoldMs ? { signal: "green", since } : { signal: "none", since: since + greenHoldMs };
  } else {
    out = { signal, since };
  }
  memo.prev = out;
  return out;
}

// What the start gantry shows (semaphore mode "start" of render.py).
export function startSignal(state, nowMs) {
  const values = (TRACK_WIDE.has(state.flag) ? [state.flag] : []).concat(state.safety_car ? ["sc"] : []);
  const track = mostCautious(values);
  const seq = state.start_sequence;
  if (track === "red") return { signal: "red" };
  if (seq && seq.aborted) return { signal: "aborted" };
  if (seq && seq.begin_ms <= nowMs && nowMs < seq.lights_out_ms) {
    return { signal: "start", lights: Math.max(0, Math.min(5, Math.floor((nowMs - seq.begin_ms) / 1000))) };
  }
  if (track !== "none") return { signal: track };
  if (seq && nowMs >= seq.lights_out_ms) return { signal: "lights_out" };
  return { signal: "none" };
}

// What the start line's matrix shows (the semaphore kiosk), as appliance/hw/render.py: the
// start signal, and when nothing graver shows (red, the start lights and start_clear_ms of
// dark after lights out, aborted start, SC/VSC/FCY/Code 60/chequered), the car flags with
// the car number, each for car_period_ms on slots of the server clock: car
// floor(now / car_period_ms) mod count of flaggedCars(), so every gantry shows the same car.
// Both times come from the node (state.config), the same constants its LEDs use.
export function semaphoreSignal(state, nowMs) {
  const s = startSignal(state, nowMs);
  const seq = state.start_sequence;
  const { car_period_ms: period = 2000, start_clear_ms: startClear = 5000 } = state.config || {};
  const clear = s.signal === "none" || (s.signal === "lights_out" && nowMs >= seq.lights_out_ms + startClear);
  const cars = clear ? flaggedCars(state) : [];
  if (!cars.length) return s;
  const car = cars[Math.floor(nowMs / period) % cars.length];
  return { signal: car.car_flag, number: String(car.number), cars: cars.length };
}

// A panel element: paint(el, shown, nowMs) sets its look for that instant.
export function panel(extraClass) {
  return h("div", { class: ["panel", extraClass], dataset: { signal: "none" } },
    h("div", { class: "half left" }), h("div", { class: "half right" }),
    h("div", { class: "lights" }, [1, 2, 3, 4, 5].map(() => h("span", { class: "lamp" }))),
    h("div", { class: "text" }));
}

export function paint(el, shown, nowMs, live = true) {
  let signal = shown.signal;
  let text = "";
  let on = true;
  const car = isCarFlag(signal) && shown.number ? shown.number : "";
  if (!live && (signal === "none" || signal === "green" || signal === "lights_out")) signal = "not_live";
  const cadence = cadences[signal];
  if (cadence) on = lit(cadence, nowMs);
  if (signal === "sc" || signal === "vsc") text = signal.toUpperCase();
  else if (signal === "code60") text = "60";
  else if (signal === "blue" && shown.number) text = shown.number;
  else if (signal === "not_live") text = "NOT LIVE";
  else if (car) text = car;
  if (el.dataset.signal !== signal) el.dataset.signal = signal;
  if ((el.dataset.car || "") !== car) {
    if (car) el.dataset.car = car; else delete el.dataset.car;
  }
  el.classList.toggle("lit", on);
  el.classList.toggle("dark", !on);
  const lamps = el.querySelectorAll(".lamp");
  const count = signal === "start" ? shown.lights : (signal === "aborted" && on ? 5 : 0);
  lamps.forEach((lamp, i) => lamp.classList.toggle("on", i < count));
  const t = el.querySelector(".text");
  if (t.textContent !== text) t.textContent = text;
  el.setAttribute("aria-label", "panel shows " + (signal === "start" ? `${shown.lights} red lights`
    : car ? `car ${car}: ${carLabel(signal)} flag` : label(signal)));
}
