"""The mesh service: sockets, the announce and anti-entropy rounds, and the node contract.

Two UDP sockets per node. The discovery socket is bound to the shared discovery port with
SO_REUSEADDR, so several nodes on one host all receive the broadcasts. The sync socket has
a port of its own (unicast to a shared port would reach only one of them); every packet is
sent from it, so a peer's source address is where it can be answered.

Liveness (flags.md, on loss of contact): a node is live when it heard a peer within
`link_timeout_s`. A control node that has never heard or been configured with a peer
counts as live (race control on its own is a valid set-up); every other role that hears
nobody is not live, so its panel tells the marshals.
"""

from __future__ import annotations

import asyncio
import logging
import random
import socket
import time

from ..ops import Op
from . import wire
from .discovery import PeerTable, announce
from .sync import AntiEntropy, ops_messages

log = logging.getLogger(__name__)


def _now_us() -> int:
    return time.time_ns() // 1000


class _Endpoint(asyncio.DatagramProtocol):
    def __init__(self, mesh: "Mesh"):
        self.mesh = mesh

    def datagram_received(self, data: bytes, addr) -> None:
        self.mesh.receive(data, addr)

    def error_received(self, exc: Exception) -> None:
        self.mesh.stats["send_errors"] += 1


class Mesh:
    def __init__(self, node):
        self.node = node
        self.cfg = node.config["mesh"]
        self.peers = PeerTable(self.cfg["peer_timeout_s"], self.cfg["max_clock_offset_ms"])
        self.sync = AntiEntropy(node.replica)
        self.static = [_address(p) for p in self.cfg["static_peers"]]
        self.stats = {"packets_in": 0, "packets_out": 0, "bytes_in": 0, "bytes_out": 0,
                      "ops_pushed": 0, "ops_received": 0, "ops_bad": 0, "digests_out": 0,
                      "probes_out": 0, "send_errors": 0,
                      **{f"dropped_{r}": 0 for r in wire.DROP_REASONS}}
        self.codec: wire.Codec | None = None
        self.sync_port = 0
        self._transports: list[asyncio.DatagramTransport] = []
        self._sync: asyncio.DatagramTransport | None = None
        self._tasks: set[asyncio.Task] = set()
        self._live = False

    # -- the node contract ------------------------------------------------------------------

    def peer_table(self) -> list[dict]:
        return self.peers.rows()

    def is_live(self) -> bool:
        if self.node.config.role == "control" and not self.peers.peers and not self.static:
            return True
        return (self.peers.last_heard > 0
                and time.monotonic() - self.peers.last_heard <= self.cfg["link_timeout_s"])

    def now_ms(self) -> int:
        """The control node's clock: ours plus the offset to the lowest-id online control
        peer; our own clock on a control node or while no estimate exists."""
        local = time.time_ns() // 1_000_000
        control = self._time_source()
        return local if control is None else local + control.clock.offset_us // 1000

    def has_track_time(self) -> bool:
        """Whether now_ms() is the track's time: on race control, or once its offset is
        measured."""
        return self.node.config.role == "control" or self._time_source() is not None

    def _time_source(self):
        if self.node.config.role == "control":
            return None
        controls = [p for p in self.peers.peers.values()
                    if p.role == "control" and p.online and p.clock.known]
        return min(controls, key=lambda p: p.id) if controls else None

    # -- life cycle -------------------------------------------------------------------------

    async def start(self) -> None:
        loop = asyncio.get_running_loop()
        boot = await loop.run_in_executor(None, wire.boot_number,
                                          self.node.config["node"]["data_dir"])
        self.codec = wire.Codec(self.node.node_id, self.cfg["mesh_key"], boot)
        self.sync_port = self.cfg["sync_port"] or self.node.bound_port + 1000
        bind = self.cfg["bind"]
        disc = _udp_socket(bind, self.cfg["discovery_port"], reuse=True)
        sync = _udp_socket(bind, self.sync_port, reuse=False)
        for sock in (disc, sync):
            transport, _ = await loop.create_datagram_endpoint(lambda: _Endpoint(self),
                                                               sock=sock)
            self._transports.append(transport)
        self._sync = self._transports[1]
        self.node.replica.op_listeners.append(self._on_ops)
        self._live = self.is_live()
        self._spawn(self._announce_loop())
        self._spawn(self._anti_entropy_loop())
        log.info("mesh: discovery %s:%d -> %s, sync port %d, %s", bind,
                 self.cfg["discovery_port"], self.cfg["broadcast"], self.sync_port,
                 "signed" if self.cfg["mesh_key"] else "UNSIGNED (no mesh_key)")

    async def stop(self) -> None:
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        for transport in self._transports:
            transport.close()
        self._transports.clear()

    def _spawn(self, coro) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._done)

    def _done(self, task: asyncio.Task) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("mesh task failed", exc_info=task.exception())

    # -- sending ----------------------------------------------------------------------------

    def send(self, msg: dict, address: tuple[str, int]) -> None:
        if self._sync is None or self._sync.is_closing():
            return
        try:
            datagrams = self.codec.encode(msg)
        except ValueError as exc:
            log.warning("mesh: not sent: %s", exc)
            return
        for data in datagrams:
            self._sync.sendto(data, address)
            self.stats["packets_out"] += 1
            self.stats["bytes_out"] += len(data)

    def _targets(self) -> list[tuple[str, int]]:
        return list(dict.fromkeys(self.peers.addresses() + self.static))

    def _on_ops(self, ops: list[Op], local: bool) -> None:
        """A new local operation goes to every peer at once; losses are anti-entropy's."""
        if not local:
            return
        targets = self._targets()
        for msg in ops_messages(ops):
            for address in targets:
                self.send(msg, address)
        self.stats["ops_pushed"] += len(ops) * len(targets)

    async def _announce_loop(self) -> None:
        interval = self.cfg["announce_interval_s"]
        while True:
            msg = announce(self.node.identity(), self.sync_port, self.node.panel_report)
            self.send(msg, (self.cfg["broadcast"], self.cfg["discovery_port"]))
            for address in self.static:
                self.send(msg, address)
            changed = self.peers.expire()
            live = self.is_live()
            if changed or live != self._live:
                self._live = live
                self.node.notify()
            await asyncio.sleep(interval * random.uniform(0.9, 1.1))

    async def _anti_entropy_loop(self) -> None:
        interval = self.cfg["anti_entropy_s"]
        await asyncio.sleep(interval * random.random())
        while True:
            await self.send_digests()
            await asyncio.sleep(interval * random.uniform(0.9, 1.1))

    async def send_digests(self, address: tuple[str, int] | None = None,
                           echo: list[int] | None = None) -> None:
        """One anti-entropy round to every peer, or a reply (with the clock echo) to one."""
        chunks = await self.sync.digests()
        for address_ in [address] if address else self._targets():
            for i, chunk in enumerate(chunks):
                msg = {**chunk, "ts": _now_us(), "r": 1 if address else 0}
                if echo and i == 0:
                    msg["echo"] = echo
                self.send(msg, address_)
                self.stats["digests_out"] += 1

    # -- receiving --------------------------------------------------------------------------

    def receive(self, data: bytes, addr) -> None:
        """Every datagram from either socket. Never raises: a bad packet is counted."""
        received_us = _now_us()
        self.stats["packets_in"] += 1
        self.stats["bytes_in"] += len(data)
        msg, reason = self.codec.decode(data)
        if msg is None:
            if reason:
                self.stats[f"dropped_{reason}"] += 1
            return
        if msg["from"] == self.node.node_id:
            return  # our own broadcast
        try:
            self._dispatch(msg, addr, received_us)
        except Exception:
            self.stats["dropped_malformed"] += 1
            log.exception("mesh: cannot handle a %s packet", msg.get("type"))

    def _dispatch(self, msg: dict, addr, received_us: int) -> None:
        kind = msg["type"]
        if kind == "backend_announce":
            first = msg["id"] not in self.peers.peers
            changed = self.peers.heard_announce(msg, addr[0])
            if first and addr[1] != self.cfg["discovery_port"]:
                # A unicast announce (a static peer): answer so one side's config suffices.
                self.send(announce(self.node.identity(), self.sync_port,
                                   self.node.panel_report), (addr[0], msg["sync_port"]))
            if changed:
                self.node.notify()
            return
        if self.peers.heard_from(msg["from"]):
            self.node.notify()
        if kind == "ops":
            self._spawn(self._ingest(msg["ops"]))
        elif kind == "digest":
            self._spawn(self._on_digest(msg, addr, received_us))
        elif kind == "probe":
            self._spawn(self._answer_probe(msg, addr))

    async def _ingest(self, raw: list[dict]) -> None:
        ops = []
        for d in raw:
            try:
                ops.append(Op.from_dict(d))
            except ValueError:
                self.stats["ops_bad"] += 1
        if ops:
            new = await self.node.ingest(ops)
            self.stats["ops_received"] += len(new)

    async def _on_digest(self, msg: dict, addr, received_us: int) -> None:
        if msg.get("echo"):
            peer = self.peers.peers.get(msg["from"])
            if peer is not None:
                t1, t2 = msg["echo"]
                peer.clock.add(t1, t2, msg["ts"], received_us)
        if not msg["r"] and msg["lo"] == "":
            # Reply first (the echo's t3 should be close to t2), then repair.
            await self.send_digests(addr, [msg["ts"], received_us])
        replies, followup = await self.sync.answer_digest(msg)
        await self._answer(replies, addr)
        if followup:
            await self.send_digests(addr)

    async def _answer_probe(self, msg: dict, addr) -> None:
        await self._answer(await self.sync.answer_probe(msg), addr)

    async def _answer(self, replies: list[dict], addr) -> None:
        for reply in replies:
            if reply["type"] == "probe":
                self.stats["probes_out"] += 1
            self.send(reply, addr)


def _udp_socket(host: str, port: int, *, reuse: bool) -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    if reuse:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_BROADCAST, 1)
    sock.setblocking(False)
    try:
        sock.bind((host, port))
    except OSError:
        sock.close()
        raise
    return sock


def _address(peer: str) -> tuple[str, int]:
    host, _, port = peer.rpartition(":")
    return host, int(port)
