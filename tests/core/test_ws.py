"""The /ws feed: state_init, state_update after every change, typed messages, and the
heartbeat that drops dead clients."""

import contextlib
import json
import socket
import time

from websockets.sync.client import connect

from support import wait_for


def recv_type(ws, wanted: str, timeout: float = 5.0, flag: str | None = None) -> dict:
    """The next message of type `wanted` (with track flag `flag`, for a state_update):
    peers and panels also cause updates, so tests wait for the one they caused."""
    deadline = time.monotonic() + timeout
    while True:
        msg = json.loads(ws.recv(timeout=max(0.01, deadline - time.monotonic())))
        if msg["type"] == wanted and (flag is None or msg["state"]["flag"] == flag):
            return msg


def test_init_then_updates_and_typed_messages(node):
    ws_url = node.url.replace("http", "ws") + "/ws"
    with connect(ws_url) as ws:
        init = json.loads(ws.recv(timeout=5))
        assert init["type"] == "state_init" and init["state"]["flag"] == "none"
        node.post("/api/set_flag", {"flag": "red"})
        assert recv_type(ws, "state_update", flag="red")["state"]["safety_car"] is False
        node.post("/api/register_pilot", {"firstName": "A", "lastName": "B", "number": "3"})
        node.post("/api/penalty/add", {"target_number": "3", "penalty_type": "stop_go"})
        pen = recv_type(ws, "penalty_add")["payload"]
        assert pen["target_number"] == "3" and pen["type"] == "stop_go" and pen["id"]
        node.post("/api/event", {"event_type": "out_window_open"})
        assert recv_type(ws, "event")["payload"]["event_type"] == "out_window_open"
        node.post("/api/pitbox/create", {"box_id": "P1", "password": "abcd1"})
        node.post("/api/pitbox/send", {"box_id": "P1", "password": "abcd1", "action": "pit_out"})
        assert recv_type(ws, "pit_action")["payload"]["action"] == "pit_out"
        node.post("/api/identify_device", {"kind": "semaphore", "device_id": "gantry"})
        assert recv_type(ws, "identify_device")["payload"]["kind"] == "semaphore"


def test_many_clients_all_get_the_change(node):
    ws_url = node.url.replace("http", "ws") + "/ws"
    with contextlib.ExitStack() as stack:
        clients = [stack.enter_context(connect(ws_url)) for _ in range(20)]
        for ws in clients:
            json.loads(ws.recv(timeout=5))
        node.post("/api/set_flag", {"flag": "vsc"})
        for ws in clients:
            assert recv_type(ws, "state_update", flag="vsc")["state"]["flag"] == "vsc"


def test_dead_clients_are_found_by_the_heartbeat(node_factory, tmp_path):
    cfg = tmp_path / "hb.toml"
    cfg.write_text("[http]\nws_ping_s = 0.2\nws_dead_s = 1.0\n")
    node = node_factory("hb", config=str(cfg))
    # A client that upgrades and then never reads or answers a ping.
    raw = socket.create_connection(("127.0.0.1", node.port))
    raw.sendall(b"GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                b"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n")
    raw.settimeout(5)
    assert b"101" in raw.recv(200)
    with connect(node.url.replace("http", "ws") + "/ws") as live:  # answers pings
        json.loads(live.recv(timeout=5))

        def dropped():
            try:
                return raw.recv(65536) == b""
            except socket.timeout:
                return False
        wait_for(dropped, timeout=5, what="the silent client to be dropped")
        node.post("/api/set_flag", {"flag": "yellow"})
        assert recv_type(live, "state_update", flag="yellow")["state"]["flag"] == "yellow"
    raw.close()
