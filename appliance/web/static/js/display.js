// The kiosk display: /display?kind=sector&sector=N or ?kind=semaphore. Shows, full
// screen, the pattern the LED panel of that post shows, phase-locked to the server clock
// (the semaphore: the start signal, else the car flags with the number, car by car), and
// identifies itself to race control through identify_device.

import { Link } from "./api.js";
import { configure, paint, sectorSignal, semaphoreSignal } from "./flags.js";

const params = new URLSearchParams(location.search);
const kind = params.get("kind") === "semaphore" ? "semaphore" : "sector";
const sector = Number(params.get("sector")) || (kind === "sector" ? 1 : 0);
const panelEl = document.getElementById("panel");
const conn = document.getElementById("conn");
const link = new Link();
const memo = {};
let identified = "";

function deviceId() {
  const key = `raceflags.device.${kind}.${sector}`;
  let id = localStorage.getItem(key);
  if (!id) {
    id = "web-" + Array.from(crypto.getRandomValues(new Uint8Array(4)), (b) => b.toString(16).padStart(2, "0")).join("");
    localStorage.setItem(key, id);
  }
  return id;
}

const DEVICE = deviceId();
const NAME = kind === "semaphore" ? "semaphore" : `sector ${sector}`;

async function identify() {
  if (identified === link.base) return;
  identified = link.base;
  const res = await link.send("identify_device", {
    kind, sector_id: sector || "", device_id: DEVICE, version: "web", panel: "browser",
  }, { deadlineMs: 10000 });
  if (!res.ok) identified = "";
}

function shown(state, now) {
  if (kind === "semaphore") return semaphoreSignal(state, now);
  const s = sectorSignal(state, sector, now, memo);
  if (s.signal === "blue") {
    const car = (state.pilots || []).find((p) => p.blue_flag);
    if (car) s.number = String(car.number);
  }
  return s;
}

function frame() {
  const now = link.now();
  if (link.state) paint(panelEl, shown(link.state, now), now, link.status === "live");
  else paint(panelEl, { signal: "none" }, now, false);
  requestAnimationFrame(frame);
}

link.addEventListener("state", (ev) => configure(ev.detail.config));
link.addEventListener("status", (ev) => {
  const { status, base } = ev.detail;
  conn.dataset.status = status;
  conn.querySelector(".where").textContent = `${NAME} · ${status === "live" ? "live" : "LINK DOWN"}` +
    (base === location.origin ? "" : ` · ${new URL(base).host}`);
  if (status === "live") identify();
  else identified = "";
});
// Repeat the identification now and then: it is written only when something changed.
setInterval(() => { identified = ""; if (link.status === "live") identify(); }, 60000);
document.addEventListener("click", () => {
  if (!document.fullscreenElement && document.documentElement.requestFullscreen) {
    document.documentElement.requestFullscreen().catch(() => {});
  }
});
window.raceflags = { link, kind, sector, device: DEVICE };
link.start();
requestAnimationFrame(frame);
