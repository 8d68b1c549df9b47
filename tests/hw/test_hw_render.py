"""The pure renderer: golden frames for every signal in every mode, precedence, the green
hold, the start sequence on an injected clock, flash phase across nodes, and the
loss-of-contact policy. Set HW_GOLDEN_UPDATE=1 to rewrite tests/hw/golden/ after a
deliberate pattern change (and review the diff)."""

import copy
import os
from pathlib import Path

import pytest

from appliance import config as config_mod
from appliance.flags import PRECEDENCE
from appliance.hw import View, render
from appliance.hw.fakes import blank_state, resolve_signals
from appliance.hw.frame import Layout
from appliance.hw.patterns import (BLACK, BLUE, DIM_BLUE, GREEN, MAGENTA, ORANGE, RED, WHITE,
                                   YELLOW)

GOLDEN = Path(__file__).parent / "golden"
CHARS = {BLACK: ".", GREEN: "G", YELLOW: "Y", RED: "R", WHITE: "W", BLUE: "B",
         MAGENTA: "M", ORANGE: "O", DIM_BLUE: "b"}
SECTOR_SIGNALS = [s for s in PRECEDENCE]
T0 = 1_000_000  # a mesh time on every flash cycle's boundary


def make_config(role="sector", sector=2, **hw):
    return config_mod.load(overrides={"node": {"role": role, "sector": sector}, "hw": hw})


STRIP = {"layout": "strip", "led_count": 20}
MATRIX = {"layout": "matrix", "width": 32, "height": 8}


def ascii_frame(frame) -> str:
    w = frame.layout.width
    cells = [CHARS.get(frame.rgb(i), "?") for i in range(frame.layout.count)]
    return "\n".join("".join(cells[y * w:(y + 1) * w]) for y in range(frame.layout.height))


def state_with(sector_flag="none", track="none", sc=False, since=T0 - 5000, **extra):
    state = blank_state(3)
    state["sectors"][1]["flag"], state["sectors"][1]["flag_since_ms"] = sector_flag, since
    state["flag"], state["flag_since_ms"] = track, since
    state["safety_car"], state["safety_car_since_ms"] = sc, since
    state.update(extra)
    resolve_signals(state)
    return state


def check_golden(name: str, text: str) -> None:
    path = GOLDEN / f"{name}.txt"
    if os.environ.get("HW_GOLDEN_UPDATE"):
        path.write_text(text)
    assert path.exists(), f"no golden {path}: run with HW_GOLDEN_UPDATE=1"
    assert text == path.read_text(), f"pattern changed: {name} (HW_GOLDEN_UPDATE=1 to accept)"


def sector_sheet(hw: dict) -> str:
    config = make_config(**hw)
    view = View.from_config(config)
    parts = []
    for signal in SECTOR_SIGNALS:
        if signal in ("red", "code60", "fcy", "vsc", "checkered"):
            state = state_with(track=signal)
        elif signal == "sc":
            state = state_with(sc=True)
        else:
            state = state_with(sector_flag=signal, since=T0 - 100)
        if signal == "blue":
            state["pilots"] = [{"firstName": "A", "lastName": "B", "number": "7",
                                "blue_flag": True}]
        for dt in (0, 175, 400, 600):
            frame = render(view, state, T0 + dt, True, config)
            parts.append(f"# {signal} t+{dt} -> {frame.signal}\n{ascii_frame(frame)}")
    frame = render(view, state_with(), T0, False, config)
    parts.append(f"# none, not live, t+0 -> {frame.signal}\n{ascii_frame(frame)}")
    return "\n".join(parts) + "\n"


@pytest.mark.parametrize("name,hw", [("sector_strip", STRIP), ("sector_matrix", MATRIX)])
def test_golden_sector_mode(name, hw):
    check_golden(name, sector_sheet(hw))


def semaphore_cases():
    seq = {"id": "s1", "begin_ms": T0, "lights_out_ms": T0 + 6234, "aborted": False,
           "aborted_ms": None}
    cases = [("idle", state_with(), T0)]
    for k in range(6):
        cases.append((f"sequence t+{k}s", state_with(start_sequence=seq), T0 + k * 1000 + 10))
    cases.append(("sequence at lights out", state_with(start_sequence=seq), T0 + 6234))
    aborted = dict(seq, aborted=True, aborted_ms=T0 + 3100)
    cases += [("aborted lit", state_with(start_sequence=aborted), T0 + 4000),
              ("aborted dark", state_with(start_sequence=aborted), T0 + 4600),
              ("red", state_with(track="red"), T0),
              ("red over a sequence", state_with(track="red", start_sequence=seq), T0 + 3000),
              ("sc", state_with(sc=True), T0),
              ("vsc", state_with(track="vsc"), T0),
              ("checkered", state_with(track="checkered"), T0),
              ("yellow in sector is not for the line", state_with(sector_flag="yellow"), T0)]
    return cases, seq


