"""The hardware service: renders the post's panel on a steady cadence, hands frames to the
driver, publishes what is shown, and wires the marshal's buttons to node commands.

Frames are rendered on the asyncio loop (a pure function, well under a millisecond) and
shown in one driver thread, so a slow serial write never blocks the node. Ticks sit on a
grid of the mesh clock (hw.fps, 40 by default: 25 ms, on which every flash edge lies) and
a state change renders at once, so a new flag reaches the driver without waiting a frame.
"""

from __future__ import annotations

import asyncio
import logging
from concurrent.futures import ThreadPoolExecutor

from ..flags import SEVERITY
from .buttons import PostControls
from .drivers.base import DriverError
from .drivers.choose import make_driver
from .frame import Frame
from .render import CAR_PREFIX, View, car_signal, flagged_cars, render

log = logging.getLogger(__name__)


def _alert_key(signal: str) -> str:
    """What the marshal's two beeps follow: a start line cycling through several flagged
    cars changes its signal every CAR_PERIOD_MS, which is one message, not a new one."""
    return "car" if signal.startswith(CAR_PREFIX) else signal


class HardwareService:
    def __init__(self, node, *, pin_factory=None, ws281x_module=None, serial_factory=None):
        self._node = node
        self._config = node.config
        hw = self._config["hw"]
        self._view = View.from_config(self._config)
        self._driver = make_driver(hw, pin_factory=pin_factory, ws281x_module=ws281x_module,
                                   serial_factory=serial_factory)
        self._pin_factory = pin_factory
        self._period_ms = 1000.0 / hw["fps"]
        self._retry_s = hw["retry_s"]
        self._frame: Frame | None = None
        self._state: dict | None = None  # the latest state, as handed to _on_state
        self._driver_ok = False
        self._error: str | None = None
        self._retry_at = 0.0
        self._report: dict | None = None
        self._unacked = 0
        self._controls: PostControls | None = None
        self._executor: ThreadPoolExecutor | None = None
        self._task: asyncio.Task | None = None
        self._button_lock: asyncio.Lock | None = None
        self._pending: set[asyncio.Task] = set()
        self._wake: asyncio.Event | None = None
        self.on_shown = None  # optional hook (frame) after the driver took it: bench, tests

    @property
    def driver_name(self) -> str:
        return self._driver.name

    async def start(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._wake = asyncio.Event()
        self._button_lock = asyncio.Lock()
        self._executor = ThreadPoolExecutor(1, thread_name_prefix="hw-driver")
        await self._open_driver()
        buttons = self._config["buttons"]
        if any(buttons[k] for k in ("intervene_pin", "ack_pin", "buzzer_pin", "status_led_pin")):
            self._controls = PostControls(
                buttons, pin_factory=self._pin_factory,
                on_intervene=lambda: self._from_thread(self._intervene),
                on_clear=lambda: self._from_thread(self._clear),
                on_ack=lambda: self._from_thread(self._ack))
        self._state = self._node.public_state()
        self._node.subscribe(self._on_state)
        self._task = asyncio.create_task(self._run(), name="hw-frames")

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is None:
            return
        task.cancel()
        try:
            await task
        except asyncio.CancelledError:
            pass
        for pending in list(self._pending):
            pending.cancel()
        if self._controls is not None:
            self._controls.close()
            self._controls = None
        await self._loop.run_in_executor(self._executor, self._driver.close)
        self._executor.shutdown(wait=True)

    def panel_snapshot(self) -> dict:
        """The frame shown now, for GET /api/panel (the web UI's virtual panel)."""
        frame = self._frame or self._render(self._node.now_ms())
        px = frame.pixels
        return {"layout": frame.layout.kind, "width": frame.layout.width,
                "height": frame.layout.height,
                "pixels": [[px[i], px[i + 1], px[i + 2]] for i in range(0, len(px), 3)],
                "signal": frame.signal, "since_ms": frame.since_ms}

    # -- frame loop ---------------------------------------------------------------------

    def _on_state(self, state: dict) -> None:
        self._state = state
        self._wake.set()

    def _current(self) -> dict:
        return self._state if self._state is not None else self._node.public_state()

    def _render(self, now_ms: int) -> Frame:
        return render(self._view, self._current(), now_ms, self._node.is_live(),
                      self._config, self._frame)

    async def _run(self) -> None:
        target = None
        while True:
            try:
                await self._tick(target)
            except Exception:  # a bug must not freeze the panel loop for good
                log.exception("hw: frame failed")
            target = await self._sleep()

    async def _sleep(self) -> int | None:
        """Wait for the next grid tick or known change, or a state change (then None)."""
        now = self._node.now_ms()
        target = int((now // self._period_ms + 1) * self._period_ms + 0.999)
        if self._frame is not None and self._frame.next_change_ms is not None:
            target = min(target, max(now, self._frame.next_change_ms))
        self._wake.clear()
        try:
            await asyncio.wait_for(self._wake.wait(), max(0, target - now) / 1000)
            return None
        except asyncio.TimeoutError:
            return target

    async def _tick(self, target: int | None) -> None:
        # A timer wakes within a ms or so of its target: render the target instant, so a
        # flash edge is drawn at the edge even when the loop woke a hair early.
        now = self._node.now_ms()
        if target is not None:
            now = max(now, target)
        frame = self._render(now)
        live = self._node.is_live()
        changed = self._frame is None or _alert_key(frame.signal) != _alert_key(
            self._frame.signal)
        self._frame = frame
        if self._controls is not None:
            if changed:
                self._controls.alert()
            self._alert_interventions()
        if not self._driver_ok and self._loop.time() >= self._retry_at:
            await self._open_driver()
        if self._driver_ok:
            try:
                await self._loop.run_in_executor(self._executor, self._driver.show, frame)
            except DriverError as exc:
                self._fail(exc)
            else:
                if self.on_shown is not None:
                    self.on_shown(frame)
        if self._controls is not None:
            self._controls.set_status(live, self._driver_ok)
        self._publish(frame, live)

    async def _open_driver(self) -> None:
        try:
            await self._loop.run_in_executor(self._executor, self._driver.open)
        except DriverError as exc:
            self._fail(exc)
            return
        if self._error is not None:
            log.warning("hw: %s driver recovered", self._driver.name)
        self._driver_ok, self._error = True, None

    def _fail(self, exc: Exception) -> None:
        if self._error != str(exc):
            log.error("hw: %s driver failed: %s (retrying every %.0f s)",
                      self._driver.name, exc, self._retry_s)
        self._driver_ok, self._error = False, str(exc)
        self._retry_at = self._loop.time() + self._retry_s
        try:
            self._driver.close()
        except Exception:  # closing a broken device must not mask the failure
            log.debug("hw: close after failure raised", exc_info=True)

    def _publish(self, frame: Frame, live: bool) -> None:
        report = {"signal": frame.signal, "since_ms": frame.since_ms,
                  "driver": self._driver.name, "driver_ok": self._driver_ok,
                  "error": self._error, "live": live}
        if frame.signal.startswith(CAR_PREFIX):
            report.update(self._car_rotation(frame))
        if report != self._report:
            self._report = report
            self._node.set_panel_report(report)

    def _car_rotation(self, frame: Frame) -> dict:
        """Several car flags take turns on the matrix every 2 s. The report names the set
        instead of the car on screen, so that it (and with it every /ws client and every
        announce) does not change at each turn."""
        state = self._current()
        cars = flagged_cars(state, self._view.layout)
        if len(cars) < 2:
            return {}
        numbers = {number for _, number in cars}
        since = max((p.get("car_flag_since_ms", 0) for p in state.get("pilots", ())
                     if str(p.get("number")) in numbers), default=frame.since_ms)
        return {"signal": "car_flags", "since_ms": since,
                "cars": [car_signal(flag, number) for flag, number in cars]}

    def _alert_interventions(self) -> None:
        """At race control, beep when a marshal raises an intervention not yet acked."""
        if self._view.role != "control":
            return
        unacked = sum(1 for s in self._current().get("sectors", ())
                      if s["marshal_intervene"] and not s["intervene_acked"])
        if unacked > self._unacked:
            self._controls.alert(beeps=4)
        self._unacked = unacked

    # -- buttons --------------------------------------------------------------------------

    def _from_thread(self, action) -> None:
        self._loop.call_soon_threadsafe(self._spawn, action)

    def _spawn(self, action) -> None:
        task = self._loop.create_task(self._guarded(action))
        self._pending.add(task)
        task.add_done_callback(self._pending.discard)

    async def _guarded(self, action) -> None:
        async with self._button_lock:  # press then hold: raise, then clear, in order
            try:
                await action()
            except Exception:
                log.exception("hw: button action %s failed", action.__name__)

    def _own_sector(self) -> dict | None:
        for entry in self._current().get("sectors", ()):
            if entry["sector_id"] == self._view.sector:
                return entry
        return None

    async def _intervene(self) -> None:
        """Raise marshal_intervene and a yellow (never lowering a stronger local flag)."""
        entry = self._own_sector()
        if entry is None or entry["marshal_intervene"]:
            return
        sid = self._view.sector
        if SEVERITY[entry["flag"]] < SEVERITY["yellow"]:
            await self._node.command("sector/set_flag", {"sector_id": sid, "flag": "yellow",
                                                         "marshal_intervene": "1"})
        else:
            await self._node.command("sector/intervene", {"sector_id": sid, "active": "1"})

    async def _clear(self) -> None:
        """Long press: the intervention is over; a yellow it raised turns to green (the
        green hold then ends it), a stronger flag stays for whoever set it."""
        entry = self._own_sector()
        if entry is None:
            return
        sid = self._view.sector
        await self._node.command("sector/intervene", {"sector_id": sid, "active": "0"})
        if entry["flag"] == "yellow":
            await self._node.command("sector/set_flag", {"sector_id": sid, "flag": "green"})

    async def _ack(self) -> None:
        """Silence the buzzer; at race control also acknowledge every open intervention."""
        if self._controls is not None:
            self._controls.silence()
        if self._view.role != "control":
            return
        for entry in self._current().get("sectors", ()):
            if entry["marshal_intervene"] and not entry["intervene_acked"]:
                await self._node.command("sector/intervene_ack",
                                         {"sector_id": entry["sector_id"]})
