"""Commands: validated requests turned into operations (no I/O of their own).

A handler reads and checks its parameters, does any slow work first (bcrypt, off the event
loop), and returns a `decide` function. The replica calls `decide(state)` under its write
lock, so checks against the state (a duplicate car number, say) and the write are atomic.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Awaitable, Callable

from . import flags
from .errors import ValidationError
from .params import Params
from .race import RaceState

PENALTY_TYPES = ("time", "drive_through", "stop_go")
PENALTY_ALIASES = {"time_plus": "time", "drive-through": "drive_through",
                   "stop-go": "stop_go", "stop_and_go": "stop_go"}
EVENT_TYPES = ("out_window_open", "out_window_close", "open_in_this_lap", "gt_incident",
               "debris", "oil", "car_stopped", "accident", "track_limits", "unsafe_release",
               "mechanical", "weather", "medical")
PIT_ACTIONS = ("pit_in", "pit_out", "manual_time", "message", "box_this_lap", "tyres",
               "fuel", "driver_change", "penalty_served")
DEVICE_KINDS = ("sector", "semaphore", "control", "repeater", "display")
LIGHT_INTERVAL_MS = 1000
LIGHTS = 5


@dataclass
class Intent:
    """One operation to be made: kind and args; signal writes get their context later."""
    kind: str
    args: dict
    announce: str | None = None  # a /ws message type to publish with the record made


@dataclass
class Decision:
    intents: list[Intent]
    response: dict = field(default_factory=dict)


Decide = Callable[[RaceState], Decision]


def signal(register: str, value) -> Intent:
    return Intent("signal", {"r": register, "v": value})


def lww(key: str, value) -> Intent:
    return Intent("lww", {"r": key, "v": value})


class Context:
    """What handlers may use besides their parameters."""

    def __init__(self, config, passwords, now_ms: Callable[[], int], rng=None):
        self.config = config
        self.passwords = passwords
        self.now_ms = now_ms
        self.rng = rng or random.SystemRandom()
        self.sectors = config["race"]["sectors"]
        #: device key -> when it last identified itself (ms); memory only: a heartbeat
        #: must not cost an SD card write.
        self.device_seen: dict[str, int] = {}

    def sector_id(self, p: Params, name: str = "sector_id", required: bool = True):
        return p.integer(name, 1, self.sectors, required=required)


Handler = Callable[[Context, Params], Awaitable[Decide]]
COMMANDS: dict[str, Handler] = {}


def command(name: str):
    def register(fn: Handler) -> Handler:
        COMMANDS[name] = fn
        return fn
    return register


def _registered(state: RaceState, number: str, field_name: str) -> None:
    if state.pilot(number) is None:
        raise ValidationError(field_name, f"car {number} is not registered", 404)


# -- track ---------------------------------------------------------------------------

@command("set_flag")
async def set_flag(ctx: Context, p: Params) -> Decide:
    flag = p.flag()
    return lambda state: Decision([signal("flag", flag)], {"flag": flag})


@command("start_race")
async def start_race(ctx: Context, p: Params) -> Decide:
    return lambda state: Decision([lww("started", True)])


@command("reset_race")
async def reset_race(ctx: Context, p: Params) -> Decide:
    return lambda state: Decision([Intent("reset", {})])


@command("safety_car/set")
async def safety_car_set(ctx: Context, p: Params) -> Decide:
    if not p.given("active") and not p.given("in_this_lap"):
        raise ValidationError("active", "give active and/or in_this_lap (1 or 0)")
    intents = []
    if p.given("active"):
        intents.append(signal("sc_active", p.boolean("active")))
    if p.given("in_this_lap"):
        intents.append(signal("sc_lap", p.boolean("in_this_lap")))
    return lambda state: Decision(intents)


@command("start_sequence")
async def start_sequence(ctx: Context, p: Params) -> Decide:
    race = ctx.config["race"]
    delay_ms = int(ctx.rng.uniform(race["start_delay_min_s"], race["start_delay_max_s"]) * 1000)

    def decide(state: RaceState) -> Decision:
        now = ctx.now_ms()
        seq = state.lww_value("start_seq")
        if seq and not seq["aborted"] and now < seq["lights_out_ms"]:
            raise ValidationError("start_sequence", "a start sequence is already running", 409)
        begin = now
        seq = {"id": f"{now:x}", "begin_ms": begin,
               "lights_out_ms": begin + LIGHTS * LIGHT_INTERVAL_MS + delay_ms,
               "aborted": False, "aborted_ms": None}
        return Decision([lww("start_seq", seq)], {"start_sequence": seq})
    return decide


@command("start_sequence/abort")
async def start_sequence_abort(ctx: Context, p: Params) -> Decide:
    def decide(state: RaceState) -> Decision:
        seq = state.lww_value("start_seq")
        if not seq or seq["aborted"]:
            raise ValidationError("start_sequence", "no start sequence to abort", 409)
        seq = dict(seq, aborted=True, aborted_ms=ctx.now_ms())
        return Decision([lww("start_seq", seq)], {"start_sequence": seq})
    return decide


# -- sectors -------------------------------------------------------------------------

@command("sector/set_flag")
async def sector_set_flag(ctx: Context, p: Params) -> Decide:
    sid = ctx.sector_id(p)
    flag = p.flag()
    intents = [signal(f"sector_flag:{sid}", flag)]
    if p.given("marshal_intervene"):
        intents.append(signal(f"intervene:{sid}", p.boolean("marshal_intervene")))
    return lambda state: Decision(intents, {"sector_id": sid, "flag": flag})


@command("sector/intervene")
async def sector_intervene(ctx: Context, p: Params) -> Decide:
    """A marshal's intervention: raising it also shows yellow for the sector."""
    sid = ctx.sector_id(p)
    active = p.boolean("active", default=True)
    intents = [signal(f"intervene:{sid}", active)]

    def decide(state: RaceState) -> Decision:
        flag, _, _ = state.signal(f"sector_flag:{sid}")
        if active and flag in ("none", "green", "blue", "white"):
            return Decision(intents + [signal(f"sector_flag:{sid}", "yellow")])
        return Decision(intents)
    return decide