def semaphore_sheet(hw: dict, mode: str) -> str:
    config = make_config(role="semaphore", sector=2, semaphore_mode=mode, **hw)
    view = View.from_config(config)
    cases, seq = semaphore_cases()
    if mode == "pit_exit":
        cases += [("blue warning lit", state_with(sector_flag="blue"), T0 + 10),
                  ("blue warning dark", state_with(sector_flag="blue"), T0 + 300),
                  ("not live, open", state_with(), T0)]
    parts = []
    for label, state, now in cases:
        live = not label.startswith("not live")
        frame = render(view, state, now, live, config)
        lamps = ",".join(sorted(k for k, v in frame.lamps.items() if v)) or "-"
        parts.append(f"# {label} -> {frame.signal} lamps {lamps}\n{ascii_frame(frame)}")
    return "\n".join(parts) + "\n"


@pytest.mark.parametrize("mode", ["start", "pit_exit"])
@pytest.mark.parametrize("shape,hw", [("strip", STRIP), ("matrix", MATRIX)])
def test_golden_semaphore_modes(mode, shape, hw):
    check_golden(f"{mode}_{shape}", semaphore_sheet(hw, mode))


def test_every_signal_is_drawn_distinctly():
    """No two sector signals share all four sampled frames (SC vs VSC by cadence)."""
    sheet = sector_sheet(STRIP).split("# ")[1:-1]
    by_signal = {}
    for block in sheet:
        head, body = block.split("\n", 1)
        by_signal.setdefault(head.split()[0], []).append(body)
    seen = {}
    for signal, frames in by_signal.items():
        key = tuple(frames)
        assert key not in seen, f"{signal} looks like {seen.get(key)}"
        seen[key] = signal


@pytest.mark.parametrize("low,high", [(PRECEDENCE[i + 1], PRECEDENCE[i])
                                      for i in range(len(PRECEDENCE) - 1)])
def test_precedence_on_a_sector_panel(low, high):
    config = make_config(**STRIP)
    view = View.from_config(config)
    state = blank_state(3)
    entry = state["sectors"][1]
    # the lower one local, the higher one where it can come from (track or local)
    entry["flag"] = low if low != "none" else "none"
    if high == "sc":
        state["safety_car"], state["safety_car_since_ms"] = True, T0
    elif high in ("red", "code60", "fcy", "vsc", "checkered"):
        state["flag"], state["flag_since_ms"] = high, T0
    else:
        entry["flag"] = high
    state["flag_since_ms"] = state.get("flag_since_ms") or T0
    entry["flag_since_ms"] = T0
    resolve_signals(state)
    assert render(view, state, T0 + 1, True, config).signal == high


def test_local_signal_returns_when_track_wide_lifts():
    config = make_config(**STRIP)
    view = View.from_config(config)
    state = state_with(sector_flag="yellow", sc=True)
    assert render(view, state, T0, True, config).signal == "sc"
    state["safety_car"] = False
    resolve_signals(state)
    assert render(view, state, T0, True, config).signal == "yellow"


def test_green_is_held_then_dark():
    config = make_config(**STRIP)
    view = View.from_config(config)
    state = state_with(sector_flag="green", since=T0)
    assert render(view, state, T0 + 9_999, True, config).signal == "green"
    frame = render(view, state, T0 + 9_999, True, config)
    assert frame.next_change_ms == T0 + 10_000
    dark = render(view, state, T0 + 10_000, True, config)
    assert dark.signal == "none" and dark.since_ms == T0 + 10_000


def test_green_hold_after_a_hazard_ends():
    """Yellow cleared to none: green for green_hold_s from the replicated clear time, on
    every post alike, then dark."""
    config = make_config(**STRIP)
    view = View.from_config(config)
    prev = render(view, state_with(sector_flag="yellow"), T0, True, config)
    cleared = state_with(sector_flag="none", since=T0 + 50)
    frame = render(view, cleared, T0 + 60, True, config, prev)
    assert (frame.signal, frame.since_ms) == ("green", T0 + 50)
    frame = render(view, cleared, T0 + 5_000, True, config, frame)
    assert frame.signal == "green"
    frame = render(view, cleared, T0 + 10_050, True, config, frame)
    assert frame.signal == "none"
    # no hold after blue: it was not a hazard
    prev = render(view, state_with(sector_flag="blue"), T0, True, config)
    assert render(view, cleared, T0 + 60, True, config, prev).signal == "none"


def test_green_hold_after_sc_withdrawn():
    config = make_config(**MATRIX)
    view = View.from_config(config)
    prev = render(view, state_with(sc=True), T0, True, config)
    state = state_with()
    state["sectors"][1]["signal_since_ms"] = T0 + 10
    assert render(view, state, T0 + 20, True, config, prev).signal == "green"


