"""The fold is a CRDT: any set of operations, in any order, with duplicates, gives the
same state; signals resolve to the most cautious concurrent value."""

import random

from hypothesis import given, settings, strategies as st

from appliance import view
from appliance.hlc import HybridClock
from appliance.ops import Op, new_op_id
from appliance.race import RaceState

SECTORS = 3


class Replica:
    """A pure, in-memory replica: the fold plus the re-fold a reset needs."""

    def __init__(self, node: str, wall):
        self.node = node
        self.clock = HybridClock(wall)
        self.state = RaceState(sectors=SECTORS)
        self.ops: dict[str, Op] = {}

    def receive(self, op: Op) -> None:
        self.clock.observe(op.hlc)
        self.ops[op.id] = op
        if op.kind == "reset":
            if self.state.begin_epoch(op):
                for kept in self.ops.values():
                    if kept.kind != "reset":
                        self.state.apply(kept)
        else:
            self.state.apply(op)

    def write(self, kind: str, args: dict) -> Op:
        ctx = self.state.register(args["r"]).context() if kind == "signal" else {}
        op = Op(new_op_id(), self.node, self.clock.now(), kind, args, ctx)
        self.receive(op)
        return op

    def public(self) -> dict:
        return view.public_state(self.state, {}, now_ms=0)


FLAGS = ["none", "green", "yellow", "double_yellow", "red", "sc", "code60", "blue"]
action = st.one_of(
    st.tuples(st.just("signal"), st.sampled_from(["flag", "sector_flag:1", "sector_flag:2"]),
              st.sampled_from(FLAGS)),
    st.tuples(st.just("signal"), st.sampled_from(["sc_active", "intervene:1", "blue:7"]),
              st.booleans()),
    st.tuples(st.just("signal"), st.just("car_flag:7"),
              st.sampled_from(["none", "black", "black_orange", "black_white"])),
    st.tuples(st.just("lww"), st.just("started"), st.booleans()),
    st.tuples(st.just("pilot"), st.sampled_from(["7", "44", "101"]),
              st.sampled_from(["Ada", "Bo", None])),
    st.tuples(st.just("penalty"), st.sampled_from(["7", "44"]), st.integers(1, 30)),
    st.tuples(st.just("reset"), st.none(), st.none()),
)


def _args(kind, a, b):
    if kind in ("signal", "lww"):
        return {"r": a, "v": b}
    if kind == "pilot":
        return {"number": a, "record": None if b is None else {"firstName": b, "lastName": "X"}}
    if kind == "penalty":
        return {"target_number": a, "type": "time", "amount_seconds": b}
    return {}


@settings(max_examples=150, deadline=None)
@given(script=st.lists(st.tuples(st.integers(0, 2), action, st.integers(0, 3)), max_size=40),
       seed=st.integers(0, 2**32 - 1))
