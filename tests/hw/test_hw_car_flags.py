"""Per-car flags at the start line: golden frames of black, black/orange and black/white on a
32x8 matrix, the precedence (every signal to all cars over a message to one), the rotation
of several cars phase-locked to the mesh clock, and strips (which cannot show a number)
left as they were. HW_GOLDEN_UPDATE=1 rewrites tests/hw/golden/ (review the diff)."""

import asyncio

import pytest
from test_hw_render import (
    MATRIX,
    STRIP,
    T0,
    ascii_frame,
    check_golden,
    make_config,
    state_with,
)

from appliance.hw import HardwareService, View, render
from appliance.hw.fakes import FakeNode
from appliance.hw.patterns import BLACK, ORANGE, WHITE
from appliance.hw.render import CAR_PERIOD_MS, START_CLEAR_MS

SEQ = {"id": "s1", "begin_ms": T0, "lights_out_ms": T0 + 6234, "aborted": False,
       "aborted_ms": None}


def pilot(number, flag, since=T0 - 1000):
    return {"firstName": "A", "lastName": "B", "number": number, "blue_flag": False,
            "blue_conflict": False, "car_flag": flag, "car_flag_since_ms": since,
            "car_flag_conflict": False}


def start_view(hw=MATRIX, mode="start"):
    config = make_config(role="semaphore", sector=2, semaphore_mode=mode, **hw)
    return View.from_config(config), config


def show(state, now=T0, hw=MATRIX, mode="start", live=True, prev=None):
    view, config = start_view(hw, mode)
    return render(view, state, now, live, config, prev)


def test_golden_car_flags_on_a_32x8_matrix():
    cases = [("black 44", [pilot("44", "black")]),
             ("black_orange 44", [pilot("44", "black_orange")]),
             ("black_white 44", [pilot("44", "black_white")]),
             ("black 7", [pilot("7", "black")]),
             ("black_orange 1234 (four digits)", [pilot("1234", "black_orange")]),
             ("black_white 123 (on a plate)", [pilot("123", "black_white")])]
    parts = []
    for label, pilots in cases:
        frame = show(state_with(pilots=pilots))
        parts.append(f"# {label} -> {frame.signal}\n{ascii_frame(frame)}")
    check_golden("start_matrix_car_flags", "\n".join(parts) + "\n")


def test_the_patterns_carry_their_flag_colours():
    def colours(flag):
        frame = show(state_with(pilots=[pilot("44", flag)]))
        return {frame.rgb(i) for i in range(frame.layout.count)}, frame
    black, frame = colours("black")
    assert black == {BLACK, WHITE} and frame.rgb(0) == WHITE  # the border
    assert frame.signal == "car_black:44" and frame.since_ms == T0 - 1000
    assert frame.next_change_ms is None  # one car: steady
    assert colours("black_orange")[0] == {BLACK, ORANGE, WHITE}
    bw, frame = colours("black_white")
    assert bw == {BLACK, WHITE}
    w, h = frame.layout.width, frame.layout.height
    assert frame.rgb(0) == BLACK and frame.rgb(w * h - 1) == WHITE  # split diagonally


