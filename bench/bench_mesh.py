"""Mesh figures: POST-on-A to /ws-on-B latency, datagrams and bytes per operation, idle
traffic (loopback, signed packets), and convergence after a partition heals (four
network namespaces; needs root, else reported as skipped)."""

from __future__ import annotations

import json
import os
import statistics
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path[:0] = [os.path.join(ROOT, "tests"), os.path.join(ROOT, "tests", "net")]

from meshutil import free_udp_port, replicated, write_config  # noqa: E402
from support import NodeProcess, wait_for  # noqa: E402

KEY = "bench-key"
SAMPLES = 200


def _latency(tmp: str) -> dict:
    from websockets.sync.client import connect

    port = free_udp_port()
    nodes = [NodeProcess(f"{tmp}/{name}", role=role, sector=sector, node_id=name,
                         config=write_config(f"{tmp}/{name}.toml", discovery_port=port,
                                             key=KEY, announce_s=2.0, anti_entropy_s=2.0,
                                             peer_timeout_s=6.0, link_timeout_s=6.0))
             for name, role, sector in (("a", "control", 0), ("b", "sector", 1))]
    try:
        for n in nodes:
            n.start()
        a, b = nodes
        wait_for(lambda: any(p["online"] for p in a.state()["nodes"]), 10, what="peers")
        wait_for(lambda: any(p["online"] for p in b.state()["nodes"]), 10, what="peers")
        idle_s = 4.0
        s0 = a.state()["mesh_stats"]
        time.sleep(idle_s)
        s1 = a.state()["mesh_stats"]
        latencies = []
        with connect(f"ws://127.0.0.1:{b.port}/ws") as ws:
            ws.recv()  # state_init
            t_start = time.monotonic()
            for i in range(SAMPLES):
                flag = ("yellow", "double_yellow")[i % 2]
                sent = time.perf_counter()
                a.post("/api/sector/set_flag", {"sector_id": 1, "flag": flag})
                while True:
                    msg = json.loads(ws.recv(timeout=5))
                    if msg.get("type") == "state_update" and \
                            msg["state"]["sectors"][0]["flag"] == flag:
                        break
                latencies.append((time.perf_counter() - sent) * 1000)
            busy_s = time.monotonic() - t_start
        s2 = a.state()["mesh_stats"]
    finally:
        for n in nodes:
            n.stop()
    idle_pkts = (s1["packets_out"] - s0["packets_out"]) / idle_s
    idle_bytes = (s1["bytes_out"] - s0["bytes_out"]) / idle_s
    pkts = (s2["packets_out"] - s1["packets_out"] - idle_pkts * busy_s) / SAMPLES
    byts = (s2["bytes_out"] - s1["bytes_out"] - idle_bytes * busy_s) / SAMPLES
    latencies.sort()
    return {
        "ws_latency_ms": {"samples": SAMPLES, "p50": round(statistics.median(latencies), 2),
                          "p99": round(latencies[int(0.99 * SAMPLES) - 1], 2),
                          "max": round(latencies[-1], 2)},
        "per_operation_per_peer": {"datagrams": round(pkts, 2), "bytes": round(byts)},
        "idle_per_node_2_nodes": {"datagrams_per_s": round(idle_pkts, 2),
                                  "bytes_per_s": round(idle_bytes)},
    }


def _heal(tmp: str) -> dict:
    from netlab import Lab, LabNode, missing_reason

    reason = missing_reason()
    if reason:
        return {"skipped": reason}
    interval = 1.0
    lab, nodes, runs = Lab(hosts=4), [], []
    try:
        lab.open()
        for i, (role, sector) in enumerate((("control", 0), ("sector", 1), ("sector", 2),
                                            ("semaphore", 0)), 1):
            cfg = write_config(f"{tmp}/h{i}.toml", discovery_port=9999, sync_port=9000,
                               broadcast=lab.broadcast, key=KEY, announce_s=0.5,
                               anti_entropy_s=interval, peer_timeout_s=3.0,
                               link_timeout_s=3.0)
            nodes.append(LabNode(lab, i, f"{tmp}/h{i}", role=role, sector=sector,
                                 node_id=f"h{i}", config=cfg))
        for n in nodes:
            n.start()
        for run in range(5):
            for i, host in enumerate(lab.hosts, 1):
                lab.drop_udp_from(host, [lab.ip(j) for j in ((3, 4) if i <= 2 else (1, 2))])
            for k, n in enumerate(nodes):
                for m in range(3):
                    n.post("/api/event", {"event_type": "debris", "details": f"r{run}n{k}m{m}"})
            nodes[0].post("/api/set_flag", {"flag": ("yellow", "red")[run % 2]})
            nodes[3].post("/api/set_flag", {"flag": ("fcy", "none")[run % 2]})
            healed = time.monotonic()
            for host in lab.hosts:
                lab.clear_rules(host)

            def same():
                states = [json.dumps(replicated(n.state()), sort_keys=True) for n in nodes]
                return len(set(states)) == 1
            wait_for(same, 20, interval=0.02, what="convergence")
            runs.append(time.monotonic() - healed)
    finally:
        for n in nodes:
            n.stop()
        lab.close()
    return {"anti_entropy_s": interval, "runs": len(runs),
            "heal_to_identical_s": {"median": round(statistics.median(runs), 3),
                                    "max": round(max(runs), 3)},
            "max_in_anti_entropy_rounds": round(max(runs) / interval, 2)}


def run() -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        out = _latency(os.path.join(tmp, "lat"))
        out["partition_heal_4_hosts"] = _heal(os.path.join(tmp, "heal"))
    return out


if __name__ == "__main__":
    print(json.dumps(run(), indent=2))