@command("sector/intervene_ack")
async def sector_intervene_ack(ctx: Context, p: Params) -> Decide:
    sid = ctx.sector_id(p)

    def decide(state: RaceState) -> Decision:
        active, _, since = state.signal(f"intervene:{sid}")
        if not active:
            raise ValidationError("sector_id", f"sector {sid} has no intervention to "
                                               "acknowledge", 409)
        return Decision([lww(f"intervene_ack:{sid}", since)])
    return decide


# -- pilots --------------------------------------------------------------------------

def _pilot_record(p: Params) -> dict:
    return {"firstName": p.text("firstName", required=True, max_len=64),
            "lastName": p.text("lastName", required=True, max_len=64)}


@command("register_pilot")
async def register_pilot(ctx: Context, p: Params) -> Decide:
    record = _pilot_record(p)
    number = p.car_number("number")

    def decide(state: RaceState) -> Decision:
        if state.pilot(number) is not None:
            raise ValidationError("number", f"car {number} is already registered", 409)
        return Decision([Intent("pilot", {"number": number, "record": record})],
                        {"number": number})
    return decide


def _change_registered_pilot(number: str, record: dict | None) -> Decide:
    """Update (record) or delete (None) a pilot who must be registered."""
    def decide(state: RaceState) -> Decision:
        _registered(state, number, "number")
        return Decision([Intent("pilot", {"number": number, "record": record})])
    return decide


@command("pilot/update")
async def pilot_update(ctx: Context, p: Params) -> Decide:
    record = _pilot_record(p)
    return _change_registered_pilot(p.car_number("number"), record)


@command("pilot/delete")
async def pilot_delete(ctx: Context, p: Params) -> Decide:
    return _change_registered_pilot(p.car_number("number"), None)


@command("pilot/assign_blue")
async def assign_blue(ctx: Context, p: Params) -> Decide:
    number = p.car_number("number")
    assign = p.boolean("assign", default=True)

    def decide(state: RaceState) -> Decision:
        _registered(state, number, "number")
        return Decision([signal(f"blue:{number}", assign)])
    return decide


@command("pilot/car_flag")
async def car_flag(ctx: Context, p: Params) -> Decide:
    """Per-car flags for the start line: black (disqualified), black_orange (mechanical
    problem), black_white (unsporting warning), none."""
    number = p.car_number("number")
    value = p.text("flag", required=True, max_len=40)
    flag = flags.normalize_car_flag(value)
    if flag is None:
        raise ValidationError("flag", f"unknown car flag {value!r}; known: "
                                      f"{', '.join(flags.CAR_FLAGS)}")

    def decide(state: RaceState) -> Decision:
        _registered(state, number, "number")
        return Decision([signal(f"car_flag:{number}", flag)], {"number": number, "flag": flag})
    return decide


# -- penalties and events --------------------------------------------------------------

@command("penalty/add")
async def penalty_add(ctx: Context, p: Params) -> Decide:
    target = p.car_number("target_number")
    kind = p.choice("penalty_type", PENALTY_TYPES, aliases=PENALTY_ALIASES)
    amount = p.seconds("amount_seconds", required=kind == "time")
    who_hit = p.car_number("who_hit", required=False) or ""
    args = {"target_number": target, "type": kind, "amount_seconds": amount or 0,
            "reason": p.text("reason", max_len=200), "who_hit": who_hit,
            "contact_person": p.text("contact_person", max_len=100),
            "comment": p.text("comment", max_len=500)}

    def decide(state: RaceState) -> Decision:
        _registered(state, target, "target_number")
        if who_hit:
            _registered(state, who_hit, "who_hit")
        return Decision([Intent("penalty", args, announce="penalty_add")])
    return decide