@pytest.mark.parametrize("label,kw,now,expected", [
    ("red", {"track": "red"}, T0, "red"),
    ("red over a running sequence", {"track": "red", "start_sequence": SEQ}, T0 + 3000, "red"),
    ("aborted start", {"start_sequence": dict(SEQ, aborted=True, aborted_ms=T0 + 3100)},
     T0 + 4000, "aborted"),
    ("sequence, lights off at begin", {"start_sequence": SEQ}, T0 + 10, "start_0"),
    ("sequence, three lights", {"start_sequence": SEQ}, T0 + 3010, "start_3"),
    ("sequence, five lights", {"start_sequence": SEQ}, T0 + 6000, "start_5"),
    ("the moment of lights out", {"start_sequence": SEQ}, T0 + 6234, "lights_out"),
    ("just before the line clears", {"start_sequence": SEQ}, T0 + 6234 + START_CLEAR_MS - 1,
     "lights_out"),
    ("sc", {"sc": True}, T0, "sc"),
    ("vsc", {"track": "vsc"}, T0, "vsc"),
    ("fcy", {"track": "fcy"}, T0, "fcy"),
    ("code60", {"track": "code60"}, T0, "code60"),
    ("chequered", {"track": "checkered"}, T0, "checkered"),
    ("after the start, the line clear", {"start_sequence": SEQ},
     T0 + 6234 + START_CLEAR_MS, "car_black:44"),
    ("before a scheduled sequence", {"start_sequence": dict(SEQ, begin_ms=T0 + 500,
                                                              lights_out_ms=T0 + 6000)},
     T0, "car_black:44"),
    ("a sector's yellow is not for the line", {"sector_flag": "yellow"}, T0, "car_black:44"),
    ("idle", {}, T0, "car_black:44"),
])
def test_precedence_at_the_start_line(label, kw, now, expected):
    frame = show(state_with(pilots=[pilot("44", "black")], **kw), now)
    assert frame.signal == expected, label
    plain = show(state_with(**kw), now)
    if not expected.startswith("car_"):  # the car flag changes nothing, not even a pixel
        assert (frame.pixels, frame.since_ms) == (plain.pixels, plain.since_ms), label


def test_timing_wakes_for_the_car_flag():
    """The frame loop is told when a car flag will come on: the line clearing after lights
    out, and a scheduled sequence taking over."""
    clear = T0 + 6234 + START_CLEAR_MS
    frame = show(state_with(pilots=[pilot("44", "black")], start_sequence=SEQ), T0 + 7000)
    assert frame.next_change_ms == clear
    assert show(state_with(start_sequence=SEQ), T0 + 7000).next_change_ms is None
    after = show(state_with(pilots=[pilot("44", "black")], start_sequence=SEQ), clear + 5)
    assert after.since_ms == clear  # the moment the car came on, the same on every gantry
    later = dict(SEQ, begin_ms=T0 + 500, lights_out_ms=T0 + 6000)
    frame = show(state_with(pilots=[pilot("44", "black")], start_sequence=later), T0)
    assert frame.next_change_ms == T0 + 500


