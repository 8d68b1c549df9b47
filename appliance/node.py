"""One running appliance: the replica, the HTTP/WebSocket server, the mesh and the panel.

This is the seam the parts plug into. Hardware and mesh see only these methods:
`config`, `public_state()`, `subscribe(cb)`, `now_ms()`, `is_live()`,
`command(name, params)`, `set_panel_report(report)`, `ingest(ops)`.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import time

from . import __version__
from .hw.flash import cadence_table
from .hw.render import CAR_PERIOD_MS, START_CLEAR_MS
from .replica import Replica
from .web.app import create_app
from .web.hub import Hub

log = logging.getLogger(__name__)


class Node:
    def __init__(self, config, *, hardware_factory=None, mesh_factory=None):
        self.config = config
        self.replica = Replica(config, now_ms=self.now_ms)
        self.hub = Hub(config["http"]["ws_ping_s"], config["http"]["ws_dead_s"])
        self.hardware = None
        self.mesh = None
        self.panel_report: dict | None = None
        self.started_monotonic = time.monotonic()
        self._hardware_factory = hardware_factory
        self._mesh_factory = mesh_factory
        self._server = None
        self._lights_out_timer: asyncio.TimerHandle | None = None
        self._identified_panel: str | None = None  # None until the first identify
        self._tasks: set[asyncio.Task] = set()
        self._panel_reported = asyncio.Event()
        self.bound_port: int | None = None
        race = config["race"]
        # What clients need to draw panels as the LEDs do: one flash table for both.
        self._public_config = {"sectors": race["sectors"], "green_hold_s": race["green_hold_s"],
                               "flash": cadence_table(config["hw"]["flash_overrides"]),
                               "car_period_ms": CAR_PERIOD_MS, "start_clear_ms": START_CLEAR_MS}

    # -- the contract ---------------------------------------------------------------------

    @property
    def node_id(self) -> str:
        return self.replica.node_id

    def now_ms(self) -> int:
        """The mesh's agreed time (the local clock until the mesh has an estimate)."""
        if self.mesh is not None:
            return self.mesh.now_ms()
        return int(time.time() * 1000)

    def is_live(self) -> bool:
        return True if self.mesh is None else self.mesh.is_live()

    def public_state(self) -> dict:
        state = dict(self.replica.public_state())
        state["panel"] = self.panel_report
        state["nodes"] = self.mesh.peer_table() if self.mesh is not None else []
        state["live"] = self.is_live()
        state["mesh_stats"] = {**(self.mesh.stats if self.mesh is not None else {}),
                               **self.replica.stats, "ops_rejected": self.replica.state.rejected}
        state["config"] = self._public_config
        state["device_seen"] = self.replica.ctx.device_seen  # this node's own observations
        return state

    def subscribe(self, callback) -> None:
        self.replica.state_listeners.append(callback)

    async def command(self, name: str, params: dict) -> dict:
        return await self.replica.execute(name, params)

    async def ingest(self, ops) -> list:
        return await self.replica.ingest(ops)

    def set_panel_report(self, report: dict) -> None:
        self._panel_reported.set()
        if report != self.panel_report:
            self.panel_report = report
            self.notify()
            if self._identified_panel is not None \
                    and self._panel_status() != self._identified_panel:
                task = asyncio.get_running_loop().create_task(self._identify())
                self._tasks.add(task)
                task.add_done_callback(self._tasks.discard)

    def _panel_status(self) -> str:
        """The driver's health as the identify record carries it: 'ws281x ok', 'serial
        FAILED'. Changes rarely, so re-identifying on a change costs few writes."""
        r = self.panel_report
        return "" if r is None else f"{r.get('driver')} {'ok' if r.get('driver_ok') else 'FAILED'}"

    def notify(self) -> None:
        """Push the current state to every /ws client (after a change outside the log,
        such as a peer going offline or the panel changing)."""
        self.hub.publish({"type": "state_update", "state": self.public_state()})

    def identity(self) -> dict:
        return {"id": self.node_id, "role": self.config.role, "sector": self.config.sector,
                "version": __version__, "host": socket.gethostname(),
                "http_port": self.bound_port,
                "uptime_s": int(time.monotonic() - self.started_monotonic)}

    # -- life cycle -----------------------------------------------------------------------

    async def start(self) -> None:
        await self.replica.open()
        app = create_app(self)
        host, port = self.config.http_host_port
        self._server = await app.start_server(host=host, port=port, start_serving=False)
        self.bound_port = self._server.sockets[0].getsockname()[1]
        self.replica.node_info = {k: v for k, v in self.identity().items()
                                  if k in ("id", "role", "sector", "version", "http_port")}
        self.replica.state_listeners.append(self._on_state)
        self.replica.message_listeners.append(self._on_messages)
        if self._mesh_factory is not None:
            self.mesh = self._mesh_factory(self)
        if self._hardware_factory is not None and self.config.role != "repeater":
            self.hardware = self._hardware_factory(self)
        await self._server.start_serving()
        self.hub.start()
        if self.mesh is not None:
            await self.mesh.start()
        if self.hardware is not None:
            await self.hardware.start()
            try:  # identify with the driver's health, not before the panel has reported
                await asyncio.wait_for(self._panel_reported.wait(), 2.0)
            except asyncio.TimeoutError:
                log.warning("the panel has not reported within 2 s")
        self._schedule_lights_out(self.replica.public_state())
        await self._wait_for_track_time()
        await self._identify()
        log.info("node %s (%s) serving on %s:%d", self.node_id, self.config.role, host,
                 self.bound_port)

    async def _wait_for_track_time(self, timeout_s: float = 5.0) -> None:
        """A Pi has no real-time clock: give the mesh a moment to measure race control's
        clock before this node's first operation, so that it is not stamped (and the HLC
        of every peer pulled) hours off. A post cut off at boot goes on after timeout_s."""
        deadline = time.monotonic() + timeout_s
        while self.mesh is not None and not self.mesh.has_track_time() \
                and time.monotonic() < deadline:
            await asyncio.sleep(0.1)

    async def _identify(self) -> None:
        """Report this node through identify_device; written only when it changed."""
        me = self.identity()
        self._identified_panel = self._panel_status()
        await self.command("identify_device", {
            "device_id": me["id"], "kind": me["role"], "host": me["host"],
            "sector_id": me["sector"] or "", "version": me["version"],
            "panel": self._identified_panel})

    async def stop(self) -> None:
        if self.hardware is not None:
            await self.hardware.stop()
        if self.mesh is not None:
            await self.mesh.stop()
        self.hub.stop()
        if self._server is not None:
            self._server.close()
        await self.replica.close()

    async def serve_forever(self) -> None:
        await self.start()
        notifier = _SystemdNotifier()
        notifier.send("READY=1")
        try:
            while True:
                await asyncio.sleep(notifier.interval_s)
                notifier.send("WATCHDOG=1")
        finally:
            await self.stop()

    # -- listeners ------------------------------------------------------------------------

    def _on_state(self, state: dict) -> None:
        self.notify()
        self._schedule_lights_out(state)

    def _on_messages(self, messages) -> None:
        for kind, payload in messages:
            self.hub.publish({"type": kind, "payload": payload})

    def _schedule_lights_out(self, state: dict) -> None:
        """`started` turns true at lights out with no operation: wake the listeners then."""
        if self._lights_out_timer is not None:
            self._lights_out_timer.cancel()
            self._lights_out_timer = None
        seq = state.get("start_sequence")
        if seq and not seq["aborted"] and not state["started"]:
            delay = (seq["lights_out_ms"] - self.now_ms()) / 1000
            if delay > -1:
                self._lights_out_timer = asyncio.get_running_loop().call_later(
                    max(delay, 0) + 0.001, self.replica.state_changed)


class _SystemdNotifier:
    """sd_notify without a dependency: READY at start, WATCHDOG while the loop turns."""

    def __init__(self):
        self.address = os.environ.get("NOTIFY_SOCKET")
        usec = int(os.environ.get("WATCHDOG_USEC", "0") or 0)
        self.interval_s = usec / 2e6 if usec else 5.0
        if self.address and self.address.startswith("@"):
            self.address = "\0" + self.address[1:]

    def send(self, message: str) -> None:
        if not self.address:
            return
        with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
            try:
                sock.sendto(message.encode(), self.address)
            except OSError as exc:
                log.warning("sd_notify failed: %s", exc)
