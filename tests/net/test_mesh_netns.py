"""The mesh on real hosts: four network namespaces on a bridge, broadcast discovery,
partitions (nftables, link down), 20% packet loss and a rogue host."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import time

import pytest
from meshutil import replicated, write_config
from netlab import Lab, LabNode, missing_reason
from support import ROOT, wait_for

REASON = missing_reason()
pytestmark = [pytest.mark.netns, pytest.mark.skipif(REASON is not None, reason=REASON or "")]

KEY = "netns-mesh-key"
ROLES = [("control", 0), ("sector", 1), ("sector", 2), ("semaphore", 0)]
ANTI_ENTROPY_S = 0.5
# Converged within two anti-entropy rounds after the heal, plus slack for the machine.
HEAL_BOUND_S = 2 * ANTI_ENTROPY_S + 2.0


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    root = tmp_path_factory.mktemp("netns")
    lab = Lab(hosts=5)  # four appliances and one spare host for the rogue
    nodes = []
    try:
        lab.open()
        for i, (role, sector) in enumerate(ROLES, 1):
            config = write_config(str(root / f"h{i}.toml"), discovery_port=9999, sync_port=9000,
                                  broadcast=lab.broadcast, key=KEY,
                                  anti_entropy_s=ANTI_ENTROPY_S)
            nodes.append(LabNode(lab, i, str(root / f"h{i}"), role=role, sector=sector,
                                 node_id=f"h{i}", config=config))
        for node in nodes:
            node.start(wait=False)
        for node in nodes:
            node.wait_ready()
        lab.nodes = nodes
        yield lab
    finally:
        for node in nodes:
            node.stop()
        lab.close()


@pytest.fixture
def faults(lab):
    """Every fault a test injects is undone when it ends, also on failure."""
    yield lab
    for i, host in enumerate(lab.hosts, 1):
        lab.clear_rules(host)
        lab.link(i, up=True)


def online(node) -> set[str]:
    return {p["id"] for p in node.state()["nodes"] if p["online"]}


def converge(nodes, timeout: float) -> tuple[dict, float]:
    started = time.monotonic()

    def same():
        states = [replicated(n.state()) for n in nodes]
        return all(s == states[0] for s in states[1:]) and states[0]
    state = wait_for(same, timeout, interval=0.05, what="identical /api/state on every host")
    return state, time.monotonic() - started


def test_discovery_by_broadcast_across_hosts(lab):
    for node in lab.nodes:
        others = {n.node_id for n in lab.nodes} - {node.node_id}
        wait_for(lambda: online(node) == others, 10, what=f"{node.node_id} sees the others")
    rows = {p["id"]: p for p in lab.nodes[0].state()["nodes"]}
    assert rows["h3"]["address"] == f"{lab.ip(3)}:9000" and rows["h3"]["sector"] == 2
    assert all(n.state()["live"] for n in lab.nodes)


def test_partition_with_conflicting_changes_heals(faults):
    lab = faults
    h1, h2, h3, h4 = lab.nodes
    side_a, side_b = [lab.ip(1), lab.ip(2)], [lab.ip(3), lab.ip(4)]
    for i in (1, 2):
        lab.drop_udp_from(lab.hosts[i - 1], side_b)
    for i in (3, 4):
        lab.drop_udp_from(lab.hosts[i - 1], side_a)
    wait_for(lambda: online(h3) == {"h4"} and online(h1) == {"h2"}, 10, what="partition seen")
    assert h1.post("/api/set_flag", {"flag": "yellow"})[0] == 200
    assert h2.post("/api/sector/set_flag", {"sector_id": 1, "flag": "double_yellow"})[0] == 200
    assert h3.post("/api/sector/set_flag", {"sector_id": 1, "flag": "white"})[0] == 200
    assert h4.post("/api/set_flag", {"flag": "red"})[0] == 200
    converge([h1, h2], 5)
    converge([h3, h4], 5)
    assert replicated(h1.state()) != replicated(h3.state())
    for host in lab.hosts[:4]:
        lab.clear_rules(host)
    state, took = converge(lab.nodes, HEAL_BOUND_S)
    # Concurrent writes are all kept; the most cautious shows.
    assert state["flag"] == "red" and state["flag_values"] == ["red", "yellow"]
    assert state["sectors"][0]["flag"] == "double_yellow"
    assert state["sectors"][0]["flag_conflict"]
    lab.heal_seconds = took


def test_link_down_and_up(faults):
    lab = faults
    h1, h4 = lab.nodes[0], lab.nodes[3]
    lab.link(4, up=False)
    wait_for(lambda: not h4.state()["live"], 10, what="h4 not live with its link down")
    wait_for(lambda: "h4" not in online(h1), 5, what="h4 offline on h1")
    h4.post("/api/sector/set_flag", {"sector_id": 2, "flag": "slippery"})
    h1.post("/api/safety_car/set", {"active": "true"})
    lab.link(4, up=True)
    state, _ = converge(lab.nodes, HEAL_BOUND_S + 1)
    assert state["safety_car"] and state["sectors"][1]["flag"] == "slippery"
    wait_for(lambda: h4.state()["live"], 5, what="h4 live again")


def test_twenty_percent_loss_still_converges(faults):
    lab = faults
    for host in lab.hosts[:4]:
        lab.lose_udp(host, 20)
    for n in range(24):
        node = lab.nodes[n % 4]
        assert node.post("/api/event", {"event_type": "debris",
                                        "details": f"lossy {n}"})[0] == 200
    state, _ = converge(lab.nodes, 15)
    assert sum(e["details"].startswith("lossy") for e in state["events"]) == 24


ROGUE = textwrap.dedent("""
    import json, socket, sys
    from appliance.net import wire
    broadcast, target = sys.argv[1], sys.argv[2]
    forger = wire.Codec("h1", "wrong-key", boot=1)
    ops = {"type": "ops", "ops": [{"i": "f0f0f0f0f0f0f0f0", "n": "h1", "h": 1 << 60,
                                   "k": "signal", "a": {"r": "flag", "v": "green"}}]}
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_BROADCAST, 1)
    for packet in forger.encode(ops) + [b"garbled\\x00\\xff", b"{" * 1500,
                                        wire.Codec("h1", "").encode(ops)[0]]:
        s.sendto(packet, (target, 9000))
        s.sendto(packet, (broadcast, 9999))
""")


def test_rogue_host_packets_are_rejected_and_counted(lab):
    before = [n.state() for n in lab.nodes]
    subprocess.run(["ip", "netns", "exec", lab.hosts[4], sys.executable, "-c", ROGUE,
                    lab.broadcast, lab.ip(2)], check=True, cwd=ROOT, env={"PYTHONPATH": ROOT})
    stats = wait_for(lambda: (lambda s: s if s["dropped_oversized"] >= 2 else None)(
        lab.nodes[1].state()["mesh_stats"]), 5, what="the rogue's packets counted on h2")
    assert stats["dropped_bad_mac"] - before[1]["mesh_stats"]["dropped_bad_mac"] >= 6
    for node in (lab.nodes[0], lab.nodes[2]):  # broadcast only: 3 bad MACs, 1 oversized
        s = node.state()["mesh_stats"]
        assert s["dropped_bad_mac"] >= 3 and s["dropped_oversized"] >= 1
    after = [replicated(n.state()) for n in lab.nodes]
    assert all(a == replicated(b) for a, b in zip(after, before))
    assert all(n.state()["flag"] != "green" for n in lab.nodes)