def test_start_sequence_on_an_injected_clock():
    config = make_config(role="semaphore", **STRIP)
    view = View.from_config(config)
    seq = {"id": "s", "begin_ms": T0, "lights_out_ms": T0 + 5_750, "aborted": False,
           "aborted_ms": None}
    state = state_with(start_sequence=seq)
    seen = []
    prev = None
    for now in range(T0 - 500, T0 + 7_000, 25):
        prev = render(view, state, now, True, config, prev)
        if not seen or seen[-1][0] != prev.signal:
            seen.append((prev.signal, now, prev.since_ms))
    assert seen == [("none", T0 - 500, T0 - 500),
                    ("start_0", T0, T0),
                    ("start_1", T0 + 1000, T0 + 1000), ("start_2", T0 + 2000, T0 + 2000),
                    ("start_3", T0 + 3000, T0 + 3000), ("start_4", T0 + 4000, T0 + 4000),
                    ("start_5", T0 + 5000, T0 + 5000),
                    ("lights_out", T0 + 5750, T0 + 5750)]
    assert render(view, state, T0 + 5749, True, config).next_change_ms == T0 + 5750
    lamps = render(view, state, T0 + 3500, True, config).lamps
    assert [lamps[f"red{k}"] for k in range(1, 6)] == [True, True, True, False, False]


def test_flash_phase_is_locked_across_nodes():
    """Two posts rendering at their own moments agree on the phase at each mesh time."""
    config_a = make_config(sector=1, **STRIP)
    config_b = make_config(sector=3, **MATRIX)
    state = state_with(track="fcy")
    view_a, view_b = View.from_config(config_a), View.from_config(config_b)
    for now in range(T0, T0 + 3000, 7):
        a = render(view_a, state, now, True, config_a)
        b = render(view_b, state, now, True, config_b)
        assert (a.rgb(0) == YELLOW) == (b.rgb(0) == YELLOW), now
        assert a.next_change_ms == b.next_change_ms


def test_flash_overrides_from_config():
    config = config_mod.load(overrides={"node": {"role": "sector", "sector": 2},
                                        "hw": {"led_count": 10,
                                               "flash_overrides": {"fcy": [100, 900]}}})
    view = View.from_config(config)
    state = state_with(track="fcy")
    assert render(view, state, T0 + 50, True, config).rgb(0) == YELLOW
    assert render(view, state, T0 + 150, True, config).rgb(0) == BLACK


@pytest.mark.parametrize("signal", ["green", "none"])
def test_not_live_never_shows_green(signal):
    config = make_config(**STRIP)
    view = View.from_config(config)
    state = state_with(sector_flag=signal, since=T0)
    for now in range(T0, T0 + 4000, 50):
        frame = render(view, state, now, False, config)
        assert frame.signal == "not_live"
        assert GREEN not in {frame.rgb(i) for i in range(frame.layout.count)}


def test_not_live_keeps_cautions_and_local_buttons():
    config = make_config(**STRIP)
    view = View.from_config(config)
    for signal in ("yellow", "double_yellow", "red", "sc", "code60", "blue"):
        kw = {"sc": True} if signal == "sc" else (
            {"track": signal} if signal in ("red", "code60") else {"sector_flag": signal})
        assert render(view, state_with(**kw), T0, False, config).signal == signal
    # after a hazard ends while cut off: not the green hold, the not-live pattern
    prev = render(view, state_with(sector_flag="yellow"), T0, False, config)
    frame = render(view, state_with(since=T0 + 10), T0 + 20, False, config, prev)
    assert frame.signal == "not_live"


def test_not_live_pit_exit_and_gantry_show_no_all_clear():
    for mode, state in (("pit_exit", state_with()), ("start", state_with(start_sequence={
            "id": "s", "begin_ms": T0 - 9000, "lights_out_ms": T0 - 3000, "aborted": False,
            "aborted_ms": None}))):
        config = make_config(role="semaphore", semaphore_mode=mode, **STRIP)
        frame = render(View.from_config(config), state, T0, False, config)
        assert frame.signal == "not_live", mode
        assert not any(frame.lamps.values())


def test_matrix_serpentine_layouts():
    rows = Layout("matrix", 3, 2, serpentine=True, order="rows")
    assert rows.physical_order() == [0, 1, 2, 5, 4, 3]
    cols = Layout("matrix", 3, 2, serpentine=True, order="columns")
    assert cols.physical_order() == [0, 3, 4, 1, 2, 5]
    plain = Layout("matrix", 3, 2, serpentine=False, order="rows")
    assert plain.physical_order() == list(range(6))


def test_render_is_pure():
    config = make_config(**MATRIX)
    view = View.from_config(config)
    state = state_with(sector_flag="double_yellow")
    before = copy.deepcopy(state)
    a = render(view, state, T0 + 123, True, config)
    b = render(view, state, T0 + 123, True, config)
    assert a.pixels == b.pixels and state == before
