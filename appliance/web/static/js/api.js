// The link to an appliance: live state over /ws, commands over POST, failover between nodes.
//
// One Link talks to one node at a time. It reconnects with backoff; when the node stays
// unreachable it moves to the next known node (the peer table in state.nodes, `?nodes=` in
// the URL, and nodes remembered in localStorage). A command sent while the link is down is
// kept and retried until it gets an answer or its deadline passes: it is never dropped.

const STORE_KEY = "raceflags.nodes";
const BACKOFF_MS = [250, 500, 1000, 2000, 4000];
const FAILOVER_AFTER = 2;        // failed attempts on one node before trying the next
const PROBE_IDLE_MS = 4000;      // no message for this long: check the node still answers
const PROBE_TIMEOUT_MS = 1500;
const COMMAND_TIMEOUT_MS = 4000;
const COMMAND_DEADLINE_MS = 30000;

function normalBase(url) {
  try {
    const u = new URL(url, location.href);
    return u.protocol.startsWith("http") ? u.origin : null;
  } catch (e) {
    return null;
  }
}

function remembered() {
  try {
    const list = JSON.parse(localStorage.getItem(STORE_KEY) || "[]");
    return Array.isArray(list) ? list : [];
  } catch (e) {
    return [];
  }
}

function fromQuery() {
  const raw = new URLSearchParams(location.search).get("nodes") || "";
  return raw.split(",").map((s) => s.trim()).filter(Boolean);
}

// The IP of a peer-table address: "10.0.0.5:10080" (the mesh's "ip:port"), "[fe80::1]:80",
// "fe80::1:80" (an IPv6 "ip:port" as Python joins it) or a bare "10.0.0.5".
export function hostOf(address) {
  const a = String(address || "");
  let m = a.match(/^\[(.+)\](:\d+)?$/);
  if (m) return m[1];
  m = a.match(/^(.+):\d+$/);
  return m ? m[1] : a;
}

// The base URL of a peer-table row (its sync address's IP and its http_port), or null.
export function nodeBase(n) {
  const host = hostOf(n && n.address);
  return host && n.http_port ? `http://${host.includes(":") ? `[${host}]` : host}:${n.http_port}` : null;
}

// Base URLs of the other nodes in a state's peer table, online ones first.
export function peerBases(state) {
  const nodes = (state && Array.isArray(state.nodes)) ? state.nodes : [];
  const ordered = nodes.slice().sort((a, b) => Number(!!b.online) - Number(!!a.online));
  return ordered.map(nodeBase).filter(Boolean);
}

export class Link extends EventTarget {
  constructor() {
    super();
    this.candidates = [];
    for (const b of [location.origin, ...fromQuery(), ...remembered()]) this.addCandidate(b);
    this.base = this.candidates[0];
    this.state = null;
    this.offsetMs = 0;           // server clock minus Date.now()
    this.status = "connecting";  // connecting | live | down
    this.ws = null;
    this.failures = 0;
    this.rounds = 0;             // times every candidate failed in turn: slows the retries
    this.lastMessage = 0;
    this.pending = new Set();    // commands waiting for the link
    this.commandDeadlineMs = COMMAND_DEADLINE_MS;
    this.timer = null;
    setInterval(() => this.watchdog(), 1000);
  }

  addCandidate(url) {
    const b = normalBase(url);
    if (b && !this.candidates.includes(b)) this.candidates.push(b);
  }

  remember() {
    try {
      localStorage.setItem(STORE_KEY, JSON.stringify(this.candidates.slice(0, 16)));
    } catch (e) { /* private mode: nothing to keep */ }
  }

  now() {
    return Date.now() + this.offsetMs;
  }

  setStatus(status, detail) {
    this.status = status;
    this.dispatchEvent(new CustomEvent("status", { detail: { status, base: this.base, detail } }));
  }

  start() {
    this.connect();
    return this;
  }

  connect() {
    clearTimeout(this.timer);
    if (this.ws) {
      this.ws.onclose = this.ws.onmessage = this.ws.onerror = null;
      try { this.ws.close(); } catch (e) { /* already gone */ }
    }
    const url = this.base.replace(/^http/, "ws") + "/ws";
    let ws;
    try {
      ws = new WebSocket(url);
    } catch (e) {
      this.lost();
      return;
    }
    this.ws = ws;
    this.setStatus(this.state ? "down" : "connecting");
    ws.onopen = () => {
      this.lastMessage = Date.now();
    };
    ws.onmessage = (ev) => this.onMessage(ev);
    ws.onclose = () => {
      if (this.ws === ws) this.lost();
    };
  }

