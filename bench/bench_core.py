"""Core figures: start-up, memory, request rates, and set_flag -> /ws latency."""

from __future__ import annotations

import asyncio
import json
import os
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(__file__)), "tests"))
from support import NodeProcess, http  # noqa: E402


def _rss_mb(pid: int) -> float:
    with open(f"/proc/{pid}/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def _rate(fn, total: int, threads: int = 4) -> float:
    per = total // threads

    def work():
        for _ in range(per):
            fn()
    pool = [threading.Thread(target=work) for _ in range(threads)]
    t0 = time.perf_counter()
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    return round(per * threads / (time.perf_counter() - t0), 1)


def _pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return round(values[min(len(values) - 1, int(q * len(values)))], 2)


async def _ws_latency(node: NodeProcess, clients: int, rounds: int) -> dict:
    import websockets
    url = node.url.replace("http", "ws") + "/ws"
    conns = [await websockets.connect(url, max_size=None) for _ in range(clients)]
    for ws in conns:
        await ws.recv()
    samples = []
    loop = asyncio.get_running_loop()
    for i in range(rounds):
        flag = ["yellow", "none"][i % 2]
        t0 = time.perf_counter()
        post = loop.run_in_executor(None, lambda f=flag: http(
            "POST", node.url + "/api/set_flag", {"flag": f}))

        async def until(ws, f=flag, t0=t0):
            while True:
                msg = json.loads(await ws.recv())
                if msg["type"] == "state_update" and msg["state"]["flag"] == f:
                    return (time.perf_counter() - t0) * 1000
        samples += await asyncio.gather(*(until(ws) for ws in conns))
        await post
    for ws in conns:
        await ws.close()
    return {"clients": clients, "p50_ms": _pct(samples, 0.5), "p99_ms": _pct(samples, 0.99)}


def run() -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        node = NodeProcess(os.path.join(tmp, "n"), node_id="bench")
        t0 = time.perf_counter()
        node.start(wait=False)
        node.wait_ready()
        startup_s = time.perf_counter() - t0
        try:
            rss = _rss_mb(node.proc.pid)
            get_rate = _rate(lambda: http("GET", node.url + "/api/state"), 800)
            post_rate = _rate(lambda: http("POST", node.url + "/api/set_flag",
                                           {"flag": "yellow"}), 400)
            ws = [asyncio.run(_ws_latency(node, n, rounds))
                  for n, rounds in ((1, 50), (50, 20), (200, 10))]
            rss_after = _rss_mb(node.proc.pid)
        finally:
            node.stop()
    return {"startup_to_first_answer_s": round(startup_s, 3), "rss_after_start_mb": round(rss, 1),
            "rss_after_load_mb": round(rss_after, 1), "get_state_per_s": get_rate,
            "post_set_flag_per_s": post_rate, "set_flag_to_ws": ws}
