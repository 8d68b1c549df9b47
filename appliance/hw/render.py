"""What a panel shows: a pure function of (the post, the replicated state, the time).

`render(view, state, now_ms, live, config, prev)` first resolves the logical signal (the
flag precedence, the green hold, the start lights, the loss-of-contact policy) and then
draws it. `prev` is the previous frame of the same panel: the only memory the renderer
has, used to show green for `green_hold_s` after a hazard ends and to keep the moment a
state began. Same arguments, same frame: golden tests and two nodes flashing in phase
both rest on that.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..flags import CAR_SEVERITY, TRACK_WIDE, most_cautious
from . import patterns
from .flash import cadence_table
from .frame import Canvas, Frame, Layout

# A hazard ending (its signal falling to none) shows green for green_hold_s (flags.md).
HAZARDS = frozenset({"yellow", "double_yellow", "slippery", "sc", "vsc", "fcy", "code60"})
# Shown as they are when the panel is not live: cautions are kept, only the all-clear goes.
ALL_CLEAR = frozenset({"none", "green", "lights_out", "pit_open", "pit_open_blue"})
# Per-car flags at the start line (flags.md: "only on a matrix at the start line, with the
# car number"). Several cars take turns, CAR_PERIOD_MS each, on slots of the mesh clock, so
# every gantry shows the same car at the same moment. After lights out the line stays dark
# for START_CLEAR_MS before a car flag may show: the start is never followed at once by a
# lit panel that a driver could take for part of the start signal.
CAR_PERIOD_MS = 2000
START_CLEAR_MS = 5000
CAR_PREFIX = "car_"


@dataclass(frozen=True)
class View:
    """The post a panel belongs to. mode: sector | start | pit_exit."""

    role: str
    sector: int
    mode: str
    layout: Layout

    @classmethod
    def from_config(cls, config) -> "View":
        hw = config["hw"]
        mode = hw["semaphore_mode"] if config.role == "semaphore" else "sector"
        sector = config.sector if config.role in ("sector", "semaphore") else 0
        return cls(config.role, sector, mode, Layout.from_config(hw))


@dataclass(frozen=True)
class _Shown:
    signal: str
    since_ms: int
    until_ms: int | None = None  # when this resolution ends by itself (hold, start light)


def _track(state: dict) -> tuple[str, int]:
    values = [state["flag"]] if state["flag"] in TRACK_WIDE else []
    if state.get("safety_car"):
        values.append("sc")
    return most_cautious(values), state.get("flag_since_ms", 0)


def _sector(state: dict, sector: int) -> dict | None:
    for entry in state.get("sectors", ()):
        if entry["sector_id"] == sector:
            return entry
    return None


def _kept_since(prev: Frame | None, signal: str, now_ms: int) -> int:
    return prev.since_ms if prev is not None and prev.signal == signal else now_ms


def _resolve_sector(view, state, now_ms, hold_ms, prev) -> _Shown:
    entry = _sector(state, view.sector)
    if entry is not None:
        signal, since = entry["signal"], entry["signal_since_ms"]
    else:
        resolved = [state["flag"]] + (["sc"] if state.get("safety_car") else [])
        signal, since = most_cautious(resolved), state.get("flag_since_ms", 0)
    ended_hazard = signal == "none" and prev is not None and (
        prev.signal in HAZARDS or (prev.signal == "green" and prev.since_ms == since))
    if signal == "green" or ended_hazard:
        if now_ms < since + hold_ms:
            return _Shown("green", since, since + hold_ms)
        return _Shown("none", since + hold_ms)
    return _Shown(signal, since)


def _sequence_running(seq: dict | None, now_ms: int) -> bool:
    return bool(seq) and not seq["aborted"] and seq["begin_ms"] <= now_ms < seq["lights_out_ms"]


def _pending_begin(seq: dict | None, now_ms: int) -> int | None:
    """The begin of a sequence scheduled for later, so the frame loop wakes for it."""
    return seq["begin_ms"] if seq and not seq["aborted"] and now_ms < seq["begin_ms"] else None


def flagged_cars(state: dict, layout: Layout) -> list[tuple[str, str]]:
    """(flag, number) of every registered car with a car flag that this panel can draw,
    gravest flag first, then by number: the fixed order of the rotation."""
    cars = []
    for pilot in state.get("pilots", ()):
        flag, number = pilot.get("car_flag", "none"), str(pilot.get("number", ""))
        if flag != "none" and flag in CAR_SEVERITY and number.isdigit() \
                and patterns.car_flag_fits(layout, number):
            cars.append((flag, number))
    return sorted(cars, key=lambda c: (-CAR_SEVERITY[c[0]], int(c[1]), c[1]))


def car_signal(flag: str, number: str) -> str:
    """The panel's signal for a car flag, e.g. car_black:44."""
    return f"{CAR_PREFIX}{flag}:{number}"


def parse_car_signal(signal: str) -> tuple[str, str]:
    flag, _, number = signal[len(CAR_PREFIX):].partition(":")
    return flag, number


def _earliest(*times: int | None) -> int | None:
    known = [t for t in times if t is not None]
    return min(known) if known else None


def _resolve_cars(state, now_ms, layout, seq, pending) -> _Shown | None:
    """The car flag shown now, when any: the rotation's slot on the mesh clock."""
    cars = flagged_cars(state, layout)
    if not cars:
        return None
    slot = now_ms // CAR_PERIOD_MS
    flag, number = cars[slot % len(cars)]
    car_since = next((p.get("car_flag_since_ms", 0) for p in state.get("pilots", ())
                      if str(p.get("number", "")) == number), 0)
    # Since: the latest replicated moment that could have brought this car on (its flag,
    # its slot, the end of a higher signal), so every gantry reports the same time.
    lifted = [state.get("flag_since_ms", 0), state.get("safety_car_since_ms", 0)]
    if seq and not seq["aborted"]:
        lifted.append(seq["lights_out_ms"] + START_CLEAR_MS)
    since = max([car_since or 0] + lifted + ([slot * CAR_PERIOD_MS] if len(cars) > 1 else []))
    until = (slot + 1) * CAR_PERIOD_MS if len(cars) > 1 else None
    return _Shown(car_signal(flag, number), min(since, now_ms), _earliest(until, pending))