def test_several_cars_cycle_in_a_fixed_order_on_the_mesh_clock():
    pilots = [pilot("7", "black_white"), pilot("44", "black_orange"), pilot("3", "none"),
              pilot("12", "black_white")]
    state = state_with(pilots=pilots)
    slot0 = T0 - T0 % CAR_PERIOD_MS
    order = [show(state, slot0 + k * CAR_PERIOD_MS).signal for k in range(6)]
    k0 = (slot0 // CAR_PERIOD_MS) % 3
    cycle = ["car_black_orange:44", "car_black_white:7", "car_black_white:12"]
    assert order == [cycle[(k0 + k) % 3] for k in range(6)]  # gravest first, then by number
    # the rotation is the mesh clock's: the next slot boundary is the next change
    frame = show(state, slot0 + 123)
    assert frame.next_change_ms == slot0 + CAR_PERIOD_MS
    assert frame.since_ms == slot0


def test_two_cars_alternate_and_two_gantries_agree():
    state = state_with(pilots=[pilot("44", "black"), pilot("9", "black_orange")])
    wide = dict(MATRIX, width=40)  # a second gantry, another panel
    for t in range(T0, T0 + 4 * CAR_PERIOD_MS, 250):
        a, b = show(state, t), show(state, t + CAR_PERIOD_MS)
        assert a.signal != b.signal and a.pixels != b.pixels
        again = show(state, t + 2 * CAR_PERIOD_MS)
        assert (again.signal, again.pixels) == (a.signal, a.pixels)
        assert show(state, t, hw=wide).signal == a.signal
    assert {show(state, T0 + k * CAR_PERIOD_MS).signal for k in range(2)} == {
        "car_black:44", "car_black_orange:9"}
    # render stays pure: same inputs, same frame, with or without a previous frame
    prev = show(state, T0 - 25)
    assert show(state, T0, prev=prev).pixels == show(state, T0).pixels


def test_cars_that_do_not_fit_or_carry_no_flag_are_skipped():
    small = dict(MATRIX, width=8)  # a one-digit number fits, a four-digit one does not
    frame = show(state_with(pilots=[pilot("1234", "black"), pilot("5", "none")]), hw=small)
    assert frame.signal == "none"
    frame = show(state_with(pilots=[pilot("1234", "black"), pilot("5", "black")]), hw=small)
    assert frame.signal == "car_black:5"


@pytest.mark.parametrize("mode,hw", [("start", STRIP), ("pit_exit", STRIP),
                                     ("pit_exit", MATRIX)])
def test_strips_and_pit_exits_are_unaffected(mode, hw):
    pilots = [pilot("44", "black"), pilot("9", "black_white")]
    cases = [({}, T0), ({"start_sequence": SEQ}, T0 + 2010),
             ({"start_sequence": SEQ}, T0 + 6234 + START_CLEAR_MS + 10), ({"sc": True}, T0)]
    for kw, now in cases:
        for dt in (0, CAR_PERIOD_MS):
            flagged = show(state_with(pilots=pilots, **kw), now + dt, hw=hw, mode=mode)
            plain = show(state_with(**kw), now + dt, hw=hw, mode=mode)
            assert not flagged.signal.startswith("car_")
            assert (flagged.signal, flagged.pixels, flagged.lamps, flagged.next_change_ms) == (
                plain.signal, plain.pixels, plain.lamps, plain.next_change_ms)


def test_sector_matrix_is_unaffected():
    config = make_config(**MATRIX)
    view = View.from_config(config)
    state = state_with(pilots=[pilot("44", "black")])
    assert render(view, state, T0, True, config).signal == "none"


def test_not_live_keeps_a_car_flag():
    """A car flag is a caution for its driver, not an all-clear: kept when cut off."""
    frame = show(state_with(pilots=[pilot("44", "black")]), live=False)
    assert frame.signal == "car_black:44"


async def _gantry_reporting(cars: dict[str, str], signal: str):
    """A start gantry's service on a fake node with a manual clock, once its report
    says `signal` after the car flags `cars` (number -> flag) were set."""
    config = make_config(role="semaphore", sector=0, semaphore_mode="start", **MATRIX)
    clock = {"t": T0}
    node = FakeNode(config, clock=lambda: clock["t"])
    service = HardwareService(node)
    await service.start()
    for number, flag in cars.items():
        node.set_car_flag(number, flag)
    for _ in range(200):
        if node.reports and node.reports[-1]["signal"] == signal:
            break
        await asyncio.sleep(0.005)
    assert node.reports[-1]["signal"] == signal
    return node, service, clock


def test_the_panel_report_names_the_car_on_screen():
    async def main():
        node, service, _ = await _gantry_reporting({"44": "black"}, "car_black:44")
        assert node.reports[-1]["since_ms"] == T0
        await service.stop()
    asyncio.run(asyncio.wait_for(main(), 20))


def test_a_rotation_of_cars_is_reported_as_one_stable_set():
    async def main():
        node, service, clock = await _gantry_reporting({"44": "black", "7": "black_white"},
                                                       "car_flags")
        assert node.reports[-1]["cars"] == ["car_black:44", "car_black_white:7"]
        count = len(node.reports)
        for step in range(1, 4):  # three turns of the rotation: the frame changes...
            clock["t"] = T0 + step * 2000
            service.panel_snapshot()
            await asyncio.sleep(0.06)
        assert len(node.reports) == count  # ...the report does not
        await service.stop()
    asyncio.run(asyncio.wait_for(main(), 20))


def test_alert_follows_car_flags_as_one_message():
    from appliance.hw.service import _alert_key
    assert _alert_key("car_black:44") == _alert_key("car_black_white:7")
    assert _alert_key("car_black:44") != _alert_key("none")
    assert _alert_key("red") != _alert_key("none")