def test_any_order_with_duplicates_gives_the_same_state(script, seed):
    rng = random.Random(seed)
    wall = [1_000_000.0]
    replicas = [Replica(f"n{i}", lambda: wall[0]) for i in range(3)]
    log: list[Op] = []
    for who, (kind, a, b), gossip in script:
        wall[0] += rng.choice([0, 0.001, 1])
        log.append(replicas[who].write(kind, _args(kind, a, b)))
        for _ in range(gossip):  # partial, random delivery while writing goes on
            rng.choice(replicas).receive(rng.choice(log))
    for r in replicas:
        delivery = log + rng.choices(log, k=len(log) // 2) if log else []
        rng.shuffle(delivery)
        for op in delivery:
            r.receive(op)
    fresh = Replica("fresh", lambda: wall[0])
    for op in reversed(log):
        fresh.receive(op)
    states = [r.public() for r in replicas + [fresh]]
    assert all(s == states[0] for s in states[1:])


def _partition_pair(first: str, second: str):
    wall = [1000.0]
    a, b = Replica("a", lambda: wall[0]), Replica("b", lambda: wall[0])
    base = a.write("signal", {"r": "sector_flag:2", "v": "green"})
    b.receive(base)
    wall[0] += 1
    x = a.write("signal", {"r": "sector_flag:2", "v": first})   # both sides of a partition
    y = b.write("signal", {"r": "sector_flag:2", "v": second})
    a.receive(y)
    b.receive(x)
    return a, b


def test_a_marshals_yellow_is_not_erased_by_a_concurrent_clear():
    for first, second in (("yellow", "none"), ("none", "yellow")):
        a, b = _partition_pair(first, second)
        for r in (a, b):
            sector = r.public()["sectors"][1]
            assert sector["flag"] == "yellow"
            assert sector["flag_conflict"] is True
            assert sector["flag_values"] == ["yellow", "none"]


def test_a_write_that_saw_both_values_settles_the_conflict():
    a, b = _partition_pair("yellow", "none")
    settle = b.write("signal", {"r": "sector_flag:2", "v": "none"})
    a.receive(settle)
    for r in (a, b):
        sector = r.public()["sectors"][1]
        assert (sector["flag"], sector["flag_conflict"], sector["flag_values"]) == \
            ("none", False, ["none"])


def test_sequential_writes_replace_each_other():
    r = Replica("a", lambda: 5.0)  # a frozen wall clock: the HLC counter orders them
    for flag in ("yellow", "green", "none"):
        r.write("signal", {"r": "flag", "v": flag})
    assert r.public()["flag"] == "none"
    assert r.public()["flag_conflict"] is False


def test_a_slow_clock_cannot_make_a_nodes_later_command_lose():
    fast_wall, slow_wall = [10_000.0], [10_000.0 - 600]  # ten minutes behind
    fast, slow = Replica("fast", lambda: fast_wall[0]), Replica("slow", lambda: slow_wall[0])
    first = fast.write("lww", {"r": "started", "v": True})
    slow.receive(first)
    later = slow.write("lww", {"r": "started", "v": False})  # made after seeing `first`
    assert later.hlc > first.hlc
    fast.receive(later)
    assert fast.public()["started"] is False and slow.public()["started"] is False
    # and its own earlier write never beats its own later one, whatever its wall clock does
    slow_wall[0] -= 3600
    again = slow.write("signal", {"r": "flag", "v": "red"})
    slow_wall[0] += 7200
    latest = slow.write("signal", {"r": "flag", "v": "none"})
    assert latest.hlc > again.hlc
    assert slow.public()["flag"] == "none"


def test_operations_from_before_a_reset_never_come_back():
    wall = [100.0]
    a, b = Replica("a", lambda: wall[0]), Replica("b", lambda: wall[0])
    old = b.write("signal", {"r": "flag", "v": "red"})
    pilot = b.write("pilot", {"number": "7", "record": {"firstName": "A", "lastName": "B"}})
    wall[0] += 1
    reset = a.write("reset", {})
    a.receive(old)      # arrives after the reset: ignored
    a.receive(pilot)    # pilots outlive a reset
    b.receive(reset)
    for r in (a, b):
        s = r.public()
        assert s["flag"] == "none" and [p["number"] for p in s["pilots"]] == ["7"]
        assert s["epoch"] == reset.id


def test_bad_arguments_from_a_peer_are_counted_not_raised():
    state = RaceState(sectors=SECTORS)
    for args in ({"r": "sector_flag:9", "v": "yellow"}, {"r": "flag", "v": "purple"},
                 {"r": "flag"}, {"r": "sc_active", "v": "yes"}):
        assert state.apply(Op(new_op_id(), "x", 5 << 16, "signal", args)) is False
    assert state.rejected == 4


def test_concurrent_car_flags_resolve_to_the_gravest():
    wall = [10.0]
    a, b = Replica("a", lambda: wall[0]), Replica("b", lambda: wall[0])
    x = a.write("pilot", {"number": "7", "record": {"firstName": "A", "lastName": "B"}})
    b.receive(x)
    y = a.write("signal", {"r": "car_flag:7", "v": "black_white"})
    z = b.write("signal", {"r": "car_flag:7", "v": "black"})
    a.receive(z)
    b.receive(y)
    for r in (a, b):
        car = r.public()["pilots"][0]
        assert (car["car_flag"], car["car_flag_conflict"]) == ("black", True)
        assert car["car_flag_values"] == ["black", "black_white"]