def _resolve_start(state, now_ms, prev, layout) -> _Shown:
    """Start line, highest first: red > aborted start > the sequence (the five lights, then
    dark for START_CLEAR_MS after lights out) > SC/VSC/FCY/Code 60/chequered (track-wide)
    > per-car flags (matrix only) > dark. A message to one car never hides a signal to
    every car."""
    track, track_since = _track(state)
    seq = state.get("start_sequence")
    if track == "red":
        return _Shown("red", track_since)
    if seq and seq["aborted"]:
        return _Shown("aborted", seq["aborted_ms"] or seq["begin_ms"])
    if _sequence_running(seq, now_ms):
        lights = max(0, min(5, (now_ms - seq["begin_ms"]) // 1000))
        since = seq["begin_ms"] + lights * 1000
        until = since + 1000 if lights < 5 else seq["lights_out_ms"]
        return _Shown(f"start_{lights}", since, min(until, seq["lights_out_ms"]))
    pending = _pending_begin(seq, now_ms)
    if track != "none":
        return _Shown(track, track_since, pending)
    clear_at = seq["lights_out_ms"] + START_CLEAR_MS if seq and pending is None else None
    if layout.kind == "matrix" and (clear_at is None or now_ms >= clear_at):
        car = _resolve_cars(state, now_ms, layout, seq, pending)
        if car is not None:
            return car
    if seq and pending is None:
        waiting = clear_at is not None and now_ms < clear_at and layout.kind == "matrix" \
            and flagged_cars(state, layout)
        return _Shown("lights_out", seq["lights_out_ms"], clear_at if waiting else None)
    return _Shown("none", _kept_since(prev, "none", now_ms), pending)


def _resolve_pit(view, state, now_ms, prev) -> tuple[_Shown, dict]:
    track, _ = _track(state)
    seq = state.get("start_sequence")
    closed = track in ("red", "checkered") or _sequence_running(seq, now_ms)
    entry = _sector(state, view.sector)
    warning = bool(entry) and entry["flag"] == "blue"
    signal = ("pit_closed" if closed else "pit_open") + ("_blue" if warning else "")
    until = (seq["lights_out_ms"] if _sequence_running(seq, now_ms)
             else _pending_begin(seq, now_ms))
    return (_Shown(signal, _kept_since(prev, signal, now_ms), until),
            {"closed": closed, "warning": warning})


def _blue_number(state: dict) -> str | None:
    for pilot in state.get("pilots", ()):
        if pilot.get("blue_flag"):
            return str(pilot.get("number", "")) or None
    return None


def _lamps(signal: str, canvas: Canvas, extra: dict) -> dict[str, bool]:
    """Lamp groups for relay gantries: start lights by position, others by colour."""
    if signal.startswith("start_") or signal == "red":
        count = 5 if signal == "red" else int(signal[6:])
        lamps = {f"red{k}": k <= count for k in range(1, 6)}
        lamps["red"] = signal == "red"
        return lamps
    if signal.startswith("pit_"):
        return {"red": extra["closed"], "green": not extra["closed"],
                "blue": patterns.BLUE in canvas.colors()}
    present = canvas.colors()
    return {name: color in present for color, name in patterns.COLOR_LAMPS.items()}


def render(view: View, state: dict, now_ms: int, live: bool, config,
           prev: Frame | None = None) -> Frame:
    """The frame `view`'s panel shows at mesh time now_ms."""
    table = cadence_table(config["hw"]["flash_overrides"])
    extra: dict = {}
    if view.mode == "start":
        shown = _resolve_start(state, now_ms, prev, view.layout)
    elif view.mode == "pit_exit":
        shown, extra = _resolve_pit(view, state, now_ms, prev)
    else:
        hold_ms = int(config["race"]["green_hold_s"] * 1000)
        shown = _resolve_sector(view, state, now_ms, hold_ms, prev)
    if not live and shown.signal in ALL_CLEAR:
        shown = _Shown("not_live", _kept_since(prev, "not_live", now_ms))

    canvas = Canvas(view.layout)
    signal = shown.signal
    if signal.startswith("start_"):
        patterns.start_lights(canvas, int(signal[6:]), patterns.RED)
        edge = None
    elif signal == "red" and view.mode == "start":
        patterns.start_lights(canvas, patterns.START_LIGHTS, patterns.RED)
        edge = None
    elif signal == "aborted":
        edge = patterns.aborted(canvas, now_ms, table, extra)
    elif signal.startswith("pit_"):
        edge = patterns.pit_exit(canvas, now_ms, table, extra)
    elif signal.startswith(CAR_PREFIX):
        flag, number = parse_car_signal(signal)
        patterns.car_flag(canvas, flag, number)
        edge = None
    elif signal == "lights_out":
        patterns.none(canvas, now_ms, table, extra)
        edge = None
    else:
        extra["number"] = _blue_number(state) if signal == "blue" else None
        edge = patterns.SECTOR_PATTERNS[signal](canvas, now_ms, table, extra)
    changes = [t for t in (edge, shown.until_ms) if t is not None]
    return Frame(view.layout, canvas.pixels, signal, shown.since_ms,
                 _lamps(signal, canvas, extra), min(changes) if changes else None)
