"""Helpers for the mesh tests: per-node config files with short intervals, and state
comparison of the replicated parts."""

from __future__ import annotations

import os

from support import free_port, free_udp_port

# Fields of /api/state that belong to one node, not to the replicated race state.
PER_NODE = ("node", "now_ms", "nodes", "panel", "live", "mesh_stats", "device_seen")


def write_config(path: str, *, discovery_port: int, sync_port: int = 0,
                 broadcast: str = "127.255.255.255", bind: str = "0.0.0.0",
                 key: str = "", static_peers: list[str] | None = None,
                 announce_s: float = 0.2, anti_entropy_s: float = 0.5,
                 peer_timeout_s: float = 1.5, link_timeout_s: float = 1.5) -> str:
    os.makedirs(os.path.dirname(path), exist_ok=True)
    peers = ", ".join(f'"{p}"' for p in static_peers or [])
    with open(path, "w") as fh:
        fh.write(f"""[mesh]
discovery_port = {discovery_port}
sync_port = {sync_port or free_udp_port()}
broadcast = "{broadcast}"
bind = "{bind}"
mesh_key = "{key}"
static_peers = [{peers}]
announce_interval_s = {announce_s}
anti_entropy_s = {anti_entropy_s}
peer_timeout_s = {peer_timeout_s}
link_timeout_s = {link_timeout_s}
""")
    return path


def replicated(state: dict) -> dict:
    return {k: v for k, v in state.items() if k not in PER_NODE}


__all__ = ["free_port", "free_udp_port", "write_config", "replicated", "PER_NODE"]
