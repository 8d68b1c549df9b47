"""Stand-ins for the edges, shipped like gpiozero's MockFactory so tests and the bench
build the real service: a node with the contract's methods, and a mock rpi_ws281x module
that records pixels and show() calls and can fail its init.
"""

from __future__ import annotations

import time

from ..flags import TRACK_WIDE, most_cautious


def blank_state(sectors: int) -> dict:
    """A public_state with nothing raised, in the core's shape."""
    return {
        "node": {"id": "fake", "role": "sector", "sector": 1, "version": "0"},
        "now_ms": 0, "started": False, "started_at_ms": None,
        "flag": "none", "flag_values": ["none"], "flag_conflict": False, "flag_since_ms": 0,
        "safety_car": False, "safety_car_this_lap": False, "safety_car_since_ms": 0,
        "sectors": [{"sector_id": i, "flag": "none", "flag_values": ["none"],
                     "flag_conflict": False, "flag_since_ms": 0, "marshal_intervene": False,
                     "intervene_since_ms": 0, "intervene_acked": False,
                     "signal": "none", "signal_since_ms": 0} for i in range(1, sectors + 1)],
        "start_sequence": None, "pilots": [],
    }


def resolve_signals(state: dict) -> None:
    """Recompute each sector's signal as the core does: most cautious of its flag, the
    track flag and the safety car, since the latest of those that won."""
    for entry in state["sectors"]:
        candidates = [(entry["flag"], entry["flag_since_ms"]),
                      (state["flag"], state["flag_since_ms"])]
        if state["safety_car"]:
            candidates.append(("sc", state["safety_car_since_ms"]))
        signal = most_cautious(c[0] for c in candidates)
        entry["signal"] = signal
        entry["signal_since_ms"] = max(s for f, s in candidates if f == signal)


class FakeNode:
    """The node contract in memory. `clock` is a callable returning mesh ms (default: the
    monotonic clock), so two fakes can share a skewed or injected time."""

    def __init__(self, config, clock=None):
        self.config = config
        self.state = blank_state(config["race"]["sectors"])
        self.clock = clock or (lambda: int(time.monotonic() * 1000))
        self.live = True
        self.reports: list[dict] = []
        self.commands: list[tuple[str, dict]] = []
        self._listeners = []

    # the contract
    def public_state(self) -> dict:
        return self.state

    def subscribe(self, callback) -> None:
        self._listeners.append(callback)

    def now_ms(self) -> int:
        return self.clock()

    def is_live(self) -> bool:
        return self.live

    def set_panel_report(self, report: dict) -> None:
        self.reports.append(report)

    async def command(self, name: str, params: dict) -> dict:
        self.commands.append((name, dict(params)))
        sid = int(params.get("sector_id", 0))
        if name == "sector/set_flag":
            self.set_sector_flag(sid, params["flag"])
            if params.get("marshal_intervene") == "1":
                self._intervene(sid, True)
        elif name == "sector/intervene":
            self._intervene(sid, params["active"] == "1")
        elif name == "sector/intervene_ack":
            self.state["sectors"][sid - 1]["intervene_acked"] = True
        self.changed()
        return {"ok": True}

    # test helpers
    def changed(self) -> None:
        resolve_signals(self.state)
        for callback in self._listeners:
            callback(self.state)

    def set_sector_flag(self, sid: int, flag: str) -> None:
        entry = self.state["sectors"][sid - 1]
        entry["flag"], entry["flag_since_ms"] = flag, self.now_ms()
        self.changed()

    def set_track(self, flag: str | None = None, safety_car: bool | None = None) -> None:
        if flag is not None:
            assert flag in TRACK_WIDE or flag in ("none", "green")
            self.state["flag"], self.state["flag_since_ms"] = flag, self.now_ms()
        if safety_car is not None:
            self.state["safety_car"] = safety_car
            self.state["safety_car_since_ms"] = self.now_ms()
        self.changed()

    def set_car_flag(self, number: str, flag: str) -> None:
        """A per-car flag on a registered car (registered here if it is not yet)."""
        pilot = next((p for p in self.state["pilots"] if p["number"] == number), None)
        if pilot is None:
            pilot = {"firstName": "Car", "lastName": number, "number": number,
                     "blue_flag": False, "blue_conflict": False}
            self.state["pilots"].append(pilot)
        pilot.update(car_flag=flag, car_flag_since_ms=self.now_ms(), car_flag_conflict=False)
        self.changed()

    def _intervene(self, sid: int, active: bool) -> None:
        entry = self.state["sectors"][sid - 1]
        entry["marshal_intervene"] = active
        entry["intervene_since_ms"] = self.now_ms()
        entry["intervene_acked"] = False


class MockWs281x:
    """Replaces the rpi_ws281x module: `PixelStrip(...)` strips whose show() calls are
    recorded in `shows` as (brightness 0..255, [0xRRGGBB per LED])."""

    def __init__(self, fail_init: bool = False):
        self.fail_init = fail_init
        self.fail_show = False
        self.shows: list[tuple[int, list[int]]] = []
        self.strips: list = []

    def PixelStrip(self, num, pin, freq_hz=800000, dma=10, invert=False, brightness=255,
                   channel=0, strip_type=None, gamma=None):  # noqa: N802 - the library's name
        strip = _MockStrip(self, num, pin, dma, brightness)
        self.strips.append(strip)
        return strip


class _MockStrip:
    def __init__(self, module, num, pin, dma, brightness):
        self.module, self.pin, self.dma = module, pin, dma
        self.brightness = brightness
        self.leds = [0] * num
        self.began = False

    def begin(self):
        if self.module.fail_init:
            raise RuntimeError("ws2811_init failed with code -5 (mmap() failed)")
        self.began = True

    def setBrightness(self, value):  # noqa: N802
        self.brightness = value

    def setPixelColor(self, n, color):  # noqa: N802
        self.leds[n] = int(color)

    def show(self):
        if self.module.fail_show:
            raise RuntimeError("ws2811_render failed with code -11 (DMA error)")
        self.module.shows.append((self.brightness, list(self.leds)))
