"""The race state: a deterministic fold of a set of operations (no I/O).

Merge rules, so that any set of operations applied in any order, with duplicates, gives
the same state:
- signals (flags, safety car, interventions, blue flags) are multi-value registers: a
  write removes the values its writer had seen; writes that did not see each other are
  all kept, and the register resolves to the most cautious of them;
- other single fields are last-writer-wins by (HLC, node id);
- collections (penalties, events, pit messages) are keyed by operation id; pilots, pit
  boxes and devices by their own key, last-writer-wins;
- a reset is an epoch: session operations ordered before the winning reset are ignored.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

from . import flags
from .hlc import wall_ms
from .ops import PERSISTENT_KINDS, Op


class MVRegister:
    """Multi-value register with causal contexts carried by the writes themselves.

    `covered[n]` is the largest timestamp of node n's writes that some write had seen; a
    write at or under it is superseded. Because a node sees its own earlier writes, this
    is exact without causal delivery.
    """

    __slots__ = ("covered", "live")

    def __init__(self):
        self.covered: dict[str, int] = {}
        self.live: dict[str, tuple[str, int, Any]] = {}  # op id -> (node, hlc, value)

    def apply(self, op_id: str, node: str, hlc: int, value: Any, ctx: dict[str, int]) -> bool:
        if op_id in self.live:
            return False
        before = set(self.live)
        for n, h in ctx.items():
            if h > self.covered.get(n, 0):
                self.covered[n] = h
        if hlc > self.covered.get(node, 0):
            self.live[op_id] = (node, hlc, value)
        self.live = {i: w for i, w in self.live.items() if w[1] > self.covered.get(w[0], 0)}
        return set(self.live) != before

    def context(self) -> dict[str, int]:
        """What a new write must carry to supersede every value held now."""
        ctx = dict(self.covered)
        for node, hlc, _ in self.live.values():
            if hlc > ctx.get(node, 0):
                ctx[node] = hlc
        return ctx

    def values(self) -> list[Any]:
        return [w[2] for w in self.live.values()]

    def since_ms(self, value: Any) -> int:
        return max((wall_ms(w[1]) for w in self.live.values() if w[2] == value), default=0)

    def to_json(self) -> dict:
        return {"c": self.covered, "l": self.live}

    @classmethod
    def from_json(cls, d: dict) -> "MVRegister":
        r = cls()
        r.covered = dict(d["c"])
        r.live = {i: tuple(w) for i, w in d["l"].items()}
        return r


@dataclass(frozen=True)
class RegisterType:
    default: Any
    resolve: Callable[[list], Any]
    valid: Callable[[Any], bool]


FLAG_REGISTER = RegisterType("none", flags.most_cautious,
                             lambda v: isinstance(v, str) and v in flags.SEVERITY)
BOOL_REGISTER = RegisterType(False, any, lambda v: isinstance(v, bool))
CAR_FLAG_REGISTER = RegisterType("none",
                                 lambda values: max(values, key=flags.CAR_SEVERITY.__getitem__),
                                 lambda v: isinstance(v, str) and v in flags.CAR_SEVERITY)


def register_type(name: str, sectors: int) -> RegisterType | None:
    """The type of a signal register by name, or None if no such signal exists here."""
    if name == "flag":
        return FLAG_REGISTER
    if name in ("sc_active", "sc_lap"):
        return BOOL_REGISTER
    kind, _, rest = name.partition(":")
    if kind == "blue" and rest:
        return BOOL_REGISTER
    if kind == "car_flag" and rest:
        return CAR_FLAG_REGISTER
    if kind in ("sector_flag", "intervene") and rest.isdigit() and 1 <= int(rest) <= sectors:
        return FLAG_REGISTER if kind == "sector_flag" else BOOL_REGISTER
    return None


LWW_KEYS = ("started", "start_seq")


def lww_key_valid(key: str, sectors: int) -> bool:
    if key in LWW_KEYS:
        return True
    kind, _, rest = key.partition(":")
    return kind == "intervene_ack" and rest.isdigit() and 1 <= int(rest) <= sectors


@dataclass
class RaceState:
    sectors: int = 3
    reset_key: tuple[int, str] = (0, "")
    reset_id: str = ""
    registers: dict[str, MVRegister] = field(default_factory=dict)
    lww: dict[str, list] = field(default_factory=dict)  # key -> [hlc, node, value]
    pilots: dict[str, list] = field(default_factory=dict)  # number -> [hlc, node, record|None]
    pitboxes: dict[str, list] = field(default_factory=dict)  # box id -> [hlc, node, hash]
    devices: dict[str, list] = field(default_factory=dict)  # device key -> [hlc, node, record]
    penalties: dict[str, dict] = field(default_factory=dict)
    revoked: dict[str, int] = field(default_factory=dict)  # penalty id -> revoke ms
    events: dict[str, dict] = field(default_factory=dict)
    pit_messages: dict[str, dict] = field(default_factory=dict)
    rejected: int = 0  # operations that were well-formed but meant nothing here

    # -- applying ---------------------------------------------------------------------

    def is_obsolete(self, op: Op) -> bool:
        """Session operations from before the current epoch never come back."""
        return op.kind not in PERSISTENT_KINDS and op.kind != "reset" and op.key < self.reset_key

    def apply(self, op: Op) -> bool:
        """Fold one operation in; True when the state changed. Never raises on bad args."""
        if op.kind == "reset":
            raise RuntimeError("resets are applied by the replica, which re-folds the epoch")
        if self.is_obsolete(op):
            return False
        try:
            return self._apply(op)
        except (KeyError, TypeError, ValueError, AttributeError):
            self.rejected += 1
            return False

    def begin_epoch(self, op: Op) -> bool:
        """Make `op` (a reset) the epoch if it is the latest; then session state is empty
        and the caller re-applies the session operations ordered after it."""
        if op.key <= self.reset_key:
            return False
        self.reset_key, self.reset_id = op.key, op.id
        self.registers.clear()
        self.lww.clear()
        self.penalties.clear()
        self.revoked.clear()
        self.events.clear()
        self.pit_messages.clear()
        return True

    def _apply(self, op: Op) -> bool:
        a = op.args
        if op.kind == "signal":
            rtype = register_type(a["r"], self.sectors)
            if rtype is None or not rtype.valid(a["v"]):
                raise ValueError("unknown signal or value")
            reg = self.registers.setdefault(a["r"], MVRegister())
            return reg.apply(op.id, op.node, op.hlc, a["v"], op.ctx)
        if op.kind == "lww":
            if not lww_key_valid(a["r"], self.sectors):
                raise ValueError("unknown field")
            return _lww_put(self.lww, a["r"], op, a["v"])
        if op.kind == "pilot":
            return _lww_put(self.pilots, str(a["number"]), op, a.get("record"))
        if op.kind == "pitbox":
            return _lww_put(self.pitboxes, str(a["box_id"]), op, str(a["hash"]))
        if op.kind == "device":
            return _lww_put(self.devices, str(a["key"]), op, dict(a["record"]))
        if op.kind == "penalty_revoke":
            pid, ms = str(a["penalty_id"]), wall_ms(op.hlc)
            if pid in self.revoked and self.revoked[pid] <= ms:
                return False
            self.revoked[pid] = ms
            return True
        collection = {"penalty": self.penalties, "event": self.events,
                      "pit_msg": self.pit_messages}[op.kind]
        if op.id in collection:
            return False
        collection[op.id] = {**a, "id": op.id, "node": op.node, "ts_ms": wall_ms(op.hlc)}
        return True

    # -- reading ----------------------------------------------------------------------

    def register(self, name: str) -> MVRegister:
        return self.registers.get(name) or MVRegister()

    def signal(self, name: str) -> tuple[Any, list, int]:
        """(resolved value, the distinct values held, since when the value holds, ms)."""
        rtype = register_type(name, self.sectors)
        values = self.register(name).values()
        if not values:
            return rtype.default, [], 0
        value = rtype.resolve(values)
        return value, values, self.register(name).since_ms(value)

    def lww_value(self, key: str, default: Any = None) -> Any:
        entry = self.lww.get(key)
        return default if entry is None else entry[2]

    def pilot(self, number: str) -> dict | None:
        entry = self.pilots.get(number)
        return None if entry is None else entry[2]

    def pitbox_hash(self, box_id: str) -> str | None:
        entry = self.pitboxes.get(box_id)
        return None if entry is None else entry[2]

    # -- snapshot ---------------------------------------------------------------------

    def to_json(self) -> dict:
        return {
            "sectors": self.sectors, "reset_key": list(self.reset_key), "reset_id": self.reset_id,
            "registers": {k: r.to_json() for k, r in self.registers.items()},
            "lww": self.lww, "pilots": self.pilots, "pitboxes": self.pitboxes,
            "devices": self.devices, "penalties": self.penalties, "revoked": self.revoked,
            "events": self.events, "pit_messages": self.pit_messages,
        }

    @classmethod
    def from_json(cls, d: dict, sectors: int) -> "RaceState":
        s = cls(sectors=sectors, reset_key=tuple(d["reset_key"]), reset_id=d["reset_id"],
                registers={k: MVRegister.from_json(r) for k, r in d["registers"].items()},
                lww=d["lww"], pilots=d["pilots"], pitboxes=d["pitboxes"], devices=d["devices"],
                penalties=d["penalties"], revoked=d["revoked"], events=d["events"],
                pit_messages=d["pit_messages"])
        return s


def _lww_put(table: dict, key: str, op: Op, value: Any) -> bool:
    entry = table.get(key)
    if entry is not None and (entry[0], entry[1]) >= op.key:
        return False
    table[key] = [op.hlc, op.node, value]
    return True
