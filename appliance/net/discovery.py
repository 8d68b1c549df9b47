"""Discovery: the announce every node broadcasts, and the table of peers heard.

The announce keeps the original `{"type": "backend_announce", "host", "port"}` so the
original clients still find a backend, and adds what the mesh needs. It doubles as the
heartbeat: it refreshes `last_seen` in memory only, never in SQLite.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from .clock import OffsetEstimator
from .wire import PAYLOAD_BUDGET, dumps


def announce(identity: dict, sync_port: int, panel: dict | None) -> dict:
    msg = {"type": "backend_announce", "host": identity["host"][:64],
           "port": identity["http_port"] or 0, "id": identity["id"], "role": identity["role"],
           "sector": identity["sector"] or 0, "version": identity["version"][:32],
           "sync_port": sync_port, "uptime_s": identity["uptime_s"], "panel": panel}
    if panel is not None and len(dumps(msg)) > PAYLOAD_BUDGET:
        msg["panel"] = None  # the panel report is a courtesy; the heartbeat must go out
    return msg


@dataclass
class Peer:
    id: str
    address: tuple[str, int]  # where its sync socket listens
    role: str = ""
    sector: int = 0
    http_port: int = 0
    version: str = ""
    host: str = ""
    panel: dict | None = None
    uptime_s: int = 0
    last_seen: float = 0.0  # monotonic
    last_seen_ms: int = 0  # wall clock, for display
    online: bool = True
    clock: OffsetEstimator = field(default_factory=OffsetEstimator)


class PeerTable:
    def __init__(self, peer_timeout_s: float, max_offset_ms: float):
        self.peer_timeout_s = peer_timeout_s
        self.max_offset_ms = max_offset_ms
        self.peers: dict[str, Peer] = {}
        self.last_heard = 0.0  # monotonic time of the last packet from any peer

    def heard_announce(self, msg: dict, ip: str) -> bool:
        """Record an announce; True when the table changed in a way a viewer sees."""
        now = time.monotonic()
        peer = self.peers.get(msg["id"])
        fields = {"address": (ip, msg["sync_port"]), "role": msg["role"],
                  "sector": msg["sector"], "http_port": msg["port"],
                  "version": msg["version"], "host": msg["host"], "panel": msg["panel"]}
        if peer is None:
            peer = self.peers[msg["id"]] = Peer(msg["id"], **fields)
            changed = True
        else:
            changed = not peer.online or any(getattr(peer, k) != v for k, v in fields.items())
            for k, v in fields.items():
                setattr(peer, k, v)
        peer.uptime_s = msg.get("uptime_s", 0)  # ticks every announce: not a visible change
        self._touch(peer, now)
        return changed

    def heard_from(self, node_id: str) -> bool:
        """Any authenticated packet from a known peer keeps it online."""
        peer = self.peers.get(node_id)
        if peer is None:
            return False
        was_online = peer.online
        self._touch(peer, time.monotonic())
        return not was_online

    def _touch(self, peer: Peer, now: float) -> None:
        peer.last_seen, peer.last_seen_ms, peer.online = now, int(time.time() * 1000), True
        self.last_heard = now

    def expire(self) -> bool:
        """Mark peers silent for peer_timeout_s offline; True if any changed."""
        now, changed = time.monotonic(), False
        for peer in self.peers.values():
            if peer.online and now - peer.last_seen > self.peer_timeout_s:
                peer.online, changed = False, True
        return changed

    def addresses(self) -> list[tuple[str, int]]:
        return [p.address for p in self.peers.values()]

    def rows(self) -> list[dict]:
        rows = []
        for p in sorted(self.peers.values(), key=lambda p: p.id):
            offset = p.clock.offset_us / 1000 if p.clock.known else None
            row = {"address": f"{p.address[0]}:{p.address[1]}", "id": p.id, "role": p.role,
                   "sector": p.sector, "host": p.host, "http_port": p.http_port,
                   "version": p.version, "uptime_s": p.uptime_s,
                   "last_seen_ms": p.last_seen_ms, "online": p.online,
                   "clock_offset_ms": None if offset is None else round(offset, 1),
                   "rtt_ms": None if p.clock.rtt_us is None else round(p.clock.rtt_us / 1000, 2),
                   "offset_too_large": offset is not None and abs(offset) > self.max_offset_ms}
            if p.panel is not None:
                row["panel"] = p.panel
            rows.append(row)
        return rows