  onMessage(ev) {
    this.lastMessage = Date.now();
    let msg;
    try {
      msg = JSON.parse(ev.data);
    } catch (e) {
      return;
    }
    if (msg.type === "state_init" || msg.type === "state_update") {
      this.failures = 0;
      this.rounds = 0;
      const state = msg.state;
      if (typeof state.now_ms === "number") this.offsetMs = state.now_ms - Date.now();
      for (const b of peerBases(state)) this.addCandidate(b);
      this.remember();
      this.state = state;
      if (this.status !== "live") {
        this.setStatus("live");
        this.flush();
      }
      this.dispatchEvent(new CustomEvent("state", { detail: state }));
    } else {
      this.dispatchEvent(new CustomEvent("message", { detail: msg }));
    }
  }

  lost() {
    this.ws = null;
    this.failures += 1;
    if (this.failures >= FAILOVER_AFTER && this.candidates.length > 1) {
      const i = this.candidates.indexOf(this.base);
      const next = (i + 1) % this.candidates.length;
      if (next === 0) this.rounds += 1;
      this.base = this.candidates[next];
      this.failures = 0;
    }
    this.setStatus("down");
    const wait = BACKOFF_MS[Math.min(this.failures + this.rounds, BACKOFF_MS.length - 1)];
    this.timer = setTimeout(() => this.connect(), wait);
  }

  // A connected socket with no traffic may hide a dead node or a lost Wi-Fi link.
  async watchdog() {
    if (!this.ws || this.ws.readyState !== WebSocket.OPEN || this.probing) return;
    if (Date.now() - this.lastMessage < PROBE_IDLE_MS) return;
    this.probing = true;
    const ws = this.ws;
    try {
      const res = await fetchTimeout(this.base + "/api/state", {}, PROBE_TIMEOUT_MS);
      if (!res.ok) throw new Error(String(res.status));
      this.lastMessage = Date.now();
    } catch (e) {
      if (this.ws === ws) {
        ws.onclose = null;
        try { ws.close(); } catch (err) { /* gone */ }
        this.failures = FAILOVER_AFTER - 1;
        this.lost();
      }
    } finally {
      this.probing = false;
    }
  }

  url(path) {
    return this.base + path;
  }

  async get(path) {
    const res = await fetchTimeout(this.url(path), {}, COMMAND_TIMEOUT_MS);
    const body = await res.json().catch(() => null);
    return { ok: res.ok, status: res.status, body };
  }

  // POST a command. Resolves {ok, status, body} once a node answered, or
  // {ok:false, status:0, body:{error}} when the deadline passed without an answer.
  // onPending(true) is called when the command has to wait for the link.
  send(name, params = {}, { onPending, deadlineMs = this.commandDeadlineMs } = {}) {
    const body = new URLSearchParams();
    for (const [k, v] of Object.entries(params)) {
      if (v !== undefined && v !== null) body.append(k, typeof v === "boolean" ? (v ? "1" : "0") : String(v));
    }
    const deadline = Date.now() + deadlineMs;
    return new Promise((resolve) => {
      const job = { attempt: null, waiting: false };
      const finish = (result) => {
        this.pending.delete(job);
        this.dispatchEvent(new CustomEvent("pending", { detail: this.pending.size }));
        resolve(result);
      };
      job.attempt = async () => {
        job.waiting = false;
        try {
          const res = await fetchTimeout(this.url("/api/" + name), {
            method: "POST", body,
            headers: { "Content-Type": "application/x-www-form-urlencoded" },
          }, COMMAND_TIMEOUT_MS);
          const data = await res.json().catch(() => ({}));
          finish({ ok: res.ok, status: res.status, body: data });
        } catch (e) {
          if (Date.now() >= deadline) {
            finish({ ok: false, status: 0, body: { error: "not sent: no connection to any node" } });
            return;
          }
          job.waiting = true;
          if (onPending) onPending(true);
          this.dispatchEvent(new CustomEvent("pending", { detail: this.pending.size }));
          // Retried when the link comes back (flush), or every 2 s, until the deadline.
          job.retry = setTimeout(() => job.waiting && job.attempt(), Math.min(2000, deadline - Date.now()));
        }
      };
      this.pending.add(job);
      job.attempt();
    });
  }

  flush() {
    for (const job of this.pending) {
      if (job.waiting) {
        clearTimeout(job.retry);
        job.attempt();
      }
    }
  }
}

export async function fetchTimeout(url, opts, ms) {
  const ctl = new AbortController();
  const t = setTimeout(() => ctl.abort(), ms);
  try {
    return await fetch(url, { ...opts, signal: ctl.signal, cache: "no-store" });
  } finally {
    clearTimeout(t);
  }
}
