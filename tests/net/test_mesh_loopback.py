"""The mesh on loopback: real processes, real UDP sockets, discovery on 127.255.255.255."""

from __future__ import annotations

import json
import socket
import time

import pytest
from meshutil import free_udp_port, replicated, write_config
from support import wait_for

KEY = "test-mesh-key"
EVENT = "debris"
POSTS = [("control", 0), ("sector", 1), ("sector", 2), ("sector", 3), ("semaphore", 0)]


@pytest.fixture
def mesh(node_factory, tmp_path):
    """make(name, role, sector, **config) starts a node on a shared discovery port."""
    port = free_udp_port()

    def make(name, role="control", sector=0, wait=True, **cfg):
        cfg.setdefault("key", KEY)
        config = write_config(str(tmp_path / f"{name}.toml"), discovery_port=port, **cfg)
        node = node_factory(name, role=role, sector=sector, node_id=name, config=config)
        return node
    make.discovery_port = port
    return make


def converged(nodes, timeout=10.0):
    def same():
        states = [replicated(n.state()) for n in nodes]
        return all(s == states[0] for s in states[1:]) and states[0]
    return wait_for(same, timeout, what="identical replicated state")


def online_peers(node) -> set[str]:
    return {p["id"] for p in node.state()["nodes"] if p["online"]}


def test_five_nodes_discover_and_converge(mesh):
    nodes = [mesh(f"p{i}", role, sector) for i, (role, sector) in enumerate(POSTS)]
    ids = {n.node_id for n in nodes}
    for n in nodes:
        wait_for(lambda: online_peers(n) == ids - {n.node_id}, 10, what=f"peers of {n.node_id}")
    control, s1, s2, s3, sem = nodes
    assert control.post("/api/set_flag", {"flag": "yellow"})[0] == 200
    assert s1.post("/api/sector/set_flag", {"sector_id": 1, "flag": "double_yellow"})[0] == 200
    assert s3.post("/api/sector/set_flag", {"sector_id": 3, "flag": "slippery"})[0] == 200
    assert sem.post("/api/register_pilot", {"firstName": "A", "lastName": "B",
                                            "number": 7})[0] == 200
    state = converged(nodes)
    assert state["flag"] == "yellow"
    assert [s["flag"] for s in state["sectors"]] == ["double_yellow", "none", "slippery"]
    # Every post sees every other one, with its role, sector, panel and a clock estimate.
    row = {p["id"]: p for p in control.state()["nodes"]}["p2"]
    assert (row["role"], row["sector"], row["online"]) == ("sector", 2, True)
    assert row["panel"]["signal"] in ("none", "yellow")
    wait_for(lambda: all(p["clock_offset_ms"] is not None for p in s2.state()["nodes"]), 5,
             what="clock estimates")
    assert all(abs(p["clock_offset_ms"]) < 50 and not p["offset_too_large"]
               for p in s2.state()["nodes"])
    assert all(n.state()["live"] for n in nodes)


def test_killed_node_catches_up_with_a_delta(mesh):
    a, b, c = mesh("a"), mesh("b", "sector", 1), mesh("c", "sector", 2)
    for i in range(5):
        a.post("/api/event", {"event_type": EVENT, "details": f"before {i}"})
    converged([a, b, c])
    b.kill9()
    wait_for(lambda: "b" not in online_peers(a), 5, what="b offline on a")
    a.post("/api/set_flag", {"flag": "red"})
    c.post("/api/sector/set_flag", {"sector_id": 2, "flag": "yellow"})
    b.start()
    state = converged([a, b, c])
    assert state["flag"] == "red" and state["sectors"][1]["flag"] == "yellow"
    # Only what it missed came over (and the peers' identify_device), not the whole log.
    assert b.state()["mesh_stats"]["ops_received"] <= 4
    assert "b" in online_peers(a)


def test_late_node_gets_everything(mesh):
    a, b = mesh("a"), mesh("b", "sector", 1)
    a.post("/api/set_flag", {"flag": "fcy"})
    for i in range(40):  # several datagrams' worth
        b.post("/api/event", {"event_type": EVENT, "details": f"event number {i}"})
    c = mesh("c", "sector", 2)
    state = converged([a, b, c])
    assert state["flag"] == "fcy" and len(state["events"]) >= 40


def test_partition_with_conflicts_and_reset_heals(mesh, tmp_path):
    """c runs cut off (another discovery port, nobody knows it), both sides change things
    and one resets the race; restarted inside the mesh, c converges within a bound."""
    a, b = mesh("a"), mesh("b", "sector", 1)
    a.post("/api/set_flag", {"flag": "yellow"})
    c_config = write_config(str(tmp_path / "c-alone.toml"), discovery_port=free_udp_port(),
                            key=KEY)
    c = mesh("c", "sector", 2)
    converged([a, b, c])
    c.stop()
    c.config = c_config
    c.start()
    wait_for(lambda: not c.state()["live"], 5, what="c not live when cut off")
    c.post("/api/reset_race")
    c.post("/api/sector/set_flag", {"sector_id": 2, "flag": "double_yellow"})
    b.post("/api/sector/set_flag", {"sector_id": 1, "flag": "white"})
    a.post("/api/register_pilot", {"firstName": "X", "lastName": "Y", "number": 44})
    assert replicated(c.state()) != replicated(a.state())
    c.stop()
    c.config = str(tmp_path / "c.toml")
    c.start()
    started = time.monotonic()
    state = converged([a, b, c])
    assert time.monotonic() - started < 5
    assert state["flag"] == "none"  # the reset won over the older yellow
    assert state["sectors"][1]["flag"] == "double_yellow"
    assert [p["number"] for p in state["pilots"]] == ["44"]


def test_lone_posts_and_offline_peers(mesh):
    control = mesh("ctl")
    sector = mesh("s1", "sector", 1)
    assert control.state()["live"]  # race control on its own is a valid set-up
    wait_for(lambda: sector.state()["live"], 5, what="sector live")
    control.kill9()
    wait_for(lambda: not sector.state()["live"], 5, what="sector not live without peers")
    wait_for(lambda: [(p["id"], p["online"]) for p in sector.state()["nodes"]]
             == [("ctl", False)], 5, what="ctl offline on s1")


def _sniff_announce(port: int) -> bytes:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind(("0.0.0.0", port))
        s.settimeout(5)
        return s.recvfrom(2048)[0]


def test_bad_packets_are_dropped_and_counted(mesh):
    a = mesh("a")
    b = mesh("b", "sector", 1)
    captured = _sniff_announce(mesh.discovery_port)
    assert json.loads(captured)["type"] == "backend_announce"  # plain JSON for old clients
    sync_port = json.loads(captured)["sync_port"]
    target = ("127.0.0.1", sync_port)
    forged = captured.replace(b'"role":"', b'"role":"x')
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        for data in (forged, b"\xff\x00garbage", b"{" * 5000, b"x" * 1500, captured,
                     b'{"type":"ops","from":"evil","c":1,"ops":[]}'):
            s.sendto(data, target)
    victim = a if json.loads(captured)["id"] == "a" else b
    stats = wait_for(lambda: (lambda s: s if s["dropped_replay"] >= 1 else None)(
        victim.state()["mesh_stats"]), 5, what="drops counted")
    assert stats["dropped_bad_mac"] >= 3  # forged, garbage, unsigned
    assert stats["dropped_oversized"] >= 2
    assert victim.post("/api/set_flag", {"flag": "green"})[0] == 200
    converged([a, b])