@command("penalty/revoke")
async def penalty_revoke(ctx: Context, p: Params) -> Decide:
    pid = p.text("penalty_id", required=True, max_len=32)

    def decide(state: RaceState) -> Decision:
        if pid not in state.penalties:
            raise ValidationError("penalty_id", f"no penalty {pid!r} in this session", 404)
        if pid in state.revoked:
            raise ValidationError("penalty_id", f"penalty {pid!r} is already revoked", 409)
        return Decision([Intent("penalty_revoke", {"penalty_id": pid},
                                announce="penalty_revoke")])
    return decide


@command("event")
async def event(ctx: Context, p: Params) -> Decide:
    args = {"event_type": p.choice("event_type", EVENT_TYPES),
            "sector_id": ctx.sector_id(p, required=False),
            "number": p.car_number("number", required=False) or "",
            "details": p.text("details", max_len=500)}
    return lambda state: Decision([Intent("event", args, announce="event")])


# -- pit boxes -------------------------------------------------------------------------

def _box_id(p: Params) -> str:
    box = p.text("box_id", required=True, max_len=32)
    if not all(c.isalnum() or c in "-_ " for c in box):
        raise ValidationError("box_id", "box_id may hold letters, digits, space, - and _")
    return box


def _password(p: Params, name: str = "password") -> str:
    pw = p.text(name, required=True, max_len=200)
    if not 4 <= len(pw.encode()) <= 72:
        raise ValidationError(name, f"{name} must be 4 to 72 bytes")
    return pw


def _unchanged(box: str, known_hash: str | None) -> Callable[[RaceState], None]:
    """A decide step that refuses if the box changed while bcrypt ran."""
    def check(state: RaceState) -> None:
        if state.pitbox_hash(box) != known_hash:
            raise ValidationError("box_id", f"pit box {box!r} changed meanwhile: retry", 409)
    return check


@command("pitbox/create")
async def pitbox_create(ctx: Context, p: Params) -> Decide:
    box, password = _box_id(p), _password(p)
    from_state = ctx.passwords.current_hash(box)
    if from_state is not None:
        if not p.given("current_password"):
            raise ValidationError("current_password", f"pit box {box!r} exists: give its "
                                  "current_password (or race control resets it)", 403)
        await ctx.passwords.verify(box, p.text("current_password", max_len=200), from_state)
    new_hash = await ctx.passwords.hash(password)
    unchanged = _unchanged(box, from_state)

    def decide(state: RaceState) -> Decision:
        unchanged(state)
        return Decision([Intent("pitbox", {"box_id": box, "hash": new_hash})], {"box_id": box})
    return decide


@command("pitbox/reset")
async def pitbox_reset(ctx: Context, p: Params) -> Decide:
    """Race control sets a box's password without knowing the old one."""
    box, password = _box_id(p), _password(p)
    new_hash = await ctx.passwords.hash(password)
    return lambda state: Decision([Intent("pitbox", {"box_id": box, "hash": new_hash})],
                                  {"box_id": box})


async def _check_box(ctx: Context, p: Params) -> str:
    box, password = _box_id(p), p.text("password", required=True, max_len=200)
    known = ctx.passwords.current_hash(box)
    if known is None:
        raise ValidationError("box_id", f"no pit box {box!r}", 404)
    await ctx.passwords.verify(box, password, known)
    return box


@command("pitbox/login")
async def pitbox_login(ctx: Context, p: Params) -> Decide:
    box = await _check_box(ctx, p)
    return lambda state: Decision([], {"box_id": box})


@command("pitbox/send")
async def pitbox_send(ctx: Context, p: Params) -> Decide:
    action = p.choice("action", PIT_ACTIONS)
    note = p.text("note", max_len=500)
    box = await _check_box(ctx, p)
    args = {"box_id": box, "action": action, "note": note}
    return lambda state: Decision([Intent("pit_msg", args, announce="pit_action")])


# -- devices ---------------------------------------------------------------------------

@command("identify_device")
async def identify_device(ctx: Context, p: Params) -> Decide:
    record = {"kind": p.choice("kind", DEVICE_KINDS),
              "sector_id": ctx.sector_id(p, required=False),
              "host": p.text("host", max_len=64),
              "device_id": p.text("device_id", max_len=64),
              "version": p.text("version", max_len=32),
              "panel": p.text("panel", max_len=32)}
    key = record["device_id"] or f"{record['kind']}:{record['host']}:{record['sector_id'] or ''}"
    ctx.device_seen[key] = ctx.now_ms()

    def decide(state: RaceState) -> Decision:
        known = state.devices.get(key)
        if known is not None and known[2] == record:
            return Decision([], {"key": key})  # a heartbeat: nothing to write
        return Decision([Intent("device", {"key": key, "record": record},
                                announce="identify_device")], {"key": key})
    return decide
